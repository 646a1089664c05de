package sfsim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"
)

// TestIndexedQueriesAnswerAsAScan: a query an index answers (Id, external
// ID or reference, = or IN) returns what reading every row returns, after
// inserts, an external ID changed, a parent changed and deletes.
func TestIndexedQueriesAnswerAsAScan(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	book := s.org.stdBookID
	prod := create(t, s, tok, "Product2", `{"Name":"P","IsActive":true}`)
	entry := create(t, s, tok, "PricebookEntry", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":5,"IsActive":true}`, book, prod))
	acct := create(t, s, tok, "Account", `{"Name":"Acme"}`)
	var orders []string
	for i := range 6 {
		id := create(t, s, tok, "Order", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":"2026-03-01","Status":"Draft","Pricebook2Id":%q,"Magento_Order_Id__c":"k:%d"}`, acct, book, i))
		orders = append(orders, id)
		for j := range i % 3 {
			create(t, s, tok, "OrderItem", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":1,"UnitPrice":10,"Magento_Item_Id__c":"k:%d-%d"}`, id, entry, i, j))
		}
		create(t, s, tok, "Note", fmt.Sprintf(`{"ParentId":%q,"Title":"n","Body":"note %d"}`, id, i))
	}
	if w := do(s, tok, "PATCH", v+"/sobjects/Order/"+orders[1], `{"Magento_Order_Id__c":"K:renamed"}`); w.Code != 204 {
		t.Fatalf("rename: %d %s", w.Code, w.Body)
	}
	other := create(t, s, tok, "Account", `{"Name":"Globex"}`)
	ann := create(t, s, tok, "Contact", fmt.Sprintf(`{"LastName":"Ann","AccountId":%q}`, acct))
	create(t, s, tok, "Contact", fmt.Sprintf(`{"LastName":"Bob","AccountId":%q}`, acct))
	if w := do(s, tok, "PATCH", v+"/sobjects/Contact/"+ann, fmt.Sprintf(`{"AccountId":%q}`, other)); w.Code != 204 {
		t.Fatalf("move contact: %d %s", w.Code, w.Body)
	}
	if w := do(s, tok, "DELETE", v+"/sobjects/Order/"+orders[4], ""); w.Code != 204 {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	in := "'k:0','k:1','k:renamed','K:2','k:4','k:5','nobody'"
	for _, q := range []string{
		"SELECT Id, Status, Magento_Order_Id__c, (SELECT Id, Magento_Item_Id__c FROM OrderItems) FROM Order WHERE Magento_Order_Id__c IN (" + in + ")",
		"SELECT Id FROM Order WHERE Magento_Order_Id__c = 'K:0'",
		"SELECT Id FROM Order WHERE Id IN ('" + orders[0] + "','" + orders[4] + "','" + orders[5][:15] + "') AND Status = 'Draft'",
		"SELECT Id, ParentId, Body FROM Note WHERE ParentId IN ('" + orders[2] + "','" + orders[3] + "','" + orders[4] + "') ORDER BY CreatedDate, Id",
		"SELECT Id FROM OrderItem WHERE OrderId = '" + orders[2] + "' AND Magento_Item_Id__c IN ('k:2-1')",
		"SELECT Id, Product2Id FROM PricebookEntry WHERE Pricebook2Id = '" + book + "' AND Product2Id IN ('" + prod + "')",
		"SELECT LastName FROM Contact WHERE AccountId = '" + other + "'",
		"SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Id IN ('" + acct + "','" + other + "')",
		"SELECT Id FROM Order WHERE Magento_Order_Id__c = null",
	} {
		got := queryJSON(t, s, tok, q)
		scan := queryScan(t, s, q)
		if !reflect.DeepEqual(got, scan) {
			t.Errorf("%s:\nindexed %v\nscan    %v", q, got, scan)
		}
		if len(got) == 0 && q != "SELECT Id FROM Order WHERE Magento_Order_Id__c = null" {
			t.Errorf("%s: no rows; the test means to find some", q)
		}
	}
}

func queryJSON(t *testing.T, s *Sim, tok, q string) []any {
	t.Helper()
	w := do(s, tok, "GET", v+"/query?q="+url.QueryEscape(q), "")
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != 200 {
		t.Fatalf("%s: %d %s", q, w.Code, w.Body)
	}
	return m["records"].([]any)
}

// queryScan answers q by reading every row, as JSON would carry it.
func queryScan(t *testing.T, s *Sim, q string) []any {
	t.Helper()
	c := &call{sim: s, version: "62.0"}
	pq, err := parseSOQL(q)
	if err != nil {
		t.Fatal(err)
	}
	cq, qerr := c.compileQuery(c.object(pq.object), pq)
	if qerr != nil {
		t.Fatal(qerr)
	}
	out := []any{}
	for _, r := range cq.run(c.allRows(cq.def)) {
		out = append(out, cq.shape(r))
	}
	b, _ := json.Marshal(out)
	var back []any
	json.Unmarshal(b, &back)
	return back
}
