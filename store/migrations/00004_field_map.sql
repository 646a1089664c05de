-- +goose Up
-- The admin's field mappings: a Magento value into a Salesforce field of
-- Order or OrderItem, on every sync, on create only or on update only.
CREATE TABLE magesync_field_map (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  sobject VARCHAR(16) NOT NULL,
  source VARCHAR(160) NOT NULL,
  target VARCHAR(80) NOT NULL,
  mode VARCHAR(8) NOT NULL DEFAULT 'always',
  too_long VARCHAR(8) NOT NULL DEFAULT 'refuse',
  enabled TINYINT NOT NULL DEFAULT 1,
  username VARCHAR(40) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY magesync_field_map_target (sobject, target)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- +goose Down
DROP TABLE magesync_field_map;
