package engine

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"magesync/store"
	"magesync/store/dbtest"
)

func TestDetectorSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	st := dbtest.Seeded(t, 5)
	e := New(st, nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := st.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathAutomaticSync, "1")}); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	d := &detector{}
	if got, err := e.detect(ctx, d); err != nil || len(got) != 0 {
		t.Fatalf("first poll = %v, %v; want nothing (it starts from now)", got, err)
	}
	// Several updates within one second: updated_at stays the same.
	exec(`UPDATE sales_order SET status = 'holded', updated_at = '2030-01-01 00:00:00' WHERE entity_id IN (2, 4)`)
	got, err := e.detect(ctx, d)
	if err != nil || !slices.Equal(got, []uint32{2, 4}) {
		t.Fatalf("after two updates: %v, %v", got, err)
	}
	exec(`UPDATE sales_order SET status = 'canceled', updated_at = '2030-01-01 00:00:00' WHERE entity_id = 4`)
	exec(`UPDATE sales_order SET status = 'canceled', updated_at = '2030-01-01 00:00:00' WHERE entity_id = 1`)
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
