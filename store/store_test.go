package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/store/magentodb"
)

func TestOpenErrorsNameHostAndDatabase(t *testing.T) {
	ctx := context.Background()
	cfg, err := store.ParseDSN(dbtest.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}

	// Nothing listens on port 1.
	_, err = store.Open(ctx, "root@tcp(127.0.0.1:1)/magento?timeout=2s")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), `"magento"`) {
		t.Errorf("unreachable server: %v", err)
	}

	// A database that does not exist.
	missing := *cfg
	missing.DBName = "magesync_no_such_db"
	_, err = store.Open(ctx, missing.FormatDSN())
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), cfg.Addr) {
		t.Errorf("missing database: %v", err)
	}

	// Wrong credentials.
	bad := *cfg
	bad.User, bad.Passwd, bad.DBName = "magesync_nobody", "wrong", "mysql"
	_, err = store.Open(ctx, bad.FormatDSN())
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("wrong credentials: %v", err)
	}

	// A database without Magento's tables.
	dsn, name := dbtest.NewDatabase(t)
	s := dbtest.Open(t, dsn)
	if _, err := s.DB().Exec("DROP TABLE sales_order_grid, sales_order_item, sales_order_address, sales_order_payment, sales_order_status_history, sales_order"); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, dsn)
	if !errors.Is(err, store.ErrNotMagento) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "sales_order_payment") {
		t.Errorf("not a Magento database: %v", err)
	}
	// One table missing is named.
	dsn2, _ := dbtest.NewDatabase(t)
	s2 := dbtest.Open(t, dsn2)
	if _, err := s2.DB().Exec("DROP TABLE sales_order_payment"); err != nil {
		t.Fatal(err)
	}
	if _, err = store.Open(ctx, dsn2); !errors.Is(err, store.ErrNotMagento) || !strings.HasSuffix(strings.TrimSuffix(err.Error(), ": "+store.ErrNotMagento.Error()), "lacks Magento's sales_order_payment") {
		t.Errorf("without sales_order_payment: %v", err)
	}

	// A DSN without a database.
	if _, err := store.Open(ctx, dbtest.ServerDSN()); err == nil {
		t.Error("a DSN without a database was accepted")
	}
}

// magentoTablesDDL returns the CREATE TABLE text of every non-magesync table.
var autoIncrementRe = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

func magentoTablesDDL(t *testing.T, s *store.Store) map[string]string {
	t.Helper()
	var names []string
	if err := s.DB().Select(&names, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_name NOT LIKE 'magesync\_%' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		var name, ddl string
		if err := s.DB().QueryRow("SHOW CREATE TABLE `"+n+"`").Scan(&name, &ddl); err != nil {
			t.Fatal(err)
		}
		// The structure, not the next id: migrating writes one row
		// (magesync's external-id prefix in core_config_data).
		out[n] = autoIncrementRe.ReplaceAllString(ddl, "")
	}
	return out
}

func TestMigrateIsIdempotentAndLeavesMagentoAlone(t *testing.T) {
	ctx := context.Background()
	dsn, _ := dbtest.NewDatabase(t)
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := magentoTablesDDL(t, s)
	for i := range 3 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate run %d: %v", i+1, err)
		}
	}
	after := magentoTablesDDL(t, s)
	if len(before) != 21 || len(after) != len(before) { // the 16 of schema.sql and the 5 of acl-directory.sql
		t.Fatalf("Magento tables: %d before, %d after migrating; want 21", len(before), len(after))
	}
	for n, ddl := range before {
		if after[n] != ddl {
			t.Errorf("migrating changed Magento table %s", n)
		}
	}
	var own []string
	if err := s.DB().Select(&own, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_name LIKE 'magesync\_%' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	want := "magesync_admin_pref magesync_config_log magesync_cursor magesync_field_map magesync_grid magesync_grid_day magesync_grid_day_count magesync_grid_word magesync_login_failure magesync_meta magesync_object magesync_queue magesync_queue_stat magesync_schema_version magesync_sessions"
	if got := strings.Join(own, " "); got != want {
		t.Errorf("own tables = %s\nwant %s", got, want)
	}
	var versions int
	if err := s.DB().Get(&versions, `SELECT COUNT(*) FROM magesync_schema_version WHERE version_id > 0`); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) < 8 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	if versions != len(files) {
		t.Errorf("%d migrations recorded, want each of the %d once", versions, len(files))
	}
}

func TestQueueAllowsOneOpenEntryPerOrder(t *testing.T) {
	s := dbtest.New(t)
	db := s.DB()
	if _, err := db.Exec(`INSERT INTO magesync_queue (order_id, reason, status) VALUES (7, 'auto', 'new')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO magesync_queue (order_id, reason, status) VALUES (7, 'manual', 'new')`); err == nil {
		t.Fatal("a second open entry for one order was accepted")
	}
	if _, err := db.Exec(`UPDATE magesync_queue SET status = 'complete' WHERE order_id = 7`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO magesync_queue (order_id, reason, status) VALUES (7, 'manual', 'new')`); err != nil {
		t.Fatalf("a new entry after the first completed was refused: %v", err)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	ctx := context.Background()
	checksums := func() string {
		s := dbtest.New(t)
		if _, err := magentodb.Generate(ctx, s.DB().DB, magentodb.Options{Orders: 60, Seed: 42}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, tbl := range []string{"sales_order", "sales_order_item", "sales_order_address", "sales_order_payment",
			"sales_order_status_history", "sales_order_grid", "customer_entity"} {
			var name string
			var n int64
			// CHECKSUM TABLE covers every column of every row.
			if err := s.DB().QueryRow("CHECKSUM TABLE `"+tbl+"`").Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s=%d ", tbl, n)
		}
		return b.String()
	}
	if a, b := checksums(), checksums(); a != b {
		t.Errorf("same seed, different data:\n%s\n%s", a, b)
	}
}

// TestLongINListsReadTheIndex: a batch's 1,000 orders look up their
// objects by the order index, however many objects other orders have;
// MariaDB would otherwise match the list as a derived table against a scan
// of every object (a backfill slowed with each order it synced).
func TestLongINListsReadTheIndex(t *testing.T) {
	s := dbtest.New(t)
	if _, err := s.DB().Exec(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state)
		SELECT 'item', seq, seq DIV 9, CONCAT('802', seq), 'in_sync' FROM seq_1_to_5000`); err != nil {
		t.Fatal(err)
	}
	s.DB().SetMaxOpenConns(1) // the session whose counters are read
	rowsRead := func() int { return rowsRead(t, s.DB()) }
	var ids []uint32
	for id := uint32(2001); id <= 3000; id++ { // orders with no objects yet, as in a backfill
		ids = append(ids, id)
	}
	ids[0] = 100 // and one with nine
	before := rowsRead()
	got, err := s.OrderObjects(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	read := rowsRead() - before
	if len(got) != 1 || len(got[100]) != 9 {
		t.Fatalf("objects of %d orders (%d of order 100), want order 100's 9", len(got), len(got[100]))
	}
	if read > 100 {
		t.Errorf("looking up 1,000 orders read %d rows of 5,000; want about the 9 found", read)
	}
}

// rowsRead is how many rows and index entries the session has read; the
// pool must hold one connection.
func rowsRead(t *testing.T, db *sqlx.DB) int {
	t.Helper()
	var total int
	rows, err := db.Query(`SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_next', 'Handler_read_rnd_next', 'Handler_read_prev')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}
