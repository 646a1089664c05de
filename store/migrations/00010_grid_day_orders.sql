-- +goose Up
-- How many of the grid's orders were bought each day (UTC), by status and
-- purchase point, exactly: the grid filtered by those and dates counts its
-- orders from here at once, and a page number far into the purchase-date
-- sort walks only its own day. Kept by the grid's copy, which counts again
-- the days it touched (one copy at a time). A NULL status or store is ''
-- or 0 here; no filter asks for those.
CREATE TABLE magesync_grid_day_count (
  day DATE NOT NULL,
  status VARCHAR(32) NOT NULL,
  store_id SMALLINT UNSIGNED NOT NULL,
  orders INT UNSIGNED NOT NULL,
  PRIMARY KEY (day, status, store_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT INTO magesync_grid_day_count (day, status, store_id, orders)
SELECT DATE(created_at), COALESCE(status, ''), COALESCE(store_id, 0), COUNT(*)
FROM magesync_grid WHERE created_at IS NOT NULL
GROUP BY DATE(created_at), COALESCE(status, ''), COALESCE(store_id, 0);

-- +goose Down
DROP TABLE magesync_grid_day_count;
