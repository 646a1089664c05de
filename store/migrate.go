package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
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
	if err := s.buildGridWords(ctx, slog.Default()); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return s.ensureKeyPrefix(ctx)
}

// Readiness says why this store cannot serve, or nil: the database
// answers, magesync's tables are at the latest migration, and a change
// detector (in this process or another) polled within the last two minutes.
func (s *Store) Readiness(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("the database does not answer: %w", err)
	}
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	var version int
	if err := s.db.GetContext(ctx, &version, `SELECT COALESCE(MAX(version_id), 0) FROM `+migrationTable); err != nil {
		return fmt.Errorf("magesync's tables are not there: %w", err)
	}
	if version < len(entries) {
		return fmt.Errorf("magesync's tables are at migration %d of %d: run magesync migrate", version, len(entries))
	}
	var age sql.NullInt64
	if err := s.db.GetContext(ctx, &age, `SELECT TIMESTAMPDIFF(SECOND, MAX(updated_at), NOW(6)) FROM magesync_cursor
		WHERE name IN ('detector_orders', 'detector_comments')`); err != nil {
		return fmt.Errorf("the change detector's state cannot be read: %w", err)
	}
	if !age.Valid {
		return errors.New("no change detector has polled yet")
	}
	if age.Int64 > 120 {
		return fmt.Errorf("the change detector last polled %d s ago", age.Int64)
	}
	return nil
}
