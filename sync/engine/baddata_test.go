package engine_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"magesync/store"
)

// addOrder writes a minimal order by hand and returns its id.
func (v *env) addOrder(id uint32, status, email string, grand string) {
	v.t.Helper()
	var em any
	if email != "" {
		em = email
	}
	v.exec(`INSERT INTO sales_order (entity_id, increment_id, store_id, state, status, customer_email, customer_firstname,
		customer_lastname, customer_is_guest, subtotal, grand_total, base_grand_total, shipping_amount, tax_amount, discount_amount,
		order_currency_code, created_at) VALUES (?, ?, 1, 'new', ?, ?, 'Zoë 🎉', 'Ångström', 1, ?, ?, ?, 0, 0, 0, 'USD', NOW())`,
		id, "9000"+store.OrderKey(id), status, em, grand, grand, grand)
}

func (v *env) addItem(orderID uint32, sku, qty, price string) {
	v.t.Helper()
	v.exec(`INSERT INTO sales_order_item (order_id, sku, name, product_type, qty_ordered, price, row_total)
		VALUES (?, ?, 'Thing', 'simple', ?, ?, ? * ?)`, orderID, sku, qty, price, qty, price)
}

func TestBadMagentoData(t *testing.T) {
	v := newEnv(t, 3)
	v.set(store.Set(store.PathSyncNotes, "1"))
	long := strings.Repeat("Lorem ipsum dolor sit amet, ünïcödé 🚚. ", 1100) // about 44 KB
	cases := []struct {
		id    uint32
		setup func()
		fails string // "" = synced
	}{
		{101, func() { v.addOrder(101, "pending", "a@example.com", "10") }, "has no items"},
		{102, func() { v.addOrder(102, "pending", "", "10"); v.addItem(102, "NOEMAIL", "1", "10") }, ""},
		{103, func() { v.addOrder(103, "pending", "b@example.com", "10"); v.addItem(103, "NOBILL", "1", "10") }, ""},
		{104, func() {
			v.addOrder(104, "pending", "c@example.com", "10")
			v.addItem(104, "EMOJI-🎁", "1", "10")
			v.exec(`INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name) VALUES (104, NULL, 'pending', 'order'), (104, 'Gift 🎁 for Zoë', 'pending', 'order')`)
		}, ""},
		{105, func() {
			v.addOrder(105, "pending", "d@example.com", "10")
			v.addItem(105, "LONG", "1", "10")
			v.exec(`INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name) VALUES (105, ?, 'pending', 'order')`, long)
		}, ""},
		{106, func() { v.addOrder(106, "teleported", "e@example.com", "10"); v.addItem(106, "ODD", "1", "10") }, ""},
		{107, func() { v.addOrder(107, "pending", "f@example.com", "0"); v.addItem(107, "ZERO", "0", "10") }, "has quantity 0"},
		{108, func() { v.addOrder(108, "pending", "g@example.com", "-10"); v.addItem(108, "NEG", "-1", "10") }, "has quantity -1"},
		{109, func() {
			v.addOrder(109, "pending", "h@example.com", "33.33")
			v.addItem(109, "THIRDS", "3", "11.11")
			v.exec(`UPDATE sales_order_item SET discount_amount = 0.01 WHERE order_id = 109`)
		}, ""},
		// Past what a Decimal holds, and past what a JSON number carries to the cent.
		{110, func() {
			v.addOrder(110, "pending", "i@example.com", "9999999899999999")
			v.addItem(110, "HUGE", "1", "9999999899999999")
		}, "the largest amount magesync sends exactly"},
		{111, func() {
			v.addOrder(111, "pending", "j@example.com", "90000000000000")
			v.addItem(111, "BIG", "1", "90000000000000")
		}, "the largest amount magesync sends exactly"},
		// A SKU as long as Magento allows (255).
		{112, func() {
			v.addOrder(112, "pending", "k@example.com", "10")
			v.addItem(112, strings.Repeat("S", 255), "1", "10")
		}, ""},
		// A configurable's child whose parent row is gone.
		{113, func() {
			v.addOrder(113, "pending", "l@example.com", "10")
			v.exec(`INSERT INTO sales_order_item (order_id, parent_item_id, sku, name, product_type, qty_ordered, price, row_total)
				VALUES (113, 999999, 'CHILD-ONLY', 'Child', 'simple', 1, 10, 10)`)
		}, ""},
		// An email longer than Salesforce holds is left out, not cut.
		{114, func() {
			v.addOrder(114, "pending", strings.Repeat("a", 80)+"@example.com", "10")
			v.addItem(114, "LONGMAIL", "1", "10")
		}, ""},
	}
	var ids []uint32
	for _, c := range cases {
		c.setup()
		ids = append(ids, c.id)
	}
	ids = append(ids, 1, 2, 3) // ordinary orders go through too
	got := v.syncOrders(store.ReasonManual, ids...)
	for i, c := range cases {
		en := got[i]
		if c.fails == "" && en.Status != store.QueueComplete {
			t.Errorf("order %d: %s %q; want synced", c.id, en.Status, en.Message)
		}
		if c.fails != "" && (en.Status != store.QueueError || !strings.Contains(en.Message, c.fails)) {
			t.Errorf("order %d: %s %q; want an error saying %q", c.id, en.Status, en.Message, c.fails)
		}
	}
	for _, en := range got[len(cases):] {
		if en.Status != store.QueueComplete {
			t.Errorf("ordinary order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	if sfo := v.sfOrder(109); sfo == nil || sfo["TotalAmount"] != 33.33 {
		t.Errorf("order with uneven unit prices: total %v, want 33.33", sfo["TotalAmount"])
	}
	if !strings.Contains(got[12].Message, "belongs to item 999999, which is missing in Magento: it was sent as its own line") {
		t.Errorf("orphan child: %q", got[12].Message)
	}
	for _, c := range v.records("Contact") {
		if e, _ := c["Email"].(string); strings.HasPrefix(e, "aaaa") {
			t.Errorf("a long email was cut into %q", e)
		}
	}
	if !strings.Contains(got[13].Message, "was left out: it is longer than the 80 characters") {
		t.Errorf("long email: %q", got[13].Message)
	}
	if sfo := v.sfOrder(106); sfo == nil || sfo["Status"] != "Draft" {
		t.Errorf("order in an unknown status: %v", sfo)
	}
	// Notes: the emoji survives; the long comment arrives whole, in parts.
	var emoji bool
	var parts []string
	for _, n := range v.records("Note") {
		body := n["Body"].(string)
		if body == "Gift 🎁 for Zoë" {
			emoji = true
		}
		if strings.HasPrefix(n["Title"].(string), "Lorem ipsum") {
			parts = append(parts, body)
			if utf8.RuneCountInString(n["Title"].(string)) > 255 {
				t.Error("note title too long")
			}
		}
	}
	if !emoji {
		t.Error("the emoji comment is missing")
	}
	if strings.Join(parts, "") != strings.TrimSpace(long) || len(parts) != 2 {
		t.Errorf("the 44 KB comment arrived as %d parts, %d characters", len(parts), utf8.RuneCountInString(strings.Join(parts, "")))
	}
}
