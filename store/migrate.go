package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

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
	lock, err := s.NamedLock(ctx, "magesync_migrate", time.Minute)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer lock.Release()

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
	return s.ensureKeyPrefix(ctx)
}
