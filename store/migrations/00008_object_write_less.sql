-- +goose Up
-- The orders grid reads magesync_grid now; nothing reads magesync_object
-- by state or Salesforce ID, and every sync result would still write these
-- indexes. (Whether anything is synced at all is asked rarely: on first
-- start and when the external ID prefix changes.)
DROP INDEX magesync_object_state_order ON magesync_object;
DROP INDEX magesync_object_sf_id ON magesync_object;

-- +goose Down
CREATE INDEX magesync_object_sf_id ON magesync_object (kind, sf_id);
CREATE INDEX magesync_object_state_order ON magesync_object (kind, state, order_id);
