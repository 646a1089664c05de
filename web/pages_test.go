package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/magentodb"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// flash follows a redirect and returns the page's messages.
func (c *client) follow(loc string) string {
	c.a.t.Helper()
	_, body, _ := c.get(loc)
	var out []string
	for _, m := range regexp.MustCompile(`(?s)class="message message-(\w+)"[^>]*><strong>[^<]*</strong>(.*?)</div>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+":"+strings.TrimSpace(m[2]))
	}
	return strings.Join(out, "\n")
}

func recordsFound(body string) string {
	m := regexp.MustCompile(`([0-9,]+) records? found`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestOrdersGrid(t *testing.T) {
	a := newApp(t, 60)
	c := a.login()
	_, body, _ := c.get("/admin/sales/order")
	if recordsFound(body) != "60" {
		t.Errorf("records found = %q", recordsFound(body))
	}
	for _, col := range []string{"ID", "Purchase Point", "Purchase Date", "Bill-to Name", "Ship-to Name", "Grand Total (Base)",
		"Grand Total (Purchased)", "Status", "Salesforce Sync Status", "Salesforce Order ID", "Action"} {
		if !strings.Contains(body, ">"+col+"<") {
			t.Errorf("column %q missing", col)
		}
	}
	if strings.Count(body, `name="ids"`) != 20 || !strings.Contains(body, `name="p" value="1" min="1" max="3"`) {
		t.Error("first page is not 20 rows of 3 pages")
	}
	// Filters.
	var pending int
	a.st.DB().Get(&pending, `SELECT COUNT(*) FROM sales_order_grid WHERE status = 'pending'`)
	_, body, _ = c.get("/admin/sales/order?status=pending")
	if recordsFound(body) != fmt.Sprint(pending) {
		t.Errorf("status filter: %s, want %d", recordsFound(body), pending)
	}
	var name, inc string
	a.st.DB().QueryRow(`SELECT SUBSTRING_INDEX(billing_name, ' ', -1), increment_id FROM sales_order_grid WHERE entity_id = 7`).Scan(&name, &inc)
	_, body, _ = c.get("/admin/sales/order?search=" + url.QueryEscape(inc))
	if recordsFound(body) != "1" || !strings.Contains(body, inc) {
		t.Errorf("search %s: %s found", inc, recordsFound(body))
	}
	_, body, _ = c.get("/admin/sales/order?from=2000-01-01&to=2000-12-31")
	if recordsFound(body) != "0" {
		t.Errorf("date filter: %s", recordsFound(body))
	}
	_, body, _ = c.get("/admin/sales/order?sync=in_sync")
	if recordsFound(body) != "0" {
		t.Errorf("in sync before any sync: %s", recordsFound(body))
	}
	// Sort: by grand total ascending, the first row is the smallest.
	_, body, _ = c.get("/admin/sales/order?sort=grand_total&dir=asc&limit=50")
	if !strings.Contains(body, `aria-sort="ascending"`) || strings.Count(body, `name="ids"`) != 50 {
		t.Error("sort or page size not applied")
	}
	var smallest string
	a.st.DB().Get(&smallest, `SELECT increment_id FROM sales_order_grid ORDER BY grand_total, entity_id LIMIT 1`)
	if i, j := strings.Index(body, "<td>"+smallest+"</td>"), strings.Index(body, `name="ids"`); i < 0 || i-j > 400 {
		t.Errorf("the smallest order %s is not the first row", smallest)
	}
}

func TestGridSyncAndMarks(t *testing.T) {
	a := newApp(t, 30)
	c := a.login()
	c.get("/admin/sales/order")
	code, loc := c.post("/admin/sales/order/sync", url.Values{"ids": {"1", "2", "3"}, "back": {"/admin/sales/order?sort=id"}})
	if code != 303 || loc != "/admin/sales/order?sort=id" {
		t.Fatalf("mass sync: %d %s", code, loc)
	}
	if msg := c.follow(loc); !strings.Contains(msg, "success:3 of 3 orders are in Salesforce.") {
		t.Errorf("mass sync said %q", msg)
	}
	_, body, _ := c.get("/admin/sales/order?sync=in_sync")
	if recordsFound(body) != "3" || strings.Count(body, `class="sync sync-in_sync"`) != 3 {
		t.Errorf("in sync after the mass sync: %s", recordsFound(body))
	}
	if m := regexp.MustCompile(`href="(http://[^"]+/lightning/r/Order/801[A-Za-z0-9]{15}/view)" target="_blank"`).FindStringSubmatch(body); m == nil {
		t.Error("no Salesforce Order ID link")
	}
	_, body, _ = c.get("/admin/sales/order?sync=not_in_sync")
	if recordsFound(body) != "27" || !strings.Contains(body, `class="sync sync-not_in_sync" title="Not in Salesforce"`) {
		t.Errorf("not in sync: %s", recordsFound(body))
	}

	// Select all matching a filter.
	var processing int
	a.st.DB().Get(&processing, `SELECT COUNT(*) FROM sales_order_grid WHERE status = 'processing'`)
	_, loc = c.post("/admin/sales/order/sync", url.Values{"all": {"1"}, "status": {"processing"}})
	if msg := c.follow(loc); !strings.Contains(msg, fmt.Sprintf("%d of %d orders are in Salesforce", processing, processing)) {
		t.Errorf("select all matching: %q", msg)
	}
	// A row's own Select › Sync with Salesforce.
	if code, loc := c.post("/admin/sales/order/9/sync", url.Values{"back": {"/admin/sales/order"}}); code != 303 || !strings.Contains(c.follow(loc), "success:Order #") {
		t.Errorf("row sync: %d %s", code, loc)
	}
	if code, loc = c.post("/admin/sales/order/sync", url.Values{}); !strings.Contains(c.follow(loc), "error:Please select orders") {
		t.Errorf("no selection: %d", code)
	}
}

func TestOrderPage(t *testing.T) {
	a := newApp(t, 10)
	c := a.login()
	var inc string
	a.st.DB().Get(&inc, `SELECT increment_id FROM sales_order WHERE entity_id = 2`)
	_, body, _ := c.get("/admin/sales/order/2")
	for _, want := range []string{"# " + inc, "Order &amp; Account Information", "Items Ordered", "Grand Total", "Salesforce Sync", "Billing Address"} {
		if !strings.Contains(body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	if code, _, _ := c.get("/admin/sales/order/999"); code != 404 {
		t.Errorf("missing order: %d", code)
	}
	code, loc := c.post("/admin/sales/order/2/sync", nil)
	if msg := c.follow(loc); code != 303 || !strings.Contains(msg, "success:Order #"+inc+" is in Salesforce. Synced to Salesforce Order 801") {
		t.Errorf("sync from the order page: %q", msg)
	}
	_, body, _ = c.get("/admin/sales/order/2?tab=salesforce")
	orderID := regexp.MustCompile(`name="sf_order_id" value="(801\w+)"`).FindStringSubmatch(body)
	acct := regexp.MustCompile(`name="sf_account_id" value="(001\w+)"`).FindStringSubmatch(body)
	if orderID == nil || acct == nil || !strings.Contains(body, "In sync") {
		t.Fatalf("Salesforce tab lacks the linked IDs")
	}

	// Bad IDs: nothing saved, each error said.
	_, loc = c.post("/admin/sales/order/2/salesforce", url.Values{"sf_order_id": {"001D000000IqhSLIAZ"}, "sf_account_id": {"001D000000IqhSLAAA"}, "sf_contact_id": {"xyz"}})
	_, body, _ = c.get(loc)
	for _, want := range []string{"is not an Order ID", "wrong checksum", "must be 15 or 18 characters", "nothing was saved"} {
		if !strings.Contains(body, want) {
			t.Errorf("bad IDs: page lacks %q", want)
		}
	}
	// A 15-character ID is accepted and stored as 18; Save and Sync syncs.
	_, loc = c.post("/admin/sales/order/2/salesforce", url.Values{"sf_order_id": {orderID[1][:15]}, "sf_account_id": {acct[1]}, "sf_contact_id": {""}})
	if msg := c.follow(loc); !strings.Contains(msg, "success:Order #") {
		t.Errorf("save and sync: %q", msg)
	}
	objs, _ := a.st.OrderObjects(context.Background(), []uint32{2})
	for _, o := range objs[2] {
		if o.Kind == store.KindOrder && o.SFID != orderID[1] {
			t.Errorf("stored order ID %s, want %s", o.SFID, orderID[1])
		}
	}
}

func TestConfigPage(t *testing.T) {
	a := newApp(t, 10)
	c := a.login()
	_, body, _ := c.get("/admin/salesforce/orders/config")
	for _, want := range []string{"Automatic Synchronization", "Synchronize Order Notes", "Update Order Info", "Default Status", "Sync all orders",
		"Draft (Draft)", "Activated (Activated)", "Use system value", "Save Config", "Status Mapping"} {
		if !strings.Contains(body, want) {
			t.Errorf("config page lacks %q", want)
		}
	}
	// Zero Grand Total applies to every sync: always shown. Without
	// JavaScript the statuses show too, saying what they depend on.
	if !strings.Contains(body, `id="zero_grand_total"`) || !strings.Contains(body, `id="statuses"`) ||
		!strings.Contains(body, `data-depends-on="sync_all" data-shown-when="0"`) || !strings.Contains(body, "Applies when Sync all orders is No") {
		t.Error("a setting that applies is hidden, or a dependent one does not say what it depends on")
	}
	// Sync all orders = No with no status would skip every order: refused.
	noStatus := url.Values{"sync_all_shown": {"1"}, "sync_all": {"0"}, "statuses_shown": {"1"}}
	if code, body := c.post("/admin/salesforce/orders/config", noStatus); code != 422 || !strings.Contains(body, "choose at least one order status") {
		t.Errorf("Sync all orders = No without a status: %d", code)
	}
	form := url.Values{}
	for _, f := range []string{"automatic_sync", "zero_grand_total", "sync_notes", "update_order_info", "default_status", "sync_all"} {
		form.Set(f+"_shown", "1")
	}
	form.Set("automatic_sync", "1")
	form.Set("zero_grand_total", "0")
	form.Set("sync_notes", "1")
	form.Set("update_order_info", "0")
	form.Set("default_status", "Draft")
	form.Set("sync_all", "0")
	form.Set("statuses_shown", "1")
	form["statuses"] = []string{"processing", "complete"}
	form.Set("map_complete", "Draft")
	code, loc := c.post("/admin/salesforce/orders/config", form)
	if msg := c.follow(loc); code != 303 || !strings.Contains(msg, "success:You saved the configuration.") {
		t.Fatalf("save: %d %q", code, msg)
	}
	s, _ := a.st.OrderSettings(context.Background())
	if !s.AutomaticSync || s.ZeroGrandTotal || !s.SyncNotes || s.UpdateOrderInfo || s.SyncAll ||
		strings.Join(s.Statuses, ",") != "complete,processing" || s.SalesforceStatus("complete") != "Draft" {
		t.Errorf("saved settings = %+v", s)
	}
	log, _ := a.st.ConfigLog(context.Background(), 50)
	if len(log) == 0 || log[0].Username != "admin" {
		t.Errorf("audit log = %+v", log)
	}
	if _, body, _ := c.get("/admin/salesforce/orders/config"); !strings.Contains(body, "Recent Changes") ||
		!strings.Contains(body, "<td>admin</td><td>Default Config</td><td>Automatic Synchronization</td><td>(system value)</td><td>Yes</td>") ||
		!strings.Contains(body, "<td>Order statuses</td><td>(system value)</td><td>Complete, Processing</td>") {
		t.Error("the configuration page does not show who changed what")
	}
	_, body, _ = c.get("/admin/salesforce/orders/config")
	if !strings.Contains(body, `id="zero_grand_total"`) || !strings.Contains(body, `id="statuses"`) {
		t.Error("dependent fields hidden while their parents ask for them")
	}
	// An Activated-category Default Status is refused, with the reason.
	form.Set("default_status", "Activated")
	code, _ = c.post("/admin/salesforce/orders/config", form)
	if code != 422 {
		t.Errorf("activated default status: %d", code)
	}
	if s, _ := a.st.OrderSettings(context.Background()); s.DefaultStatus != "Draft" {
		t.Error("an Activated-category Default Status was saved")
	}
	// Use system value brings the default back.
	form.Set("default_status", "Draft")
	form.Set("automatic_sync_inherit", "1")
	c.post("/admin/salesforce/orders/config", form)
	if s, _ := a.st.OrderSettings(context.Background()); s.AutomaticSync {
		t.Error("Use system value did not restore the default")
	}

}

// A website overrides a field with Use Default unticked; Default Config
// keeps its own; Recent Changes names the scope.
func TestConfigPageWebsiteScope(t *testing.T) {
	a := newApp(t, 4)
	c := a.login()
	_, body, _ := c.get("/admin/salesforce/orders/config")
	if !strings.Contains(body, `<option value="2">Website: Europe Website</option>`) || !strings.Contains(body, "Use system value") {
		t.Fatal("Default Config lacks the scope switcher")
	}
	_, body, _ = c.get("/admin/salesforce/orders/config?website=2")
	if !strings.Contains(body, `<option value="2" selected>Website: Europe Website</option>`) || !strings.Contains(body, "Use Default") ||
		strings.Contains(body, "Use system value") || !strings.Contains(body, `name="website" value="2"`) {
		t.Fatal("website scope: no switcher on Europe, or no Use Default")
	}
	if code, _, _ := c.get("/admin/salesforce/orders/config?website=99"); code != 404 {
		t.Errorf("unknown website: %d", code)
	}
	form := url.Values{"website": {"2"}, "other_currency_shown": {"1"}, "other_currency": {"convert"},
		"sync_notes_shown": {"1"}, "sync_notes_inherit": {"1"}, "sync_notes": {"1"}}
	code, loc := c.post("/admin/salesforce/orders/config", form)
	if msg := c.follow(loc); code != 303 || loc != "/admin/salesforce/orders/config?website=2" || !strings.Contains(msg, "success:") {
		t.Fatalf("save at website 2: %d %s %q", code, loc, msg)
	}
	all, err := a.st.WebsiteSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	def, _ := all.For(0)
	eu, _ := all.For(2)
	if def.OtherCurrency != store.OtherCurrencyRefuse || eu.OtherCurrency != store.OtherCurrencyConvert || eu.SyncNotes {
		t.Errorf("Default Config %+v, Europe %+v", def, eu)
	}
	_, body, _ = c.get("/admin/salesforce/orders/config?website=2")
	if !strings.Contains(body, `<option value="convert" selected>`) ||
		!strings.Contains(body, "<td>Europe Website</td><td>Orders in another currency</td><td>(system value)</td><td>Convert</td>") {
		t.Error("Europe's own value, or its log entry, is not shown")
	}
	_, body, _ = c.get("/admin/salesforce/orders/config")
	if !strings.Contains(body, `<option value="refuse" selected>`) {
		t.Error("Default Config shows Europe's value")
	}

	// Price Book: the org's active books to choose from; one it lacks is
	// refused in words.
	sf, err := salesforce.New(salesforce.Config{LoginURL: a.sim.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	book, err := sf.Create(context.Background(), "Pricebook2", map[string]any{"Name": "Europe Prices", "IsActive": true})
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ = c.get("/admin/salesforce/orders/config?website=2")
	if !strings.Contains(body, `<option value="`+book+`">Europe Prices</option>`) || !strings.Contains(body, "Standard Price Book") {
		t.Error("the Price Book list lacks the org's books")
	}
	bad := url.Values{"website": {"2"}, "price_book_shown": {"1"}, "price_book": {"01s000000000000AAA"}}
	if code, body := c.post("/admin/salesforce/orders/config", bad); code != 422 || !strings.Contains(body, "has no active price book") {
		t.Errorf("a price book the org lacks: %d", code)
	}
	good := url.Values{"website": {"2"}, "price_book_shown": {"1"}, "price_book": {book}}
	if code, _ := c.post("/admin/salesforce/orders/config", good); code != 303 {
		t.Errorf("save Europe's price book: %d", code)
	}
	all, _ = a.st.WebsiteSettings(context.Background())
	if eu, _ := all.For(2); eu.PriceBook != book {
		t.Errorf("Europe's price book = %q", eu.PriceBook)
	}
}

func TestConfigPageWithoutSalesforce(t *testing.T) {
	a := newApp(t, 1)
	a.sim.Close()
	c := a.login()
	code, body, _ := c.get("/admin/salesforce/orders/config")
	if code != 200 || !strings.Contains(body, "Salesforce did not answer") || !strings.Contains(body, `<option value="Draft" selected>`) {
		t.Errorf("unreachable Salesforce: %d", code)
	}
	form := url.Values{"automatic_sync_shown": {"1"}, "automatic_sync": {"1"}}
	if code, loc := c.post("/admin/salesforce/orders/config", form); code != 303 || !strings.Contains(c.follow(loc), "success:") {
		t.Errorf("save while Salesforce is unreachable: %d", code)
	}
}

func TestQueuePage(t *testing.T) {
	a := newApp(t, 10)
	c := a.login()
	ctx := context.Background()
	if err := a.st.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathDefaultStatus, "Activated")}); err != nil {
		t.Fatal(err)
	}
	c.get("/admin/sales/order")
	_, loc := c.post("/admin/sales/order/sync", url.Values{"ids": {"4"}})
	if msg := c.follow(loc); !strings.Contains(msg, "FAILED_ACTIVATION") {
		t.Errorf("failing sync said %q", msg)
	}
	_, body, _ := c.get("/admin/salesforce/queue?status=error")
	if recordsFound(body) != "1" || !strings.Contains(body, "FAILED_ACTIVATION: Choose a valid status and save your changes") {
		t.Fatalf("queue page does not show the failure")
	}
	id := regexp.MustCompile(`name="ids" value="(\d+)"`).FindStringSubmatch(body)[1]
	// Fix the setting, Re-sync from the queue.
	a.st.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathDefaultStatus, "Draft")})
	_, loc = c.post("/admin/salesforce/queue/mass", url.Values{"ids": {id}, "action": {"resync"}})
	if msg := c.follow(loc); !strings.Contains(msg, "queued for Salesforce again") {
		t.Errorf("re-sync said %q", msg)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body, _ = c.get("/admin/salesforce/queue?status=complete")
		if recordsFound(body) == "1" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if recordsFound(body) != "1" {
		t.Error("the re-synced order did not complete")
	}
	// Delete asks first; nothing goes until it is confirmed.
	code, body := c.post("/admin/salesforce/queue/mass", url.Values{"ids": {id}, "action": {"delete"}})
	if code != 200 || !strings.Contains(body, "Delete 1 queue entry?") || !strings.Contains(body, `name="confirmed" value="1"`) {
		t.Errorf("delete without confirmation: %d", code)
	}
	if n := countQueue(t, a.st); n == 0 {
		t.Error("deleted before the admin confirmed")
	}
	_, loc = c.post("/admin/salesforce/queue/mass", url.Values{"ids": {id}, "action": {"delete"}, "confirmed": {"1"}})
	if msg := c.follow(loc); !strings.Contains(msg, "You deleted 1 queue entry.") {
		t.Errorf("delete said %q", msg)
	}
	_, body, _ = c.get("/admin/salesforce/queue/progress")
	if !strings.Contains(body, `"running":false`) {
		t.Errorf("progress = %s", body)
	}
}

func TestConnectionPage(t *testing.T) {
	a := newApp(t, 2)
	c := a.login()
	_, body, _ := c.get("/admin/salesforce/connection")
	if strings.Contains(body, "magesync-demo-secret") || !strings.Contains(body, "•••••• (stored)") {
		t.Error("the stored secret is shown, or not said to be stored")
	}
	form := url.Values{"login_url": {a.sim.URL}, "flow": {"client_credentials"}, "client_id": {"magesync-demo"}, "username": {""}, "api_version": {"v61"}}
	_, loc := c.post("/admin/salesforce/connection/test", form)
	if msg := c.follow(loc); !strings.Contains(msg, "success:Connected to org 00D") || !strings.Contains(msg, "API requests used") {
		t.Errorf("test connection said %q", msg)
	}
	form.Set("client_secret", "wrong-secret")
	_, loc = c.post("/admin/salesforce/connection/test", form)
	if msg := c.follow(loc); !strings.Contains(msg, "error:The connection test failed") || !strings.Contains(msg, "invalid_client") {
		t.Errorf("wrong secret said %q", msg)
	}
	_, body, _ = c.get("/admin/salesforce/connection")
	if strings.Contains(body, "wrong-secret") {
		t.Error("a secret is rendered back")
	}
	form.Set("login_url", "ftp://nowhere")
	code, _ := c.post("/admin/salesforce/connection", form)
	if code != 422 {
		t.Errorf("bad login URL: %d", code)
	}
	form.Set("login_url", a.sim.URL)
	form.Set("api_version", "48.0")
	code, body = c.post("/admin/salesforce/connection", form)
	if code != 422 || !strings.Contains(body, "needs API version 50.0 or later") {
		t.Errorf("API version 48.0: %d, page says the reason: %v", code, strings.Contains(body, "50.0"))
	}
	_, body, _ = c.get("/admin/salesforce/connection")
	for _, need := range []string{"Magento_Order_Id__c", "Activate Orders", "sf project deploy start"} {
		if !strings.Contains(body, need) {
			t.Errorf("the Connection page does not list what the org needs: %s", need)
		}
	}
}

// Without JavaScript a ticked "Use system value" keeps its select disabled:
// unticking it and saving makes the shown value explicit, so the select is
// enabled on the next page.
func TestConfigUseSystemValueWithoutJavaScript(t *testing.T) {
	a := newApp(t, 1)
	c := a.login()
	_, body, _ := c.get("/admin/salesforce/orders/config")
	if !strings.Contains(body, `<select id="sync_notes" name="sync_notes" disabled`) {
		t.Fatal("a setting on its system value is not shown disabled")
	}
	c.post("/admin/salesforce/orders/config", url.Values{"sync_notes_shown": {"1"}})
	values, _ := a.st.SettingValues(context.Background())
	for _, v := range values {
		if v.Path == store.PathSyncNotes && (!v.IsSet || v.Value != "0") {
			t.Errorf("sync_notes after unticking = %+v", v)
		}
	}
	_, body, _ = c.get("/admin/salesforce/orders/config")
	if strings.Contains(body, `<select id="sync_notes" name="sync_notes" disabled`) {
		t.Error("the select is still disabled after unticking Use system value")
	}
}

// TestNoPageShowsGoOrSQL: out-of-range parameters are clamped, and a page
// that fails says so in words; the error's text goes to the log only.
func TestNoPageShowsGoOrSQL(t *testing.T) {
	a := newApp(t, 3)
	c := a.login()
	for _, p := range []string{"/admin/sales/order?p=9223372036854775807", "/admin/sales/order?p=-3&limit=99999999999999999999",
		"/admin/salesforce/queue?p=9223372036854775807", "/admin/sales/order?p=1e9&sort=nonsense&dir=sideways"} {
		if code, body, _ := c.get(p); code != 200 || strings.Contains(body, "Error 1") || strings.Contains(body, "SQL") {
			t.Errorf("GET %s: %d", p, code)
		}
	}
	a.st.DB().Exec(`RENAME TABLE sales_order_grid TO gone_grid`)
	defer a.st.DB().Exec(`RENAME TABLE gone_grid TO sales_order_grid`)
	code, body, _ := c.get("/admin/sales/order")
	if code != 500 || !strings.Contains(body, "magesync&#39;s log") {
		t.Errorf("a failing page: %d %q", code, body)
	}
	for _, leak := range []string{"sales_order_grid", "Error 1146", "store:", "doesn't exist", "gone_grid"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page shows %q: %s", leak, body)
		}
	}
}

// TestResumeNow: the pause warning offers Resume now, which ends the pause.
func TestResumeNow(t *testing.T) {
	a := newApp(t, 2)
	ctx := context.Background()
	// The org still refuses calls, so the workers' own probe keeps the pause.
	req, _ := http.NewRequest("PUT", a.sim.URL+"/_sim/faults", strings.NewReader(`{"dailyLimit":1}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	now, _ := a.st.DBNow(ctx)
	if err := a.st.SetCursor(ctx, "limit_pause", store.Cursor{At: now.Add(time.Hour), Note: "Salesforce's API request limit is reached; sync is paused"}); err != nil {
		t.Fatal(err)
	}
	c := a.login()
	_, body, _ := c.get("/admin/salesforce/queue")
	if !strings.Contains(body, "sync is paused") || !strings.Contains(body, `action="/admin/salesforce/queue/resume"`) {
		t.Fatal("the queue page shows no pause with Resume now")
	}
	if code, loc := c.post("/admin/salesforce/queue/resume", nil); code != 303 || !strings.Contains(c.follow(loc), "Sync resumed") {
		t.Errorf("Resume now: %d %s", code, loc)
	}
	if until, _, _ := a.e.Pause(ctx); !until.IsZero() {
		t.Errorf("still paused until %v", until)
	}
}

// TestLinkedIDsClearedChangedRestored: every combination of clearing,
// changing and restoring the Order, Account and Contact IDs on the
// Salesforce tab ends with the order in sync and one Order for it.
func TestLinkedIDsClearedChangedRestored(t *testing.T) {
	a := newApp(t, 4)
	a.st.SaveSettings(context.Background(), "t", a.key, []store.Change{store.Set(store.PathSyncNotes, "1")})
	c := a.login()
	ids := func(n int) (order, acct, contact string) {
		_, body, _ := c.get(fmt.Sprintf("/admin/sales/order/%d?tab=salesforce", n))
		get := func(name string) string {
			m := regexp.MustCompile(`name="` + name + `" value="(\w*)"`).FindStringSubmatch(body)
			if m == nil {
				return ""
			}
			return m[1]
		}
		return get("sf_order_id"), get("sf_account_id"), get("sf_contact_id")
	}
	for _, n := range []int{1, 2} {
		if code, loc := c.post(fmt.Sprintf("/admin/sales/order/%d/sync", n), nil); code != 303 || !strings.Contains(c.follow(loc), "is in Salesforce") {
			t.Fatalf("first sync of order %d", n)
		}
	}
	ord, acct, contact := ids(1)
	other, _, _ := ids(2)
	sfOrders := func() int {
		resp, err := http.Get(a.sim.URL + "/_sim/records/Order")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var recs []map[string]any
		json.NewDecoder(resp.Body).Decode(&recs)
		return len(recs)
	}
	for _, step := range []struct {
		name                 string
		order, account, cont string
	}{
		{"clear the order", "", acct, contact},
		{"restore the order", ord, acct, contact},
		{"clear the contact", ord, acct, ""},
		{"clear the account", ord, "", contact},
		{"clear all three", "", "", ""},
		{"another order's ID", other, acct, contact},
		{"restore all", ord, acct, contact},
	} {
		code, loc := c.post("/admin/sales/order/1/salesforce", url.Values{"sf_order_id": {step.order}, "sf_account_id": {step.account}, "sf_contact_id": {step.cont}})
		if msg := c.follow(loc); code != 303 || !strings.Contains(msg, "is in Salesforce") {
			t.Errorf("%s: %q", step.name, msg)
		}
		gotOrd, gotAcct, gotContact := ids(1)
		if gotOrd != ord || gotAcct != acct || gotContact != contact {
			t.Errorf("%s: linked %s %s %s, want %s %s %s", step.name, gotOrd, gotAcct, gotContact, ord, acct, contact)
		}
		if n := sfOrders(); n != 2 {
			t.Errorf("%s: %d orders in Salesforce, want 2", step.name, n)
		}
		if o, _, _ := ids(2); o != other {
			t.Errorf("%s: order 2 is now linked to %s", step.name, o)
		}
	}
}

// TestConfigReadsTheOrgNow: the Default Status list is the org's as it is
// when the page opens, and a status the org no longer has is refused.
func TestConfigReadsTheOrgNow(t *testing.T) {
	a := newApp(t, 1)
	c := a.login()
	if _, body, _ := c.get("/admin/salesforce/orders/config"); strings.Contains(body, "Pending Review") {
		t.Fatal("a status the org does not have yet is offered")
	}
	req, _ := http.NewRequest("PUT", a.sim.URL+"/_sim/orderstatuses", strings.NewReader(`[
		{"ApiName":"Draft","MasterLabel":"Draft","StatusCode":"Draft","SortOrder":1,"IsDefault":true},
		{"ApiName":"Pending_Review","MasterLabel":"Pending Review","StatusCode":"Draft","SortOrder":2},
		{"ApiName":"Activated","MasterLabel":"Activated","StatusCode":"Activated","SortOrder":3}]`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	if _, body, _ := c.get("/admin/salesforce/orders/config"); !strings.Contains(body, "Pending Review (Draft)") {
		t.Error("the page offers the org's statuses as they were, not as they are")
	}
	form := url.Values{"default_status_shown": {"1"}, "default_status": {"Pending_Review"}}
	if code, loc := c.post("/admin/salesforce/orders/config", form); code != 303 || !strings.Contains(c.follow(loc), "success:") {
		t.Errorf("saving a status the org has: %d", code)
	}
	req, _ = http.NewRequest("PUT", a.sim.URL+"/_sim/orderstatuses", strings.NewReader(`[
		{"ApiName":"Draft","MasterLabel":"Draft","StatusCode":"Draft","SortOrder":1,"IsDefault":true},
		{"ApiName":"Activated","MasterLabel":"Activated","StatusCode":"Activated","SortOrder":3}]`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	form.Set("default_status", "Pending_Review")
	if code, body := c.post("/admin/salesforce/orders/config", form); code != 422 || !strings.Contains(body, "Salesforce has no Order status") {
		t.Errorf("saving a status the org no longer has: %d", code)
	}
}

// TestSelectPageWithoutJavaScript: the header checkbox alone selects the
// page's orders.
func TestSelectPageWithoutJavaScript(t *testing.T) {
	a := newApp(t, 5)
	c := a.login()
	_, body, _ := c.get("/admin/sales/order?limit=20")
	form := url.Values{"page": {"1"}, "back": {"/admin/sales/order"}}
	for _, m := range regexp.MustCompile(`name="page_ids" value="(\d+)"`).FindAllStringSubmatch(body, -1) {
		form.Add("page_ids", m[1])
	}
	if code, loc := c.post("/admin/sales/order/sync", form); code != 303 || strings.Contains(c.follow(loc), "Please select") {
		t.Fatalf("select all on this page: %d", code)
	}
	if n := countQueue(t, a.st); n != 5 {
		t.Errorf("%d orders queued, want the page's 5", n)
	}
}

// TestPagePastTheEnd: ?p=999 shows the last page, not an empty grid.
func TestPagePastTheEnd(t *testing.T) {
	a := newApp(t, 25)
	c := a.login()
	_, body, _ := c.get("/admin/sales/order?p=999")
	if strings.Contains(body, "We couldn't find any records") || strings.Count(body, `name="ids"`) != 5 {
		t.Errorf("page 999 of 2: %d rows", strings.Count(body, `name="ids"`))
	}
	a.st.Enqueue(context.Background(), []uint32{1, 2, 3}, store.ReasonManual)
	if _, body, _ := c.get("/admin/salesforce/queue?p=999"); strings.Count(body, `name="ids"`) != 3 {
		t.Errorf("queue page 999: %d rows", strings.Count(body, `name="ids"`))
	}
}

// TestProblemsInTheAdminFrame: 404 and 500 answer in the admin frame, in
// words, for a signed-in admin.
func TestProblemsInTheAdminFrame(t *testing.T) {
	a := newApp(t, 1)
	c := a.login()
	for _, p := range []string{"/admin/sales/order/999", "/admin/no/such/page", "/admin/sales/order/abc"} {
		code, body, _ := c.get(p)
		if code != 404 || !strings.Contains(body, `class="rail"`) || !strings.Contains(body, "There is no page at this address") {
			t.Errorf("GET %s: %d, want 404 in the admin frame", p, code)
		}
	}
	a.st.DB().Exec(`RENAME TABLE sales_order_grid TO gone_grid2`)
	code, body, _ := c.get("/admin/sales/order")
	a.st.DB().Exec(`RENAME TABLE gone_grid2 TO sales_order_grid`)
	if code != 500 || !strings.Contains(body, `class="rail"`) || !strings.Contains(body, "Something Went Wrong") {
		t.Errorf("a failing page: %d, want 500 in the admin frame", code)
	}
	// Not signed in: no frame, nothing about the admin.
	if code, body, _ := a.client().get("/admin/no/such/page"); code != 404 || strings.Contains(body, `class="rail"`) {
		t.Errorf("404 without a session: %d", code)
	}
}

// TestOrderPageKeepsThePlace: Back returns to the grid as it was left, and
// Salesforce Sync on the Salesforce tab returns to that tab.
func TestOrderPageKeepsThePlace(t *testing.T) {
	a := newApp(t, 30)
	c := a.login()
	grid := "/admin/sales/order?dir=asc&limit=20&p=2&sort=grand_total&status=pending"
	c.get(grid)
	_, body, _ := c.get("/admin/sales/order/3")
	if !strings.Contains(body, `class="button back" href="`+strings.ReplaceAll(grid, "&", "&amp;")+`"`) {
		t.Error("Back does not return to the grid as it was left")
	}
	_, body, _ = c.get("/admin/sales/order/3?tab=salesforce")
	m := regexp.MustCompile(`name="back" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the sync form carries no way back")
	}
	if _, loc := c.post("/admin/sales/order/3/sync", url.Values{"back": {strings.ReplaceAll(m[1], "&amp;", "&")}}); loc != "/admin/sales/order/3?tab=salesforce" {
		t.Errorf("Salesforce Sync on the Salesforce tab went to %q", loc)
	}
}

// TestGridToolbar: the page-number box goes to a page; an Actions menu
// left at "Actions" does nothing but say so.
func TestGridToolbar(t *testing.T) {
	a := newApp(t, 45)
	c := a.login()
	_, body, _ := c.get("/admin/sales/order?sort=id&dir=asc&p=3")
	if !strings.Contains(body, `name="p" value="3" min="1" max="3"`) || strings.Count(body, `name="ids"`) != 5 {
		t.Error("the page box does not take the grid to page 3")
	}
	// Next and Previous start from the page's last and first orders; they
	// show the pages their numbers name.
	ids := func(body string) string {
		var out []string
		for _, m := range regexp.MustCompile(`type="checkbox" name="ids" value="(\d+)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, ",")
	}
	href := func(body, rel string) string {
		m := regexp.MustCompile(`<a href="([^"]+)" rel="` + rel + `"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s link", rel)
		}
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	_, page1, _ := c.get("/admin/sales/order?sort=id&dir=asc&p=1")
	_, page2, _ := c.get("/admin/sales/order?sort=id&dir=asc&p=2")
	next := href(page1, "next")
	_, viaNext, _ := c.get(next)
	if !strings.Contains(next, "after=") || ids(viaNext) != ids(page2) || ids(page2) == "" {
		t.Errorf("Next %s shows %s; page 2 is %s", next, ids(viaNext), ids(page2))
	}
	prev := href(body, "prev")
	_, viaPrev, _ := c.get(prev)
	if !strings.Contains(prev, "before=") || ids(viaPrev) != ids(page2) {
		t.Errorf("Previous %s from page 3 shows %s; page 2 is %s", prev, ids(viaPrev), ids(page2))
	}
	if code, loc := c.post("/admin/sales/order/sync", url.Values{"action": {""}, "ids": {"1"}}); code != 303 || !strings.Contains(c.follow(loc), "Please choose an action") {
		t.Errorf("an empty action: %d", code)
	}
	if n := countQueue(t, a.st); n != 0 {
		t.Errorf("%d orders queued without an action", n)
	}
}

// TestFilterChips: each active filter shows as a chip whose ✕ removes it
// alone; Clear all removes them all.
func TestFilterChips(t *testing.T) {
	a := newApp(t, 30)
	c := a.login()
	_, body, _ := c.get("/admin/sales/order?status=pending&status=processing&sync=not_in_sync&search=Kowalski&sort=grand_total&dir=asc")
	for _, want := range []string{"Status: Pending", "Status: Processing", "Salesforce Sync Status: Not in sync", "Keyword: Kowalski", "Clear all"} {
		if !strings.Contains(body, want) {
			t.Errorf("no chip %q", want)
		}
	}
	m := regexp.MustCompile(`<a href="([^"]+)" aria-label="Remove filter Status: Pending"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the Pending chip has no remove link")
	}
	u, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	q := u.Query()
	if slices.Contains(q["status"], "pending") || !slices.Contains(q["status"], "processing") || q.Get("sync") != "not_in_sync" ||
		q.Get("search") != "Kowalski" || q.Get("sort") != "grand_total" {
		t.Errorf("removing Pending leaves %v", q)
	}
	if _, body, _ := c.get("/admin/sales/order"); strings.Contains(body, "Active filters") {
		t.Error("chips without filters")
	}
}

// TestColumnsPerAdmin: the Columns control hides columns for the admin who
// chose so, and remembers it across sessions; others keep theirs.
func TestColumnsPerAdmin(t *testing.T) {
	a := newApp(t, 3)
	c := a.login()
	form := url.Values{"back": {"/admin/sales/order?sort=id"}}
	for _, k := range []string{"created_at", "billing_name", "shipping_name", "base_grand_total", "grand_total", "sync", "sf_id"} {
		form.Add("show", k)
	}
	if code, loc := c.post("/admin/sales/order/columns", form); code != 303 || loc != "/admin/sales/order?sort=id" {
		t.Fatalf("columns: %d %s", code, loc)
	}
	_, body, _ := c.get("/admin/sales/order")
	if strings.Contains(body, ">Purchase Point<") || strings.Contains(body, ">Status</a>") || !strings.Contains(body, ">Bill-to Name<") {
		t.Error("the chosen columns are not the ones shown")
	}
	if strings.Count(body, `class="clip purchase-point"`) != 0 {
		t.Error("a hidden column's cells are still there")
	}
	// A new session of the same admin keeps it; another admin does not see it.
	_, body, _ = a.login().get("/admin/sales/order")
	if strings.Contains(body, ">Purchase Point<") {
		t.Error("the choice was not remembered for the admin")
	}
	magentodb.CreateAdmin(context.Background(), a.st.DB().DB, "other", password, "o@example.com")
	if _, body, _ := a.login2("other").get("/admin/sales/order"); !strings.Contains(body, ">Purchase Point<") {
		t.Error("another admin lost a column")
	}
}

// TestOrderTabs: Magento's tabs that matter for a sync, and its item columns.
func TestOrderTabs(t *testing.T) {
	a := newApp(t, 5)
	c := a.login()
	a.st.DB().Exec(`UPDATE sales_order_item SET qty_invoiced = qty_ordered, qty_shipped = qty_ordered WHERE order_id = 2`)
	_, body, _ := c.get("/admin/sales/order/2")
	for _, want := range []string{">Information<", ">Comments History<", ">Salesforce<", ">Item Status<", ">Original Price<", ">Tax Percent<", "<td>Shipped</td>", ">Total Paid<", ">Total Due<"} {
		if !strings.Contains(body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	var comments int
	a.st.DB().Get(&comments, `SELECT COUNT(*) FROM sales_order_status_history WHERE parent_id = 2`)
	_, body, _ = c.get("/admin/sales/order/2?tab=history")
	if !strings.Contains(body, "<h2>Comments History</h2>") || strings.Count(body, `class="comment-meta"`) != comments {
		t.Errorf("Comments History shows %d of %d entries", strings.Count(body, `class="comment-meta"`), comments)
	}
}

// TestGridTimeLimit: a grid query that runs past its limit is stopped by
// the database, and the page says so in words.
func TestGridTimeLimit(t *testing.T) {
	a := newApp(t, 5)
	c := a.login()
	a.st.SetGridLimit(300 * time.Millisecond)
	// Another session holds the grid table: the grid's query waits, and
	// the server stops it at the limit.
	ctx := context.Background()
	conn, err := a.st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `LOCK TABLES magesync_grid WRITE`); err != nil {
		t.Fatal(err)
	}
	code, body, _ := c.get("/admin/sales/order")
	conn.ExecContext(ctx, `UNLOCK TABLES`)
	if code != 503 || !strings.Contains(body, "took longer than 300ms for these filters and was stopped") || !strings.Contains(body, `class="rail"`) {
		t.Errorf("a grid past its limit: %d", code)
	}
	if code, _, _ := c.get("/admin/sales/order"); code != 200 {
		t.Errorf("after the lock: %d", code)
	}
	// Magento's grid held: the page shows magesync's copy and says it may lag.
	if _, err := conn.ExecContext(ctx, `LOCK TABLES sales_order_grid WRITE`); err != nil {
		t.Fatal(err)
	}
	code, body, _ = c.get("/admin/sales/order")
	conn.ExecContext(ctx, `UNLOCK TABLES`)
	if code != 200 || recordsFound(body) != "5" || !strings.Contains(body, "while magesync copies the rest") {
		t.Errorf("Magento's grid locked: %d, %s records", code, recordsFound(body))
	}
}

// TestGridAmountAndPurchasePointFilters: Magento's Grand Total ranges and
// Purchase Point filters, each with its chip.
func TestGridAmountAndPurchasePointFilters(t *testing.T) {
	a := newApp(t, 60)
	c := a.login()
	var want, wantStore int
	a.st.DB().Get(&want, `SELECT COUNT(*) FROM sales_order_grid WHERE base_grand_total >= 50 AND base_grand_total <= 200 AND grand_total <= 150`)
	a.st.DB().Get(&wantStore, `SELECT COUNT(*) FROM sales_order_grid WHERE store_id = 1`)
	_, body, _ := c.get("/admin/sales/order?base_total_from=50&base_total_to=200&total_to=150")
	if got := recordsFound(body); got != fmt.Sprint(want) || !strings.Contains(body, "Grand Total (Base) from 50") || !strings.Contains(body, "Grand Total (Purchased) to 150") {
		t.Errorf("amount ranges: %s records, want %d", got, want)
	}
	_, body, _ = c.get("/admin/sales/order?store=1")
	if got := recordsFound(body); got != fmt.Sprint(wantStore) || !strings.Contains(body, "Purchase Point: ") {
		t.Errorf("purchase point: %s records, want %d", got, wantStore)
	}
	_, body, _ = c.get("/admin/sales/order?total_from=abc")
	if !strings.Contains(body, `Grand Total (Purchased) from &#34;abc&#34; is not`) || recordsFound(body) != "60" {
		t.Errorf("a bad amount is not said, or not ignored")
	}
}

// TestHealthAndReadiness: /healthz answers while the process is up;
// /readyz only once a change detector polls, both without a login.
func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t, 1) // workers only: no detector
	c := a.client()
	if code, body, _ := c.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, body, _ := c.get("/readyz"); code != 503 || !strings.Contains(body, "no change detector has polled yet") {
		t.Errorf("readyz without a detector: %d %q", code, body)
	}
	b := newAppWith(t, 1, true)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body, _ := b.client().get("/readyz")
		if code == 200 && body == "ready\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with a detector: %d %q", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.st.DB().Exec(`UPDATE magesync_schema_version SET version_id = 1 WHERE version_id > 1`)
	if code, body, _ := b.client().get("/readyz"); code != 503 || !strings.Contains(body, "run magesync migrate") {
		t.Errorf("readyz behind on migrations: %d %q", code, body)
	}
}

// TestMetrics: /metrics speaks Prometheus's text format without a login:
// the queue by status, outcomes, the API usage, the admin's requests.
func TestMetrics(t *testing.T) {
	a := newApp(t, 3)
	c := a.login()
	if code, loc := c.post("/admin/sales/order/1/sync", nil); code != 303 || !strings.Contains(c.follow(loc), "is in Salesforce") {
		t.Fatal("sync")
	}
	code, body, h := a.client().get("/metrics")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", code, h.Get("Content-Type"))
	}
	for _, want := range []string{`magesync_queue_entries{status="complete"} 1`, `magesync_queue_outcomes_total{outcome="complete"}`,
		"magesync_salesforce_api_requests_limit ", `magesync_http_request_duration_seconds_count{method="GET",route="/admin/sales/order/{id}",status="2xx"}`,
		"go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestSelectAllMatchingInTheBackground: many matching orders are queued
// after the answer, which says so; every one of them is queued.
func TestSelectAllMatchingInTheBackground(t *testing.T) {
	a := newApp(t, 60)
	c := a.login()
	var matching int
	a.st.DB().Get(&matching, `SELECT COUNT(*) FROM sales_order_grid WHERE status <> 'canceled'`)
	form := url.Values{"all": {"1"}, "status": {"pending", "processing", "complete", "closed", "holded", "fraud", "payment_review",
		"pending_payment", "pending_paypal", "paypal_reversed", "paypal_canceled_reversal"}}
	code, loc := c.post("/admin/sales/order/sync", form)
	if code != 303 || !strings.Contains(c.follow(loc), "are being queued for Salesforce") {
		t.Fatalf("select all matching, many: %d", code)
	}
	for deadline := time.Now().Add(20 * time.Second); countQueue(t, a.st) < matching; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d orders queued", countQueue(t, a.st), matching)
		}
	}
	var outside int
	a.st.DB().Get(&outside, `SELECT COUNT(*) FROM magesync_queue q JOIN sales_order o ON o.entity_id = q.order_id WHERE o.status = 'canceled'`)
	if outside != 0 || matching <= 25 {
		t.Errorf("%d orders outside the filter were queued (of %d matching)", outside, matching)
	}
}

// TestQueueChart: the queue page draws the last hour's samples, a bar per
// minute and the open entries as a line, and says it in words.
func TestQueueChart(t *testing.T) {
	a := newApp(t, 3)
	c := a.login()
	if _, body, _ := c.get("/admin/salesforce/queue"); strings.Contains(body, "queue-chart") {
		t.Error("a chart with no samples")
	}
	a.st.DB().Exec(`INSERT INTO magesync_queue_stat (at, open_entries, done_entries) VALUES
		(DATE_FORMAT(NOW() - INTERVAL 3 MINUTE, '%Y-%m-%d %H:%i:00'), 1500, 0),
		(DATE_FORMAT(NOW() - INTERVAL 2 MINUTE, '%Y-%m-%d %H:%i:00'), 900, 600),
		(DATE_FORMAT(NOW() - INTERVAL 1 MINUTE, '%Y-%m-%d %H:%i:00'), 100, 800),
		(NOW() - INTERVAL 2 HOUR, 5, 5)`)
	_, body, _ := c.get("/admin/salesforce/queue")
	if n := strings.Count(body, `class="done"><title>`); n != 3 {
		t.Errorf("%d bars, want one per sample of the last hour (3)", n)
	}
	if !strings.Contains(body, "Last hour: 1,400 entries finished, at most 800 in a minute; 100 open now (at most 1,500).") ||
		!strings.Contains(body, `role="img"`) || !strings.Contains(body, "<polyline points=") {
		t.Errorf("the chart or its words are missing")
	}
}
