-- +goose Up
-- The queue page's progress bar asks, every second, when the open entries
-- began and how the entries since then stand: indexes for both.
ALTER TABLE magesync_queue ADD KEY magesync_queue_open_since (status, created_at),
  ADD KEY magesync_queue_created (created_at, status);

-- +goose Down
ALTER TABLE magesync_queue DROP KEY magesync_queue_created, DROP KEY magesync_queue_open_since;
