-- +goose Up
-- Failed sign-ins through magesync, per Magento admin account, counted and
-- locked by Magento's own policy (admin/security/lockout_*). Kept apart from
-- admin_user so that magesync writes nothing into Magento's tables.
CREATE TABLE magesync_login_failure (
  user_id INT UNSIGNED NOT NULL,
  failures_num INT UNSIGNED NOT NULL DEFAULT 0,
  first_failure DATETIME(6) NULL,
  lock_expires DATETIME(6) NULL,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Small facts magesync keeps about itself, e.g. the salt of its secret key.
CREATE TABLE magesync_meta (
  name VARCHAR(64) NOT NULL,
  value VARBINARY(255) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- What each admin chose for themselves: the grid's columns.
CREATE TABLE magesync_admin_pref (
  user_id INT UNSIGNED NOT NULL,
  name VARCHAR(64) NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (user_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Failures that were not the order's own (Salesforce unavailable, a row
-- lock, the network): counted apart from attempts, which they do not use.
-- magento_key holds what Magento can hold (a SKU is VARCHAR(255)).
ALTER TABLE magesync_queue ADD COLUMN retries INT UNSIGNED NOT NULL DEFAULT 0 AFTER attempts;
ALTER TABLE magesync_object MODIFY magento_key VARCHAR(255) NOT NULL;

-- Session tokens are stored as their SHA-256: sessions made before are void.
DELETE FROM magesync_sessions;

-- +goose Down
DROP TABLE magesync_admin_pref;
ALTER TABLE magesync_object MODIFY magento_key VARCHAR(191) NOT NULL;
ALTER TABLE magesync_queue DROP COLUMN retries;
DROP TABLE magesync_meta;
DROP TABLE magesync_login_failure;
