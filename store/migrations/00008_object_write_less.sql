-- +goose Up
-- The orders grid reads magesync_grid now; nothing reads magesync_object
-- by state or Salesforce ID, and every sync result would still write these
-- indexes. (Whether anything is synced at all is asked rarely: on first
-- start and when the external ID prefix changes.)
DROP INDEX magesync_object_state_order ON magesync_object;
DROP INDEX magesync_object_sf_id ON magesync_object;
-- An order sent again whose answer is not recorded yet: if the process
-- dies, the next attempt reads back what Salesforce holds of it. (Each
-- line was written as an "intent" before; this is one row per order.)
ALTER TABLE magesync_object ADD COLUMN sending TINYINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE magesync_object DROP COLUMN sending;
CREATE INDEX magesync_object_sf_id ON magesync_object (kind, sf_id);
CREATE INDEX magesync_object_state_order ON magesync_object (kind, state, order_id);
