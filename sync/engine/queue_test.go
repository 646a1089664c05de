package engine_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"magesync/store"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// proxied is an env whose engine reaches the simulator through intercept,
// which may answer a request itself (true) or let the simulator do it.
func proxied(t *testing.T, orders int, opts engine.Options, intercept func(w http.ResponseWriter, r *http.Request) bool) *env {
	t.Helper()
	v := newEnv(t, orders)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			v.sim.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	c, err := salesforce.New(salesforce.Config{LoginURL: front.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	v.e = engine.New(v.st, engine.StaticClient(c), opts)
	return v
}

const graphPath = "/services/data/v62.0/composite/graph"

// TestLeaseLostBeforeSending: another worker took the entries over while
// this one prepared them; this one sends nothing for them.
func TestLeaseLostBeforeSending(t *testing.T) {
	ctx := context.Background()
	var v *env
	var stolen atomic.Bool
	var graphs atomic.Int32
	v = proxied(t, 5, fastOptions(), func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == graphPath {
			graphs.Add(1)
		}
		if !stolen.Swap(true) {
			// While worker A talks to Salesforce, its leases run out and B claims the entries.
			v.exec(`UPDATE magesync_queue SET lease_until = NOW(6) - INTERVAL 1 SECOND WHERE status = 'processing'`)
			if _, err := v.st.RescueLeases(ctx, 8); err != nil {
				t.Error(err)
			}
			if got, err := v.st.ClaimQueue(ctx, "B", 50, 60e9); err != nil || len(got) != 5 {
				t.Errorf("B claimed %d: %v", len(got), err)
			}
		}
		return false
	})
	if _, err := v.e.Enqueue(ctx, []uint32{1, 2, 3, 4, 5}, store.ReasonManual); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.ProcessBatch(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if n := graphs.Load(); n != 0 {
		t.Errorf("A sent %d graph calls for entries it no longer held", n)
	}
	for _, en := range v.entries() {
		if en.Status != store.QueueProcessing || en.LeaseOwner != "B" {
			t.Errorf("entry %d after A: %s by %q, want still B's", en.ID, en.Status, en.LeaseOwner)
		}
	}
	// B dies too; the rescue hands the orders to a third worker, once each.
	v.exec(`UPDATE magesync_queue SET lease_until = NOW(6) - INTERVAL 1 SECOND`)
	v.drain()
	v.checkOrders(5, false)
}

// TestGivesUpAfterMaxAttempts: a failure that is not transient uses an
// attempt each time; after the last the entry fails in words, and nothing
// is duplicated when it is tried again later.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	var short atomic.Bool
	short.Store(true)
	opts := fastOptions()
	opts.MaxAttempts = 3
	var v *env
	v = proxied(t, 2, opts, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != graphPath || !short.Load() {
			return false
		}
		// Salesforce saves the graphs, but the answer lists none of them.
		v.sim.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"graphs":[]}`))
		return true
	})
	v.syncAll(store.ReasonBulk)
	for _, en := range v.entries() {
		if en.Status != store.QueueFailed || en.Attempts != 3 || !strings.HasPrefix(en.Message, "Gave up after 3 attempts. Last error: the answer held fewer graphs") {
			t.Errorf("entry %d: %s after %d attempts: %q", en.ID, en.Status, en.Attempts, en.Message)
		}
		if o := v.object(en.OrderID); o.State != store.StateError {
			t.Errorf("order %d shows %s, want error", en.OrderID, o.State)
		}
	}
	short.Store(false)
	v.syncAll(store.ReasonManual)
	v.checkOrders(2, false)
}

// TestLeaseRescueGivesUp: an entry whose worker died on every attempt is
// failed by the rescue, not handed out forever.
func TestLeaseRescueGivesUp(t *testing.T) {
	v := newEnv(t, 2)
	ctx := context.Background()
	if _, err := v.e.Enqueue(ctx, []uint32{1, 2}, store.ReasonManual); err != nil {
		t.Fatal(err)
	}
	v.exec(`UPDATE magesync_queue SET status = 'processing', lease_owner = 'dead', lease_until = NOW(6) - INTERVAL 1 SECOND,
		attempts = IF(order_id = 1, 8, 3)`)
	v.drain()
	for _, en := range v.entries() {
		switch en.OrderID {
		case 1:
			if en.Status != store.QueueFailed || !strings.Contains(en.Message, "Gave up after 8 attempts: the worker syncing this order stopped") {
				t.Errorf("order 1: %s %q", en.Status, en.Message)
			}
			if o := v.object(1); o.State != store.StateError {
				t.Errorf("order 1 shows %s in the grid, want error", o.State)
			}
		case 2:
			if en.Status != store.QueueComplete {
				t.Errorf("order 2 (attempts left): %s %q", en.Status, en.Message)
			}
		}
	}
}

// TestActivatedInSalesforce: an order activated in Salesforce refuses
// changes to its items (ENTITY_IS_LOCKED); the next attempt takes it back
// to the Default Status first, and Salesforce ends with Magento's figures.
func TestActivatedInSalesforce(t *testing.T) {
	v := newEnv(t, 3)
	id := v.orderWhere("status = 'pending'")
	if en := v.syncOrders(store.ReasonManual, id); en[0].Status != store.QueueComplete {
		t.Fatalf("first sync: %s %q", en[0].Status, en[0].Message)
	}
	sfo := v.sfOrder(id)
	if err := v.sf.Update(context.Background(), "Order", sfo["Id"].(string), salesforce.Record{"Status": "Activated"}); err != nil {
		t.Fatal(err)
	}
	v.set(store.Set(store.PathUpdateOrderInfo, "1"))
	v.exec(`UPDATE sales_order_item SET price = price + 1, row_total = row_total + qty_ordered WHERE order_id = ?`, id)
	v.exec(`UPDATE sales_order SET grand_total = (SELECT SUM(row_total) FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL)
		+ shipping_amount + tax_amount + discount_amount WHERE entity_id = ?`, id, id)
	en := v.syncOrders(store.ReasonManual, id)
	if en[0].Status != store.QueueComplete {
		t.Fatalf("after activation in Salesforce: %s %q", en[0].Status, en[0].Message)
	}
	if en[0].Attempts != 2 {
		t.Errorf("%d attempts, want 2: the first meets ENTITY_IS_LOCKED", en[0].Attempts)
	}
	v.checkOrders(1, false)
}

// TestChangedTotalsReachSalesforce: after Magento's tax, grand total or
// items change, Salesforce ends with Magento's total and items; lines
// Magento no longer has are deleted (through Draft when activated).
func TestChangedTotalsReachSalesforce(t *testing.T) {
	v := newEnv(t, 40)
	v.set(store.Set(store.PathUpdateOrderInfo, "1"))
	// An order with tax and at least two items.
	id := v.orderWhere(`tax_amount > 0 AND status = 'complete' AND (SELECT COUNT(*) FROM sales_order_item i WHERE i.order_id = entity_id AND i.parent_item_id IS NULL) >= 2`)
	if en := v.syncOrders(store.ReasonManual, id); en[0].Status != store.QueueComplete {
		t.Fatalf("first sync: %q", en[0].Message)
	}
	lines := func() int {
		n := 0
		sfo := v.sfOrder(id)
		for _, it := range v.records("OrderItem") {
			if it["OrderId"] == sfo["Id"] {
				n++
			}
		}
		return n
	}
	before := lines()
	// Magento loses its tax and one item; the grand total follows.
	var drop uint32
	v.st.DB().Get(&drop, `SELECT MAX(item_id) FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL`, id)
	v.exec(`DELETE FROM sales_order_item WHERE item_id = ? OR parent_item_id = ?`, drop, drop)
	v.exec(`UPDATE sales_order SET tax_amount = 0, grand_total = (SELECT COALESCE(SUM(row_total - discount_amount), 0)
		FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL) + shipping_amount WHERE entity_id = ?`, id, id)
	if en := v.syncOrders(store.ReasonManual, id); en[0].Status != store.QueueComplete {
		t.Fatalf("re-sync: %q", en[0].Message)
	}
	if after := lines(); after != before-2 {
		t.Errorf("Salesforce has %d order products, want %d (one item and the tax line gone)", after, before-2)
	}
	v.checkOrders(1, false)
	if o := v.object(id); o.State != store.StateInSync {
		t.Errorf("order shows %s", o.State)
	}
	// magesync forgot the deleted lines: the next change syncs cleanly.
	v.exec(`UPDATE sales_order SET customer_note = 'again' WHERE entity_id = ?`, id)
	v.exec(`UPDATE sales_order_item SET name = CONCAT(name, ' (renamed)') WHERE order_id = ?`, id)
	if en := v.syncOrders(store.ReasonManual, id); en[0].Status != store.QueueComplete {
		t.Errorf("the sync after: %s %q", en[0].Status, en[0].Message)
	}
}

// TestTwoStoresOneOrg: each store's external ids carry its own prefix, so
// two stores syncing into one org neither overwrite nor refuse each other.
func TestTwoStoresOneOrg(t *testing.T) {
	a := newEnv(t, 15)
	b := newEnv(t, 15)
	b.sim, b.srv, b.sf = a.sim, a.srv, a.sf // one org
	b.e = engine.New(b.st, engine.StaticClient(a.sf), fastOptions())
	if a.prefix() == "" || a.prefix() == b.prefix() {
		t.Fatalf("prefixes %q and %q: want two, unique", a.prefix(), b.prefix())
	}
	a.syncAll(store.ReasonBulk)
	b.syncAll(store.ReasonBulk)
	for _, v := range []*env{a, b} {
		for _, en := range v.entries() {
			if en.Status != store.QueueComplete {
				t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
			}
		}
	}
	if n := len(a.records("Order")); n != 30 {
		t.Fatalf("%d orders in the org, want 30 (15 of each store)", n)
	}
	for _, v := range []*env{a, b} {
		for id := uint32(1); id <= 15; id++ {
			o, err := v.st.Order(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			sfo := v.sfOrder(id)
			if sfo == nil || sfo["TotalAmount"] != o.GrandTotal.Float() {
				t.Errorf("store %s, order %d: %v, want total %.2f", v.prefix(), id, sfo, o.GrandTotal.Float())
			}
		}
	}
	// Once synced, the prefix stays.
	err := a.st.SaveSettings(context.Background(), "t", nil, []store.Change{store.Set(store.PathKeyPrefix, "other")})
	if !strings.Contains(store.SettingErrors(err)[store.PathKeyPrefix], "would make magesync create them all again") {
		t.Errorf("changing the prefix after a sync: %v", err)
	}
}

// TestLocalErrorStaysWithItsOrder: when the database refuses to record one
// order's outcome, the batch's other orders are recorded, and that order
// gets an error in words, not the database's.
func TestLocalErrorStaysWithItsOrder(t *testing.T) {
	v := newEnv(t, 5)
	// The database refuses the rows of order 3's items, as it would a value
	// too long for a column.
	v.exec(`CREATE TRIGGER refuse_order_3 BEFORE INSERT ON magesync_object FOR EACH ROW
		IF NEW.order_id = 3 AND NEW.kind = 'order_item' AND NEW.sf_id IS NOT NULL THEN
			SIGNAL SQLSTATE '22001' SET MESSAGE_TEXT = 'Data too long for column magento_key';
		END IF`)
	v.exec(`CREATE TRIGGER refuse_order_3_update BEFORE UPDATE ON magesync_object FOR EACH ROW
		IF NEW.order_id = 3 AND NEW.kind = 'order_item' AND NEW.sf_id IS NOT NULL THEN
			SIGNAL SQLSTATE '22001' SET MESSAGE_TEXT = 'Data too long for column magento_key';
		END IF`)
	got := v.syncOrders(store.ReasonManual, 1, 2, 3, 4, 5)
	for _, en := range got {
		switch {
		case en.OrderID == 3:
			if en.Status != store.QueueError || !strings.Contains(en.Message, "could not store the outcome") || strings.Contains(en.Message, "Data too long") {
				t.Errorf("order 3: %s %q", en.Status, en.Message)
			}
		case en.Status != store.QueueComplete:
			t.Errorf("order %d suffered for order 3: %s %q", en.OrderID, en.Status, en.Message)
		}
	}
	v.exec(`DROP TRIGGER refuse_order_3`)
	v.exec(`DROP TRIGGER refuse_order_3_update`)
	// Once the database takes it, a re-sync finds what Salesforce has: one order each.
	if en := v.syncOrders(store.ReasonManual, 3); en[0].Status != store.QueueComplete {
		t.Errorf("order 3 again: %s %q", en[0].Status, en[0].Message)
	}
	v.checkOrders(5, false)
}

// TestTablesLostOrRestored: Salesforce keeps the records while magesync's
// tables are lost, or restored from an old backup; the engine re-finds its
// records by external id and ends with one Order per order, its lines and
// notes once, and Magento's totals.
func TestTablesLostOrRestored(t *testing.T) {
	v := newEnv(t, 30)
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.syncAll(store.ReasonBulk)
	v.checkOrders(30, true)
	calls := v.sim.APICalls()

	// An old backup: the rows as they are now...
	v.exec(`CREATE TABLE magesync_object_backup AS SELECT * FROM magesync_object`)
	// ...then Magento moves on: a comment, changed totals, a removed item.
	id := v.orderWhere(`status = 'pending' AND (SELECT COUNT(*) FROM sales_order_item i WHERE i.order_id = entity_id AND i.parent_item_id IS NULL) >= 2`)
	v.exec(`INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name) VALUES (?, 'Called the customer', 'pending', 'order')`, id)
	var drop uint32
	v.st.DB().Get(&drop, `SELECT MAX(item_id) FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL`, id)
	v.exec(`DELETE FROM sales_order_item WHERE item_id = ? OR parent_item_id = ?`, drop, drop)
	v.exec(`UPDATE sales_order SET tax_amount = 0, grand_total = (SELECT COALESCE(SUM(row_total - discount_amount), 0)
		FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL) + shipping_amount WHERE entity_id = ?`, id, id)
	v.syncAll(store.ReasonManual)
	v.checkOrders(30, true)

	for _, step := range []struct{ name, sql string }{
		{"restored from the old backup", `INSERT INTO magesync_object SELECT * FROM magesync_object_backup`},
		{"lost", ``},
	} {
		v.exec(`DELETE FROM magesync_object`)
		if step.sql != "" {
			v.exec(step.sql)
		}
		v.exec(`DELETE FROM magesync_queue`)
		v.syncAll(store.ReasonManual)
		for _, en := range v.entries() {
			if en.Status != store.QueueComplete {
				t.Errorf("%s: order %s: %s %q", step.name, en.IncrementID, en.Status, en.Message)
			}
		}
		v.checkOrders(30, true)
		for i := uint32(1); i <= 30; i++ {
			if o := v.object(i); o.State != store.StateInSync {
				t.Errorf("%s: order %d shows %s", step.name, i, o.State)
			}
		}
	}
	t.Logf("a backfill of 30 orders took %d API calls", calls)
}

// TestShutdownHandsWorkBack: stopping the workers mid-call hands their
// entries back at once (due now, attempt given back), and the next worker
// finishes them without duplicates.
func TestShutdownHandsWorkBack(t *testing.T) {
	v := newEnv(t, 20)
	v.control("PUT", "/faults", `{"latencyMs":1500}`)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { v.e.RunWorkers(ctx, 2); close(done) }()
	if _, err := v.e.Enqueue(context.Background(), []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, store.ReasonBulk); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, _ := v.st.QueueCounts(context.Background())
		if c[store.QueueProcessing] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing was taken")
		}
	}
	stop()
	<-done
	for _, en := range v.entries() {
		if en.Status == store.QueueProcessing || en.LeaseOwner != "" || en.Attempts > 0 && en.Status == store.QueueNew {
			t.Errorf("entry %d after shutdown: %s by %q, %d attempts", en.ID, en.Status, en.LeaseOwner, en.Attempts)
		}
	}
	v.control("PUT", "/faults", `{}`)
	v.drain()
	v.checkOrders(20, false)
}

// TestWaitClosedWaitsForEveryEntry: the wait reads a window of the lowest
// open ids; entries open far past the first window, or reopened for a
// retry, still keep it waiting, and it ends when the last one closes.
func TestWaitClosedWaitsForEveryEntry(t *testing.T) {
	v := newEnv(t, 1)
	ctx := context.Background()
	v.exec(`INSERT INTO magesync_queue (order_id, reason, status)
		SELECT seq, 'bulk', IF(seq IN (1500, 2400), 'new', 'complete') FROM seq_1_to_2500`)
	var ids []uint64
	if err := v.st.DB().Select(&ids, `SELECT id FROM magesync_queue ORDER BY id DESC`); err != nil || len(ids) != 2500 {
		t.Fatalf("%d entries: %v", len(ids), err)
	}
	var set store.EntryIDs
	set.Add(ids...)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := v.e.WaitClosed(short, set); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with two entries open: %v", err)
	}
	done := make(chan error)
	go func() { done <- v.e.WaitClosed(ctx, set) }()
	v.exec(`UPDATE magesync_queue SET status = 'processing' WHERE order_id = 1500`)
	time.Sleep(200 * time.Millisecond)
	v.exec(`UPDATE magesync_queue SET status = 'complete' WHERE order_id = 1500`)
	select {
	case err := <-done:
		t.Fatalf("returned with order 2400's entry open: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	v.exec(`UPDATE magesync_queue SET status = 'error' WHERE order_id = 2400`)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting after every entry closed")
	}
}

// TestSlowOrgKeepsItsLeases: a batch whose sending outlasts its lease (an
// org slow to answer) holds its entries for another lease and sends them
// all, rather than leaving the rest to go again.
func TestSlowOrgKeepsItsLeases(t *testing.T) {
	v := newEnv(t, 150)
	v.set(store.Set(store.PathSyncNotes, "1"))
	opts := fastOptions()
	opts.Lease = 400 * time.Millisecond // sending must end within 300 ms
	e := engine.New(v.st, engine.StaticClient(v.sf), opts)
	ids := make([]uint32, 150)
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	if _, err := e.Enqueue(context.Background(), ids, store.ReasonBulk); err != nil {
		t.Fatal(err)
	}
	v.control("PUT", "/faults", `{"latencyMs":150}`)
	v.takeGraphCalls()
	if n, err := e.ProcessBatch(context.Background(), "slow"); err != nil || n != 150 {
		t.Fatalf("one batch: %d entries, %v", n, err)
	}
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("entry of order %d: %s %q", en.OrderID, en.Status, en.Message)
		}
	}
	if calls := len(v.takeGraphCalls()); calls < 3 {
		t.Errorf("%d graph calls; the orders need 3 or more, which outlast the lease", calls)
	}
	v.control("PUT", "/faults", `{}`)
	v.checkOrders(150, true)
}
