package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/magentodb"
	"magesync/sync/engine"
)

func (v *env) exec(q string, args ...any) {
	v.t.Helper()
	if _, err := v.st.DB().Exec(q, args...); err != nil {
		v.t.Fatalf("%s: %v", q, err)
	}
}

// syncOrders queues orders, drains the queue and returns their entries in
// the order of ids.
func (v *env) syncOrders(reason store.Reason, ids ...uint32) []store.QueueEntry {
	v.t.Helper()
	ctx := context.Background()
	qids, err := v.e.Enqueue(ctx, ids, reason)
	if err != nil {
		v.t.Fatal(err)
	}
	v.drain()
	got, err := v.st.QueueEntries(ctx, qids)
	if err != nil {
		v.t.Fatal(err)
	}
	out := make([]store.QueueEntry, len(ids))
	for i, id := range ids {
		for _, en := range got {
			if en.OrderID == id {
				out[i] = en
			}
		}
	}
	return out
}

func (v *env) object(orderID uint32) store.Object {
	v.t.Helper()
	objs, err := v.st.OrderObjects(context.Background(), []uint32{orderID})
	if err != nil {
		v.t.Fatal(err)
	}
	for _, o := range objs[orderID] {
		if o.Kind == store.KindOrder {
			return o
		}
	}
	return store.Object{}
}

func (v *env) sfOrder(orderID uint32) map[string]any {
	v.t.Helper()
	recs, err := v.sf.Query(context.Background(), "SELECT Id, Status, TotalAmount, BillingCity, Description FROM Order WHERE Magento_Order_Id__c = '"+engine.OrderExternalID(v.prefix(), orderID)+"'")
	if err != nil {
		v.t.Fatal(err)
	}
	if len(recs) != 1 {
		return nil
	}
	return recs[0]
}

func (v *env) orderWhere(cond string) uint32 {
	v.t.Helper()
	var id uint32
	if err := v.st.DB().Get(&id, "SELECT entity_id FROM sales_order WHERE "+cond+" ORDER BY entity_id LIMIT 1"); err != nil {
		v.t.Fatalf("no order where %s: %v", cond, err)
	}
	return id
}

func TestZeroGrandTotal(t *testing.T) {
	v := newEnv(t, 20)
	zero := v.orderWhere("grand_total = 0")
	paid := v.orderWhere("grand_total > 0")

	v.set(store.Set(store.PathZeroGrandTotal, "0"))
	got := v.syncOrders(store.ReasonManual, zero, paid)
	if got[0].Status != store.QueueSkipped || got[0].Message != "Skipped: Zero Grand Total orders are set to Do not synchronize" {
		t.Errorf("zero-total order: %s %q", got[0].Status, got[0].Message)
	}
	if got[1].Status != store.QueueComplete || v.sfOrder(zero) != nil || v.sfOrder(paid) == nil {
		t.Errorf("paid order: %s %q", got[1].Status, got[1].Message)
	}
	if o := v.object(zero); o.State != store.StateNotInSync || !strings.Contains(o.LastError, "Zero Grand Total") {
		t.Errorf("skipped order's state = %+v", o)
	}

	v.set(store.Set(store.PathZeroGrandTotal, "1"))
	if got := v.syncOrders(store.ReasonManual, zero); got[0].Status != store.QueueComplete || v.sfOrder(zero) == nil {
		t.Errorf("zero-total order with Synchronize: %s %q", got[0].Status, got[0].Message)
	}
	if sfo := v.sfOrder(zero); sfo["TotalAmount"] != 0.0 {
		t.Errorf("zero order total = %v", sfo["TotalAmount"])
	}
}

func TestSyncAllAndStatuses(t *testing.T) {
	v := newEnv(t, 20)
	pending := v.orderWhere("status = 'pending'")
	processing := v.orderWhere("status = 'processing'")
	v.set(store.Set(store.PathSyncAll, "0"), store.Set(store.PathStatuses, "processing"))
	got := v.syncOrders(store.ReasonManual, pending, processing)
	if got[0].Status != store.QueueSkipped || got[0].Message != "Skipped: Order status Pending is not selected for synchronization" {
		t.Errorf("pending order: %s %q", got[0].Status, got[0].Message)
	}
	if got[1].Status != store.QueueComplete {
		t.Errorf("processing order: %s %q", got[1].Status, got[1].Message)
	}
	v.set(store.Set(store.PathSyncAll, "1"))
	if got := v.syncOrders(store.ReasonManual, pending); got[0].Status != store.QueueComplete {
		t.Errorf("pending order with Sync all = Yes: %s %q", got[0].Status, got[0].Message)
	}
}

func TestSyncNotesOff(t *testing.T) {
	v := newEnv(t, 30)
	v.syncAll(store.ReasonBulk)
	if n := len(v.records("Note")); n != 0 {
		t.Errorf("%d notes with Synchronize Order Notes = No", n)
	}
	v.checkOrders(30, false)
	// Turning notes on sends them, once, and nothing else.
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.syncAll(store.ReasonBulk)
	v.syncAll(store.ReasonBulk)
	v.checkOrders(30, true)
}

func TestUpdateOrderInfo(t *testing.T) {
	v := newEnv(t, 20)
	id := v.orderWhere("status = 'complete'")
	v.syncOrders(store.ReasonManual, id)
	if sfo := v.sfOrder(id); sfo["Status"] != "Activated" {
		t.Fatalf("complete order in Salesforce: %v", sfo)
	}

	// With No, a header change is not sent, and the order says so.
	v.set(store.Set(store.PathUpdateOrderInfo, "0"))
	v.exec(`UPDATE sales_order_address SET city = 'Springfield' WHERE parent_id = ? AND address_type = 'billing'`, id)
	got := v.syncOrders(store.ReasonManual, id)
	if got[0].Status != store.QueueComplete || !strings.Contains(got[0].Message, "Update Order Info is set to No") {
		t.Errorf("with No: %s %q", got[0].Status, got[0].Message)
	}
	if sfo := v.sfOrder(id); sfo["BillingCity"] == "Springfield" {
		t.Error("header change sent with Update Order Info = No")
	}
	if o := v.object(id); o.State != store.StateNotInSync {
		t.Errorf("state with an unsent change = %s", o.State)
	}
	// A status change still goes.
	v.exec(`UPDATE sales_order SET status = 'holded', state = 'holded' WHERE entity_id = ?`, id)
	v.syncOrders(store.ReasonManual, id)
	if sfo := v.sfOrder(id); sfo["Status"] != "Draft" || sfo["BillingCity"] == "Springfield" {
		t.Errorf("status change with No: %v", sfo)
	}

	// With Yes, the header goes, the activated order is reopened and closed again.
	v.exec(`UPDATE sales_order SET status = 'complete', state = 'complete' WHERE entity_id = ?`, id)
	v.syncOrders(store.ReasonManual, id)
	v.set(store.Set(store.PathUpdateOrderInfo, "1"))
	v.exec(`UPDATE sales_order_item SET qty_ordered = qty_ordered + 1, row_total = row_total + price WHERE order_id = ? AND parent_item_id IS NULL LIMIT 1`, id)
	v.exec(`UPDATE sales_order SET subtotal = (SELECT SUM(row_total) FROM sales_order_item WHERE order_id = ? AND parent_item_id IS NULL) WHERE entity_id = ?`, id, id)
	v.exec(`UPDATE sales_order SET grand_total = subtotal + shipping_amount + tax_amount + discount_amount WHERE entity_id = ?`, id)
	got = v.syncOrders(store.ReasonManual, id)
	if got[0].Status != store.QueueComplete {
		t.Fatalf("with Yes: %s %q", got[0].Status, got[0].Message)
	}
	sfo := v.sfOrder(id)
	o, _ := v.st.Order(context.Background(), id)
	if sfo["BillingCity"] != "Springfield" || sfo["Status"] != "Activated" || sfo["TotalAmount"] != o.GrandTotal.Float() {
		t.Errorf("with Yes: %v (grand total %s)", sfo, o.GrandTotal)
	}
	if st := v.object(id); st.State != store.StateInSync {
		t.Errorf("state = %s", st.State)
	}
}

func TestDefaultStatusAndMapping(t *testing.T) {
	v := newEnv(t, 20)
	v.control("PUT", "/orderstatuses", `[{"ApiName":"Draft","MasterLabel":"Draft","StatusCode":"Draft","SortOrder":1,"IsDefault":true},
		{"ApiName":"Pending_Review","MasterLabel":"Pending Review","StatusCode":"Draft","SortOrder":2},
		{"ApiName":"Activated","MasterLabel":"Activated","StatusCode":"Activated","SortOrder":3},
		{"ApiName":"Shipped","MasterLabel":"Shipped","StatusCode":"Activated","SortOrder":4}]`)
	v.set(store.Set(store.PathDefaultStatus, "Pending_Review"), store.Set(store.PathStatusMap, `{"complete":"Shipped"}`))
	pending, complete, processing := v.orderWhere("status = 'pending'"), v.orderWhere("status = 'complete'"), v.orderWhere("status = 'processing'")
	v.syncOrders(store.ReasonManual, pending, complete, processing)
	for id, want := range map[uint32]string{pending: "Pending_Review", complete: "Shipped", processing: "Activated"} {
		if sfo := v.sfOrder(id); sfo == nil || sfo["Status"] != want {
			t.Errorf("order %d in %v, want %s", id, sfo, want)
		}
	}
}

func TestActivatedDefaultStatusFailsWithSalesforcesMessage(t *testing.T) {
	v := newEnv(t, 10)
	v.set(store.Set(store.PathDefaultStatus, "Activated"))
	got := v.syncOrders(store.ReasonManual, 1, 2, 3)
	for _, en := range got {
		if en.Status != store.QueueError || !strings.Contains(en.Message, "FAILED_ACTIVATION: Choose a valid status and save your changes") {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	if o := v.object(1); o.State != store.StateError || !strings.Contains(o.LastError, "FAILED_ACTIVATION") {
		t.Errorf("state = %+v", o)
	}
	if n := len(v.records("Order")); n != 0 {
		t.Errorf("%d orders created", n)
	}
	// Fixing the setting and re-syncing works.
	v.set(store.Set(store.PathDefaultStatus, "Draft"))
	for _, en := range v.syncOrders(store.ReasonManual, 1, 2, 3) {
		if en.Status != store.QueueComplete {
			t.Errorf("after the fix: %s %q", en.Status, en.Message)
		}
	}
}

func TestAutomaticSynchronization(t *testing.T) {
	v := newEnv(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go v.e.Run(ctx)
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("%s: not within 10 s; queue %+v", what, v.entries())
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("%s after %v", what, time.Since(start).Round(10*time.Millisecond))
	}
	// newOrder places an order as a store does: now, stamped now.
	newOrder := func(seed uint64) uint32 {
		t.Helper()
		if _, err := magentodb.Generate(ctx, v.st.DB().DB, magentodb.Options{Orders: 1, Seed: seed, Now: time.Now().UTC(), Span: -1}); err != nil {
			t.Fatal(err)
		}
		return v.orderWhere("entity_id = (SELECT MAX(entity_id) FROM sales_order)")
	}
	// polledPast is true once a poll that began after the order was
	// written has finished.
	polledPast := func() func() bool {
		var t0 time.Time
		v.st.DB().Get(&t0, `SELECT NOW(6)`)
		return func() bool {
			var n int
			v.st.DB().Get(&n, `SELECT COUNT(*) FROM magesync_cursor WHERE name = 'detector_comments' AND updated_at > ?`, t0)
			return n == 1
		}
	}
	waitFor("the detector's starting point", func() bool {
		var n int
		v.st.DB().Get(&n, `SELECT COUNT(*) FROM magesync_cursor WHERE name = 'detector_orders'`)
		return n == 1
	})

	// Off: a new order stays unqueued.
	newOrder(9)
	waitFor("the detector polled past the new order", polledPast())
	if n := len(v.entries()); n != 0 {
		t.Fatalf("%d entries queued with Automatic Synchronization = No", n)
	}

	v.set(store.Set(store.PathAutomaticSync, "1"))
	newest := newOrder(10)
	waitFor("new order in Salesforce", func() bool { return v.sfOrder(newest) != nil })

	// A status change and a comment without one both reach Salesforce.
	v.exec(`UPDATE sales_order SET status = 'complete', state = 'complete' WHERE entity_id = ?`, newest)
	waitFor("status change in Salesforce", func() bool { s := v.sfOrder(newest); return s != nil && s["Status"] == "Activated" })
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.exec(`INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name) VALUES (?, 'Called the customer', 'holded', 'order')`, newest)
	waitFor("comment in Salesforce", func() bool {
		for _, n := range v.records("Note") {
			if n["Body"] == "Called the customer" {
				return true
			}
		}
		return false
	})

	// Off again: a change marks the synced order not in sync, and nothing is queued.
	// The detector reads the setting as it polls: the change comes after a
	// poll that began with it off (the second to end after the setting).
	v.set(store.Set(store.PathAutomaticSync, "0"))
	waitFor("a poll ended after the setting", polledPast())
	waitFor("a poll that began with the setting off", polledPast())
	before := len(v.entries())
	v.exec(`UPDATE sales_order SET status = 'processing', state = 'processing' WHERE entity_id = ?`, newest)
	waitFor("order marked not in sync", func() bool { return v.object(newest).State == store.StateNotInSync })
	if after := len(v.entries()); after != before {
		t.Errorf("%d entries queued with Automatic Synchronization = No", after-before)
	}
}

// prefix is the store's external-id prefix.
func (v *env) prefix() string {
	v.t.Helper()
	s, err := v.st.OrderSettings(context.Background())
	if err != nil {
		v.t.Fatal(err)
	}
	return s.KeyPrefix
}

// sfOrderFields reads fields of an order's Salesforce record.
func (v *env) sfOrderFields(orderID uint32, fields ...string) map[string]any {
	v.t.Helper()
	recs, err := v.sf.Query(context.Background(), "SELECT "+strings.Join(fields, ", ")+" FROM Order WHERE Magento_Order_Id__c = '"+engine.OrderExternalID(v.prefix(), orderID)+"'")
	if err != nil || len(recs) != 1 {
		v.t.Fatalf("order %d: %v", orderID, err)
	}
	return recs[0]
}
