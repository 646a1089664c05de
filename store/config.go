package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ConfigValue resolves a core_config_data path for a store view the way
// Magento does: the store's row, else its website's, else the default row.
// storeID 0 reads the default scope only. ok is false when no row exists, and
// the caller falls back to its built-in default.
func (s *Store) ConfigValue(ctx context.Context, path string, storeID uint16) (value string, ok bool, err error) {
	var rows []struct {
		Scope string         `db:"scope"`
		Value sql.NullString `db:"value"`
	}
	err = s.db.SelectContext(ctx, &rows, `SELECT scope, value FROM core_config_data
		WHERE path = ? AND (
			(scope = 'default' AND scope_id = 0)
			OR (scope = 'websites' AND scope_id = (SELECT website_id FROM store WHERE store_id = ?) AND ? <> 0)
			OR (scope = 'stores' AND scope_id = ? AND ? <> 0))`,
		path, storeID, storeID, storeID, storeID)
	if err != nil {
		return "", false, fmt.Errorf("store: read config %s: %w", path, err)
	}
	rank := map[string]int{"default": 1, "websites": 2, "stores": 3}
	best := 0
	for _, r := range rows {
		if rank[r.Scope] > best {
			best = rank[r.Scope]
			value, ok = r.Value.String, true
		}
	}
	return value, ok, nil
}

// defaultConfig reads the default-scope values of paths under prefix.
func (s *Store) defaultConfig(ctx context.Context, prefix string) (map[string]string, error) {
	var rows []struct {
		Path  string         `db:"path"`
		Value sql.NullString `db:"value"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT path, value FROM core_config_data
		WHERE scope = 'default' AND scope_id = 0 AND path LIKE CONCAT(?, '%')`, prefix)
	if err != nil {
		return nil, fmt.Errorf("store: read config %s*: %w", prefix, err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Path] = r.Value.String
	}
	return m, nil
}
