package engine_test

import (
	"testing"

	"magesync/store"
	"magesync/sync/engine"
)

// Each website's orders follow its own settings; a website that returns
// to Use Default follows Default Config again.
func TestWebsiteSettings(t *testing.T) {
	v := newEnv(t, 120)
	v.control("PUT", "/orderstatuses", `[{"ApiName":"Draft","MasterLabel":"Draft","StatusCode":"Draft","SortOrder":1,"IsDefault":true},
		{"ApiName":"Europe_Review","MasterLabel":"Europe Review","StatusCode":"Draft","SortOrder":2},
		{"ApiName":"Activated","MasterLabel":"Activated","StatusCode":"Activated","SortOrder":3}]`)
	const europe = 2 // the generated store's second website
	v.set(store.Set(store.PathDefaultStatus, "Europe_Review").At(europe),
		store.Set(store.PathSyncAll, "0").At(europe), store.Set(store.PathStatuses, "pending").At(europe))

	usPending := v.orderWhere("status = 'pending' AND store_id = 1")
	usComplete := v.orderWhere("status = 'complete' AND store_id = 1")
	euPending := v.orderWhere("status = 'pending' AND store_id IN (2, 3)")
	euComplete := v.orderWhere("status = 'complete' AND store_id IN (2, 3)")
	got := v.syncOrders(store.ReasonManual, usPending, usComplete, euPending, euComplete)
	for i, want := range []store.QueueStatus{store.QueueComplete, store.QueueComplete, store.QueueComplete, store.QueueSkipped} {
		if got[i].Status != want {
			t.Errorf("order %s: %s %q, want %s", got[i].IncrementID, got[i].Status, got[i].Message, want)
		}
	}
	if sfo := v.sfOrder(usPending); sfo == nil || sfo["Status"] != "Draft" {
		t.Errorf("Main Website pending order in %v, want Default Config's Draft", sfo)
	}
	if sfo := v.sfOrder(euPending); sfo == nil || sfo["Status"] != "Europe_Review" {
		t.Errorf("Europe pending order in %v, want the website's Europe_Review", sfo)
	}

	// Europe returns to Use Default for the status list: its completed
	// order syncs, as Default Config syncs every status.
	v.set(store.UseDefault(store.PathSyncAll).At(europe), store.UseDefault(store.PathStatuses).At(europe))
	if en := v.syncOrders(store.ReasonManual, euComplete)[0]; en.Status != store.QueueComplete {
		t.Errorf("Europe completed order after Use Default: %s %q", en.Status, en.Message)
	}
}

// A website's Price Book prices its new orders there, the standard price
// entry made first as Salesforce requires; an order keeps the book it was
// created in when its website's choice changes later.
func TestPriceBookPerWebsite(t *testing.T) {
	v := newEnv(t, 60)
	ctx := t.Context()
	book, err := v.sf.Create(ctx, "Pricebook2", map[string]any{"Name": "Europe", "IsActive": true})
	if err != nil {
		t.Fatal(err)
	}
	v.set(store.Set(store.PathPriceBook, book).At(2))
	eu := v.orderWhere("store_id IN (2, 3) AND status = 'pending'")
	us := v.orderWhere("store_id = 1")
	for _, en := range v.syncOrders(store.ReasonManual, eu, us) {
		if en.Status != store.QueueComplete {
			t.Fatalf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	bookOf := func(id uint32) string {
		recs, err := v.sf.Query(ctx, "SELECT Pricebook2Id FROM Order WHERE Magento_Order_Id__c = '"+engine.OrderExternalID(v.prefix(), id)+"'")
		if err != nil || len(recs) != 1 {
			t.Fatalf("order %d: %v %v", id, recs, err)
		}
		return recs[0].String("Pricebook2Id")
	}
	std := ""
	for _, b := range v.records("Pricebook2") {
		if b["IsStandard"] == true {
			std = b["Id"].(string)
		}
	}
	if got := bookOf(eu); got != book {
		t.Errorf("Europe order in price book %s, want the website's %s", got, book)
	}
	if got := bookOf(us); got != std {
		t.Errorf("Main Website order in price book %s, want the standard %s", got, std)
	}
	// Each product of the Europe order has its standard price and its
	// Europe price, in the order's currency.
	entries := map[string]int{}
	for _, e := range v.records("PricebookEntry") {
		if e["CurrencyIsoCode"] == "EUR" {
			entries[e["Pricebook2Id"].(string)]++
		}
	}
	if entries[book] == 0 || entries[std] < entries[book] {
		t.Errorf("EUR entries: %d in Europe's book, %d standard", entries[book], entries[std])
	}

	// Europe goes back to the standard price book; the order it synced
	// gains an item, which joins the order's own book.
	v.set(store.UseDefault(store.PathPriceBook).At(2))
	v.exec(`INSERT INTO sales_order_item (order_id, store_id, sku, name, product_type, qty_ordered, price, base_price, row_total, base_row_total)
		VALUES (?, 2, 'EU-EXTRA', 'Extra', 'simple', 1, 5, 5, 5, 5)`, eu)
	v.exec(`UPDATE sales_order SET grand_total = grand_total + 5, base_grand_total = base_grand_total + 5 WHERE entity_id = ?`, eu)
	if en := v.syncOrders(store.ReasonManual, eu)[0]; en.Status != store.QueueComplete {
		t.Fatalf("Europe order with a new item: %s %q", en.Status, en.Message)
	}
	found := false
	for _, it := range v.records("OrderItem") {
		if it["Description"] == "Extra" {
			found = true
			var pbe map[string]any
			for _, e := range v.records("PricebookEntry") {
				if e["Id"] == it["PricebookEntryId"] {
					pbe = e
				}
			}
			if pbe == nil || pbe["Pricebook2Id"] != book {
				t.Errorf("the new item's entry %v is not in the order's book %s", pbe, book)
			}
		}
	}
	if !found {
		t.Error("the new item did not reach Salesforce")
	}
}
