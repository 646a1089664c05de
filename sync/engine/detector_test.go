package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
)

// detectorEnv is a store of n orders with Automatic Synchronization on, an
// engine to detect with, and exec for the changes a test makes.
func detectorEnv(t *testing.T, n int) (*store.Store, *Engine, func(q string, args ...any)) {
	t.Helper()
	st := dbtest.Seeded(t, n)
	e := New(st, nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := st.SaveSettings(context.Background(), "t", nil, []store.Change{store.Set(store.PathAutomaticSync, "1")}); err != nil {
		t.Fatal(err)
	}
	return st, e, func(q string, args ...any) {
		t.Helper()
		if _, err := st.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetectorSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	st, e, exec := detectorEnv(t, 5)
	d := &detector{}
	if got, err := e.detect(ctx, d); err != nil || len(got) != 0 {
		t.Fatalf("first poll = %v, %v; want nothing (it starts from now)", got, err)
	}
	// One second, as Magento stamps it, a little after now.
	now, err := st.DBNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sec := now.Add(time.Second).Truncate(time.Second)
	// Several updates within one second: updated_at stays the same.
	exec(`UPDATE sales_order SET status = 'holded', updated_at = ? WHERE entity_id IN (2, 4)`, sec)
	got, err := e.detect(ctx, d)
	if err != nil || !slices.Equal(got, []uint32{2, 4}) {
		t.Fatalf("after two updates: %v, %v", got, err)
	}
	exec(`UPDATE sales_order SET status = 'canceled', updated_at = ? WHERE entity_id = 4`, sec)
	exec(`UPDATE sales_order SET status = 'canceled', updated_at = ? WHERE entity_id = 1`, sec)
	if got, _ := e.detect(ctx, d); !slices.Equal(got, []uint32{1, 4}) {
		t.Errorf("same-second updates: %v, want [1 4]", got)
	}
	if got, _ := e.detect(ctx, d); len(got) != 0 {
		t.Errorf("a quiet poll found %v", got)
	}
	// A comment alone (sales_order untouched).
	exec(`INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name) VALUES (3, 'hi', 'pending', 'order')`)
	if got, _ := e.detect(ctx, d); !slices.Equal(got, []uint32{3}) {
		t.Errorf("after a comment: %v", got)
	}
	// A restarted detector does not queue again what was seen.
	if got, err := e.detect(ctx, &detector{}); err != nil || len(got) != 0 {
		t.Errorf("after a restart: %v, %v", got, err)
	}
	var open int
	if err := st.DB().Get(&open, `SELECT COUNT(*) FROM magesync_queue WHERE status = 'new'`); err != nil || open != 4 {
		t.Errorf("%d open entries, want 4 (orders 1-4, once each)", open)
	}
}

// TestDetectorForgetsNothingOnError: whichever step of a poll fails, the
// next poll finds the change again; nothing is remembered as seen before
// it is queued and the watermarks are written.
func TestDetectorForgetsNothingOnError(t *testing.T) {
	ctx := context.Background()
	st, e, exec := detectorEnv(t, 3)
	d := &detector{}
	if _, err := e.detect(ctx, d); err != nil {
		t.Fatal(err)
	}
	for i, table := range []string{"magesync_queue", "magesync_cursor", "core_config_data", "sales_order_status_history", "sales_order"} {
		id := uint32(i%3 + 1)
		now, _ := st.DBNow(ctx)
		exec(`UPDATE sales_order SET status = ?, updated_at = ? WHERE entity_id = ?`, fmt.Sprintf("s%d", i), now.Add(time.Second), id)
		exec("RENAME TABLE " + table + " TO broken_" + table)
		_, err := e.detect(ctx, d)
		exec("RENAME TABLE broken_" + table + " TO " + table)
		if err == nil || !strings.Contains(err.Error(), "broken_") && !strings.Contains(err.Error(), "doesn't exist") {
			t.Errorf("%s missing: detect = %v, want its error", table, err)
		}
		got, err := e.detect(ctx, d)
		if err != nil || !slices.Contains(got, id) {
			t.Errorf("after %s came back: %v, %v; want order %d found again", table, got, err, id)
		}
		var open int
		st.DB().Get(&open, `SELECT COUNT(*) FROM magesync_queue WHERE order_id = ? AND status = 'new'`, id)
		if open != 1 {
			t.Errorf("after %s came back: order %d has %d open entries", table, id, open)
		}
	}
}

// TestDetectorPagesPastAPage: more changes in one second than a page holds.
func TestDetectorPagesPastAPage(t *testing.T) {
	ctx := context.Background()
	st := dbtest.Seeded(t, detectPage+150)
	e := New(st, nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	d := &detector{}
	if _, err := e.detect(ctx, d); err != nil {
		t.Fatal(err)
	}
	now, _ := st.DBNow(ctx)
	if _, err := st.DB().Exec(`UPDATE sales_order SET updated_at = ?`, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// Comments past a page too.
	if _, err := st.DB().Exec(`INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name)
		SELECT entity_id, 'c', 'pending', 'order' FROM sales_order ORDER BY entity_id`); err != nil {
		t.Fatal(err)
	}
	got, err := e.detect(ctx, d)
	if err != nil || len(got) != detectPage+150 {
		t.Fatalf("found %d of %d changed orders: %v", len(got), detectPage+150, err)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != detectPage+150 {
		t.Errorf("an order was reported twice")
	}
	if again, _ := e.detect(ctx, d); len(again) != 0 {
		t.Errorf("a quiet poll after paging found %d", len(again))
	}
}

// Automatic Synchronization is the order's website's: the detector queues
// the changed orders of a website that has it on and only marks the others.
func TestAutomaticSyncPerWebsite(t *testing.T) {
	ctx := context.Background()
	st, e, exec := detectorEnv(t, 40) // on at Default Config
	if err := st.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathAutomaticSync, "0").At(1)}); err != nil {
		t.Fatal(err)
	}
	d := &detector{}
	if _, err := e.detect(ctx, d); err != nil {
		t.Fatal(err)
	}
	now, err := st.DBNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE sales_order SET updated_at = ?`, now.Add(time.Second).Truncate(time.Second))
	if _, err := e.detect(ctx, d); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := st.DB().Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	main := count(`SELECT COUNT(*) FROM magesync_queue q JOIN sales_order o ON o.entity_id = q.order_id WHERE o.store_id = 1`)
	europe := count(`SELECT COUNT(*) FROM magesync_queue q JOIN sales_order o ON o.entity_id = q.order_id WHERE o.store_id IN (2, 3)`)
	allEurope := count(`SELECT COUNT(*) FROM sales_order WHERE store_id IN (2, 3)`)
	if main != 0 || europe != allEurope || allEurope == 0 {
		t.Errorf("queued %d Main Website orders and %d of %d Europe orders; want none and all", main, europe, allEurope)
	}
}
