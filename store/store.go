// Package store holds all of magesync's SQL: reads of Magento's tables, the
// magesync/... rows of core_config_data, and magesync's own tables.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrNotMagento is returned by Open when the database has no sales_order table.
var ErrNotMagento = errors.New("not a Magento database")

// Store is a handle on one Magento database.
type Store struct {
	db     *sqlx.DB
	host   string
	dbName string
	// mariaDB: the server is MariaDB (max_statement_time) rather than
	// MySQL (MAX_EXECUTION_TIME); gridLimit bounds each grid query.
	mariaDB   bool
	gridLimit time.Duration
}

// Open connects to a Magento MySQL/MariaDB database. The session runs in UTC,
// as Magento writes its timestamps in UTC. Open fails with an error naming the
// host and database when the server cannot be reached, refuses the
// credentials, or the database is not a Magento database.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("store: the DSN names no database (want user:pass@tcp(host:3306)/magento)")
	}
	db, err := pool(cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, host: cfg.Addr, dbName: cfg.DBName}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, s.connectError(err)
	}
	q, args, err := sqlx.In(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_name IN (?)`, magentoTables)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	var have []string
	if err := db.SelectContext(ctx, &have, q, args...); err != nil {
		db.Close()
		return nil, s.connectError(err)
	}
	var missing []string
	for _, t := range magentoTables {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, t) }) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		db.Close()
		return nil, fmt.Errorf("store: database %q on %s lacks Magento's %s: %w", cfg.DBName, cfg.Addr,
			strings.Join(missing, ", "), ErrNotMagento)
	}
	var version string
	if err := db.GetContext(ctx, &version, `SELECT VERSION()`); err != nil {
		db.Close()
		return nil, s.connectError(err)
	}
	s.mariaDB, s.gridLimit = strings.Contains(strings.ToLower(version), "mariadb"), 5*time.Second
	if s.mariaDB {
		// MariaDB turns an IN list of 1,000 values or more (a batch's
		// orders) into a derived table, and may then scan the whole table
		// it is matched against instead of reading its index once per
		// value: a backfill read every object ever synced for each batch.
		db.Close()
		cfg.Params["in_predicate_conversion_threshold"] = "0"
		if s.db, err = pool(cfg); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// pool opens the connection pool for cfg.
func pool(cfg *mysql.Config) (*sqlx.DB, error) {
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "mysql")
	db.SetMaxOpenConns(25)
	db.SetMaxIdleConns(10)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// magentoTables are the Magento tables magesync reads.
var magentoTables = []string{"admin_user", "authorization_role", "authorization_rule", "core_config_data",
	"directory_country_region", "sales_order", "sales_order_address", "sales_order_grid", "sales_order_item",
	"sales_order_payment", "sales_order_status", "sales_order_status_history", "sales_order_status_state",
	"store", "store_group", "store_website"}

// ParseDSN parses a go-sql-driver DSN and forces the session settings magesync
// relies on: UTC timestamps, parsed times and utf8mb4.
func ParseDSN(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: bad DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	if cfg.Collation == "" {
		cfg.Collation = "utf8mb4_general_ci"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	// The driver escapes arguments itself: one round trip per query instead
	// of prepare, execute and close.
	cfg.InterpolateParams = true
	return cfg, nil
}

func (s *Store) connectError(err error) error {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case 1045:
			return fmt.Errorf("store: MySQL at %s refused the credentials for database %q: %w", s.host, s.dbName, err)
		case 1049:
			return fmt.Errorf("store: database %q does not exist on MySQL at %s: %w", s.dbName, s.host, err)
		}
	}
	return fmt.Errorf("store: cannot reach MySQL at %s (database %q): %w", s.host, s.dbName, err)
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying pool, for the few callers that run their own SQL
// in tests and tools.
func (s *Store) DB() *sqlx.DB { return s.db }

// IsTransient reports whether err is the database being unreachable or
// giving up on a lock: worth trying again, and no fault of the data.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if retryableLock(err) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		// Server shutting down, too many connections, query interrupted.
		return me.Number == 1053 || me.Number == 1040 || me.Number == 1317 || me.Number == 1927
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// IsDatabaseError reports whether err came from the database server or
// the connection to it (as opposed to magesync's own worded errors).
func IsDatabaseError(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn)
}

// ErrTooSlow is returned when a query ran past its time limit and the
// server stopped it, so that one click cannot load the store's database.
var ErrTooSlow = errors.New("the query ran past its time limit and was stopped")

// SetGridLimit changes how long one grid query may run (5 s by default).
func (s *Store) SetGridLimit(d time.Duration) { s.gridLimit = d }

// GridLimit is how long one grid query may run.
func (s *Store) GridLimit() time.Duration { return s.gridLimit }

// bounded gives a SELECT the store's grid time limit, as the server takes
// it: MariaDB's SET STATEMENT max_statement_time, MySQL's
// MAX_EXECUTION_TIME hint (which applies to SELECTs only).
func (s *Store) bounded(query string) string { return s.boundedBy(s.gridLimit, query) }

// boundedWrite gives a write the grid's time limit where the server can
// (MariaDB: any statement, its wait for locks included).
func (s *Store) boundedWrite(query string) string {
	if s.mariaDB {
		return fmt.Sprintf("SET STATEMENT max_statement_time=%g FOR ", s.gridLimit.Seconds()) + query
	}
	return query
}

// walkingSort gives the grid's query its time limit and, on MariaDB,
// keeps each EXISTS a check per row: the page is then found by walking the
// sort's index, as a common keyword wants.
func (s *Store) walkingSort(query string) string {
	if s.mariaDB {
		return fmt.Sprintf("SET STATEMENT max_statement_time=%g, optimizer_switch='exists_to_in=off,semijoin=off' FOR ", s.gridLimit.Seconds()) + query
	}
	return s.bounded(query)
}

// boundedBy gives a SELECT the time limit d.
func (s *Store) boundedBy(d time.Duration, query string) string {
	if s.mariaDB {
		return fmt.Sprintf("SET STATEMENT max_statement_time=%g FOR ", d.Seconds()) + query
	}
	rest, ok := strings.CutPrefix(query, "SELECT ")
	if !ok {
		return query
	}
	return fmt.Sprintf("SELECT /*+ MAX_EXECUTION_TIME(%d) */ ", max(d.Milliseconds(), 1)) + rest
}

// tooSlow turns the server's "interrupted: time limit" into ErrTooSlow.
func tooSlow(err error) error {
	var me *mysql.MySQLError
	// 1969 MariaDB's max_statement_time, 3024 MySQL's MAX_EXECUTION_TIME,
	// 188 a fulltext search MariaDB stopped at the limit.
	if errors.As(err, &me) && (me.Number == 1969 || me.Number == 3024 || me.Number == 188) {
		return fmt.Errorf("%w (%v)", ErrTooSlow, err)
	}
	return err
}
