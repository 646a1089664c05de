-- +goose Up
-- For each purchase day (UTC), the lowest and highest order id and order
-- number of the grid's orders that day: a date range is then also a
-- range of ids and of order numbers, which lets a page sorted by either
-- (or by a column whose index follows ids) start at the range instead of
-- walking every earlier order. Bounds only ever widen, so they hold even
-- when an order is deleted or its date changes.
CREATE TABLE magesync_grid_day (
  day DATE NOT NULL,
  min_id INT UNSIGNED NOT NULL,
  max_id INT UNSIGNED NOT NULL,
  min_increment_id VARCHAR(50) NULL,
  max_increment_id VARCHAR(50) NULL,
  PRIMARY KEY (day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT INTO magesync_grid_day (day, min_id, max_id, min_increment_id, max_increment_id)
SELECT DATE(created_at), MIN(entity_id), MAX(entity_id), MIN(increment_id), MAX(increment_id)
FROM magesync_grid WHERE created_at IS NOT NULL GROUP BY DATE(created_at);

-- +goose Down
DROP TABLE magesync_grid_day;
