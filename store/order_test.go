package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/store/magentodb"
)

// checkOrders asserts what every generated order must hold.
func checkOrders(t *testing.T, orders []*store.Order) {
	t.Helper()
	var configurables, virtuals, guests, zero, multiLine, withNullComment int
	for _, o := range orders {
		if o.IncrementID == "" || o.Status == "" || o.State == "" || o.CustomerEmail == "" {
			t.Errorf("order %d: missing header fields: %+v", o.EntityID, o)
		}
		if got := o.Subtotal + o.ShippingAmount + o.TaxAmount + o.DiscountAmount; got != o.GrandTotal {
			t.Errorf("order %s: subtotal %s + shipping %s + tax %s + discount %s = %s, grand total %s",
				o.IncrementID, o.Subtotal, o.ShippingAmount, o.TaxAmount, o.DiscountAmount, got, o.GrandTotal)
		}
		if len(o.Items) < 1 || len(o.Items) > 6 {
			t.Errorf("order %s: %d items", o.IncrementID, len(o.Items))
		}
		var sum store.Decimal
		for _, it := range o.Items {
			sum += it.RowTotal
			if it.ProductType == "configurable" {
				configurables++
				if it.Child == nil || it.Child.SKU != it.SKU || len(it.Options) == 0 {
					t.Errorf("order %s: configurable item %d without its child or options: %+v", o.IncrementID, it.ItemID, it)
				}
			} else if it.Child != nil {
				t.Errorf("order %s: %s item %d has a child", o.IncrementID, it.ProductType, it.ItemID)
			}
		}
		if sum != o.Subtotal {
			t.Errorf("order %s: items add up to %s, subtotal %s", o.IncrementID, sum, o.Subtotal)
		}
		if o.Billing == nil || o.Billing.AddressType != "billing" || len(o.Billing.Street) == 0 {
			t.Errorf("order %s: billing address %+v", o.IncrementID, o.Billing)
		}
		if o.IsVirtual != (o.Shipping == nil) {
			t.Errorf("order %s: virtual=%v but shipping address %+v", o.IncrementID, o.IsVirtual, o.Shipping)
		}
		if o.Payment == nil || o.Payment.Method == "" || o.Payment.Title() == "" {
			t.Errorf("order %s: payment %+v", o.IncrementID, o.Payment)
		}
		if len(o.Comments) == 0 {
			t.Errorf("order %s: no status history", o.IncrementID)
		}
		for i := 1; i < len(o.Comments); i++ {
			if o.Comments[i].CreatedAt.Before(o.Comments[i-1].CreatedAt) {
				t.Errorf("order %s: comments out of order", o.IncrementID)
			}
		}
		for _, c := range o.Comments {
			if c.Comment == "" {
				withNullComment++
			}
		}
		if o.IsVirtual {
			virtuals++
		}
		if o.CustomerIsGuest != (o.CustomerID == 0) {
			t.Errorf("order %s: guest=%v customer_id=%d", o.IncrementID, o.CustomerIsGuest, o.CustomerID)
		}
		if o.CustomerIsGuest {
			guests++
		}
		if o.GrandTotal == 0 {
			zero++
		}
		if len(o.Billing.Street) > 1 {
			multiLine++
		}
	}
	for what, n := range map[string]int{"configurable items": configurables, "virtual orders": virtuals,
		"guest orders": guests, "zero-total orders": zero, "multi-line streets": multiLine, "NULL comments": withNullComment} {
		if n == 0 {
			t.Errorf("no %s among %d orders", what, len(orders))
		}
	}
}

func TestOrderReads(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 300)
	ids := make([]uint32, 300)
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	orders, err := s.Orders(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 300 {
		t.Fatalf("loaded %d orders, want 300", len(orders))
	}
	for i, o := range orders {
		if o.EntityID != ids[i] {
			t.Fatalf("orders out of the requested order at %d: %d", i, o.EntityID)
		}
	}
	checkOrders(t, orders)

	statuses := map[string]bool{}
	for _, o := range orders {
		statuses[o.Status] = true
	}
	for _, st := range magentodb.Statuses {
		if !statuses[st.Status] {
			t.Errorf("no order in status %s", st.Status)
		}
	}

	// One order, by id and by increment id, matches the batch read.
	one, err := s.Order(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.OrderIDByIncrementID(ctx, one.IncrementID)
	if err != nil || id != 7 {
		t.Errorf("OrderIDByIncrementID(%s) = %d, %v", one.IncrementID, id, err)
	}
	if one.GrandTotal != orders[6].GrandTotal || len(one.Items) != len(orders[6].Items) {
		t.Error("single read differs from batch read")
	}

	if _, err := s.Order(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing order: %v", err)
	}
	if _, err := s.OrderIDByIncrementID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing increment id: %v", err)
	}
	if got, err := s.Orders(ctx, []uint32{2, 99999, 2}); err != nil || len(got) != 1 {
		t.Errorf("Orders with a missing and a repeated id = %d orders, %v", len(got), err)
	}
}

func TestOrderReadsHandWrittenRows(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t)
	db := s.DB()
	// An order written by hand with NULLs where Magento allows them, a
	// configurable whose options sit only on the child, and PHP-serialised
	// options left by a 2.1 upgrade.
	mustExec(t, db.Exec, `INSERT INTO sales_order (entity_id, increment_id, store_id, state, status, customer_email,
		subtotal, grand_total, is_virtual) VALUES (1, '000000001', 1, 'new', 'pending', NULL, 10, 10, 1)`)
	mustExec(t, db.Exec, `INSERT INTO sales_order_item (item_id, order_id, parent_item_id, sku, name, product_type,
		qty_ordered, price, row_total, product_options) VALUES
		(1, 1, NULL, 'TEE-M', 'Tee', 'configurable', 1, 10, 10, NULL),
		(2, 1, 1, 'TEE-M', 'Tee-M', 'simple', 1, 0, 0, '{"attributes_info":[{"label":"Size","value":"M"}]}'),
		(3, 1, NULL, 'OLD', 'Old', 'simple', 1, 0, 0, 'a:1:{s:15:"info_buyRequest";a:0:{}}')`)
	mustExec(t, db.Exec, `INSERT INTO sales_order_address (parent_id, address_type, street, firstname)
		VALUES (1, 'billing', 'Line 1\n\nLine 2\n', 'Zoë 🎉')`)
	mustExec(t, db.Exec, `INSERT INTO sales_order_status_history (parent_id, comment, status, entity_name)
		VALUES (1, NULL, 'pending', 'order')`)

	o, err := s.Order(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if o.CustomerEmail != "" || o.Payment != nil || o.Shipping != nil {
		t.Errorf("NULLs read as %+v", o)
	}
	if len(o.Items) != 2 || o.Items[0].Child == nil || o.Items[0].Child.Name != "Tee-M" {
		t.Fatalf("items = %+v", o.Items)
	}
	if got := o.Items[0].Options; len(got) != 1 || got[0] != (store.Option{Label: "Size", Value: "M"}) {
		t.Errorf("child's options not folded into the parent: %+v", got)
	}
	if o.Items[1].Options != nil {
		t.Errorf("serialised options yield %+v", o.Items[1].Options)
	}
	if got := strings.Join(o.Billing.Street, "|"); got != "Line 1|Line 2" || o.Billing.Firstname != "Zoë 🎉" {
		t.Errorf("street %q, name %q", got, o.Billing.Firstname)
	}
	if len(o.Comments) != 1 || o.Comments[0].Comment != "" {
		t.Errorf("comments = %+v", o.Comments)
	}
}

// TestOlderMagentoSchema reads orders from a store whose columns have the
// sizes of Magento 2.4.4 and earlier.
func TestOlderMagentoSchema(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t)
	db := s.DB()
	mustExec(t, db.Exec, "ALTER TABLE sales_order MODIFY increment_id varchar(32) NULL")
	mustExec(t, db.Exec, "ALTER TABLE sales_order_item MODIFY product_options text NULL")
	for _, col := range []string{"price", "base_price", "row_total", "base_row_total"} {
		mustExec(t, db.Exec, "ALTER TABLE sales_order_item MODIFY `"+col+"` decimal(12,4) NOT NULL DEFAULT 0")
	}
	for _, col := range []string{"original_price", "tax_amount", "discount_amount"} {
		mustExec(t, db.Exec, "ALTER TABLE sales_order_item MODIFY `"+col+"` decimal(12,4) NULL")
	}
	if _, err := magentodb.Generate(ctx, db.DB, magentodb.Options{Orders: 80, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	var typ string
	if err := db.Get(&typ, `SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE()
		AND table_name = 'sales_order_item' AND column_name = 'price'`); err != nil || typ != "decimal(12,4)" {
		t.Fatalf("price column is %q (%v), want the older decimal(12,4)", typ, err)
	}
	ids := make([]uint32, 80)
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	orders, err := s.Orders(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 80 {
		t.Fatalf("loaded %d orders", len(orders))
	}
	checkOrders(t, orders)
}

func TestOrderStatusesAndWebsites(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 20)
	sts, err := s.OrderStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]store.OrderStatus{}
	for _, st := range sts {
		byCode[st.Code] = st
	}
	if len(sts) != 12 {
		t.Errorf("%d statuses, want Magento's 12", len(sts))
	}
	if st := byCode["holded"]; st.Label != "On Hold" || !slices.Equal(st.States, []string{"holded"}) {
		t.Errorf("holded = %+v", st)
	}
	if st := byCode["fraud"]; !slices.Equal(st.States, []string{"payment_review", "processing"}) {
		t.Errorf("fraud = %+v", st)
	}
	if st := byCode["pending_paypal"]; st.Label != "Pending PayPal" || len(st.States) != 0 {
		t.Errorf("pending_paypal = %+v", st)
	}

	ws, err := s.Websites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].Name != "Main Website" || len(ws[0].Stores) != 1 || len(ws[1].Stores) != 2 {
		t.Fatalf("websites = %+v", ws)
	}
	if v := ws[1].Stores[1]; v.Code != "eu_de" || v.GroupName != "Europe Store" || !v.IsActive {
		t.Errorf("store view = %+v", v)
	}
}

func mustExec[R any](t *testing.T, exec func(string, ...any) (R, error), q string, args ...any) {
	t.Helper()
	if _, err := exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
