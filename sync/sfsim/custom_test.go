package sfsim

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCustomFields: fields added through the control API appear in
// describe, take values of their type, enforce their length and picklist,
// and are gone once deleted.
func TestCustomFields(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	put := func(sobject, body string) int {
		return do(s, "", "PUT", "/_sim/fields/"+sobject, body).Code
	}
	if code := put("Order", `[{"name":"Coupon_Code__c","type":"string","length":20},
		{"name":"Payment_Method__c","label":"Payment Method","type":"picklist","values":["Card","PayPal"]},
		{"name":"Weight__c","type":"double"}, {"name":"Gift__c","type":"boolean"}, {"name":"Ship_By__c","type":"date"}]`); code != 200 {
		t.Fatalf("PUT fields: %d", code)
	}
	for _, bad := range []string{`[{"name":"NoSuffix","type":"string","length":10}]`, `[{"name":"Big__c","type":"string","length":256}]`,
		`[{"name":"P__c","type":"picklist"}]`, `[{"name":"X__c","type":"geolocation"}]`, `[{"name":"Status__c","type":"string","length":5}, {"name":"Bad__c"}]`} {
		if code := put("Order", bad); code != 400 {
			t.Errorf("PUT %s: %d, want 400", bad, code)
		}
	}
	fields := describeFields(t, s, tok, "Order")
	pm := fields["Payment_Method__c"]
	if pm == nil || pm["custom"] != true || pm["type"] != "picklist" || pm["restrictedPicklist"] != true || pm["label"] != "Payment Method" {
		t.Fatalf("describe: %v", pm)
	}
	if fields["Coupon_Code__c"]["length"] != float64(20) || fields["Weight__c"]["type"] != "double" {
		t.Errorf("describe: %v %v", fields["Coupon_Code__c"], fields["Weight__c"])
	}
	acct := create(t, s, tok, "Account", `{"Name":"Acme"}`)
	base := `"AccountId":"` + acct + `","EffectiveDate":"2026-01-02","Status":"Draft"`
	id := create(t, s, tok, "Order", `{`+base+`,"Coupon_Code__c":"SAVE10","Payment_Method__c":"Card","Weight__c":"2.5","Gift__c":true,"Ship_By__c":"2026-02-01"}`)
	w := do(s, tok, "GET", v+"/sobjects/Order/"+id+"?fields=Coupon_Code__c,Payment_Method__c,Weight__c", "")
	var rec map[string]any
	json.Unmarshal(w.Body.Bytes(), &rec)
	if rec["Coupon_Code__c"] != "SAVE10" || rec["Payment_Method__c"] != "Card" || rec["Weight__c"] != 2.5 {
		t.Errorf("read back: %v", rec)
	}
	for _, c := range []struct{ body, code, field string }{
		{`"Payment_Method__c":"Cash"`, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Payment_Method__c"},
		{`"Coupon_Code__c":"` + strings.Repeat("x", 21) + `"`, "STRING_TOO_LONG", "Coupon_Code__c"},
		{`"Weight__c":"heavy"`, "JSON_PARSER_ERROR", "Weight__c"},
		{`"Gift__c":"yes"`, "JSON_PARSER_ERROR", "Gift__c"},
		{`"Ship_By__c":"02/01/2026"`, "JSON_PARSER_ERROR", "Ship_By__c"},
	} {
		w := do(s, tok, "POST", v+"/sobjects/Order/", `{`+base+`,`+c.body+`}`)
		wantError(t, c.body, 400, w.Body.Bytes(), w.Code, c.code, c.field)
	}
	// Deleted: describe no longer has it, and writing it is refused.
	if code := do(s, "", "DELETE", "/_sim/fields/Order/Coupon_Code__c", "").Code; code != 200 {
		t.Fatalf("DELETE: %d", code)
	}
	if describeFields(t, s, tok, "Order")["Coupon_Code__c"] != nil {
		t.Error("a deleted field is still described")
	}
	w = do(s, tok, "POST", v+"/sobjects/Order/", `{`+base+`,"Coupon_Code__c":"X"}`)
	wantError(t, "a deleted field", 400, w.Body.Bytes(), w.Code, "INVALID_FIELD", "")
	// Another simulated org does not have them.
	other := New(Options{})
	if describeFields(t, other, login(t, other), "Order")["Payment_Method__c"] != nil {
		t.Error("custom fields leaked into another org")
	}
	w = do(s, tok, "GET", v+"/query?q="+strings.ReplaceAll("SELECT Id, Payment_Method__c FROM Order WHERE Payment_Method__c = 'Card'", " ", "+"), "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"totalSize":1`) {
		t.Errorf("SOQL over a custom field: %d %s", w.Code, w.Body)
	}
}
