// Package dbtest gives tests throwaway Magento databases on a real MySQL or
// MariaDB server: MAGESYNC_TEST_DSN, by default root@tcp(127.0.0.1:3306)/.
// `make test` starts a private server when none answers there.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/magentodb"
)

// ServerDSN is the DSN of the test server, without a database.
func ServerDSN() string {
	if dsn := os.Getenv("MAGESYNC_TEST_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// NewDatabase creates an empty-of-orders Magento database (schema and
// default rows only, no magesync tables) and drops it when the test ends.
// It returns the database's DSN and name.
func NewDatabase(t testing.TB) (dsn, name string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name = "magesync_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn, err := magentodb.CreateDatabase(ctx, ServerDSN(), name)
	if err != nil {
		t.Fatalf("dbtest: %v\n(tests need MySQL or MariaDB at MAGESYNC_TEST_DSN=%q; `make test` starts one)", err, ServerDSN())
	}
	t.Cleanup(func() {
		if err := magentodb.DropDatabase(context.Background(), ServerDSN(), name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return dsn, name
}

// New creates a throwaway Magento database with magesync's tables, opens it
// and closes and drops it when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	dsn, _ := NewDatabase(t)
	return Open(t, dsn)
}

// Open opens dsn, applies magesync's migrations and closes the store when
// the test ends.
func Open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return s
}

// Seeded is New with n generated orders (seed 1).
func Seeded(t testing.TB, n int) *store.Store {
	t.Helper()
	s := New(t)
	if _, err := magentodb.Generate(context.Background(), s.DB().DB, magentodb.Options{Orders: n, Seed: 1}); err != nil {
		t.Fatalf("dbtest: generate %d orders: %v", n, err)
	}
	return s
}
