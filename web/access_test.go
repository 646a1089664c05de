package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"magesync/store/magentodb"
	"magesync/sync/sfsim"
	"magesync/web"
)

var salesPages = []string{"/admin/sales/order", "/admin/sales/order/1", "/admin/sales/order/1?tab=salesforce"}
var configPages = []string{"/admin/salesforce/mapping/order", "/admin/salesforce/orders/config", "/admin/salesforce/queue", "/admin/salesforce/queue/progress", "/admin/salesforce/connection"}
var salesPosts = []string{"/admin/sales/order/sync", "/admin/sales/order/1/sync", "/admin/sales/order/1/salesforce", "/admin/sales/order/columns"}
var configPosts = []string{"/admin/salesforce/mapping/order", "/admin/salesforce/queue/resume", "/admin/salesforce/orders/config", "/admin/salesforce/queue/mass", "/admin/salesforce/connection", "/admin/salesforce/connection/test"}

// TestRolesDecideWhatAnAdminCanDo signs in with Magento roles as the
// admin's role editor saves them (a row per resource) and as a hand-made
// role with a few rows relies on inheritance.
func TestRolesDecideWhatAnAdminCanDo(t *testing.T) {
	a := newApp(t, 3)
	ctx := context.Background()
	db := a.st.DB().DB
	// One row per resource, as Magento's role editor saves a sales clerk.
	clerk, err := magentodb.CreateRole(ctx, db, "Sales clerk", map[string]string{
		"Magento_Backend::all": "deny", "Magento_Backend::admin": "allow", "Magento_Sales::sales": "allow",
		"Magento_Sales::sales_operation": "allow", "Magento_Sales::sales_order": "allow", "Magento_Sales::actions": "allow",
		"Magento_Backend::stores": "deny", "Magento_Backend::stores_settings": "deny", "Magento_Config::config": "deny"})
	if err != nil {
		t.Fatal(err)
	}
	// A few rows: config comes from Magento_Backend::stores.
	settings, err := magentodb.CreateRole(ctx, db, "Settings", map[string]string{"Magento_Backend::stores": "allow"})
	if err != nil {
		t.Fatal(err)
	}
	// Allowed at the top, denied below: the nearest rule decides.
	denied, err := magentodb.CreateRole(ctx, db, "Denied orders", map[string]string{
		"Magento_Backend::admin": "allow", "Magento_Sales::sales_operation": "deny"})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := magentodb.CreateRole(ctx, db, "Nothing", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user          string
		role          int64 // 0: no role row at all
		sales, config bool
	}{
		{"admin", magentodb.AdministratorsRole, true, true},
		{"clerk", clerk, true, false},
		{"settings", settings, false, true},
		{"denied", denied, false, true},
		{"nothing", empty, false, false},
		{"orphan", 0, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			if tc.user != "admin" {
				if err := magentodb.CreateAdmin(ctx, db, tc.user, password, tc.user+"@example.com"); err != nil {
					t.Fatal(err)
				}
				if tc.role == 0 {
					db.ExecContext(ctx, `DELETE r FROM authorization_role r JOIN admin_user u ON u.user_id = r.user_id WHERE u.username = ?`, tc.user)
				} else if err := magentodb.AssignRole(ctx, db, tc.user, tc.role); err != nil {
					t.Fatal(err)
				}
			}
			c := a.login2(tc.user)
			check := func(paths []string, allowed bool) {
				for _, p := range paths {
					code, body, _ := c.get(p)
					if allowed && code != 200 {
						t.Errorf("GET %s: %d, want 200", p, code)
					}
					if !allowed && (code != 403 || !strings.Contains(body, "Sorry, you need permissions to view this content.") || !strings.Contains(body, `class="rail"`)) {
						t.Errorf("GET %s: %d, want 403 in the admin frame", p, code)
					}
				}
			}
			check(salesPages, tc.sales)
			check(configPages, tc.config)
			_, body, _ := c.get("/admin")
			if tc.sales || tc.config {
				_, body, _ = c.get(map[bool]string{true: "/admin/sales/order", false: "/admin/salesforce/queue"}[tc.sales])
			}
			if got := strings.Contains(body, `href="/admin/sales/order"`); got != tc.sales {
				t.Errorf("rail shows Sales: %v, want %v", got, tc.sales)
			}
			if got := strings.Contains(body, `href="/admin/salesforce/connection"`); got != tc.config {
				t.Errorf("rail shows Salesforce: %v, want %v", got, tc.config)
			}
			before := countQueue(t, a.st)
			for _, p := range append(append([]string{}, salesPosts...), configPosts...) {
				allowed := tc.config
				if strings.HasPrefix(p, "/admin/sales/") {
					allowed = tc.sales
				}
				if code, _ := c.post(p, url.Values{"ids": {"1"}}); !allowed && code != 403 {
					t.Errorf("POST %s: %d, want 403", p, code)
				}
			}
			if !tc.sales && countQueue(t, a.st) != before {
				t.Errorf("a role without Magento_Sales::sales_order queued orders")
			}
		})
	}
}

// TestSessionEndsWithTheAccount: disabling, locking, deleting or moving an
// account to another role ends its sessions at the next request.
func TestSessionEndsWithTheAccount(t *testing.T) {
	a := newApp(t, 1)
	ctx := context.Background()
	db := a.st.DB().DB
	other, err := magentodb.CreateRole(ctx, db, "Other", map[string]string{"Magento_Backend::all": "allow"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, change, undo string }{
		{"inactive", `UPDATE admin_user SET is_active = 0 WHERE username = 'admin'`, `UPDATE admin_user SET is_active = 1`},
		{"locked", `UPDATE admin_user SET lock_expires = UTC_TIMESTAMP() + INTERVAL 1 HOUR WHERE username = 'admin'`, `UPDATE admin_user SET lock_expires = NULL`},
		{"role changed", fmt.Sprintf(`UPDATE authorization_role SET parent_id = %d WHERE role_type = 'U'`, other), ``},
		{"deleted", `DELETE FROM admin_user WHERE username = 'admin'`, ``},
	} {
		c := a.login()
		if code, _, _ := c.get("/admin/sales/order"); code != 200 {
			t.Fatalf("%s: before: %d", tc.name, code)
		}
		if _, err := db.ExecContext(ctx, tc.change); err != nil {
			t.Fatal(err)
		}
		code, _, h := c.get("/admin/sales/order")
		if code != 303 || h.Get("Location") != "/admin/login" {
			t.Errorf("%s: the session still works: %d %s", tc.name, code, h.Get("Location"))
		}
		_, body, _ := c.get("/admin/login")
		if !strings.Contains(body, "Your session has ended") {
			t.Errorf("%s: the sign-in page does not say why", tc.name)
		}
		if tc.undo != "" {
			db.ExecContext(ctx, tc.undo)
		}
	}
}

// TestLockoutCountsTheAccount: names the table's collation matches to one
// account count together, and Magento's lockout policy locks it.
func TestLockoutCountsTheAccount(t *testing.T) {
	a := newApp(t, 1)
	ctx := context.Background()
	c := a.client()
	c.get("/admin/login")
	// Magento's default: 6 failures within 30 minutes lock for 30 minutes.
	for i, name := range []string{"admin", "ädmin", "ÀDMIN", "Admin", "admin ", "ADMİN"} {
		if code, _ := c.post("/admin/login", url.Values{"username": {name}, "password": {"wrong"}}); code != 401 {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	var failures int
	if err := a.st.DB().Get(&failures, `SELECT f.failures_num FROM magesync_login_failure f JOIN admin_user u USING (user_id) WHERE u.username = 'admin'`); err != nil {
		t.Fatal(err)
	}
	if code, _ := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {password}}); code != 401 {
		t.Errorf("the right password after %d failures on the account: %d, want 401 (locked)", failures, code)
	}
	var magentoFailures int
	a.st.DB().Get(&magentoFailures, `SELECT COALESCE(failures_num, 0) FROM admin_user WHERE username = 'admin'`)
	if magentoFailures != 0 {
		t.Errorf("magesync wrote Magento's admin_user.failures_num = %d", magentoFailures)
	}
	// The lock ends, and a good sign-in clears the count.
	a.st.DB().ExecContext(ctx, `UPDATE magesync_login_failure SET lock_expires = UTC_TIMESTAMP() - INTERVAL 1 SECOND, first_failure = UTC_TIMESTAMP() - INTERVAL 1 HOUR`)
	if code, _ := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {password}}); code != 303 {
		t.Fatalf("after the lock: %d", code)
	}
	var n int
	a.st.DB().Get(&n, `SELECT COUNT(*) FROM magesync_login_failure`)
	if n != 0 {
		t.Errorf("%d failure rows after a good sign-in", n)
	}

	// A store's own policy: lock after 2.
	a.st.DB().ExecContext(ctx, `INSERT INTO core_config_data (scope, scope_id, path, value) VALUES ('default', 0, 'admin/security/lockout_failures', '2')`)
	c = a.client()
	c.get("/admin/login")
	for range 2 {
		c.post("/admin/login", url.Values{"username": {"ADMIN"}, "password": {"wrong"}})
	}
	if code, _ := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {password}}); code != 401 {
		t.Errorf("lockout_failures = 2: the third sign-in got %d, want 401", code)
	}
}

// TestAddressThrottleBehindProxies: from a trusted proxy the client's own
// address counts; from anyone else X-Forwarded-For is ignored.
func TestAddressThrottleBehindProxies(t *testing.T) {
	a := newApp(t, 1)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	try := func(cfg web.Config, forwarded func(i int) string) int {
		srv := httptest.NewServer(web.New(a.st, a.e, cfg).Handler())
		defer srv.Close()
		b := &app{t: t, st: a.st, srv: srv}
		c := b.client()
		c.get("/admin/login")
		last := 0
		for i := range 21 {
			form := url.Values{"username": {fmt.Sprintf("nobody%d", i)}, "password": {"x"}, "csrf_token": {c.csrf}}
			req, _ := http.NewRequest("POST", srv.URL+"/admin/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.URL)
			req.Header.Set("X-Forwarded-For", forwarded(i))
			resp, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			last = resp.StatusCode
		}
		return last
	}
	proxy := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	clients := func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }
	if got := try(web.Config{Logger: quiet, TrustedProxies: proxy}, clients); got != 401 {
		t.Errorf("21 clients behind a trusted proxy: the last got %d, want 401 (each counted apart)", got)
	}
	if got := try(web.Config{Logger: quiet}, clients); got != 429 {
		t.Errorf("X-Forwarded-For from an untrusted peer was believed: %d, want 429", got)
	}
	one := func(int) string { return "198.51.100.7, 203.0.113.1" }
	if got := try(web.Config{Logger: quiet, TrustedProxies: proxy}, one); got != 429 {
		t.Errorf("one client behind the proxy, 21 failures: %d, want 429", got)
	}
}

// TestRedirectsStayInTheAdmin: back= and the after-login page accept only
// paths under /admin/.
func TestRedirectsStayInTheAdmin(t *testing.T) {
	a := newApp(t, 1)
	c := a.login()
	for _, back := range []string{`/\evil.example`, "//evil.example", "https://evil.example/admin/", "/admin/../x", "/admin/\\evil", "/administrator"} {
		for _, p := range []string{"/admin/sales/order/sync", "/admin/sales/order/1/sync"} {
			_, loc := c.post(p, url.Values{"ids": {"1"}, "back": {back}})
			if !strings.HasPrefix(loc, "/admin/sales/order") || strings.Contains(loc, "evil") || strings.Contains(loc, "..") {
				t.Errorf("POST %s back=%q: Location %q", p, back, loc)
			}
		}
	}
	// After sign-in.
	c = a.client()
	c.get(`/admin/\evil.example`)
	c.get("/admin/login")
	if _, loc := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {password}}); loc != "/admin" {
		t.Errorf("after sign-in: Location %q", loc)
	}
}

// TestSessionTokensAreStoredHashed: the table never holds a usable token.
func TestSessionTokensAreStoredHashed(t *testing.T) {
	a := newApp(t, 1)
	c := a.login()
	u, _ := url.Parse(a.srv.URL)
	var cookie string
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "magesync_admin" {
			cookie = ck.Value
		}
	}
	var n, raw int
	sum := sha256.Sum256([]byte(cookie))
	a.st.DB().Get(&n, `SELECT COUNT(*) FROM magesync_sessions WHERE token = ?`, base64.RawURLEncoding.EncodeToString(sum[:]))
	a.st.DB().Get(&raw, `SELECT COUNT(*) FROM magesync_sessions WHERE token = ?`, cookie)
	if cookie == "" || n != 1 || raw != 0 {
		t.Errorf("cookie %q: %d rows by its hash, %d by the token itself", cookie, n, raw)
	}
}

// TestStoredSecretStaysWithItsURL: Test Connection with a new login URL
// and empty secret fields sends nothing stored to the new URL.
func TestStoredSecretStaysWithItsURL(t *testing.T) {
	a := newApp(t, 1)
	var got []string
	listener := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.URL.String()+" "+string(b)+" "+r.Header.Get("Authorization"))
		http.Error(w, "no", 400)
	}))
	defer listener.Close()
	c := a.login()
	c.get("/admin/salesforce/connection")
	code, body := c.post("/admin/salesforce/connection/test", url.Values{"login_url": {listener.URL}, "flow": {"client_credentials"},
		"client_id": {"x"}, "api_version": {"62.0"}})
	if code != 422 || !strings.Contains(body, "enter it again") {
		t.Errorf("new URL without the secret: %d, want 422 asking for the secret again", code)
	}
	for _, g := range got {
		if strings.Contains(g, sfsim.DemoClientSecret) {
			t.Errorf("the stored secret reached the new URL: %s", g)
		}
	}
	// Entered again, it goes to the new URL.
	c.post("/admin/salesforce/connection/test", url.Values{"login_url": {listener.URL}, "flow": {"client_credentials"},
		"client_id": {"x"}, "api_version": {"62.0"}, "client_secret": {"typed-again"}})
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "typed-again") {
		t.Errorf("the re-entered secret was not used: %q", got)
	}
}
