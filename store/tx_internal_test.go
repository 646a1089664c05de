package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// TestDeadlockIsRetried: a transaction the server picks as a deadlock's
// victim runs again, whole, and succeeds.
func TestDeadlockIsRetried(t *testing.T) {
	ctx := context.Background()
	s := openForTest(t)
	for _, q := range []string{`CREATE TABLE magesync_tx_test (id INT PRIMARY KEY, n INT) ENGINE=InnoDB`,
		`INSERT INTO magesync_tx_test SELECT seq, 0 FROM seq_1_to_200`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	other, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The other transaction holds many rows (so it is the heavier one and
	// the server sacrifices ours), and will want row 1 after we hold it.
	if _, err := other.Exec(`UPDATE magesync_tx_test SET n = n + 1 WHERE id >= 2`); err != nil {
		t.Fatal(err)
	}
	calls := 0
	holding := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.inTx(ctx, func(tx *sqlx.Tx) error {
			calls++
			if _, err := tx.Exec(`UPDATE magesync_tx_test SET n = n + 1 WHERE id = 1`); err != nil {
				return err
			}
			if calls == 1 {
				close(holding)
			}
			_, err := tx.Exec(`UPDATE magesync_tx_test SET n = n + 1 WHERE id = 2`) // waits for the other
			return err
		})
	}()
	<-holding
	time.Sleep(100 * time.Millisecond) // ours waits on row 2 now
	if _, err := other.Exec(`UPDATE magesync_tx_test SET n = n + 1 WHERE id = 1`); err != nil {
		t.Fatalf("the other transaction was the victim: %v", err)
	}
	other.Commit()
	if err := <-done; err != nil || calls != 2 {
		t.Fatalf("after a deadlock: %d calls, %v; want it run again and succeed", calls, err)
	}
	var n int
	s.db.Get(&n, `SELECT n FROM magesync_tx_test WHERE id = 1`)
	if n != 2 {
		t.Errorf("row 1 = %d, want 2 (the other's update and ours, once)", n)
	}
}

// openForTest is a Store on an empty throwaway database: enough for the
// transaction helpers, which need no Magento table.
func openForTest(t *testing.T) *Store {
	t.Helper()
	server := os.Getenv("MAGESYNC_TEST_DSN")
	if server == "" {
		server = "root@tcp(127.0.0.1:3306)/"
	}
	cfg, err := ParseDSN(server)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sqlx.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "magesync_tx_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("test database (MAGESYNC_TEST_DSN=%q): %v", server, err)
	}
	t.Cleanup(func() {
		if a, err := sqlx.Open("mysql", cfg.FormatDSN()); err == nil {
			a.Exec("DROP DATABASE " + name)
			a.Close()
		}
	})
	cfg.DBName = name
	db, err := sqlx.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Store{db: db, dbName: name}
}

// TestBoundedQueries: a grid query carries the time limit in the server's
// own words, and the server's refusal reads as ErrTooSlow.
func TestBoundedQueries(t *testing.T) {
	s := openForTest(t)
	s.gridLimit = 250 * time.Millisecond
	mysqlStore := &Store{gridLimit: 1500 * time.Millisecond}
	if got := mysqlStore.bounded("SELECT 1 FROM t"); got != "SELECT /*+ MAX_EXECUTION_TIME(1500) */ 1 FROM t" {
		t.Errorf("MySQL: %q", got)
	}
	mariaStore := &Store{gridLimit: 250 * time.Millisecond, mariaDB: true}
	if got := mariaStore.bounded("SELECT 1"); got != "SET STATEMENT max_statement_time=0.25 FOR SELECT 1" {
		t.Errorf("MariaDB: %q", got)
	}
	// Against the test server, in its own form.
	var version string
	s.db.Get(&version, `SELECT VERSION()`)
	s.mariaDB = strings.Contains(strings.ToLower(version), "mariadb")
	var x int
	err := tooSlow(s.db.GetContext(context.Background(), &x, s.bounded("SELECT SLEEP(3)")))
	if !errors.Is(err, ErrTooSlow) {
		t.Errorf("a query past its limit: %v", err)
	}
}
