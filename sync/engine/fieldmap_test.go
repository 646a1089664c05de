package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"magesync/store"
)

// TestFieldMappings: the admin's mappings write Magento values of every
// kind into the org's custom fields, each When mode as it says; a value
// the field cannot take, or a field the org deleted, is said in the queue
// naming the mapping, and the order's other data still arrives.
func TestFieldMappings(t *testing.T) {
	v := newEnv(t, 12)
	ctx := context.Background()
	v.set(store.Set(store.PathUpdateOrderInfo, "1"))
	v.control("PUT", "/fields/Order", `[{"name":"Coupon_Code__c","type":"string","length":20},
		{"name":"Payment_Method__c","type":"picklist","values":["checkmo","banktransfer","cashondelivery","braintree","paypal_express","purchaseorder","free"]},
		{"name":"Grand_Base__c","type":"currency"}, {"name":"Ordered_On__c","type":"date"}, {"name":"Guest__c","type":"boolean"},
		{"name":"Customer_Name__c","type":"string","length":10}, {"name":"Last_Change__c","type":"datetime"},
		{"name":"Store_View__c","type":"string","length":80}]`)
	v.control("PUT", "/fields/OrderItem", `[{"name":"Item_SKU__c","type":"string","length":255},{"name":"Weight__c","type":"double"},
		{"name":"Qty__c","type":"int"},{"name":"Contact_Email__c","type":"email"}]`)
	add := func(sobject, source, target, mode, tooLong string) uint64 {
		t.Helper()
		id, err := v.st.AddFieldMap(ctx, store.FieldMap{SObject: sobject, Source: source, Target: target, Mode: mode, TooLong: tooLong, Enabled: true, Username: "t"})
		if err != nil {
			t.Fatalf("add %s → %s: %v", source, target, err)
		}
		return id
	}
	add("Order", "order.coupon_code", "Coupon_Code__c", store.MapAlways, "refuse")
	add("Order", "payment.method", "Payment_Method__c", store.MapAlways, "refuse")
	add("Order", "order.base_grand_total", "Grand_Base__c", store.MapAlways, "refuse")
	add("Order", "order.created_at", "Ordered_On__c", store.MapAlways, "refuse")
	add("Order", "order.customer_is_guest", "Guest__c", store.MapAlways, "refuse")
	add("Order", "computed.customer_name", "Customer_Name__c", store.MapCreate, "cut")
	add("Order", "order.updated_at", "Last_Change__c", store.MapUpdate, "refuse")
	add("Order", "computed.store_name", "Store_View__c", store.MapAlways, "refuse")
	add("Order", "computed.website_name", "Description", store.MapAlways, "cut") // replaces what magesync writes there
	add("OrderItem", "item.sku", "Item_SKU__c", store.MapAlways, "refuse")
	add("OrderItem", "item.weight", "Weight__c", store.MapAlways, "refuse")
	add("OrderItem", "item.qty_ordered", "Qty__c", store.MapAlways, "refuse")
	if _, err := v.st.AddFieldMap(ctx, store.FieldMap{SObject: "Order", Source: "order.no_such_column", Target: "X__c", Mode: "always", TooLong: "refuse"}); err == nil {
		t.Error("a mapping from a column Magento does not have was stored")
	}
	v.exec(`UPDATE sales_order SET coupon_code = 'SPRING' WHERE entity_id = 1`)

	v.syncAll(store.ReasonBulk)
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	recs := map[string]map[string]any{}
	for _, r := range v.records("Order") {
		recs[r["Id"].(string)] = r
	}
	for id := uint32(1); id <= 12; id++ {
		o, err := v.st.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r := recs[v.sfOrder(id)["Id"].(string)]
		name := strings.TrimSpace(o.CustomerFirstname + " " + o.CustomerLastname)
		if len([]rune(name)) > 10 {
			name = string([]rune(name)[:10]) // cut, as the mapping says
		}
		if r["Payment_Method__c"] != o.Payment.Method || r["Grand_Base__c"] != o.BaseGrandTotal.Float() ||
			r["Ordered_On__c"] != o.CreatedAt.UTC().Format("2006-01-02") || r["Customer_Name__c"] != name ||
			r["Last_Change__c"] != nil || r["Store_View__c"] == nil {
			t.Errorf("order %d in Salesforce: %v %v %v %v %v %v", id, r["Payment_Method__c"], r["Grand_Base__c"], r["Ordered_On__c"],
				r["Customer_Name__c"], r["Last_Change__c"], r["Store_View__c"])
		}
		if d, _ := r["Description"].(string); d != "Main Website" && d != "Europe Website" && !strings.HasSuffix(d, "Website") {
			t.Errorf("order %d: Description %q, want the website's name", id, d)
		}
		if id == 1 && r["Coupon_Code__c"] != "SPRING" {
			t.Errorf("coupon = %v", r["Coupon_Code__c"])
		}
	}
	items := 0
	for _, it := range v.records("OrderItem") {
		key := strings.TrimPrefix(it["Magento_Item_Id__c"].(string), v.prefix()+":")
		if strings.Contains(key, "-") {
			continue // shipping, tax, adjustment: no item
		}
		var sku string
		var weight, qty float64
		v.st.DB().QueryRow(`SELECT sku, COALESCE(weight, 0), qty_ordered FROM sales_order_item WHERE item_id = ?`, key).Scan(&sku, &weight, &qty)
		if it["Item_SKU__c"] != sku || it["Weight__c"] != weight || it["Qty__c"] != qty {
			t.Errorf("item %s: %v %v %v, want %s %v %v", key, it["Item_SKU__c"], it["Weight__c"], it["Qty__c"], sku, weight, qty)
		}
		items++
	}
	if items == 0 {
		t.Fatal("no item lines in Salesforce")
	}

	// Update only: written on the next sync; create only: left alone.
	v.exec(`UPDATE sales_order SET customer_firstname = 'Changed', updated_at = '2030-01-02 03:04:05' WHERE entity_id = 2`)
	if en := v.syncOrders(store.ReasonManual, 2); en[0].Status != store.QueueComplete {
		t.Fatalf("re-sync: %q", en[0].Message)
	}
	r := v.sfOrderFields(2, "Last_Change__c", "Customer_Name__c")
	if r["Last_Change__c"] != "2030-01-02T03:04:05.000Z" || strings.HasPrefix(fmt.Sprint(r["Customer_Name__c"]), "Changed") {
		t.Errorf("after an update: %v", r)
	}

	// A value the picklist lacks: the order syncs, the queue names the mapping.
	v.exec(`UPDATE sales_order_payment SET method = 'bitcoin' WHERE parent_id = 3`)
	v.exec(`UPDATE sales_order SET updated_at = '2030-01-03 00:00:00' WHERE entity_id = 3`)
	en := v.syncOrders(store.ReasonManual, 3)
	if en[0].Status != store.QueueError || !strings.Contains(en[0].Message, "(payment.method → Payment_Method__c) was not sent") ||
		!strings.Contains(en[0].Message, `"bitcoin" is not one of the values`) {
		t.Errorf("a picklist value the org lacks: %s %q", en[0].Status, en[0].Message)
	}
	if r := v.sfOrderFields(3, "Last_Change__c"); r["Last_Change__c"] != "2030-01-03T00:00:00.000Z" {
		t.Errorf("the order's other data did not arrive: %v", r)
	}

	// The org deletes a field: a clear error, the rest still goes.
	v.control("DELETE", "/fields/Order/Coupon_Code__c", "")
	v.exec(`UPDATE sales_order SET coupon_code = 'SUMMER', updated_at = '2030-01-04 00:00:00' WHERE entity_id = 1`)
	en = v.syncOrders(store.ReasonManual, 1)
	if en[0].Status != store.QueueError || !strings.Contains(en[0].Message, "Salesforce has no field Coupon_Code__c on Order") {
		t.Errorf("a deleted field: %s %q", en[0].Status, en[0].Message)
	}
	if r := v.sfOrderFields(1, "Last_Change__c"); r["Last_Change__c"] != "2030-01-04T00:00:00.000Z" {
		t.Errorf("the order's other data did not arrive: %v", r)
	}
	v.checkOrders(12, false)
}
