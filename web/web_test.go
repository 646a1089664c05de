package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/store/magentodb"
	"magesync/sync/engine"
	"magesync/sync/sfsim"
	"magesync/web"
)

// app is the admin on a real HTTP server, over a real database and a
// simulated org, with the engine's workers running.
type app struct {
	t   *testing.T
	st  *store.Store
	sim *httptest.Server
	srv *httptest.Server
	e   *engine.Engine
	key []byte // the database's secret key
}

const password = "Secret123"

func newApp(t *testing.T, orders int) *app { return newAppWith(t, orders, false) }

// newAppWith is newApp; withDetector also runs the change detector.
func newAppWith(t *testing.T, orders int, withDetector bool) *app {
	t.Helper()
	a := &app{t: t, st: dbtest.Seeded(t, orders)}
	ctx := context.Background()
	if err := magentodb.CreateAdmin(ctx, a.st.DB().DB, "admin", password, "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	a.sim = httptest.NewServer(sfsim.New(sfsim.Options{Currencies: sfsim.StoreCurrencies}))
	t.Cleanup(a.sim.Close)
	var err error
	if a.key, err = a.st.SecretKey(ctx, "test key"); err != nil {
		t.Fatal(err)
	}
	err = a.st.SaveSettings(ctx, "setup", a.key, []store.Change{
		store.Set(store.PathLoginURL, a.sim.URL), store.Set(store.PathFlow, "client_credentials"),
		store.Set(store.PathClientID, sfsim.DemoClientID), store.Set(store.PathClientSecret, sfsim.DemoClientSecret)})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a.e = engine.New(a.st, engine.SettingsClient(a.st, a.key, nil, nil), engine.Options{Logger: quiet,
		IdleWait: 20 * time.Millisecond, PollInterval: 100 * time.Millisecond, BackoffBase: 50 * time.Millisecond, OrgTTL: 200 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		if withDetector {
			a.e.Run(runCtx)
		} else {
			a.e.RunWorkers(runCtx, 2)
		}
		close(done)
	}()
	t.Cleanup(func() { stop(); <-done })
	a.srv = httptest.NewServer(web.New(a.st, a.e, web.Config{SecretKey: a.key, Logger: quiet}).Handler())
	t.Cleanup(a.srv.Close)
	return a
}

// client is a browser-like client: cookies, no automatic redirects.
type client struct {
	a    *app
	hc   *http.Client
	csrf string
}

func (a *app) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{a: a, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) get(path string) (int, string, http.Header) {
	c.a.t.Helper()
	resp, err := c.hc.Get(c.a.srv.URL + path)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(b), resp.Header
}

// post sends a same-origin form with the CSRF token; it returns the status
// and the redirect target.
// post sends a form with the session's CSRF token and returns the status and
// the redirect's Location, or the page's body when it did not redirect.
func (c *client) post(path string, form url.Values) (int, string) {
	c.a.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf_token") {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.a.srv.URL)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); loc != "" {
		return resp.StatusCode, loc
	}
	return resp.StatusCode, string(body) // a page answered without a redirect
}

func (a *app) login() *client {
	a.t.Helper()
	c := a.client()
	c.get("/admin/login")
	if code, loc := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {password}}); code != 303 || loc != "/admin" {
		a.t.Fatalf("login: %d %s", code, loc)
	}
	c.get("/admin/sales/order") // the signed-in session's token
	return c
}

var pages = []string{"/admin", "/admin/sales/order", "/admin/sales/order/1", "/admin/sales/order/1?tab=salesforce",
	"/admin/salesforce/orders/config", "/admin/salesforce/queue", "/admin/salesforce/queue/progress", "/admin/salesforce/connection"}

var posts = []string{"/admin/logout", "/admin/sales/order/sync", "/admin/sales/order/columns", "/admin/salesforce/queue/resume", "/admin/sales/order/1/sync", "/admin/sales/order/1/salesforce",
	"/admin/salesforce/orders/config", "/admin/salesforce/queue/mass", "/admin/salesforce/connection", "/admin/salesforce/connection/test"}

func TestEveryPageNeedsLogin(t *testing.T) {
	a := newApp(t, 3)
	c := a.client()
	for _, p := range pages {
		code, _, h := c.get(p)
		if code != 303 && code != 302 || !strings.HasPrefix(h.Get("Location"), "/admin") {
			t.Errorf("GET %s without login: %d %s", p, code, h.Get("Location"))
		}
		if p != "/admin" && h.Get("Location") != "/admin/login" {
			t.Errorf("GET %s without login goes to %s", p, h.Get("Location"))
		}
	}
	c.get("/admin/login") // a session and its token, but no login
	for _, p := range posts {
		if code, loc := c.post(p, nil); code != 303 || loc != "/admin/login" {
			t.Errorf("POST %s without login: %d %s", p, code, loc)
		}
	}
	if n := countQueue(t, a.st); n != 0 {
		t.Errorf("%d orders queued without login", n)
	}
	// Signed in, every page renders.
	c = a.login()
	for _, p := range pages {
		code, body, h := c.get(p)
		if p == "/admin" {
			continue
		}
		if code != 200 {
			t.Errorf("GET %s: %d", p, code)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: security headers %v", p, h)
		}
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(body) || strings.Contains(body, " style=") {
			t.Errorf("GET %s has inline script or style", p)
		}
	}
}

func countQueue(t *testing.T, st *store.Store) int {
	var n int
	if err := st.DB().Get(&n, `SELECT COUNT(*) FROM magesync_queue`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoginLogoutAndThrottle(t *testing.T) {
	a := newApp(t, 1)
	c := a.client()
	_, body, h := c.get("/admin/login")
	if !strings.Contains(body, "Welcome, please sign in") {
		t.Fatal("no sign-in form")
	}
	if ck := h.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Errorf("session cookie = %q", ck)
	}
	if err := magentodb.CreateAdmin(context.Background(), a.st.DB().DB, "second", password, "b@example.com"); err != nil {
		t.Fatal(err)
	}
	c3 := a.login2("second")
	if code, loc := c3.post("/admin/logout", nil); code != 303 || loc != "/admin/login" {
		t.Errorf("logout: %d %s", code, loc)
	}
	if code, _, _ := c3.get("/admin/sales/order"); code != 303 {
		t.Errorf("after logout: %d", code)
	}
}

// login2 signs in as user through a second server (its own throttle).
func (a *app) login2(user string) *client {
	a.t.Helper()
	srv := httptest.NewServer(web.New(a.st, a.e, web.Config{SecretKey: a.key, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	a.t.Cleanup(srv.Close)
	b := &app{t: a.t, st: a.st, sim: a.sim, srv: srv, e: a.e, key: a.key}
	c := b.client()
	c.get("/admin/login")
	if code, _ := c.post("/admin/login", url.Values{"username": {user}, "password": {password}}); code != 303 {
		a.t.Fatalf("login as %s: %d", user, code)
	}
	c.get("/admin/sales/order") // the signed-in session's token
	return c
}

func TestCSRF(t *testing.T) {
	a := newApp(t, 3)
	c := a.login()
	c.get("/admin/sales/order")
	form := url.Values{"ids": {"1"}}
	// No token.
	if code, _ := c.post("/admin/sales/order/sync", url.Values{"ids": {"1"}, "csrf_token": {""}}); code != 403 {
		t.Errorf("no token: %d", code)
	}
	// A wrong token.
	if code, _ := c.post("/admin/sales/order/sync", url.Values{"ids": {"1"}, "csrf_token": {"forged"}}); code != 403 {
		t.Errorf("forged token: %d", code)
	}
	// The right token from another site.
	for _, h := range []map[string]string{{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Referer": "http://evil.example/x"}} {
		form.Set("csrf_token", c.csrf)
		req, _ := http.NewRequest("POST", a.srv.URL+"/admin/sales/order/sync", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("cross-site %v: %d", h, resp.StatusCode)
		}
	}
	if n := countQueue(t, a.st); n != 0 {
		t.Errorf("%d orders queued by refused requests", n)
	}
	if code, _ := c.post("/admin/sales/order/sync", url.Values{"ids": {"1"}}); code != 303 {
		t.Errorf("a proper request: %d", code)
	}
}

func TestHostileDataIsEscaped(t *testing.T) {
	a := newApp(t, 3)
	evil := `<script>alert("x")</script>`
	for _, q := range []string{
		`UPDATE sales_order_grid SET billing_name = ?, shipping_name = ? WHERE entity_id = 1`,
		`UPDATE sales_order SET customer_firstname = ?, customer_lastname = ? WHERE entity_id = 1`,
		`UPDATE sales_order_item SET name = ?, sku = ? WHERE order_id = 1`,
		`UPDATE sales_order_status_history SET comment = ?, status = ? WHERE parent_id = 1`,
	} {
		if _, err := a.st.DB().Exec(q, evil, evil); err != nil {
			t.Fatal(err)
		}
	}
	c := a.login()
	for _, p := range []string{"/admin/sales/order", "/admin/sales/order/1", "/admin/sales/order?search=" + url.QueryEscape(evil)} {
		_, body, _ := c.get(p)
		if strings.Contains(body, evil) {
			t.Errorf("%s renders the script unescaped", p)
		}
		if !strings.Contains(body, "&lt;script&gt;") && p != "/admin/sales/order?search="+url.QueryEscape(evil) {
			t.Errorf("%s does not show the escaped name", p)
		}
	}
	// Grid parameters never reach SQL unescaped.
	for _, q := range []string{"sort=created_at%3BDROP+TABLE+sales_order&dir=desc", "sort=grand_total&dir=asc%27", "status=%27+OR+1%3D1+--",
		"from=2026-01-01%27&to=x", "limit=999999&p=-4", "search=%22%29+OR+1%3D1+--", "sync=%27"} {
		code, body, _ := c.get("/admin/sales/order?" + q)
		if code != 200 {
			t.Errorf("?%s: %d", q, code)
		}
		if strings.Contains(q, "status=") && !strings.Contains(body, "0 records found") {
			t.Errorf("?%s matched orders", q)
		}
	}
	var n int
	if err := a.st.DB().Get(&n, `SELECT COUNT(*) FROM sales_order`); err != nil || n != 3 {
		t.Errorf("sales_order after hostile parameters: %d, %v", n, err)
	}
}
