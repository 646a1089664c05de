package engine

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"magesync/store"
)

func sampleOrder() *store.Order {
	return &store.Order{EntityID: 7, IncrementID: "000000007", Status: "complete", CustomerEmail: "Ana@Example.com",
		CustomerFirstname: "Ana", CustomerLastname: "Nowak", CreatedAt: time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC),
		Subtotal: 300000, ShippingAmount: 50000, TaxAmount: 24800, DiscountAmount: -30000, GrandTotal: 344800,
		Items: []store.Item{
			{ItemID: 11, SKU: "TEE-M", Name: "Tee", QtyOrdered: 20000, RowTotal: 200000, DiscountAmount: 20000,
				Options: []store.Option{{Label: "Size", Value: "M"}}},
			{ItemID: 12, SKU: "CAP", Name: "Cap", QtyOrdered: 10000, RowTotal: 100000, DiscountAmount: 10000},
		},
		Billing:  &store.Address{Firstname: "Ana", Lastname: "Nowak", Street: []string{"1 Main St", "Apt 2"}, City: "Kraków", CountryID: "PL"},
		Comments: []store.Comment{{EntityID: 1, Comment: "Leave at the door"}, {EntityID: 2}},
	}
}

func TestMap(t *testing.T) {
	s := store.OrderSettings{DefaultStatus: "Draft", SyncNotes: true}
	la, _ := time.LoadLocation("America/Los_Angeles")
	m, err := Map(sampleOrder(), s, StoreInfo{Name: "Main Website / Default Store View", Location: la}, pricing{})
	if err != nil {
		t.Fatal(err)
	}
	if m.CustomerKey != "g:ana@example.com" || m.FinalStatus != "Activated" {
		t.Errorf("key %s, status %s", m.CustomerKey, m.FinalStatus)
	}
	if m.Order["EffectiveDate"] != "2026-02-28" {
		t.Errorf("EffectiveDate in the store's time zone = %v", m.Order["EffectiveDate"])
	}
	if m.Billing.Street != "1 Main St\nApt 2" || m.Contact["LastName"] != "Nowak" || m.Contact["Email"] != "Ana@Example.com" {
		t.Errorf("account %v contact %v", m.Account, m.Contact)
	}
	want := []Line{
		{Key: "11", SKU: "TEE-M", ProductName: "Tee", Quantity: 2, UnitPrice: 9, Description: "Tee; Size: M"},
		{Key: "12", SKU: "CAP", ProductName: "Cap", Quantity: 1, UnitPrice: 9, Description: "Cap"},
		{Key: "7-shipping", SKU: SKUShipping, ProductName: "Shipping", Quantity: 1, UnitPrice: 5, Description: "Shipping"},
		{Key: "7-tax", SKU: SKUTax, ProductName: "Tax", Quantity: 1, UnitPrice: 2.48, Description: "Tax"},
	}
	if len(m.Lines) != len(want) {
		t.Fatalf("lines = %+v", m.Lines)
	}
	for i := range want {
		if !reflect.DeepEqual(m.Lines[i], want[i]) {
			t.Errorf("line %d = %+v, want %+v", i, m.Lines[i], want[i])
		}
	}
	if m.TotalCents() != 3448 {
		t.Errorf("total %d cents, want 3448", m.TotalCents())
	}
	if len(m.Notes) != 1 || m.Notes[0].Body != "Leave at the door" {
		t.Errorf("notes = %+v", m.Notes)
	}
	s.SyncNotes = false
	if m, _ := Map(sampleOrder(), s, StoreInfo{}, pricing{}); len(m.Notes) != 0 {
		t.Error("notes mapped with Synchronize Order Notes = No")
	}
}

func TestSkip(t *testing.T) {
	label := func(c string) string { return map[string]string{"pending": "Pending"}[c] }
	o := &store.Order{Status: "pending"}
	if got := Skip(store.OrderSettings{SyncAll: true, ZeroGrandTotal: false}, o, label); got != "Zero Grand Total orders are set to Do not synchronize" {
		t.Errorf("zero total: %q", got)
	}
	if got := Skip(store.OrderSettings{SyncAll: true, ZeroGrandTotal: true}, o, label); got != "" {
		t.Errorf("zero total allowed: %q", got)
	}
	o.GrandTotal = 10000
	if got := Skip(store.OrderSettings{Statuses: []string{"processing"}}, o, label); got != "Order status Pending is not selected for synchronization" {
		t.Errorf("status: %q", got)
	}
	if got := Skip(store.OrderSettings{Statuses: []string{"pending"}}, o, label); got != "" {
		t.Errorf("selected status: %q", got)
	}
}

func FuzzMap(f *testing.F) {
	f.Add("Ana", "", "a@b.c", "SKU-1", int64(20000), int64(123456), int64(100), int64(500), int64(0), "hello", "Street\nTwo")
	f.Add("", "", "", "", int64(0), int64(0), int64(0), int64(0), int64(0), "", "")
	f.Add("🎉", "x", "not-an-email", "a/b?c", int64(-10000), int64(1), int64(99999), int64(-5), int64(1), strings.Repeat("é", 40000), "")
	f.Fuzz(func(t *testing.T, first, last, email, sku string, qty, rowTotal, discount, tax, shipping int64, comment, street string) {
		o := &store.Order{EntityID: 1, IncrementID: "1", Status: "pending", CustomerFirstname: first, CustomerLastname: last,
			CustomerEmail: email, ShippingAmount: store.Decimal(shipping), TaxAmount: store.Decimal(tax),
			Items:    []store.Item{{ItemID: 1, SKU: sku, Name: first, QtyOrdered: store.Decimal(qty), RowTotal: store.Decimal(rowTotal), DiscountAmount: store.Decimal(discount)}},
			Billing:  &store.Address{Street: strings.Split(street, "\n"), Company: last},
			Comments: []store.Comment{{EntityID: 1, Comment: comment}},
		}
		o.GrandTotal = o.Items[0].RowTotal - o.Items[0].DiscountAmount + o.TaxAmount + o.ShippingAmount
		m, err := Map(o, store.OrderSettings{DefaultStatus: "Draft", SyncNotes: true}, StoreInfo{}, pricing{})
		if err != nil {
			if qty > 0 {
				t.Fatalf("positive quantity refused: %v", err)
			}
			return
		}
		if m.TotalCents() != decimalCents(o.GrandTotal) {
			t.Fatalf("total %d cents, grand total %d cents", m.TotalCents(), decimalCents(o.GrandTotal))
		}
		for _, l := range m.Lines {
			if l.Quantity <= 0 || l.Key == "" || l.SKU == "" {
				t.Fatalf("bad line %+v", l)
			}
		}
		if m.Contact["LastName"] == "" || m.Account["Name"] == "" {
			t.Fatalf("required fields empty: %v %v", m.Contact, m.Account)
		}
		for _, n := range m.Notes {
			if utf8.RuneCountInString(n.Body) > noteBodyRunes || utf8.RuneCountInString(n.Title) > 255 || n.Body == "" {
				t.Fatalf("note out of bounds: %d / %d", utf8.RuneCountInString(n.Body), utf8.RuneCountInString(n.Title))
			}
		}
		for _, r := range []map[string]any{m.Account, m.Contact, m.Order} {
			for k, v := range r {
				if s, ok := v.(string); ok && !utf8.ValidString(s) && utf8.ValidString(first+last+email+street) {
					t.Fatalf("%s became invalid UTF-8", k)
				}
			}
		}
	})
}
