-- +goose Up
-- The orders grid reads magesync_grid now; nothing reads magesync_object
-- by state, and every sync result would still write this index.
DROP INDEX magesync_object_state_order ON magesync_object;

-- +goose Down
CREATE INDEX magesync_object_state_order ON magesync_object (kind, state, order_id);
