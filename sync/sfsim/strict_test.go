package sfsim

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"magesync/sync/salesforce"
)

// A new org's rules, each as a client written elsewhere would meet it.

const v = "/services/data/v62.0"

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return out
}

// create posts a record and returns its id, failing the test otherwise.
func create(t *testing.T, s *Sim, tok, sobject, body string) string {
	t.Helper()
	w := do(s, tok, "POST", v+"/sobjects/"+sobject+"/", body)
	if w.Code != 201 {
		t.Fatalf("create %s %s: %d %s", sobject, body, w.Code, w.Body)
	}
	var r struct{ ID string }
	json.Unmarshal(w.Body.Bytes(), &r)
	return r.ID
}

func wantError(t *testing.T, what string, status int, body []byte, gotStatus int, code, field string) {
	t.Helper()
	var errs []map[string]any
	if gotStatus != status || json.Unmarshal(body, &errs) != nil || len(errs) == 0 || errs[0]["errorCode"] != code {
		t.Errorf("%s: %d %s; want %d %s", what, gotStatus, body, status, code)
		return
	}
	if field != "" {
		fields, _ := errs[0]["fields"].([]any)
		if !slices.Contains(fields, any(field)) {
			t.Errorf("%s: fields %v; want %s", what, errs[0]["fields"], field)
		}
	}
}

func TestAddressPicklists(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	get := func(sobject, id string) map[string]any {
		w := do(s, tok, "GET", v+"/sobjects/"+sobject+"/"+id, "")
		return decode(t, w.Body.Bytes()).(map[string]any)
	}
	// A code fills the name and the other way round.
	id := create(t, s, tok, "Account", `{"Name":"A","BillingCountryCode":"US","BillingStateCode":"CA","ShippingCountry":"Germany"}`)
	a := get("Account", id)
	if a["BillingCountry"] != "United States" || a["BillingState"] != "California" || a["ShippingCountryCode"] != "DE" {
		t.Errorf("filled: %v %v %v", a["BillingCountry"], a["BillingState"], a["ShippingCountryCode"])
	}
	for _, tc := range []struct{ body, field string }{
		{`{"Name":"A","BillingCountry":"US"}`, "BillingCountry"},  // a code where the name goes
		{`{"Name":"A","BillingCountry":"USA"}`, "BillingCountry"}, // no such integration value
		{`{"Name":"A","BillingCountryCode":"United States"}`, "BillingCountryCode"},
		{`{"Name":"A","BillingCountryCode":"XX"}`, "BillingCountryCode"},
		{`{"Name":"A","BillingCountryCode":"US","BillingCountry":"Canada"}`, "BillingCountry"},
		{`{"Name":"A","BillingCountryCode":"US","BillingStateCode":"ON"}`, "BillingStateCode"}, // Ontario is in Canada
		{`{"Name":"A","BillingCountryCode":"US","BillingState":"Bavaria"}`, "BillingState"},
		{`{"Name":"A","BillingCountryCode":"DE","BillingState":"Bayern"}`, "BillingState"}, // no states for Germany
		{`{"Name":"A","BillingStateCode":"CA"}`, "BillingStateCode"},                       // no country
	} {
		w := do(s, tok, "POST", v+"/sobjects/Account/", tc.body)
		wantError(t, tc.body, 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", tc.field)
	}
	w := do(s, tok, "POST", v+"/sobjects/Account/", `{"Name":"A","BillingCountry":"USA"}`)
	if !strings.Contains(w.Body.String(), "There's a problem with this country, even though it may appear correct. Please select a country from the list of valid countries.") {
		t.Errorf("country wording: %s", w.Body)
	}
	// Contact and Order addresses too, and updates that move the country
	// out from under the state.
	acct := create(t, s, tok, "Account", `{"Name":"B"}`)
	w = do(s, tok, "POST", v+"/sobjects/Contact/", `{"LastName":"L","MailingCountry":"Narnia"}`)
	wantError(t, "contact", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "MailingCountry")
	w = do(s, tok, "POST", v+"/sobjects/Order/", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":"2026-01-02","Status":"Draft","ShippingCountryCode":"ZZ"}`, acct))
	wantError(t, "order", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "ShippingCountryCode")
	w = do(s, tok, "PATCH", v+"/sobjects/Account/"+id, `{"BillingCountryCode":"CA"}`)
	wantError(t, "country change under a US state", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "BillingStateCode")
	if w := do(s, tok, "PATCH", v+"/sobjects/Account/"+id, `{"BillingCountryCode":"CA","BillingStateCode":"ON"}`); w.Code != 204 {
		t.Errorf("move to Ontario: %d %s", w.Code, w.Body)
	}
	if a := get("Account", id); a["BillingState"] != "Ontario" || a["BillingCountry"] != "Canada" {
		t.Errorf("moved: %v %v", a["BillingState"], a["BillingCountry"])
	}

	// Describe shows the code fields, with the states dependent on the
	// country, only while the picklists are on.
	fields := describeFields(t, s, tok, "Account")
	cc, sc := fields["BillingCountryCode"], fields["BillingStateCode"]
	if cc == nil || sc == nil || sc["controllerName"] != "BillingCountryCode" || sc["dependentPicklist"] != true {
		t.Fatalf("describe code fields: %v %v", cc, sc)
	}
	countries := cc["picklistValues"].([]any)
	usIndex := slices.IndexFunc(countries, func(x any) bool { return x.(map[string]any)["value"] == "US" })
	for _, x := range sc["picklistValues"].([]any) {
		pv := x.(map[string]any)
		if pv["value"] == "TX" && !validForIndex(pv["validFor"].(string), usIndex) {
			t.Errorf("TX validFor does not name the United States (index %d): %v", usIndex, pv["validFor"])
		}
	}

	// An older org: free-text addresses, no code fields.
	do(s, "", "PUT", "/_sim/faults", `{"stateCountryPicklists":false}`)
	if _, ok := describeFields(t, s, tok, "Account")["BillingCountryCode"]; ok {
		t.Error("code fields described with the picklists off")
	}
	create(t, s, tok, "Account", `{"Name":"C","BillingCountry":"USA","BillingState":"Bavaria"}`)
	w = do(s, tok, "POST", v+"/sobjects/Account/", `{"Name":"C","BillingCountryCode":"US"}`)
	wantError(t, "code field with the picklists off", 400, w.Body.Bytes(), w.Code, "INVALID_FIELD", "")
}

func validForIndex(b64 string, i int) bool {
	b, err := base64Decode(b64)
	return err == nil && i/8 < len(b) && b[i/8]&(0x80>>(i%8)) != 0
}

func describeFields(t *testing.T, s *Sim, tok, sobject string) map[string]map[string]any {
	t.Helper()
	w := do(s, tok, "GET", v+"/sobjects/"+sobject+"/describe", "")
	d := decode(t, w.Body.Bytes()).(map[string]any)
	out := map[string]map[string]any{}
	for _, f := range d["fields"].([]any) {
		fm := f.(map[string]any)
		out[fm["name"].(string)] = fm
	}
	return out
}

func TestFieldValidation(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tc := range []struct {
		sobject, body, code, field string
	}{
		{"Contact", `{"LastName":"L","Email":"not an address"}`, "INVALID_EMAIL_ADDRESS", "Email"},
		{"Contact", `{"LastName":"L","Email":"a@b"}`, "INVALID_EMAIL_ADDRESS", "Email"},
		{"Contact", `{"LastName":"L","Email":"zoë@example.com"}`, "INVALID_EMAIL_ADDRESS", "Email"},
		{"Contact", `{"LastName":"L","FirstName":"` + long(41) + `"}`, "STRING_TOO_LONG", "FirstName"},
		{"Contact", `{"LastName":"` + long(81) + `"}`, "STRING_TOO_LONG", "LastName"},
		{"Contact", `{"LastName":"L","Phone":"` + strings.Repeat("1", 41) + `"}`, "STRING_TOO_LONG", "Phone"},
		{"Contact", `{"LastName":"L","Email":"` + strings.Repeat("a", 70) + `@example.com"}`, "STRING_TOO_LONG", "Email"},
		{"Account", `{"Name":"` + long(256) + `"}`, "STRING_TOO_LONG", "Name"},
	} {
		w := do(s, tok, "POST", v+"/sobjects/"+tc.sobject+"/", tc.body)
		wantError(t, tc.sobject+" "+tc.field, 400, w.Body.Bytes(), w.Code, tc.code, tc.field)
	}
	create(t, s, tok, "Contact", `{"LastName":"`+long(80)+`","FirstName":"`+long(40)+`","Email":"o'brien+tag@mail.example.co.uk"}`)

	acct := create(t, s, tok, "Account", `{"Name":"A"}`)
	w := do(s, tok, "POST", v+"/sobjects/Note/", fmt.Sprintf(`{"ParentId":%q,"Title":%q}`, acct, long(81)))
	wantError(t, "Note.Title 81", 400, w.Body.Bytes(), w.Code, "STRING_TOO_LONG", "Title")
	create(t, s, tok, "Note", fmt.Sprintf(`{"ParentId":%q,"Title":%q}`, acct, long(80)))

	// Order rules: negative quantities off, the price book fixed once set,
	// ListPrice from the entry.
	book := s.org.stdBookID
	prod := create(t, s, tok, "Product2", `{"Name":"P","IsActive":true}`)
	entry := create(t, s, tok, "PricebookEntry", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":12.5,"IsActive":true}`, book, prod))
	ord := create(t, s, tok, "Order", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":"2026-01-02","Status":"Draft","Pricebook2Id":%q}`, acct, book))
	w = do(s, tok, "POST", v+"/sobjects/OrderItem/", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":-1,"UnitPrice":3}`, ord, entry))
	wantError(t, "negative quantity", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "Quantity")
	item := create(t, s, tok, "OrderItem", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":2,"UnitPrice":3}`, ord, entry))
	if w := do(s, tok, "GET", v+"/sobjects/OrderItem/"+item, ""); !strings.Contains(w.Body.String(), `"ListPrice":12.5`) {
		t.Errorf("ListPrice: %s", w.Body)
	}
	w = do(s, tok, "PATCH", v+"/sobjects/OrderItem/"+item, `{"ListPrice":1}`)
	wantError(t, "ListPrice written", 400, w.Body.Bytes(), w.Code, "INVALID_FIELD_FOR_INSERT_UPDATE", "ListPrice")
	other := create(t, s, tok, "Pricebook2", `{"Name":"Other","IsActive":true}`)
	empty := create(t, s, tok, "Order", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":"2026-01-02","Status":"Draft","Pricebook2Id":%q}`, acct, book))
	w = do(s, tok, "PATCH", v+"/sobjects/Order/"+empty, fmt.Sprintf(`{"Pricebook2Id":%q}`, other))
	wantError(t, "price book changed without items", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "Pricebook2Id")
	do(s, "", "PUT", "/_sim/faults", `{"enableNegativeQuantity":true}`)
	create(t, s, tok, "OrderItem", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":-1,"UnitPrice":3}`, ord, entry))
}

func TestWireShapes(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	w := do(s, tok, "POST", v+"/sobjects/Account/", `{"Name":"A"}`)
	keys := func(b []byte) []string {
		m := decode(t, b).(map[string]any)
		var k []string
		for x := range m {
			k = append(k, x)
		}
		slices.Sort(k)
		return k
	}
	if got := keys(w.Body.Bytes()); !slices.Equal(got, []string{"errors", "id", "success"}) {
		t.Errorf("create answer keys %v", got)
	}
	w = do(s, tok, "PATCH", v+"/sobjects/Product2/Magento_SKU__c/abc", `{"Name":"P"}`)
	if got := keys(w.Body.Bytes()); w.Code != 201 || !slices.Equal(got, []string{"created", "errors", "id", "success"}) {
		t.Errorf("upsert answer %d keys %v", w.Code, got)
	}
	// A DML error always has fields; a request error need not.
	w = do(s, tok, "POST", v+"/sobjects/Account/", `{}`)
	if !strings.Contains(w.Body.String(), `"fields":["Name"]`) {
		t.Errorf("required field error: %s", w.Body)
	}
	w = do(s, tok, "POST", v+"/sobjects/Order/", `{"AccountId":"001000000000000AAA","EffectiveDate":"2026-01-01","Status":"Nope"}`)
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"fields":`) {
		t.Errorf("DML error without fields: %s", w.Body)
	}
	w = do(s, tok, "POST", v+"/sobjects/Account/", `{"Id":"001000000000000AAA","Name":"x"}`)
	if w.Code != 400 || w.Body.String() != `[{"errorCode":"INVALID_FIELD","message":"The Id field should not be specified in the sobject data."}]` {
		t.Errorf("Id in a create body: %d %s", w.Code, w.Body)
	}
	w = do(s, tok, "DELETE", v+"/sobjects/Account/001000000000000AAA", "")
	wantError(t, "delete unknown", 404, w.Body.Bytes(), w.Code, "NOT_FOUND", "")

	// Describe keys a real org sends.
	w = do(s, tok, "GET", v+"/sobjects/", "")
	g := decode(t, w.Body.Bytes()).(map[string]any)
	for _, o := range g["sobjects"].([]any) {
		om := o.(map[string]any)
		for _, k := range []string{"urls", "queryable", "createable", "updateable", "deletable", "custom", "labelPlural", "keyPrefix"} {
			if _, ok := om[k]; !ok {
				t.Errorf("global describe of %v lacks %s", om["name"], k)
			}
		}
	}
	for name, f := range describeFields(t, s, tok, "Order") {
		for _, k := range []string{"createable", "updateable", "custom", "relationshipName", "soapType", "calculated",
			"defaultedOnCreate", "precision", "scale", "filterable", "nillable", "byteLength", "picklistValues"} {
			if _, ok := f[k]; !ok {
				t.Errorf("Order.%s lacks %s", name, k)
			}
		}
	}
	if f := describeFields(t, s, tok, "Order")["AccountId"]; f["relationshipName"] != "Account" || f["soapType"] != "tns:ID" {
		t.Errorf("AccountId describe: %v %v", f["relationshipName"], f["soapType"])
	}

	// The identity URL carries valid 18-character ids.
	form := "grant_type=client_credentials&client_id=" + DemoClientID + "&client_secret=" + DemoClientSecret
	r := doForm(s, form)
	parts := strings.Split(r["id"], "/")
	for _, id := range parts[len(parts)-2:] {
		if n, err := salesforce.NormalizeID(id[:15]); err != nil || n != id {
			t.Errorf("identity id %s: want %s", id, n)
		}
	}
}

func TestVersionFloors(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	graph := `{"graphs":[{"graphId":"g1","compositeRequest":[{"method":"POST","url":"/services/data/v49.0/sobjects/Account/","referenceId":"a","body":{"Name":"x"}}]}]}`
	w := do(s, tok, "POST", "/services/data/v49.0/composite/graph", graph)
	wantError(t, "graph at v49.0", 404, w.Body.Bytes(), w.Code, "NOT_FOUND", "")
	w = do(s, tok, "GET", "/services/data/v47.0/query?q="+url.QueryEscape("SELECT ApiName FROM OrderStatus"), "")
	wantError(t, "OrderStatus at v47.0", 400, w.Body.Bytes(), w.Code, "INVALID_TYPE", "")
	if w := do(s, tok, "GET", "/services/data/v48.0/query?q="+url.QueryEscape("SELECT ApiName FROM OrderStatus"), ""); w.Code != 200 {
		t.Errorf("OrderStatus at v48.0: %d %s", w.Code, w.Body)
	}
}

func graphBody(graphs ...string) string {
	return `{"graphs":[` + strings.Join(graphs, ",") + `]}`
}

func node(method, path, ref, body string) string {
	return fmt.Sprintf(`{"method":%q,"url":"/services/data/v62.0%s","referenceId":%q,"body":%s}`, method, path, ref, body)
}

func TestGraphLimits(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	post := func(body string) (int, map[string]any, string) {
		w := do(s, tok, "POST", v+"/composite/graph", body)
		var m map[string]any
		json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m, w.Body.String()
	}
	// graphId starts with a letter or digit.
	code, _, body := post(graphBody(`{"graphId":"_g","compositeRequest":[` + node("POST", "/sobjects/Account/", "a", `{"Name":"x"}`) + `]}`))
	if code != 400 || !salesforceShaped([]byte(body)) {
		t.Errorf("graphId _g: %d %s", code, body)
	}
	// Only sObject resources are nodes.
	code, _, body = post(graphBody(`{"graphId":"g","compositeRequest":[` + node("GET", "/query?q=SELECT+Id+FROM+Account", "q", "null") + `]}`))
	if code != 400 || !strings.Contains(body, "sObject resource") {
		t.Errorf("query node: %d %s", code, body)
	}
	// 16 different nodes: method and object make them different.
	var nodes []string
	for i, obj := range []string{"Account", "Contact", "Product2", "Pricebook2", "Order", "OrderItem", "Note", "PricebookEntry"} {
		nodes = append(nodes, node("GET", "/sobjects/"+obj+"/001000000000000AAA", fmt.Sprintf("g%d", i), "null"),
			node("DELETE", "/sobjects/"+obj+"/001000000000000AAA", fmt.Sprintf("d%d", i), "null"))
	}
	code, _, body = post(graphBody(`{"graphId":"g","compositeRequest":[` + strings.Join(nodes, ",") + `]}`))
	if code != 400 || !strings.Contains(body, "different nodes") {
		t.Errorf("16 different nodes: %d %s", code, body)
	}
	code, _, body = post(graphBody(`{"graphId":"g","compositeRequest":[` + strings.Join(nodes[:15], ",") + `]}`))
	if code != 200 {
		t.Errorf("15 different nodes: %d %s", code, body)
	}
	// After 14 failed graphs the rest are halted, even good ones.
	var gs []string
	for i := range 16 {
		b := `{}` // no Name: refused
		if i == 15 {
			b = `{"Name":"fine"}`
		}
		gs = append(gs, fmt.Sprintf(`{"graphId":"g%d","compositeRequest":[%s]}`, i, node("POST", "/sobjects/Account/", "a", b)))
	}
	code, m, body := post(graphBody(gs...))
	if code != 200 {
		t.Fatalf("16 graphs: %d %s", code, body)
	}
	results := m["graphs"].([]any)
	for i, r := range results {
		rm := r.(map[string]any)
		text, _ := json.Marshal(rm)
		halted := strings.Contains(string(text), "PROCESSING_HALTED")
		if rm["isSuccessful"] != false || (i >= 14) != halted {
			t.Errorf("graph %d: %s", i, text)
		}
	}
}

// A composite request holds at most 25 subrequests, at most 5 of them
// queries (a page of a query included).
func TestCompositeLimits(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	composite := func(n int) (int, string) {
		var reqs []string
		for i := range n {
			reqs = append(reqs, fmt.Sprintf(`{"method":"GET","url":"%s/query?q=SELECT+Id+FROM+Account","referenceId":"q%d"}`, v, i))
		}
		w := do(s, tok, "POST", v+"/composite", `{"compositeRequest":[`+strings.Join(reqs, ",")+`]}`)
		return w.Code, w.Body.String()
	}
	if code, body := composite(5); code != 200 || strings.Count(body, `"httpStatusCode":200`) != 5 {
		t.Errorf("5 queries: %d %s", code, body)
	}
	code, body := composite(6)
	wantError(t, "6 queries", 400, []byte(body), code, "LIMIT_EXCEEDED", "")
}

func TestSOQL(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	s := New(Options{Now: func() time.Time { return now }})
	tok := login(t, s)
	acme := create(t, s, tok, "Account", `{"Name":"Acme","BillingCountryCode":"US"}`)
	globex := create(t, s, tok, "Account", `{"Name":"Globex"}`)
	create(t, s, tok, "Account", `{"Name":"Initech"}`)
	create(t, s, tok, "Contact", fmt.Sprintf(`{"LastName":"Smith","FirstName":"Ann","AccountId":%q}`, acme))
	create(t, s, tok, "Contact", fmt.Sprintf(`{"LastName":"Jones","AccountId":%q}`, acme))
	book := s.org.stdBookID
	prod := create(t, s, tok, "Product2", `{"Name":"P","IsActive":true}`)
	entry := create(t, s, tok, "PricebookEntry", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":5,"IsActive":true}`, book, prod))
	var orders []string
	for i, d := range []string{"2026-03-15", "2026-03-10", "2025-12-31"} {
		acct := []string{acme, globex, acme}[i]
		id := create(t, s, tok, "Order", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":%q,"Status":"Draft","Pricebook2Id":%q}`, acct, d, book))
		orders = append(orders, id)
		for range i + 1 {
			create(t, s, tok, "OrderItem", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":1,"UnitPrice":10}`, id, entry))
		}
	}
	query := func(q string) (int, map[string]any, string) {
		w := do(s, tok, "GET", v+"/query?q="+url.QueryEscape(q), "")
		var m map[string]any
		json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m, w.Body.String()
	}
	names := func(q string) string {
		t.Helper()
		code, m, body := query(q)
		if code != 200 {
			t.Errorf("%s: %d %s", q, code, body)
			return ""
		}
		var out []string
		for _, r := range m["records"].([]any) {
			rm := r.(map[string]any)
			out = append(out, fmt.Sprint(rm["Name"]))
		}
		return strings.Join(out, ",")
	}
	for q, want := range map[string]string{
		"SELECT Name FROM Account WHERE Name = 'Acme' OR Name = 'Globex' ORDER BY Name DESC":           "Globex,Acme",
		"SELECT Name FROM Account WHERE (Name = 'Acme' OR Name = 'Initech') AND BillingCountry = null": "Initech",
		"SELECT Name FROM Account WHERE NOT Name LIKE 'a%' ORDER BY Name":                              "Globex,Initech",
		"SELECT Name FROM Account WHERE Name LIKE '_lobe%'":                                            "Globex",
		"SELECT Name FROM Account WHERE Name > 'B' AND Name <= 'Globex'":                               "Globex",
		"SELECT Name FROM Account WHERE Name NOT IN ('Acme') ORDER BY Name":                            "Globex,Initech",
		"SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1":                                      "Globex",
		"SELECT Name FROM Contact WHERE Account.Name = 'Acme' ORDER BY LastName":                       "Jones,Ann Smith",
		"SELECT Name FROM Account WHERE Id = '" + acme[:15] + "'":                                      "Acme",
		"SELECT Name FROM Account WHERE BillingCountryCode = 'US'":                                     "Acme",
	} {
		if got := names(q); got != want {
			t.Errorf("%s: %q; want %q", q, got, want)
		}
	}
	count := func(q string) int {
		t.Helper()
		code, m, body := query(q)
		if code != 200 {
			t.Errorf("%s: %d %s", q, code, body)
			return -1
		}
		return int(m["totalSize"].(float64))
	}
	for q, want := range map[string]int{
		"SELECT COUNT() FROM Order WHERE EffectiveDate = TODAY":              1,
		"SELECT COUNT() FROM Order WHERE EffectiveDate = LAST_N_DAYS:7":      2,
		"SELECT COUNT() FROM Order WHERE EffectiveDate = THIS_YEAR":          2,
		"SELECT COUNT() FROM Order WHERE EffectiveDate < 2026-01-01":         1,
		"SELECT COUNT() FROM Order WHERE EffectiveDate >= 2026-03-10":        2,
		"SELECT COUNT() FROM Order WHERE CreatedDate = TODAY":                3,
		"SELECT COUNT() FROM Order WHERE CreatedDate > 2026-03-15T11:00:00Z": 3,
		"SELECT COUNT() FROM Order WHERE TotalAmount >= 20":                  2,
		"SELECT COUNT() FROM OrderItem WHERE Order.Account.Name = 'Acme'":    4,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: %d; want %d", q, got, want)
		}
	}
	code, m, body := query("SELECT COUNT(Id) n FROM OrderItem")
	if rec := m["records"].([]any); code != 200 || rec[0].(map[string]any)["n"] != 6.0 {
		t.Errorf("COUNT(Id): %s", body)
	}
	// Parent fields nest; child subqueries carry their own result.
	_, m, body = query("SELECT Id, Account.Name, (SELECT Id, Quantity FROM OrderItems) FROM Order WHERE Id = '" + orders[2] + "'")
	rec := m["records"].([]any)[0].(map[string]any)
	acct, _ := rec["Account"].(map[string]any)
	items, _ := rec["OrderItems"].(map[string]any)
	if acct["Name"] != "Acme" || items["totalSize"] != 3.0 || len(items["records"].([]any)) != 3 {
		t.Errorf("relationships: %s", body)
	}
	_, m, body = query("SELECT Name, (SELECT Id FROM Orders) FROM Account WHERE Name = 'Initech'")
	if rec := m["records"].([]any)[0].(map[string]any); rec["Orders"] != nil {
		t.Errorf("empty child relationship: %s", body)
	}
	// What an org refuses.
	for q, code := range map[string]string{
		"SELECT Id FROM Order WHERE EffectiveDate = '2026-01-01'":                "INVALID_FIELD",
		"SELECT Id FROM Account WHERE Name = 5":                                  "INVALID_FIELD",
		"SELECT Id FROM Order WHERE TotalAmount = '5'":                           "INVALID_FIELD",
		"SELECT Id FROM Note WHERE Body = 'x'":                                   "INVALID_FIELD",
		"SELECT Id FROM Account WHERE Id = 'nope'":                               "INVALID_QUERY_FILTER_OPERATOR",
		"SELECT Foo.Name FROM Account":                                           "INVALID_FIELD",
		"SELECT Id, (SELECT Id FROM Widgets) FROM Account":                       "INVALID_TYPE",
		"SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'":   "MALFORMED_QUERY",
		"SELECT Id, (SELECT Id FROM Widgets) FROM Account WHERE Name = 'nobody'": "INVALID_TYPE", // refused with no row to show it
		"SELECT COUNT(Id), Name FROM Account":                                    "MALFORMED_QUERY",
		"SELECT Id FROM Account OFFSET 2001":                                     "NUMBER_OUTSIDE_VALID_RANGE",
	} {
		w := do(s, tok, "GET", v+"/query?q="+url.QueryEscape(q), "")
		wantError(t, q, 400, w.Body.Bytes(), w.Code, code, "")
	}
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func doForm(s *Sim, form string) map[string]string {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/services/oauth2/token", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.ServeHTTP(w, r)
	var out map[string]string
	json.Unmarshal(w.Body.Bytes(), &out)
	return out
}

// The metadata package in salesforce/ creates exactly the custom fields the
// simulated org has, as External IDs of the same length and uniqueness.
func TestMetadataPackageMatchesTheOrg(t *testing.T) {
	for _, def := range schema {
		for _, f := range def.fields {
			if !f.custom {
				continue
			}
			path := "../../salesforce/force-app/main/default/objects/" + def.name + "/fields/" + f.name + ".field-meta.xml"
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s.%s: %v", def.name, f.name, err)
				continue
			}
			var x struct {
				FullName   string `xml:"fullName"`
				ExternalID bool   `xml:"externalId"`
				Unique     bool   `xml:"unique"`
				Length     int    `xml:"length"`
				Type       string `xml:"type"`
			}
			if err := xml.Unmarshal(b, &x); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if x.FullName != f.name || x.ExternalID != f.external || x.Unique != f.unique || x.Length != f.length || x.Type != "Text" {
				t.Errorf("%s: %+v; the org has external %v, unique %v, length %d", path, x, f.external, f.unique, f.length)
			}
		}
	}
}

// A query too long for a GET's URI is refused the way Salesforce's front end
// refuses it; the same query in a composite call's body runs, up to SOQL's
// own length limit.
func TestRequestAndQueryLength(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	soql := func(ids int) string {
		var list []string
		for i := range ids {
			list = append(list, fmt.Sprintf("'801000000000%03dAAA'", i%1000))
		}
		return "SELECT Id FROM Order WHERE Id IN (" + strings.Join(list, ", ") + ")"
	}
	get := func(q string) *httptest.ResponseRecorder {
		return do(s, tok, "GET", v+"/query?q="+url.QueryEscape(q), "")
	}
	if w := get(soql(500)); w.Code != 200 {
		t.Errorf("a 14 KB URI: %d %s", w.Code, w.Body)
	}
	if w := get(soql(600)); w.Code != 414 || !strings.Contains(w.Body.String(), "URI Too Long") {
		t.Errorf("an 18 KB URI: %d %s; want 414 URI Too Long", w.Code, w.Body)
	}
	// The URI fits, but not with the headers.
	r := httptest.NewRequest("GET", v+"/query?q="+url.QueryEscape(soql(500)), nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("X-Padding", strings.Repeat("x", 3000))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 431 {
		t.Errorf("URI and headers past 16,384 bytes: %d %s; want 431", w.Code, w.Body)
	}
	inComposite := func(q string) (int, string) {
		body, _ := json.Marshal(map[string]any{"compositeRequest": []map[string]string{{"method": "GET", "url": v + "/query?q=" + url.QueryEscape(q), "referenceId": "q"}}})
		w := do(s, tok, "POST", v+"/composite", string(body))
		return w.Code, w.Body.String()
	}
	if code, body := inComposite(soql(600)); code != 200 || !strings.Contains(body, `"httpStatusCode":200`) {
		t.Errorf("the 18 KB query in a composite call: %d %s", code, body)
	}
	long := soql(5000) // ~110,000 characters
	if code, body := inComposite(long); code != 200 || !strings.Contains(body, `"httpStatusCode":400`) || !strings.Contains(body, "MALFORMED_QUERY") {
		t.Errorf("a %d-character query: %d %s; want MALFORMED_QUERY", len(long), code, body)
	}
}
