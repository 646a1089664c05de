package sfsim

import (
	"encoding/json"
	"fmt"

	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// login returns a bearer token for the demo org.
func login(t testing.TB, s *Sim) string {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/services/oauth2/token", strings.NewReader(
		"grant_type=client_credentials&client_id="+DemoClientID+"&client_secret="+DemoClientSecret))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.ServeHTTP(w, r)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	return tok.AccessToken
}

func do(s *Sim, token, method, path, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	s.ServeHTTP(w, r)
	return w
}

// salesforceShaped reports whether a failed answer is Salesforce's error
// array with a code and a message in each entry.
func salesforceShaped(b []byte) bool {
	var errs []map[string]any
	if json.Unmarshal(b, &errs) != nil || len(errs) == 0 {
		return false
	}
	for _, e := range errs {
		if e["errorCode"] == "" || e["errorCode"] == nil || e["message"] == nil {
			return false
		}
	}
	return true
}

func TestUnauthenticatedAndUnknownResources(t *testing.T) {
	s := New(Options{})
	w := do(s, "wrong", "GET", "/services/data/v62.0/limits", "")
	if w.Code != 401 || !strings.Contains(w.Body.String(), "INVALID_SESSION_ID") {
		t.Errorf("bad token: %d %s", w.Code, w.Body)
	}
	tok := login(t, s)
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/services/data/v41.0/limits", "", 404, "NOT_FOUND"},
		{"GET", "/services/data/v62.0/sobjects/Widget/describe", "", 404, "NOT_FOUND"},
		{"PUT", "/services/data/v62.0/sobjects/Account/001000000000000AAA", "{}", 405, "METHOD_NOT_ALLOWED"},
		{"POST", "/services/data/v62.0/sobjects/Account/", "[1,2]", 400, "JSON_PARSER_ERROR"},
		{"POST", "/services/data/v62.0/sobjects/Account/", "{bad json", 400, "JSON_PARSER_ERROR"},
		{"GET", "/services/data/v62.0/query?q=SELECT+Id+FROM+Widget", "", 400, "INVALID_TYPE"},
		{"GET", "/services/data/v62.0/query/01gNOPE-2000", "", 400, "INVALID_QUERY_LOCATOR"},
		{"GET", "/nowhere", "", 404, "NOT_FOUND"},
	} {
		w := do(s, tok, tc.method, tc.path, tc.body)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.code) || !salesforceShaped(w.Body.Bytes()) {
			t.Errorf("%s %s: %d %s; want %d %s", tc.method, tc.path, w.Code, w.Body, tc.status, tc.code)
		}
	}
	// The versions list needs no token and carries no limit header.
	w = do(s, "", "GET", "/services/data/", "")
	if w.Code != 200 || w.Header().Get("Sforce-Limit-Info") != "" || !strings.Contains(w.Body.String(), `"version":"66.0"`) {
		t.Errorf("versions: %d %s", w.Code, w.Body)
	}
	if h := do(s, tok, "GET", "/services/data/v42.0/limits", "").Header().Get("Sforce-Limit-Info"); !strings.HasPrefix(h, "api-usage=") {
		t.Errorf("limit header = %q", h)
	}
}

func TestControlAPIValidates(t *testing.T) {
	s := New(Options{})
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/_sim/faults", `{"rate503": 2}`},
		{"PUT", "/_sim/faults", `{"nonsense": 1}`},
		{"PUT", "/_sim/orderstatuses", `[{"ApiName":"Activated","StatusCode":"Activated"}]`},
		{"PUT", "/_sim/orderstatuses", `[{"ApiName":"X","StatusCode":"Shipped"}]`},
		{"GET", "/_sim/records/Widget", ""},
	} {
		if w := do(s, "", tc.method, tc.path, tc.body); w.Code < 400 || !salesforceShaped(w.Body.Bytes()) {
			t.Errorf("%s %s %s accepted: %d %s", tc.method, tc.path, tc.body, w.Code, w.Body)
		}
	}
	if w := do(s, "", "GET", "/_sim/records/Pricebook2", ""); !strings.Contains(w.Body.String(), `"IsStandard":true`) {
		t.Errorf("seeded price book: %s", w.Body)
	}
}

func TestSOQLParser(t *testing.T) {
	good := []string{
		"SELECT Id FROM Account",
		"select Id, Name from Account where Name = 'O\\'Brien' and IsActive = true order by Name desc, Id limit 10",
		"SELECT Id FROM Order WHERE Status IN ('Draft', 'Activated') AND TotalAmount != 0",
		"SELECT Id FROM Order WHERE Status NOT IN ('Draft') AND EffectiveDate = 2026-01-02",
		"SELECT Id FROM Account WHERE Name = null",
	}
	for _, q := range good {
		if _, err := parseSOQL(q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	bad := []string{"", "SELECT", "SELECT FROM Account", "SELECT Id FROM", "SELECT Id FROM Account WHERE",
		"SELECT Id FROM Account WHERE Name = 'x' AND Name = 'y' OR Name = 'z'", "SELECT COUNT(), Id FROM Account",
		"SELECT Id FROM Account WHERE (Name = 'x'", "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS",
		"SELECT Id FROM Account LIMIT x", "SELECT Id FROM Account WHERE Name = 'open", "SELECT Id, FROM Account",
		"SELECT Id FROM Account WHERE Name IN ('a'", "DELETE FROM Account"}
	for _, q := range bad {
		if _, err := parseSOQL(q); err == nil {
			t.Errorf("%q parsed", q)
		}
	}
}

func FuzzSOQL(f *testing.F) {
	for _, q := range []string{"SELECT Id FROM Account", "SELECT Id, Name FROM Order WHERE Status IN ('a','b') AND X = 1 ORDER BY Name DESC LIMIT 3",
		"SELECT Id FROM Account WHERE Name = 'it\\'s'", "SELECT ApiName FROM OrderStatus ORDER BY SortOrder"} {
		f.Add(q)
	}
	s := New(Options{})
	tok := login(f, s)
	f.Fuzz(func(t *testing.T, q string) {
		parseSOQL(q) // must not panic
		w := do(s, tok, "GET", "/services/data/v62.0/query?q="+url.QueryEscape(q), "")
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", q, w.Code, w.Body)
		}
		if w.Code != 200 && !salesforceShaped(w.Body.Bytes()) {
			t.Fatalf("%q: not a Salesforce error: %d %s", q, w.Code, w.Body)
		}
	})
}

func FuzzRequestBodies(f *testing.F) {
	for _, b := range []string{`{"Name":"x"}`, `{"graphs":[{"graphId":"1","compositeRequest":[{"method":"POST","url":"/services/data/v62.0/sobjects/Account/","referenceId":"a","body":{"Name":"x"}}]}]}`,
		`{"allOrNone":true,"compositeRequest":[{"method":"PATCH","url":"/services/data/v62.0/sobjects/Account/@{a.id}","referenceId":"b","body":{}}]}`,
		`{"allOrNone":false,"records":[{"attributes":{"type":"Account"},"Name":"y"}]}`, `{"AccountId":123,"EffectiveDate":true}`} {
		f.Add(b, uint8(0))
		f.Add(b, uint8(2))
	}
	paths := []string{"/sobjects/Account/", "/composite/graph", "/composite", "/composite/sobjects", "/sobjects/Order/", "/sobjects/Order/Magento_Order_Id__c/1"}
	s := New(Options{})
	tok := login(f, s)
	f.Fuzz(func(t *testing.T, body string, route uint8) {
		path := paths[int(route)%len(paths)]
		method := "POST"
		if strings.Contains(path, "Magento") {
			method = "PATCH"
		}
		w := do(s, tok, method, "/services/data/v62.0"+path, body)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code >= 400 && !salesforceShaped(w.Body.Bytes()) {
			t.Fatalf("%s %q: not a Salesforce error: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code < 300 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s: invalid JSON answer %s", path, w.Body)
		}
	})
}

// BenchmarkGraph50Orders measures the simulator answering composite graph
// calls of 50 orders of 8 nodes each (account, contact, 2 products with
// price book entries is left to setup; order, 4 items, activation).
func BenchmarkGraph50Orders(b *testing.B) {
	s := New(Options{DailyLimit: 1 << 30})
	tok := login(b, s)
	// Two products with standard prices.
	var entries []string
	for i := range 2 {
		w := do(s, tok, "POST", "/services/data/v62.0/sobjects/Product2/", fmt.Sprintf(`{"Name":"P%d","IsActive":true}`, i))
		var r struct{ ID string }
		json.Unmarshal(w.Body.Bytes(), &r)
		w = do(s, tok, "POST", "/services/data/v62.0/sobjects/PricebookEntry/", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":10,"IsActive":true}`, s.org.stdBookID, r.ID))
		json.Unmarshal(w.Body.Bytes(), &r)
		entries = append(entries, r.ID)
	}
	base := "/services/data/v62.0/sobjects/"
	body := func(n int) string {
		var graphs []map[string]any
		for g := range 50 {
			k := fmt.Sprintf("%d-%d", n, g)
			nodes := []map[string]any{
				{"method": "PATCH", "url": base + "Account/Magento_Customer_Key__c/c" + k, "referenceId": "acct", "body": map[string]any{"Name": "Customer " + k}},
				{"method": "PATCH", "url": base + "Contact/Magento_Customer_Key__c/c" + k, "referenceId": "contact", "body": map[string]any{"LastName": "Doe", "AccountId": "@{acct.id}"}},
				{"method": "PATCH", "url": base + "Order/Magento_Order_Id__c/" + k, "referenceId": "ord", "body": map[string]any{"AccountId": "@{acct.id}", "EffectiveDate": "2026-11-01", "Status": "Draft", "Pricebook2Id": s.org.stdBookID}},
			}
			for i := range 4 {
				nodes = append(nodes, map[string]any{"method": "PATCH", "url": fmt.Sprintf("%sOrderItem/Magento_Item_Id__c/%s-%d", base, k, i), "referenceId": fmt.Sprint("item", i),
					"body": map[string]any{"OrderId": "@{ord.id}", "PricebookEntryId": entries[i%2], "Quantity": 2, "UnitPrice": 9.5}})
			}
			nodes = append(nodes, map[string]any{"method": "PATCH", "url": base + "Order/@{ord.id}", "referenceId": "act", "body": map[string]any{"Status": "Activated"}})
			graphs = append(graphs, map[string]any{"graphId": "g" + k, "compositeRequest": nodes})
		}
		out, _ := json.Marshal(map[string]any{"graphs": graphs})
		return string(out)
	}
	bodies := make([]string, b.N)
	for i := range bodies {
		bodies[i] = body(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := do(s, tok, "POST", "/services/data/v62.0/composite/graph", bodies[i])
		if w.Code != 200 || strings.Contains(w.Body.String(), `"isSuccessful":false`) {
			b.Fatalf("%d %s", w.Code, w.Body.String()[:min(500, w.Body.Len())])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "graphs/s")
}

func TestTokensExpire(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Options{TokenTTL: time.Hour, Now: func() time.Time { return now }})
	tok := login(t, s)
	if w := do(s, tok, "GET", "/services/data/v62.0/limits", ""); w.Code != 200 {
		t.Fatalf("fresh token: %d", w.Code)
	}
	now = now.Add(61 * time.Minute)
	w := do(s, tok, "GET", "/services/data/v62.0/limits", "")
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"errorCode":"INVALID_SESSION_ID"`) {
		t.Errorf("expired token: %d %s", w.Code, w.Body)
	}
}

func TestHTTPMethodOverride(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	w := do(s, tok, "POST", "/services/data/v62.0/sobjects/Account/", `{"Name":"A"}`)
	var res struct{ ID string }
	json.Unmarshal(w.Body.Bytes(), &res)
	if w = do(s, tok, "POST", "/services/data/v62.0/sobjects/Account/"+res.ID+"?_HttpMethod=PATCH", `{"Name":"B"}`); w.Code != 204 {
		t.Fatalf("POST with _HttpMethod=PATCH: %d %s", w.Code, w.Body)
	}
	if w = do(s, tok, "GET", "/services/data/v62.0/sobjects/Account/"+res.ID+"?fields=Name", ""); !strings.Contains(w.Body.String(), `"Name":"B"`) {
		t.Errorf("after the update: %s", w.Body)
	}
}

func TestVersionPath(t *testing.T) {
	for _, c := range []struct{ in, version, rest string }{
		{"/services/data/v62.0", "62", ""},
		{"/services/data/v62.0/", "62", "/"},
		{"/services/data/v62.0/sobjects/Order", "62", "/sobjects/Order"},
		{"/services/data/v5.0/x", "5", "/x"},
		{"/services/data/v62.1/x", "", ""},
		{"/services/data/v62.0x", "", ""},
		{"/services/data/v.0/x", "", ""},
		{"/services/data/62.0/x", "", ""},
		{"/services/data/vNN.0/x", "", ""},
	} {
		v, rest, ok := versionPath(c.in)
		if ok != (c.version != "") || v != c.version || rest != c.rest {
			t.Errorf("versionPath(%q) = %q, %q, %v; want %q, %q", c.in, v, rest, ok, c.version, c.rest)
		}
	}
}
