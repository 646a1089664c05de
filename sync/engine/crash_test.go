package engine_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// TestCrashHelper is the worker process TestCrashMidBackfill kills. It
// does nothing unless started by that test.
func TestCrashHelper(t *testing.T) {
	dsn, url := os.Getenv("MAGESYNC_CRASH_DSN"), os.Getenv("MAGESYNC_CRASH_SF")
	if dsn == "" {
		return
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	c, err := salesforce.New(salesforce.Config{LoginURL: url, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	o := fastOptions()
	o.BatchSize = 40
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	engine.New(st, engine.StaticClient(c), o).RunWorkers(context.Background(), 2)
}

// TestCrashMidBackfill kills a worker process with SIGKILL right after
// Salesforce saved a graph call and before the worker could record it, then
// lets another worker finish: every order must be in Salesforce exactly once,
// with each note once.
func TestCrashMidBackfill(t *testing.T) {
	const orders = 300
	st := dbtest.Seeded(t, orders)
	dsn, _, _ := currentDSN(t, st)
	sim := sfsim.New(sfsim.Options{DailyLimit: 1 << 30, Currencies: sfsim.StoreCurrencies})
	var graphs atomic.Int32
	var child atomic.Pointer[os.Process]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/services/data/v62.0/composite/graph" {
			sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r) // Salesforce saves the graphs…
		if graphs.Add(1) == 3 {
			if p := child.Load(); p != nil {
				p.Signal(syscall.SIGKILL) // …and the worker dies before it hears back.
				p.Wait()
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()

	ctx := context.Background()
	if err := st.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathSyncNotes, "1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnqueueMatching(ctx, store.OrderFilter{}, store.ReasonBulk); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MAGESYNC_CRASH_DSN="+dsn, "MAGESYNC_CRASH_SF="+srv.URL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Store(cmd.Process)
	deadline := time.Now().Add(60 * time.Second)
	for graphs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if graphs.Load() < 3 {
		cmd.Process.Kill()
		t.Fatal("the worker process never sent three graph calls")
	}
	var open int
	st.DB().Get(&open, `SELECT COUNT(*) FROM magesync_queue WHERE status = 'processing'`)
	t.Logf("killed the worker after %d graph calls; %d entries left mid-processing", graphs.Load(), open)
	if open == 0 {
		t.Error("the kill left nothing mid-processing: the test did not test a crash")
	}

	// A new worker takes over the expired leases.
	c, _ := salesforce.New(salesforce.Config{LoginURL: srv.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	o := fastOptions()
	o.Lease = time.Second
	e := engine.New(st, engine.StaticClient(c), o)
	v := &env{t: t, st: st, sim: sim, srv: srv, sf: c, e: e}
	st.DB().Exec(`UPDATE magesync_queue SET lease_until = NOW(6) WHERE status = 'processing'`) // as if a minute had passed
	v.drain()
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	v.checkOrders(orders, true)
}

func currentDSN(t *testing.T, st *store.Store) (string, string, error) {
	t.Helper()
	var name string
	if err := st.DB().Get(&name, `SELECT DATABASE()`); err != nil {
		t.Fatal(err)
	}
	cfg, err := store.ParseDSN(dbtest.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return cfg.FormatDSN(), name, nil
}

// TestAnswerLostThenLineRemoved: Salesforce saves a new line of a synced
// order but its answer is lost; before the next attempt Magento removes
// that line again. The next attempt must read back what Salesforce holds
// and delete the line, not trust what it recorded before the send.
func TestAnswerLostThenLineRemoved(t *testing.T) {
	v := newEnv(t, 30)
	id := v.orderWhere(`status = 'pending' AND (SELECT COUNT(*) FROM sales_order_item i WHERE i.order_id = entity_id AND i.parent_item_id IS NULL) >= 1`)
	if en := v.syncOrders(store.ReasonManual, id); en[0].Status != store.QueueComplete {
		t.Fatalf("first sync: %q", en[0].Message)
	}
	sfID := v.sfOrder(id)["Id"]
	lines := func() int {
		n := 0
		for _, it := range v.records("OrderItem") {
			if it["OrderId"] == sfID {
				n++
			}
		}
		return n
	}
	before := lines()

	// Magento gets a copy of a line, with its amount in the total.
	var cols []string
	if err := v.st.DB().Select(&cols, `SELECT CONCAT('`+"`"+`', column_name, '`+"`"+`') FROM information_schema.columns
		WHERE table_schema = DATABASE() AND table_name = 'sales_order_item' AND column_name <> 'item_id' ORDER BY ordinal_position`); err != nil {
		t.Fatal(err)
	}
	var src uint32
	v.st.DB().Get(&src, `SELECT MIN(item_id) FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL`, id)
	list := strings.Join(cols, ", ")
	v.exec(`INSERT INTO sales_order_item (`+list+`) SELECT `+list+` FROM sales_order_item WHERE item_id = ?`, src)
	var added uint32
	v.st.DB().Get(&added, `SELECT MAX(item_id) FROM sales_order_item WHERE order_id = ?`, id)
	var grand float64
	v.st.DB().Get(&grand, `SELECT grand_total FROM sales_order WHERE entity_id = ?`, id)
	v.exec(`UPDATE sales_order SET grand_total = grand_total + (SELECT row_total + tax_amount - discount_amount FROM sales_order_item WHERE item_id = ?) WHERE entity_id = ?`, added, id)

	// The graph call's answer never arrives: Salesforce saved the line.
	var lose atomic.Bool
	lose.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.sim.ServeHTTP(w, r)
		if r.URL.Path == "/services/data/v62.0/composite/graph" && lose.CompareAndSwap(true, false) {
			panic(http.ErrAbortHandler) // the connection drops with the answer unsent
		}
	}))
	defer srv.Close()
	c, err := salesforce.New(salesforce.Config{LoginURL: srv.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	v.e = engine.New(v.st, engine.StaticClient(c), fastOptions())
	ctx := context.Background()
	qids, err := v.e.Enqueue(ctx, []uint32{id}, store.ReasonManual)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.ProcessBatch(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	if lose.Load() || lines() != before+1 {
		t.Fatalf("the lost call: lost %v, Salesforce has %d lines, want %d", !lose.Load(), lines(), before+1)
	}
	if o := v.object(id); !o.Sending {
		t.Errorf("after the lost answer the order is not marked as being sent: %+v", o)
	}
	if en, _ := v.st.QueueEntries(ctx, qids); en[0].Status != store.QueueNew {
		t.Fatalf("after the lost answer the entry is %s %q; want it queued again", en[0].Status, en[0].Message)
	}

	// Magento removes the line again before the retry.
	v.exec(`DELETE FROM sales_order_item WHERE item_id = ?`, added)
	v.exec(`UPDATE sales_order SET grand_total = ? WHERE entity_id = ?`, grand, id)
	v.st.DB().Exec(`UPDATE magesync_queue SET next_attempt_at = NOW(6) WHERE id = ?`, qids[0])
	v.drain()
	if en, _ := v.st.QueueEntries(ctx, qids); en[0].Status != store.QueueComplete {
		t.Fatalf("retry: %s %q", en[0].Status, en[0].Message)
	}
	if got := lines(); got != before {
		t.Errorf("Salesforce has %d lines, Magento %d: the line saved with the lost answer stayed", got, before)
	}
	v.checkOrders(1, false)

	// With Update Order Info = No only the status goes. Its answer lost,
	// the retry ends as the same change does without a loss (order other).
	other := v.orderWhere(fmt.Sprintf(`status = 'pending' AND entity_id <> %d`, id))
	if en := v.syncOrders(store.ReasonManual, other); en[0].Status != store.QueueComplete {
		t.Fatalf("sync of order %d: %q", other, en[0].Message)
	}
	v.set(store.Set(store.PathUpdateOrderInfo, "0"))
	v.exec(`UPDATE sales_order SET status = 'complete', state = 'complete' WHERE entity_id IN (?, ?)`, id, other)
	control := v.syncOrders(store.ReasonManual, other)[0]
	lose.Store(true)
	if qids, err = v.e.Enqueue(ctx, []uint32{id}, store.ReasonManual); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.ProcessBatch(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	if lose.Load() {
		t.Fatal("the status change sent no graph")
	}
	v.st.DB().Exec(`UPDATE magesync_queue SET next_attempt_at = NOW(6) WHERE id = ?`, qids[0])
	v.drain()
	en, _ := v.st.QueueEntries(ctx, qids)
	if o := v.object(id); en[0].Status != control.Status || o.State != v.object(other).State || o.Sending {
		t.Errorf("after the lost status change: %s %q, order %s (sending %v); without a loss: %s %q, order %s",
			en[0].Status, en[0].Message, o.State, o.Sending, control.Status, control.Message, v.object(other).State)
	}
}
