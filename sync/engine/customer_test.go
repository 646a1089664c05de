package engine_test

import (
	"strconv"
	"testing"

	"magesync/store"
)

// A returning customer's next order sends the Account and Contact again
// only when they changed since they were last sent.
func TestReturningCustomerSendsAccountOnlyWhenChanged(t *testing.T) {
	v := newEnv(t, 300)
	orders := v.oneCustomersOrders()
	syncOne := func(id uint32) map[string]int {
		t.Helper()
		v.takeNodes()
		if en := v.syncOrders(store.ReasonManual, id)[0]; en.Status != store.QueueComplete {
			t.Fatalf("order %d: %s %q", id, en.Status, en.Message)
		}
		return v.takeNodes()
	}
	first := syncOne(orders[0])
	if first["PATCH Account"] != 1 || first["PATCH Contact"] != 1 {
		t.Fatalf("first order: %v, want one Account and one Contact upsert", first)
	}
	same := syncOne(orders[1])
	if same["PATCH Account"]+same["PATCH Contact"] != 0 {
		t.Errorf("second order of the same customer, nothing changed: %v, want no Account or Contact node", same)
	}
	if same["PATCH Order"] != 1 {
		t.Errorf("second order: %v, want its Order upserted", same)
	}

	// The third order has another billing street: the Account and Contact
	// take it.
	v.exec(`UPDATE sales_order_address SET street = '77 Changed Road' WHERE parent_id = ? AND address_type = 'billing'`, orders[2])
	changed := syncOne(orders[2])
	if changed["PATCH Account"] != 1 || changed["PATCH Contact"] != 1 {
		t.Errorf("third order, new billing street: %v, want the Account and the Contact updated", changed)
	}
	for _, object := range []string{"Account", "Contact"} {
		street := "BillingStreet"
		if object == "Contact" {
			street = "MailingStreet"
		}
		recs := v.records(object)
		found := false
		for _, r := range recs {
			found = found || r[street] == "77 Changed Road"
		}
		if !found {
			t.Errorf("no %s has the new street", object)
		}
	}
}

// oneCustomersOrders returns three orders of one customer, all with the
// first one's customer name, email and addresses.
func (v *env) oneCustomersOrders() []uint32 {
	v.t.Helper()
	var orders []uint32
	if err := v.st.DB().Select(&orders, `SELECT entity_id FROM sales_order WHERE customer_id = (
		SELECT customer_id FROM sales_order WHERE customer_id IS NOT NULL GROUP BY customer_id HAVING COUNT(*) >= 3 ORDER BY customer_id LIMIT 1)
		ORDER BY entity_id LIMIT 3`); err != nil || len(orders) < 3 {
		v.t.Fatalf("no customer with three orders: %v", err)
	}
	// The three orders carry the first one's customer and addresses.
	for _, id := range orders[1:] {
		for _, q := range []string{
			`UPDATE sales_order o JOIN sales_order f ON f.entity_id = ? SET o.customer_firstname = f.customer_firstname,
				o.customer_lastname = f.customer_lastname, o.customer_email = f.customer_email WHERE o.entity_id = ?`,
			`UPDATE sales_order_address a JOIN sales_order_address f ON f.parent_id = ? AND f.address_type = a.address_type
				SET a.firstname = f.firstname, a.lastname = f.lastname, a.company = f.company, a.street = f.street, a.city = f.city,
				a.region = f.region, a.region_id = f.region_id, a.postcode = f.postcode, a.country_id = f.country_id,
				a.telephone = f.telephone, a.email = f.email WHERE a.parent_id = ?`,
		} {
			v.exec(q, orders[0], id)
		}
	}
	return orders
}

// Orders of one customer in one batch send the customer's Account and
// Contact once: the later orders wait for the first and use its records,
// updating them only where their own data differ.
func TestOneBatchSendsACustomerOnce(t *testing.T) {
	v := newEnv(t, 300)
	orders := v.oneCustomersOrders()
	v.exec(`UPDATE sales_order_address SET street = '77 Changed Road' WHERE parent_id = ? AND address_type = 'billing'`, orders[2])
	v.takeNodes()
	for _, en := range v.syncOrders(store.ReasonManual, orders...) {
		if en.Status != store.QueueComplete {
			t.Fatalf("order %d: %s %q", en.OrderID, en.Status, en.Message)
		}
	}
	// The first upserts; the second, alike, sends neither; the third,
	// with its own street, updates both by Id.
	if nodes := v.takeNodes(); nodes["PATCH Account"] != 2 || nodes["PATCH Contact"] != 2 || nodes["PATCH Order"] < 3 {
		t.Errorf("three orders of one new customer in one batch: %v, want the Account and Contact sent twice and three Orders", nodes)
	}
	accounts := map[any]bool{}
	for _, o := range v.records("Order") {
		accounts[o["AccountId"]] = true
	}
	if len(v.records("Account")) != 1 || len(v.records("Contact")) != 1 || len(accounts) != 1 {
		t.Errorf("%d Accounts, %d Contacts, orders on %d Accounts; want one of each", len(v.records("Account")), len(v.records("Contact")), len(accounts))
	}
}

// When the first order of a customer fails in Salesforce, the orders that
// waited for it send the customer themselves: nothing is lost or sent
// twice, and the first syncs once its fault is gone.
func TestOneBatchWhoseFirstOrderFails(t *testing.T) {
	v := newEnv(t, 300)
	orders := v.oneCustomersOrders()
	v.mu.Lock()
	v.spoil = strconv.FormatUint(uint64(orders[0]), 10)
	v.mu.Unlock()
	v.takeNodes()
	got := v.syncOrders(store.ReasonManual, orders...)
	if got[0].Status == store.QueueComplete {
		t.Fatalf("the spoilt first order: %s %q", got[0].Status, got[0].Message)
	}
	for _, en := range got[1:] {
		if en.Status != store.QueueComplete {
			t.Errorf("order %d, which waited for the first: %s %q", en.OrderID, en.Status, en.Message)
		}
	}
	if nodes := v.takeNodes(); nodes["PATCH Account"] < 2 {
		t.Errorf("%v: the orders after the failed one must send the Account themselves", nodes)
	}
	// Synced again, the first goes as a returning customer's order.
	if en := v.syncOrders(store.ReasonManual, orders[0])[0]; en.Status != store.QueueComplete {
		t.Errorf("the first order again: %s %q", en.Status, en.Message)
	}
	if a, c := len(v.records("Account")), len(v.records("Contact")); a != 1 || c != 1 {
		t.Errorf("%d Accounts and %d Contacts; want one of each", a, c)
	}
	v.checkOrders(3, false)
}
