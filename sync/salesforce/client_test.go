package salesforce_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"

	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// org is a simulator on a real HTTP server, counting logins.
type org struct {
	sim    *sfsim.Sim
	srv    *httptest.Server
	logins atomic.Int64
}

func newOrg(t *testing.T, opts sfsim.Options) *org {
	t.Helper()
	o := &org{sim: sfsim.New(opts)}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/oauth2/token" {
			o.logins.Add(1)
		}
		o.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *org) client(t *testing.T) *salesforce.Client {
	t.Helper()
	c, err := salesforce.New(salesforce.Config{LoginURL: o.srv.URL, Flow: salesforce.FlowClientCredentials,
		ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// control calls the simulator's /_sim/ API.
func (o *org) control(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, o.srv.URL+"/_sim"+path, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s /_sim%s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

func (o *org) records(t *testing.T, sobject string) []map[string]any {
	var out []map[string]any
	o.control(t, "GET", "/records/"+sobject, nil, &out)
	return out
}

func apiCode(err error) string {
	var api *salesforce.APIError
	if errors.As(err, &api) && len(api.Errors) > 0 {
		return api.Errors[0].Code()
	}
	var auth *salesforce.AuthError
	if errors.As(err, &auth) {
		return auth.Code
	}
	return ""
}

func TestClientCredentialsCRUD(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)

	id, err := c.Create(ctx, "Account", salesforce.Record{"Name": "Zoë's Bikes", "BillingCity": "København"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := salesforce.CheckID("Account", id); err != nil || len(id) != 18 {
		t.Errorf("new Account ID %q: %v", id, err)
	}
	rec, err := c.Get(ctx, "Account", id, "Name", "BillingCity")
	if err != nil || rec.String("Name") != "Zoë's Bikes" || rec.String("BillingCity") != "København" {
		t.Fatalf("get = %v, %v", rec, err)
	}
	if attrs, _ := rec["attributes"].(map[string]any); attrs["type"] != "Account" {
		t.Errorf("attributes = %v", rec["attributes"])
	}
	if err := c.Update(ctx, "Account", id, salesforce.Record{"Name": "Zoë's Bikes Ltd"}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := c.Get(ctx, "Account", id[:15]); rec.String("Name") != "Zoë's Bikes Ltd" {
		t.Errorf("after update, via the 15-character ID: %v", rec)
	}
	if err := c.Delete(ctx, "Account", id); err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, "Account", id)
	var api *salesforce.APIError
	if !errors.As(err, &api) || api.HTTPStatus != 404 || apiCode(err) != "NOT_FOUND" {
		t.Errorf("get after delete: %v", err)
	}
	if o.logins.Load() != 1 {
		t.Errorf("%d logins for one client, want 1", o.logins.Load())
	}
	if u, ok := c.Usage(); !ok || u.Used != 6 || u.Max != 15000 {
		t.Errorf("usage = %+v, %v; want 6/15000", u, ok)
	}
	lim, err := c.Limits(ctx)
	if err != nil || lim["DailyApiRequests"].Max != 15000 || lim["DailyApiRequests"].Remaining != 15000-7 {
		t.Errorf("limits = %+v, %v", lim, err)
	}
}

func TestAuthFlowsAndTheirErrors(t *testing.T) {
	ctx := context.Background()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	pk8, _ := x509.MarshalPKCS8PrivateKey(key)
	key8PEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	o := newOrg(t, sfsim.Options{JWTPublicKey: &key.PublicKey})

	tests := []struct {
		name     string
		cfg      salesforce.Config
		wantCode string // "" = success
	}{
		{"client credentials", salesforce.Config{Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret}, ""},
		{"wrong secret", salesforce.Config{Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: "nope"}, "invalid_client"},
		{"unknown client", salesforce.Config{Flow: "client_credentials", ClientID: "who", ClientSecret: "x"}, "invalid_client_id"},
		{"password", salesforce.Config{Flow: "password", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret, Username: sfsim.DemoUsername, Password: sfsim.DemoPassword}, ""},
		{"wrong password", salesforce.Config{Flow: "password", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret, Username: sfsim.DemoUsername, Password: "guess"}, "invalid_grant"},
		{"refresh token", salesforce.Config{Flow: "refresh_token", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret, RefreshToken: sfsim.DemoRefreshToken}, ""},
		{"stale refresh token", salesforce.Config{Flow: "refresh_token", ClientID: sfsim.DemoClientID, RefreshToken: "old"}, "invalid_grant"},
		{"jwt", salesforce.Config{Flow: "jwt", ClientID: sfsim.DemoClientID, Username: sfsim.DemoUsername, PrivateKey: keyPEM}, ""},
		{"jwt pkcs8", salesforce.Config{Flow: "jwt", ClientID: sfsim.DemoClientID, Username: sfsim.DemoUsername, PrivateKey: key8PEM}, ""},
		{"jwt wrong key", salesforce.Config{Flow: "jwt", ClientID: sfsim.DemoClientID, Username: sfsim.DemoUsername, PrivateKey: otherPEM}, "invalid_grant"},
		{"jwt unknown user", salesforce.Config{Flow: "jwt", ClientID: sfsim.DemoClientID, Username: "eve@example.com", PrivateKey: keyPEM}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.LoginURL = o.srv.URL
			c, err := salesforce.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := c.Token(ctx)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tok.InstanceURL != o.srv.URL || len(tok.OrgID()) != 15 || tok.IssuedAt == "" {
					t.Errorf("token = %+v", tok)
				}
				if _, err := c.Query(ctx, "SELECT Id FROM Account"); err != nil {
					t.Errorf("query with the token: %v", err)
				}
				return
			}
			if apiCode(err) != tt.wantCode || !salesforce.IsAuth(err) || salesforce.IsRetryable(err) {
				t.Errorf("error %v, want %s", err, tt.wantCode)
			}
		})
	}

	// Raw requests for errors the client never causes.
	for form, want := range map[string]string{"": "grant type is missing", "grant_type=magic": "grant type not supported"} {
		resp, err := http.Post(o.srv.URL+"/services/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || body["error_description"] != want {
			t.Errorf("token request %q: %d %v", form, resp.StatusCode, body)
		}
	}

	if _, err := salesforce.New(salesforce.Config{LoginURL: o.srv.URL, Flow: "jwt", ClientID: "x", Username: "u", PrivateKey: []byte("not pem")}); err == nil {
		t.Error("a JWT config without a key was accepted")
	}
	if _, err := salesforce.New(salesforce.Config{LoginURL: "login.salesforce.com", Flow: "client_credentials", ClientID: "x", ClientSecret: "y"}); err == nil {
		t.Error("a login URL without a scheme was accepted")
	}
}

func TestExpiredTokenRenewsOnceForAllGoroutines(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	if _, err := c.Limits(ctx); err != nil {
		t.Fatal(err)
	}
	o.sim.ExpireTokens()
	var wg gosync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Create(ctx, "Account", salesforce.Record{"Name": "x"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := o.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2 (the first and one renewal)", n)
	}
	if n := len(o.records(t, "Account")); n != 20 {
		t.Errorf("%d accounts, want 20", n)
	}
}

func TestRESTErrors(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	acct, _ := c.Create(ctx, "Account", salesforce.Record{"Name": "A"})
	contact, _ := c.Create(ctx, "Contact", salesforce.Record{"LastName": "B", "AccountId": acct})

	tests := []struct {
		name   string
		do     func() error
		code   string
		fields string
	}{
		{"required", func() error {
			_, err := c.Create(ctx, "Order", salesforce.Record{"Status": "Draft"})
			return err
		}, "REQUIRED_FIELD_MISSING", "AccountId,EffectiveDate"},
		{"unknown field", func() error {
			_, err := c.Create(ctx, "Account", salesforce.Record{"Name": "x", "Foo__c": 1})
			return err
		}, "INVALID_FIELD", ""},
		{"read-only field", func() error {
			_, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": acct, "EffectiveDate": "2026-01-02", "Status": "Draft", "TotalAmount": 5})
			return err
		}, "INVALID_FIELD_FOR_INSERT_UPDATE", "TotalAmount"},
		{"wrong id type", func() error {
			_, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": contact, "EffectiveDate": "2026-01-02", "Status": "Draft"})
			return err
		}, "MALFORMED_ID", "AccountId"},
		{"bad picklist", func() error {
			_, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": acct, "EffectiveDate": "2026-01-02", "Status": "Shipped"})
			return err
		}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status"},
		{"bad date", func() error {
			_, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": acct, "EffectiveDate": "02/01/2026", "Status": "Draft"})
			return err
		}, "JSON_PARSER_ERROR", "EffectiveDate"},
		{"too long", func() error {
			_, err := c.Create(ctx, "Note", salesforce.Record{"ParentId": acct, "Title": strings.Repeat("é", 256)})
			return err
		}, "STRING_TOO_LONG", "Title"},
		{"dangling reference", func() error {
			_, err := c.Create(ctx, "Contact", salesforce.Record{"LastName": "x", "AccountId": "001000000000000AAA"})
			return err
		}, "INVALID_CROSS_REFERENCE_KEY", "AccountId"},
		{"malformed id in URL", func() error { return c.Update(ctx, "Account", "001xyz", salesforce.Record{"Name": "y"}) }, "MALFORMED_ID", ""},
		{"bad SOQL", func() error {
			_, err := c.Query(ctx, "SELECT FROM Account")
			return err
		}, "MALFORMED_QUERY", ""},
		{"unknown column in SOQL", func() error {
			_, err := c.Query(ctx, "SELECT Nope FROM Account")
			return err
		}, "INVALID_FIELD", ""},
	}
	for _, tt := range tests {
		err := tt.do()
		var api *salesforce.APIError
		if !errors.As(err, &api) || api.Errors[0].Code() != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			continue
		}
		if got := strings.Join(api.Errors[0].Fields, ","); got != tt.fields {
			t.Errorf("%s: fields %q, want %q", tt.name, got, tt.fields)
		}
		if !salesforce.IsFinal(err) || salesforce.IsRetryable(err) {
			t.Errorf("%s: a validation error is not final", tt.name)
		}
		if api.Message() == "" || !strings.Contains(api.Message(), tt.code) {
			t.Errorf("%s: message %q", tt.name, api.Message())
		}
	}
}

func ExampleNormalizeID() {
	id, _ := salesforce.NormalizeID("001D000000IqhSL")
	fmt.Println(id)
	// Output: 001D000000IqhSLIAZ
}

// Queries asks five queries per call and reads every page of each.
func TestQueriesShareCalls(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	var recs []salesforce.Record
	for i := range 2100 {
		recs = append(recs, salesforce.Record{"attributes": map[string]any{"type": "Account"}, "Name": fmt.Sprintf("Account %04d", i)})
	}
	for chunk := range slices.Chunk(recs, salesforce.MaxCollection) {
		if _, err := c.CreateCollection(ctx, true, chunk); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := c.Usage()
	var soqls []string
	for i := range 6 {
		soqls = append(soqls, fmt.Sprintf("SELECT Name FROM Account WHERE Name = 'Account %04d'", i))
	}
	soqls = append(soqls, "SELECT Name FROM Account") // 2,100 records: two pages
	got, err := c.Queries(ctx, soqls)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("%d results for 7 queries", len(got))
	}
	for i := range 6 {
		if len(got[i]) != 1 || got[i][0].String("Name") != fmt.Sprintf("Account %04d", i) {
			t.Errorf("query %d: %v", i, got[i])
		}
	}
	if len(got[6]) != 2100 {
		t.Errorf("every account: %d records, want 2100", len(got[6]))
	}
	// Two composite calls and the second page of the last query.
	if after, _ := c.Usage(); after.Used-before.Used != 3 {
		t.Errorf("%d API calls, want 3", after.Used-before.Used)
	}
	if _, err := c.Queries(ctx, []string{"SELECT Nope FROM Account"}); apiCode(err) != "INVALID_FIELD" {
		t.Errorf("a bad query: %v", err)
	}
}
