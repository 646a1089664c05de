-- +goose Up
-- How many of the grid's orders were bought each day (UTC), exactly: a page
-- number far into the purchase-date sort is found from these counts, and
-- only its own day is walked. Kept by the grid's copy, which recounts the
-- days it touched (one copy at a time).
ALTER TABLE magesync_grid_day ADD COLUMN orders INT UNSIGNED NOT NULL DEFAULT 0;
UPDATE magesync_grid_day d
JOIN (SELECT DATE(created_at) AS day, COUNT(*) AS n FROM magesync_grid WHERE created_at IS NOT NULL GROUP BY DATE(created_at)) c
  ON c.day = d.day
SET d.orders = c.n;

-- +goose Down
ALTER TABLE magesync_grid_day DROP COLUMN orders;
