package salesforce_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// fixture creates an account, a product with a standard price and returns
// the IDs an order needs.
type fixture struct {
	account, book, entry, product string
}

func newFixture(t *testing.T, c *salesforce.Client) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	recs, err := c.Query(ctx, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")
	if err != nil || len(recs) != 1 {
		t.Fatalf("standard price book: %v %v", recs, err)
	}
	f.book = recs[0].String("Id")
	if f.account, err = c.Create(ctx, "Account", salesforce.Record{"Name": "Acme"}); err != nil {
		t.Fatal(err)
	}
	if f.product, err = c.Create(ctx, "Product2", salesforce.Record{"Name": "Tee", "IsActive": true}); err != nil {
		t.Fatal(err)
	}
	if f.entry, err = c.Create(ctx, "PricebookEntry", salesforce.Record{"Pricebook2Id": f.book, "Product2Id": f.product, "UnitPrice": 20, "IsActive": true}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) order(t *testing.T, c *salesforce.Client, extra salesforce.Record) string {
	t.Helper()
	r := salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Draft", "Pricebook2Id": f.book}
	for k, v := range extra {
		r[k] = v
	}
	id, err := c.Create(context.Background(), "Order", r)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOrderRules(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	f := newFixture(t, c)

	// A new order must be in a Draft-category status; the error code is configurable.
	_, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Activated"})
	if apiCode(err) != "FAILED_ACTIVATION" || !salesforce.IsFinal(err) {
		t.Errorf("create activated: %v", err)
	}
	o.control(t, "PUT", "/faults", map[string]any{"createActivatedErrorCode": "FIELD_INTEGRITY_EXCEPTION"}, nil)
	_, err = c.Create(ctx, "Order", salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Activated"})
	if apiCode(err) != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("create activated with the other code: %v", err)
	}
	o.control(t, "PUT", "/faults", map[string]any{}, nil)

	ord := f.order(t, c, nil)
	// Activation needs items.
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"Status": "Activated"}); apiCode(err) != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("activate without items: %v", err)
	}
	item, err := c.Create(ctx, "OrderItem", salesforce.Record{"OrderId": ord, "PricebookEntryId": f.entry, "Quantity": 3, "UnitPrice": 19.99})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, "OrderItem", salesforce.Record{"OrderId": ord, "PricebookEntryId": f.entry, "Quantity": 1, "UnitPrice": -5}); err != nil {
		t.Fatal(err)
	}
	rec, _ := c.Get(ctx, "Order", ord, "TotalAmount", "StatusCode")
	if rec["TotalAmount"] != 54.97 || rec["StatusCode"] != "Draft" {
		t.Errorf("computed total = %v (%v), want 54.97", rec["TotalAmount"], rec["StatusCode"])
	}
	// Activation is Status alone.
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"Status": "Activated", "Description": "x"}); apiCode(err) != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("activate with another field: %v", err)
	}
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"Status": "Activated"}); err != nil {
		t.Fatal(err)
	}
	// An activated order's items are locked, and so are its account and price book.
	_, err = c.Create(ctx, "OrderItem", salesforce.Record{"OrderId": ord, "PricebookEntryId": f.entry, "Quantity": 1, "UnitPrice": 1})
	if apiCode(err) != "ENTITY_IS_LOCKED" {
		t.Errorf("add item to activated order: %v", err)
	}
	if err := c.Update(ctx, "OrderItem", item, salesforce.Record{"Quantity": 4}); apiCode(err) != "ENTITY_IS_LOCKED" {
		t.Errorf("change item of activated order: %v", err)
	}
	if err := c.Delete(ctx, "OrderItem", item); apiCode(err) != "ENTITY_IS_LOCKED" {
		t.Errorf("delete item of activated order: %v", err)
	}
	other, _ := c.Create(ctx, "Account", salesforce.Record{"Name": "Other"})
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"AccountId": other}); apiCode(err) != "ENTITY_IS_LOCKED" {
		t.Errorf("change account of activated order: %v", err)
	}
	if err := c.Delete(ctx, "Order", ord); apiCode(err) != "ENTITY_IS_LOCKED" {
		t.Errorf("delete activated order: %v", err)
	}
	// Other header fields may change; back in Draft the items may change too.
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"Description": "note"}); err != nil {
		t.Errorf("description of activated order: %v", err)
	}
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"Status": "Draft"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, "OrderItem", item, salesforce.Record{"Quantity": 1}); err != nil {
		t.Errorf("change item after deactivating: %v", err)
	}
	if err := c.Update(ctx, "OrderItem", item, salesforce.Record{"PricebookEntryId": f.entry}); apiCode(err) != "INVALID_FIELD_FOR_INSERT_UPDATE" {
		t.Errorf("update a create-only field: %v", err)
	}
	// The price book cannot change once items exist.
	custom, _ := c.Create(ctx, "Pricebook2", salesforce.Record{"Name": "Wholesale", "IsActive": true})
	if err := c.Update(ctx, "Order", ord, salesforce.Record{"Pricebook2Id": custom}); apiCode(err) != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("change price book with items: %v", err)
	}

	// Price books: a product needs a standard price first; entries must match the order's book.
	p2, _ := c.Create(ctx, "Product2", salesforce.Record{"Name": "Cap"})
	_, err = c.Create(ctx, "PricebookEntry", salesforce.Record{"Pricebook2Id": custom, "Product2Id": p2, "UnitPrice": 5, "IsActive": true})
	if apiCode(err) != "STANDARD_PRICE_NOT_DEFINED" {
		t.Errorf("custom price before standard: %v", err)
	}
	wholesale, err := c.Create(ctx, "PricebookEntry", salesforce.Record{"Pricebook2Id": custom, "Product2Id": f.product, "UnitPrice": 15, "IsActive": true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(ctx, "OrderItem", salesforce.Record{"OrderId": ord, "PricebookEntryId": wholesale, "Quantity": 1, "UnitPrice": 15})
	if apiCode(err) != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("entry from another price book: %v", err)
	}
	_, err = c.Create(ctx, "PricebookEntry", salesforce.Record{"Pricebook2Id": f.book, "Product2Id": f.product, "UnitPrice": 1})
	if apiCode(err) != "DUPLICATE_VALUE" {
		t.Errorf("second standard price: %v", err)
	}
	noBook := f.order(t, c, salesforce.Record{"Pricebook2Id": nil})
	_, err = c.Create(ctx, "OrderItem", salesforce.Record{"OrderId": noBook, "PricebookEntryId": f.entry, "Quantity": 1, "UnitPrice": 1})
	if apiCode(err) != "FIELD_INTEGRITY_EXCEPTION" {
		t.Errorf("item on an order without price book: %v", err)
	}
	if err := c.Delete(ctx, "Order", noBook); err != nil {
		t.Errorf("delete draft order: %v", err)
	}
}

func TestUpsertAndDuplicates(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	f := newFixture(t, c)
	body := salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Draft", "Magento_Increment_Id__c": "000000042"}
	r1, err := c.Upsert(ctx, "Order", "Magento_Order_Id__c", "42", body)
	if err != nil || !r1.Created || r1.ID == "" {
		t.Fatalf("first upsert = %+v, %v", r1, err)
	}
	r2, err := c.Upsert(ctx, "Order", "Magento_Order_Id__c", "42", salesforce.Record{"Description": "again"})
	if err != nil || r2.Created || r2.ID != r1.ID {
		t.Fatalf("second upsert = %+v, %v", r2, err)
	}
	if n := len(o.records(t, "Order")); n != 1 {
		t.Errorf("%d orders after two upserts", n)
	}
	// A unique external ID refuses a second record with the same value.
	_, err = c.Create(ctx, "Order", salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Draft", "Magento_Order_Id__c": "42"})
	if apiCode(err) != "DUPLICATE_VALUE" {
		t.Errorf("duplicate unique value: %v", err)
	}
	// A non-unique external ID matching two records answers 300.
	f.order(t, c, salesforce.Record{"Magento_Increment_Id__c": "000000042"})
	if _, err := c.Upsert(ctx, "Order", "Magento_Increment_Id__c", "000000042", salesforce.Record{"Description": "x"}); !errors.Is(err, salesforce.ErrMultipleMatches) {
		t.Errorf("upsert on two matches: %v", err)
	}
	// An upsert that updates is an update: create-only fields fail there.
	p, _ := c.Create(ctx, "Product2", salesforce.Record{"Name": "Mug"})
	entry := salesforce.Record{"Pricebook2Id": f.book, "Product2Id": p, "UnitPrice": 7, "IsActive": true}
	if r, err := c.Upsert(ctx, "PricebookEntry", "Magento_Key__c", "std:MUG", entry); err != nil || !r.Created {
		t.Fatalf("first entry upsert: %+v %v", r, err)
	}
	if _, err := c.Upsert(ctx, "PricebookEntry", "Magento_Key__c", "std:MUG", entry); apiCode(err) != "INVALID_FIELD_FOR_INSERT_UPDATE" {
		t.Errorf("second entry upsert with create-only fields: %v", err)
	}
	if r, err := c.Upsert(ctx, "PricebookEntry", "Magento_Key__c", "std:MUG", salesforce.Record{"UnitPrice": 8}); err != nil || r.Created {
		t.Errorf("entry upsert without them: %+v %v", r, err)
	}
}

func TestQueryPagingAndCollections(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	const n = 4321
	for start := 0; start < n; start += salesforce.MaxCollection {
		var recs []salesforce.Record
		for i := start; i < min(start+salesforce.MaxCollection, n); i++ {
			recs = append(recs, salesforce.Record{"attributes": map[string]any{"type": "Product2"}, "Name": fmt.Sprintf("P%05d", i), "IsActive": i%2 == 0})
		}
		res, err := c.CreateCollection(ctx, true, recs)
		if err != nil || len(res) != len(recs) || !res[0].Success {
			t.Fatalf("collection: %v %+v", err, res[:1])
		}
	}
	before := o.sim.APICalls()
	all, err := c.Query(ctx, "SELECT Id, Name FROM Product2 ORDER BY Name DESC")
	if err != nil || len(all) != n {
		t.Fatalf("query = %d records, %v", len(all), err)
	}
	if all[0].String("Name") != fmt.Sprintf("P%05d", n-1) || all[n-1].String("Name") != "P00000" {
		t.Errorf("order: first %s last %s", all[0].String("Name"), all[n-1].String("Name"))
	}
	if calls := o.sim.APICalls() - before; calls != 3 {
		t.Errorf("%d calls for %d records, want 3 pages of 2000", calls, n)
	}
	act, err := c.Query(ctx, "SELECT Id FROM Product2 WHERE IsActive = true AND Name IN ('P00000', 'P00001', 'P00002') LIMIT 5")
	if err != nil || len(act) != 2 {
		t.Errorf("filtered query = %d, %v", len(act), err)
	}
	if _, err := c.CreateCollection(ctx, true, make([]salesforce.Record, 201)); err == nil {
		t.Error("201 records accepted")
	}

	// allOrNone rolls back; without it the good records stay.
	bad := []salesforce.Record{
		{"attributes": map[string]any{"type": "Account"}, "Name": "ok 1"},
		{"attributes": map[string]any{"type": "Account"}},
		{"attributes": map[string]any{"type": "Account"}, "Name": "ok 2"},
	}
	res, err := c.CreateCollection(ctx, true, bad)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Success || res[1].Errors[0].Code() != "REQUIRED_FIELD_MISSING" || res[2].Errors[0].Code() != "ALL_OR_NONE_OPERATION_ROLLED_BACK" {
		t.Errorf("allOrNone results = %+v", res)
	}
	if n := len(o.records(t, "Account")); n != 0 {
		t.Errorf("%d accounts after a rolled-back collection", n)
	}
	res, _ = c.CreateCollection(ctx, false, bad)
	if !res[0].Success || res[1].Success || !res[2].Success || len(o.records(t, "Account")) != 2 {
		t.Errorf("partial results = %+v", res)
	}
	// Upsert and update collections.
	up := []salesforce.Record{{"Name": "Tee", "Magento_SKU__c": "TEE"}, {"Name": "Cap", "Magento_SKU__c": "CAP"}}
	res, err = c.UpsertCollection(ctx, "Product2", "Magento_SKU__c", true, up)
	if err != nil || !res[0].Created || !res[1].Created {
		t.Fatalf("upsert collection = %+v %v", res, err)
	}
	up[0]["Name"] = "T-Shirt"
	res, _ = c.UpsertCollection(ctx, "Product2", "Magento_SKU__c", true, up)
	if res[0].Created || !res[0].Success {
		t.Errorf("second upsert collection = %+v", res)
	}
	del, err := c.DeleteCollection(ctx, true, []string{res[0].ID, res[1].ID})
	if err != nil || !del[0].Success || !del[1].Success {
		t.Errorf("delete collection = %+v %v", del, err)
	}
}

func TestCompositeAndGraph(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	f := newFixture(t, c)

	b := c.NewBuilder().
		Upsert("acct", "Account", "Magento_Customer_Key__c", "c:1", salesforce.Record{"Name": "Ana"}).
		Upsert("ord", "Order", "Magento_Order_Id__c", "1", salesforce.Record{"AccountId": salesforce.Ref("acct"), "EffectiveDate": "2026-11-01", "Status": "Draft", "Pricebook2Id": f.book}).
		Upsert("item", "OrderItem", "Magento_Item_Id__c", "1", salesforce.Record{"OrderId": salesforce.Ref("ord"), "PricebookEntryId": f.entry, "Quantity": 2, "UnitPrice": 20}).
		Get("check", "Order", salesforce.Ref("ord"), "TotalAmount")
	resp, err := c.Composite(ctx, true, b.Requests())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp {
		if !r.OK() {
			t.Fatalf("%s: %d %s", r.ReferenceID, r.HTTPStatusCode, r.Body)
		}
	}
	if !strings.Contains(string(resp[3].Body), `"TotalAmount":40`) {
		t.Errorf("total via reference: %s", resp[3].Body)
	}

	// A failing subrequest rolls back the whole composite with allOrNone.
	before := len(o.records(t, "Account"))
	b = c.NewBuilder().
		Create("a", "Account", salesforce.Record{"Name": "Rolled back"}).
		Create("bad", "Contact", salesforce.Record{"AccountId": salesforce.Ref("a")})
	resp, _ = c.Composite(ctx, true, b.Requests())
	if resp[0].OK() || resp[0].Errors()[0].Code() != "PROCESSING_HALTED" || resp[1].Errors()[0].Code() != "REQUIRED_FIELD_MISSING" {
		t.Errorf("allOrNone composite = %s / %s", resp[0].Body, resp[1].Body)
	}
	if len(o.records(t, "Account")) != before {
		t.Error("composite with allOrNone left a record behind")
	}

	// Graphs: each all or nothing, independent of the others; one call.
	calls := o.sim.APICalls()
	good := c.NewBuilder().
		Upsert("acct", "Account", "Magento_Customer_Key__c", "c:2", salesforce.Record{"Name": "Bo"}).
		Upsert("ord", "Order", "Magento_Order_Id__c", "2", salesforce.Record{"AccountId": salesforce.Ref("acct"), "EffectiveDate": "2026-11-02", "Status": "Draft", "Pricebook2Id": f.book}).
		Upsert("item", "OrderItem", "Magento_Item_Id__c", "2", salesforce.Record{"OrderId": salesforce.Ref("ord"), "PricebookEntryId": f.entry, "Quantity": 1, "UnitPrice": 20}).
		Update("act", "Order", salesforce.Ref("ord"), salesforce.Record{"Status": "Activated"})
	failing := c.NewBuilder().
		Upsert("acct", "Account", "Magento_Customer_Key__c", "c:3", salesforce.Record{"Name": "Cy"}).
		Upsert("ord", "Order", "Magento_Order_Id__c", "3", salesforce.Record{"AccountId": salesforce.Ref("acct"), "EffectiveDate": "2026-11-03", "Status": "Activated", "Pricebook2Id": f.book})
	results, err := c.Graph(ctx, []salesforce.Graph{good.Graph("o2"), failing.Graph("o3")})
	if err != nil {
		t.Fatal(err)
	}
	if o.sim.APICalls()-calls != 1 {
		t.Errorf("a graph call counted %d calls", o.sim.APICalls()-calls)
	}
	if !results[0].IsSuccessful || results[1].IsSuccessful {
		t.Fatalf("graph outcomes = %v, %v", results[0].IsSuccessful, results[1].IsSuccessful)
	}
	if fail := results[1].Failure(); len(fail) != 1 || fail[0].Code() != "FAILED_ACTIVATION" {
		t.Errorf("failure = %+v", fail)
	}
	if r, ok := results[0].Response("ord"); !ok || !r.Result().Created {
		t.Errorf("order response = %+v", r)
	}
	for _, a := range o.records(t, "Account") {
		if a["Magento_Customer_Key__c"] == "c:3" {
			t.Error("the failed graph's account was kept")
		}
	}
	// Limits: 76 graphs or 501 nodes are refused.
	var many []salesforce.Graph
	for i := range 76 {
		many = append(many, c.NewBuilder().Create("a", "Account", salesforce.Record{"Name": "x"}).Graph(fmt.Sprint(i)))
	}
	if _, err := c.Graph(ctx, many); err == nil {
		t.Error("76 graphs accepted")
	}
}
