// Package magentodb builds Magento 2.4.8 databases: the real schema and
// default rows of the tables magesync touches, and realistic orders written
// the way Magento writes them. The demo and the tests use it.
package magentodb

import (
	"context"
	"database/sql"
	_ "embed"
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
	return nil
}

// CreateAdmin adds an active Magento admin account with a Magento 2.4
// password hash, or resets the password of an existing one.
func CreateAdmin(ctx context.Context, db *sql.DB, username, password, email string) error {
	_, err := db.ExecContext(ctx, `INSERT INTO admin_user
		(firstname, lastname, email, username, password, is_active, interface_locale)
		VALUES ('Store', 'Admin', ?, ?, ?, 1, 'en_US')
		ON DUPLICATE KEY UPDATE password = VALUES(password), is_active = 1, lock_expires = NULL`,
		email, username, store.HashMagentoPassword(password))
	if err != nil {
		return fmt.Errorf("magentodb: create admin %s: %w", username, err)
	}
	return nil
}
