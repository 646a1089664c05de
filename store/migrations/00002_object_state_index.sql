-- +goose Up
-- The orders grid's sync-status filters read order ids by state: a covering index.
CREATE INDEX magesync_object_state_order ON magesync_object (kind, state, order_id);
DROP INDEX magesync_object_state ON magesync_object;

-- +goose Down
CREATE INDEX magesync_object_state ON magesync_object (kind, state);
DROP INDEX magesync_object_state_order ON magesync_object;
