package engine

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// TestPanicStaysWithTheOrder: an order that makes magesync panic gets that
// as its error; the batch's other orders sync and the process lives.
func TestPanicStaysWithTheOrder(t *testing.T) {
	ctx := context.Background()
	st := dbtest.Seeded(t, 4)
	srv := httptest.NewServer(sfsim.New(sfsim.Options{Currencies: sfsim.StoreCurrencies}))
	defer srv.Close()
	c, err := salesforce.New(salesforce.Config{LoginURL: srv.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, StaticClient(c), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.mapHook = func(o *store.Order) {
		if o.EntityID == 2 {
			var items []int
			_ = items[o.EntityID] // index out of range: a bug's panic
		}
	}
	ids, err := e.Enqueue(ctx, []uint32{1, 2, 3, 4}, store.ReasonManual)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ProcessBatch(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	entries, _ := st.QueueEntries(ctx, ids)
	for _, en := range entries {
		want := store.QueueComplete
		if en.OrderID == 2 {
			want = store.QueueError
			if !strings.Contains(en.Message, "magesync failed on order") || !strings.Contains(en.Message, "index out of range") {
				t.Errorf("order 2's message: %q", en.Message)
			}
		}
		if en.Status != want {
			t.Errorf("order %d: %s %q, want %s", en.OrderID, en.Status, en.Message, want)
		}
	}
}
