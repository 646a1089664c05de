-- +goose Up
-- The orders grid's sync-status filters read order ids by state: a covering index.
CREATE INDEX magesync_object_state_order ON magesync_object (kind, state, order_id);
DROP INDEX magesync_object_state ON magesync_object;
-- Sorting the grid by Salesforce Order ID reads orders in this index's order.
CREATE INDEX magesync_object_sf_id ON magesync_object (kind, sf_id);

-- +goose Down
DROP INDEX magesync_object_sf_id ON magesync_object;
CREATE INDEX magesync_object_state ON magesync_object (kind, state);
DROP INDEX magesync_object_state_order ON magesync_object;
