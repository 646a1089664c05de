-- +goose Up
-- The queue page's chart of the last hour: a sample a minute, written by
-- the detector (its "finished this minute" count reads the queue's
-- updated_at index).
CREATE TABLE magesync_queue_stat (
  at DATETIME NOT NULL,
  open_entries INT UNSIGNED NOT NULL,
  done_entries INT UNSIGNED NOT NULL,
  PRIMARY KEY (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- +goose Down
DROP TABLE magesync_queue_stat;
