package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationTable is goose's version table, named with magesync's prefix so
// that nothing outside magesync_* is ever created in a Magento database.
const migrationTable = "magesync_schema_version"

// Migrate creates or upgrades magesync's own tables. Running it again is a
// no-op. Several processes may start at once: a named MySQL lock lets one
// migrate while the others wait.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	var got int
	// Named locks are server-wide: the name carries the database's.
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(CONCAT('magesync_migrate.', DATABASE()), 60)`).Scan(&got); err != nil || got != 1 {
		return fmt.Errorf("store: migrate: could not take the migration lock (got %d): %v", got, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(CONCAT('magesync_migrate.', DATABASE()))`)

	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectMySQL, s.db.DB, sub,
		goose.WithTableName(migrationTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}
