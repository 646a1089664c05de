-- +goose Up
-- The "From Magento" queue. open_order_id is set only while an entry is open,
-- so the unique key allows at most one open entry per order.
CREATE TABLE magesync_queue (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id INT UNSIGNED NOT NULL,
  increment_id VARCHAR(50) NOT NULL DEFAULT '',
  reason VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'new',
  message TEXT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  lease_owner VARCHAR(64) NULL,
  lease_until DATETIME(6) NULL,
  dirty TINYINT NOT NULL DEFAULT 0, -- the order changed while it was being synced: run again
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  open_order_id INT UNSIGNED AS (IF(status IN ('new', 'processing'), order_id, NULL)) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY magesync_queue_open_order (open_order_id),
  KEY magesync_queue_claim (status, next_attempt_at),
  KEY magesync_queue_order (order_id, id),
  KEY magesync_queue_updated (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- One row per Magento thing that exists (or is meant to exist) in Salesforce.
-- order_id ties order items and notes to their order; for an order it is the
-- order itself, which is what the orders grid joins on.
CREATE TABLE magesync_object (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  kind VARCHAR(16) NOT NULL,
  magento_key VARCHAR(191) NOT NULL,
  order_id INT UNSIGNED NULL,
  sf_id VARCHAR(18) NULL,
  sent_hash CHAR(64) NULL,
  sf_status VARCHAR(255) NULL, -- an order's Salesforce status as last sent
  state VARCHAR(16) NOT NULL DEFAULT 'not_in_sync',
  last_error TEXT NULL,
  synced_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY magesync_object_key (kind, magento_key),
  KEY magesync_object_order (order_id, kind),
  KEY magesync_object_state (kind, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Watermarks of the change detector (the last time and id it has seen per
-- source), and the workers' pause after Salesforce's daily limit.
CREATE TABLE magesync_cursor (
  name VARCHAR(64) NOT NULL,
  position_at DATETIME NULL,
  position_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  note VARCHAR(255) NOT NULL DEFAULT '',
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Admin sessions (scs).
CREATE TABLE magesync_sessions (
  token CHAR(43) NOT NULL,
  data BLOB NOT NULL,
  expiry TIMESTAMP(6) NOT NULL,
  PRIMARY KEY (token),
  KEY magesync_sessions_expiry (expiry)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Who changed which setting when. Secrets are logged as "(changed)", never in clear.
CREATE TABLE magesync_config_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  scope VARCHAR(8) NOT NULL DEFAULT 'default',
  scope_id INT NOT NULL DEFAULT 0,
  path VARCHAR(255) NOT NULL,
  old_value TEXT NULL,
  new_value TEXT NULL,
  username VARCHAR(40) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY magesync_config_log_path (path, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- +goose Down
DROP TABLE magesync_config_log;
DROP TABLE magesync_sessions;
DROP TABLE magesync_cursor;
DROP TABLE magesync_object;
DROP TABLE magesync_queue;
