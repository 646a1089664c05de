-- +goose Up
-- magesync's copy of the orders grid: Magento's grid columns beside the
-- sync columns, so that every filter and sort of the grid reads one table
-- with an index for each. Magento's columns follow sales_order_grid by its
-- updated_at (and new entity ids); the sync columns change in the same
-- transaction as magesync_object.
CREATE TABLE magesync_grid (
  entity_id INT UNSIGNED NOT NULL,
  increment_id VARCHAR(50) NULL,
  store_id SMALLINT UNSIGNED NULL,
  store_name VARCHAR(255) NULL,
  created_at TIMESTAMP NULL,
  updated_at TIMESTAMP NULL,
  billing_name VARCHAR(255) NULL,
  shipping_name VARCHAR(255) NULL,
  base_grand_total DECIMAL(20,4) NULL,
  grand_total DECIMAL(20,4) NULL,
  base_currency_code VARCHAR(3) NULL,
  order_currency_code VARCHAR(255) NULL,
  status VARCHAR(32) NULL,
  billing_address VARCHAR(255) NULL,
  shipping_address VARCHAR(255) NULL,
  customer_name VARCHAR(255) NULL,
  customer_email VARCHAR(255) NULL,
  sync_state VARCHAR(16) NOT NULL DEFAULT 'not_in_sync', -- sorts as its labels do: Error, In sync, Not in sync, Pending
  sf_id VARCHAR(18) NULL,
  PRIMARY KEY (entity_id),
  -- One index per sort: the sort column, then entity_id (the tie-break),
  -- then the columns the filters test, so that a filtered, sorted page is
  -- read from the index alone in the grid's order.
  KEY magesync_grid_by_increment_id (increment_id, entity_id, sync_state, status, store_id, created_at),
  KEY magesync_grid_by_store (store_id, entity_id, sync_state, status, created_at),
  KEY magesync_grid_by_created (created_at, entity_id, sync_state, status, store_id),
  KEY magesync_grid_by_billing_name (billing_name, entity_id, sync_state, status, store_id, created_at),
  KEY magesync_grid_by_shipping_name (shipping_name, entity_id, sync_state, status, store_id, created_at),
  KEY magesync_grid_by_base_total (base_grand_total, entity_id, sync_state, status, store_id, created_at),
  KEY magesync_grid_by_total (grand_total, entity_id, sync_state, status, store_id, created_at),
  KEY magesync_grid_by_status (status, entity_id, sync_state, store_id, created_at),
  KEY magesync_grid_by_sync (sync_state, entity_id, status, store_id, created_at),
  KEY magesync_grid_by_sf_id (sf_id, entity_id, sync_state, status, store_id, created_at),
  -- The Salesforce ID goes with the sync state (orders not in sync mostly
  -- have none): filtered by state, that sort walks this one.
  KEY magesync_grid_by_sync_sf_id (sync_state, sf_id, entity_id, status, store_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The words of each order's searchable columns (those of Magento's grid
-- fulltext index), for keyword search: a rare word is read by its range,
-- a common one checked per row while the grid walks its sort's index.
-- magesync fills it (store.Migrate); the collation makes it case- and
-- accent-blind, as Magento's search is.
CREATE TABLE magesync_grid_word (
  word VARCHAR(40) NOT NULL,
  entity_id INT UNSIGNED NOT NULL,
  PRIMARY KEY (word, entity_id),
  KEY magesync_grid_word_order (entity_id, word)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT INTO magesync_grid (entity_id, increment_id, store_id, store_name, created_at, updated_at, billing_name, shipping_name,
  base_grand_total, grand_total, base_currency_code, order_currency_code, status, billing_address, shipping_address,
  customer_name, customer_email, sync_state, sf_id)
SELECT g.entity_id, g.increment_id, g.store_id, g.store_name, g.created_at, g.updated_at, g.billing_name, g.shipping_name,
  g.base_grand_total, g.grand_total, g.base_currency_code, g.order_currency_code, g.status, g.billing_address, g.shipping_address,
  g.customer_name, g.customer_email, COALESCE(o.state, 'not_in_sync'), o.sf_id
FROM sales_order_grid g LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order';

INSERT INTO magesync_cursor (name, position_at, position_id)
SELECT 'grid_copy', MAX(updated_at), COALESCE(MAX(entity_id), 0) FROM magesync_grid;

-- +goose Down
DELETE FROM magesync_cursor WHERE name IN ('grid_copy', 'grid_copy_changed', 'grid_words');
DROP TABLE magesync_grid_word;
DROP TABLE magesync_grid;
