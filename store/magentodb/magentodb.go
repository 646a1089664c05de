// Package magentodb builds Magento 2.4.8 databases: the real schema and
// default rows of the tables magesync touches, and realistic orders written
// the way Magento writes them. The demo and the tests use it.
package magentodb

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"regexp"

	"github.com/go-sql-driver/mysql"

	"magesync/store"
)

//go:embed schema.sql
var schemaSQL string

//go:embed defaults.sql
var defaultsSQL string

// aclDirectorySQL is Magento's admin roles and its directory of countries
// and regions, as a 2.4.8 installation creates them.
//
//go:embed acl-directory.sql
var aclDirectorySQL string

var dbNameRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// CreateDatabase drops and re-creates database name on the server that
// serverDSN points at, loads the Magento schema and default rows into it,
// and returns a DSN for the new database.
func CreateDatabase(ctx context.Context, serverDSN, name string) (string, error) {
	if !dbNameRe.MatchString(name) {
		return "", fmt.Errorf("magentodb: database name %q: use letters, digits and _ only", name)
	}
	cfg, err := store.ParseDSN(serverDSN)
	if err != nil {
		return "", err
	}
	cfg.DBName = ""
	cfg.MultiStatements = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return "", fmt.Errorf("magentodb: %w", err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if err := ownedOrEmpty(ctx, db, name); err != nil {
		return "", fmt.Errorf("magentodb: create database %s on %s: %w", name, cfg.Addr, err)
	}
	// name is checked against dbNameRe above: identifiers cannot be bound.
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		return "", fmt.Errorf("magentodb: create database %s on %s: %w", name, cfg.Addr, err)
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return "", fmt.Errorf("magentodb: create database %s on %s: %w", name, cfg.Addr, err)
	}
	cfg.DBName = name
	if err := LoadSchema(ctx, cfg.FormatDSN()); err != nil {
		return "", err
	}
	cfg.MultiStatements = false
	return cfg.FormatDSN(), nil
}

// generatedMark is the core_config_data row that marks a database this
// package made; only such a database (or an empty one) is ever dropped.
const generatedMark = "magesync/generated/store"

// ErrNotGenerated is returned when a database to be replaced holds tables
// and is not a store this package generated.
var ErrNotGenerated = errors.New("the database holds tables and is not a store magesync generated; it is left alone (choose another name)")

func ownedOrEmpty(ctx context.Context, db *sql.DB, name string) error {
	var tables, configs int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(table_name = 'core_config_data'), 0)
		FROM information_schema.tables WHERE table_schema = ?`, name).Scan(&tables, &configs)
	if err != nil {
		return err
	}
	if tables == 0 {
		return nil
	}
	if configs == 0 {
		return ErrNotGenerated
	}
	var marks int
	// name is checked against dbNameRe by the callers.
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+name+"`.core_config_data WHERE path = ?", generatedMark).Scan(&marks); err != nil {
		return err
	}
	if marks == 0 {
		return ErrNotGenerated
	}
	return nil
}

// DropDatabase removes database name from the server serverDSN points at.
func DropDatabase(ctx context.Context, serverDSN, name string) error {
	if !dbNameRe.MatchString(name) {
		return fmt.Errorf("magentodb: database name %q: use letters, digits and _ only", name)
	}
	cfg, err := store.ParseDSN(serverDSN)
	if err != nil {
		return err
	}
	cfg.DBName = ""
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("magentodb: %w", err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if err := ownedOrEmpty(ctx, db, name); err != nil {
		return fmt.Errorf("magentodb: drop database %s: %w", name, err)
	}
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		return fmt.Errorf("magentodb: drop database %s: %w", name, err)
	}
	return nil
}

// LoadSchema creates the Magento tables and their default rows in the
// (empty) database dsn names.
func LoadSchema(ctx context.Context, dsn string) error {
	cfg, err := store.ParseDSN(dsn)
	if err != nil {
		return err
	}
	cfg.MultiStatements = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("magentodb: %w", err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		return fmt.Errorf("magentodb: load schema into %s: %w", cfg.DBName, err)
	}
	if _, err := db.ExecContext(ctx, defaultsSQL); err != nil {
		return fmt.Errorf("magentodb: load default rows into %s: %w", cfg.DBName, err)
	}
	if _, err := db.ExecContext(ctx, aclDirectorySQL); err != nil {
		return fmt.Errorf("magentodb: load roles and the region directory into %s: %w", cfg.DBName, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO core_config_data (scope, scope_id, path, value) VALUES ('default', 0, ?, '1')`, generatedMark); err != nil {
		return fmt.Errorf("magentodb: mark %s as generated: %w", cfg.DBName, err)
	}
	return nil
}

// AdministratorsRole is the role a new Magento install creates, allowed
// Magento_Backend::all.
const AdministratorsRole = 1

// CreateAdmin adds an active Magento admin account with a Magento 2.4
// password hash in the Administrators role, or resets the password of an
// existing one.
func CreateAdmin(ctx context.Context, db *sql.DB, username, password, email string) error {
	_, err := db.ExecContext(ctx, `INSERT INTO admin_user
		(firstname, lastname, email, username, password, is_active, interface_locale)
		VALUES ('Store', 'Admin', ?, ?, ?, 1, 'en_US')
		ON DUPLICATE KEY UPDATE password = VALUES(password), is_active = 1, lock_expires = NULL`,
		email, username, store.HashMagentoPassword(password))
	if err != nil {
		return fmt.Errorf("magentodb: create admin %s: %w", username, err)
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM authorization_role r JOIN admin_user u ON u.user_id = r.user_id
		WHERE r.role_type = 'U' AND u.username = ?`, username).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	return AssignRole(ctx, db, username, AdministratorsRole)
}

// CreateRole adds a role ('G') with one authorization_rule row per
// resource, "allow" or "deny", as Magento's role editor saves it.
func CreateRole(ctx context.Context, db *sql.DB, name string, rules map[string]string) (int64, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO authorization_role (parent_id, tree_level, sort_order, role_type, user_id, user_type, role_name)
		VALUES (0, 1, 0, 'G', 0, '2', ?)`, name)
	if err != nil {
		return 0, fmt.Errorf("magentodb: create role %s: %w", name, err)
	}
	id, _ := res.LastInsertId()
	for res, perm := range rules {
		if _, err := db.ExecContext(ctx, `INSERT INTO authorization_rule (role_id, resource_id, privileges, permission)
			VALUES (?, ?, NULL, ?)`, id, res, perm); err != nil {
			return 0, fmt.Errorf("magentodb: create role %s: %w", name, err)
		}
	}
	return id, nil
}

// AssignRole puts an admin in a role (the 'U' row Magento keeps per user),
// replacing the role it had.
func AssignRole(ctx context.Context, db *sql.DB, username string, roleID int64) error {
	var userID uint32
	if err := db.QueryRowContext(ctx, `SELECT user_id FROM admin_user WHERE username = ?`, username).Scan(&userID); err != nil {
		return fmt.Errorf("magentodb: assign role to %s: %w", username, err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM authorization_role WHERE role_type = 'U' AND user_id = ?`, userID); err != nil {
		return fmt.Errorf("magentodb: assign role to %s: %w", username, err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO authorization_role (parent_id, tree_level, sort_order, role_type, user_id, user_type, role_name)
		VALUES (?, 2, 0, 'U', ?, '2', ?)`, roleID, userID, username)
	if err != nil {
		return fmt.Errorf("magentodb: assign role to %s: %w", username, err)
	}
	return nil
}

// OrdersInStatus returns the ids of up to limit orders in status, oldest
// first: orders a bench or test then changes as an admin would.
func OrdersInStatus(ctx context.Context, db *sql.DB, status string, limit int) ([]uint32, error) {
	rows, err := db.QueryContext(ctx, `SELECT entity_id FROM sales_order WHERE status = ? ORDER BY entity_id LIMIT ?`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("magentodb: orders in %s: %w", status, err)
	}
	defer rows.Close()
	var ids []uint32
	for rows.Next() {
		var id uint32
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SetStatus changes an order's status and state, as Magento does when an
// admin acts on it (updated_at moves with the row).
func SetStatus(ctx context.Context, db *sql.DB, orderID uint32, status, state string) error {
	if _, err := db.ExecContext(ctx, `UPDATE sales_order SET status = ?, state = ? WHERE entity_id = ?`, status, state, orderID); err != nil {
		return fmt.Errorf("magentodb: set status of order %d: %w", orderID, err)
	}
	return nil
}
