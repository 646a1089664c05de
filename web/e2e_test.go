package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"magesync/store"
	"magesync/sync/engine"
)

// browser starts Debian's Chromium, headless.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Chromium is needed for the browser tests: install Debian's chromium package (make test does so as root)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1366, 768))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	// Start the browser and its tab on the long-lived context, so that a
	// step's shorter one does not end them.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// shot saves a screenshot of the page as a test artefact.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("MAGESYNC_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// do runs browser steps, each within 20 s; on failure it keeps a
// screenshot of what the browser showed.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		stepCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(stepCtx, a)
		cancel()
		if err != nil {
			shot(t, ctx, "failure")
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("step %d at %s: %v", i+1, loc, err)
		}
	}
}

func TestBrowser(t *testing.T) {
	a := newApp(t, 40)
	ctx := browser(t)
	base := a.srv.URL

	// Sign in.
	do(t, ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("username")))
	shot(t, ctx, "01-login")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	if got := text(t, ctx, "h1"); got != "Orders" {
		t.Fatalf("after sign-in the page is %q", got)
	}
	shot(t, ctx, "02-orders-grid")

	// Bulk-sync three orders from the grid: ticks and ID links.
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order?sort=id&dir=asc"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	for i := 1; i <= 3; i++ {
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tbody tr:nth-child(%d) input[name="ids"]`, i))))
	}
	if got := text(t, ctx, ".selected-count"); !strings.Contains(got, "3 selected") {
		t.Errorf("selection count says %q", got)
	}
	// Choosing the action submits, as Magento's Actions menu does.
	if visible, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("#mass button[type=submit]")).display !== "none"`)); visible {
		t.Error("with JavaScript the Actions menu still has a Submit button")
	}
	do(t, ctx, chromedp.SetValue(chromedp.ID("mass-action"), "sync"),
		chromedp.WaitVisible(chromedp.CSS(".messages")))
	if got := text(t, ctx, ".messages"); !strings.Contains(got, "3 of 3 orders are in Salesforce") {
		t.Errorf("bulk sync said %q", got)
	}
	for i := 1; i <= 3; i++ {
		row := fmt.Sprintf("tbody tr:nth-child(%d)", i)
		if got := text(t, ctx, row+" .sync-label"); got != "In sync" {
			t.Errorf("row %d shows %q", i, got)
		}
		if got := text(t, ctx, row+" a.sf-link"); !strings.HasPrefix(got, "801") {
			t.Errorf("row %d has Salesforce link %q", i, got)
		}
	}
	if got := text(t, ctx, "tbody tr:nth-child(4) .sync-label"); got != "Not in sync" {
		t.Errorf("an unsynced order shows %q", got)
	}
	shot(t, ctx, "03-grid-after-sync")

	// Sync from the order page.
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order/10"), chromedp.WaitVisible(chromedp.CSS(".page-actions")))
	shot(t, ctx, "04-order-information")
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[form="order-sync"]`)), chromedp.WaitVisible(chromedp.CSS(".messages")))
	if got := text(t, ctx, ".messages"); !strings.Contains(got, "is in Salesforce") {
		t.Errorf("order page sync said %q", got)
	}

	// Edit IDs on the Salesforce tab: a bad one is refused, a good one saved and synced.
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order/10?tab=salesforce"), chromedp.WaitVisible(chromedp.ID("sf_order_id")))
	shot(t, ctx, "05-order-salesforce-tab")
	good, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("sf_account_id")))
	if err != nil || !strings.HasPrefix(good, "001") {
		t.Fatalf("account ID field = %q, %v", good, err)
	}
	do(t, ctx, chromedp.SetValue(chromedp.ID("sf_account_id"), good[:17]+"X"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("form.config-form").noValidate = true`),
		chromedp.Click(chromedp.CSS(`form.config-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(".field-error")))
	if got := text(t, ctx, ".field-error"); !strings.Contains(got, "wrong checksum") {
		t.Errorf("bad ID error %q", got)
	}
	do(t, ctx, chromedp.SetValue(chromedp.ID("sf_account_id"), good[:15]),
		chromedp.Click(chromedp.CSS(`form.config-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("sf_account_id"))); got != good {
		t.Errorf("account ID after save = %q, want %q", got, good)
	}

	// Configuration: Zero Grand Total = Do not synchronize; the engine obeys.
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.WaitVisible(chromedp.ID("automatic_sync")))
	shot(t, ctx, "06-configuration")
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="automatic_sync_inherit"]`)), chromedp.SetValue(chromedp.ID("automatic_sync"), "1"),
		chromedp.Click(chromedp.CSS(`.page-actions button.primary`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	// A fresh page: the next save's message is then the only one.
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.WaitVisible(chromedp.ID("zero_grand_total")))
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="zero_grand_total_inherit"]`)), chromedp.SetValue(chromedp.ID("zero_grand_total"), "0"),
		chromedp.Click(chromedp.CSS(`input[name="sync_notes_inherit"]`)), chromedp.SetValue(chromedp.ID("sync_notes"), "1"),
		chromedp.Click(chromedp.CSS(`.page-actions button.primary`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	// The page before showed the same success message: wait for the save.
	var s store.OrderSettings
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s, _ = a.st.OrderSettings(context.Background()); !s.ZeroGrandTotal {
			break
		}
	}
	if !s.AutomaticSync || s.ZeroGrandTotal || !s.SyncNotes {
		t.Fatalf("settings after the browser saved them: %+v", s)
	}
	var zero uint32
	a.st.DB().Get(&zero, `SELECT entity_id FROM sales_order WHERE grand_total = 0 ORDER BY entity_id LIMIT 1`)
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/sales/order/%d", base, zero)), chromedp.Click(chromedp.CSS(`button[form="order-sync"]`)),
		chromedp.WaitVisible(chromedp.CSS(".messages")))
	if got := text(t, ctx, ".messages"); !strings.Contains(got, "Zero Grand Total orders are set to Do not synchronize") {
		t.Errorf("zero-total order sync said %q", got)
	}
	// An Activated-category Default Status is refused on the page.
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.Click(chromedp.CSS(`input[name="default_status_inherit"]`)),
		chromedp.SetValue(chromedp.ID("default_status"), "Activated"), chromedp.Click(chromedp.CSS(`.page-actions button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	if got := text(t, ctx, ".field-error"); !strings.Contains(got, "Draft-category") {
		t.Errorf("activated default status said %q", got)
	}

	// A failed order's message in the queue, and Re-sync after fixing the setting.
	if err := a.st.SaveSettings(context.Background(), "t", nil, []store.Change{store.Set(store.PathDefaultStatus, "Activated")}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order/12"), chromedp.Click(chromedp.CSS(`button[form="order-sync"]`)), chromedp.WaitVisible(chromedp.CSS(".messages")))
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/queue?status=error"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	shot(t, ctx, "07-queue-error")
	if got := text(t, ctx, "td.message-cell"); !strings.Contains(got, "FAILED_ACTIVATION") {
		t.Errorf("queue shows %q", got)
	}
	if err := a.st.SaveSettings(context.Background(), "t", nil, []store.Change{store.Set(store.PathDefaultStatus, "Draft")}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`tbody input[name="ids"]`)), chromedp.SetValue(chromedp.ID("queue-action"), "resync"),
		chromedp.Click(chromedp.CSS(`.grid-toolbar button`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	deadline := time.Now().Add(15 * time.Second)
	for {
		do(t, ctx, chromedp.Navigate(base+"/admin/sales/order/12?tab=salesforce"), chromedp.WaitVisible(chromedp.CSS(".sync-label")))
		if text(t, ctx, ".facts .sync-label") == "In sync" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := text(t, ctx, ".facts .sync-label"); got != "In sync" {
		t.Errorf("after Re-sync the order shows %q", got)
	}
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/queue"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	shot(t, ctx, "08-queue")
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/connection"), chromedp.WaitVisible(chromedp.ID("login_url")))
	shot(t, ctx, "09-connection")
}

// TestBrowserSettingsDriveTheEngine changes each order option on the
// configuration page and watches the engine do what the page says.
func TestBrowserSettingsDriveTheEngine(t *testing.T) {
	a := newAppWith(t, 80, true)
	ctx := browser(t)
	base := a.srv.URL
	bg := context.Background()
	do(t, ctx, chromedp.Navigate(base+"/admin/login"), chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("table.data-grid")))

	settings := func() store.OrderSettings {
		s, err := a.st.OrderSettings(bg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// set chooses a value on the configuration page and saves it.
	set := func(field, value string, saved func(store.OrderSettings) bool) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.WaitVisible(chromedp.ID(field)))
		checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('input[name="`+field+`_inherit"]')?.checked`))
		if err != nil {
			t.Fatal(err)
		}
		if checked {
			do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="`+field+`_inherit"]`)))
		}
		do(t, ctx, chromedp.SetValue(chromedp.ID(field), value), chromedp.Click(chromedp.CSS(`.page-actions button.primary`)))
		for deadline := time.Now().Add(10 * time.Second); !saved(settings()); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				shot(t, ctx, "failure")
				t.Fatalf("%s = %s was not saved: %+v", field, value, settings())
			}
		}
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".message-success")))
	}
	orderWhere := func(cond string) uint32 {
		var id uint32
		if err := a.st.DB().Get(&id, "SELECT entity_id FROM sales_order WHERE "+cond+" ORDER BY entity_id LIMIT 1"); err != nil {
			t.Fatalf("no order where %s", cond)
		}
		return id
	}
	syncFromPage := func(id uint32) string {
		t.Helper()
		do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/sales/order/%d", base, id)), chromedp.Click(chromedp.CSS(`button[form="order-sync"]`)),
			chromedp.WaitVisible(chromedp.CSS(".messages")))
		return text(t, ctx, ".messages")
	}
	prefix := settings().KeyPrefix
	sfOrder := func(id uint32) map[string]any {
		c := a.client()
		resp, err := c.hc.Get(a.sim.URL + "/_sim/records/Order")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var recs []map[string]any
		json.NewDecoder(resp.Body).Decode(&recs)
		for _, r := range recs {
			if r["Magento_Order_Id__c"] == engine.OrderExternalID(prefix, id) {
				return r
			}
		}
		return nil
	}

	// Sync all orders = No: the status list appears at once, and one save
	// keeps both.
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.WaitVisible(chromedp.ID("sync_all")))
	if visible, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("statuses").closest(".field").hidden`)); visible {
		t.Error("the status list shows while Sync all orders is Yes")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="sync_all_inherit"]`)), chromedp.SetValue(chromedp.ID("sync_all"), "0"))
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("statuses")))
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="statuses_inherit"]`)), chromedp.SetValue(chromedp.ID("statuses"), "processing"),
		chromedp.Click(chromedp.CSS(`.page-actions button.primary`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	if s := settings(); s.SyncAll || !slices.Equal(s.Statuses, []string{"processing"}) {
		t.Fatalf("one save of Sync all = No with Processing: %+v", s)
	}
	if msg := syncFromPage(orderWhere("status = 'pending'")); !strings.Contains(msg, "Order status Pending is not selected for synchronization") {
		t.Errorf("pending order with Sync all = No: %q", msg)
	}
	if msg := syncFromPage(orderWhere("status = 'processing'")); !strings.Contains(msg, "is in Salesforce") {
		t.Errorf("processing order with Sync all = No: %q", msg)
	}
	set("sync_all", "1", func(s store.OrderSettings) bool { return s.SyncAll })

	// Synchronize Order Notes = Yes: comments become Notes.
	set("sync_notes", "1", func(s store.OrderSettings) bool { return s.SyncNotes })
	withNote := orderWhere("entity_id IN (SELECT parent_id FROM sales_order_status_history WHERE comment <> '') AND status = 'complete'")
	syncFromPage(withNote)
	var notes []map[string]any
	resp, err := http.Get(a.sim.URL + "/_sim/records/Note")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&notes)
	resp.Body.Close()
	if len(notes) == 0 || notes[0]["ParentId"] != sfOrder(withNote)["Id"] {
		t.Errorf("notes after sync with notes on: %v", notes)
	}

	// Update Order Info = No: a synced order's new address is not sent.
	set("update_order_info", "0", func(s store.OrderSettings) bool { return !s.UpdateOrderInfo })
	a.st.DB().Exec(`UPDATE sales_order_address SET city = 'Springfield' WHERE parent_id = ? AND address_type = 'billing'`, withNote)
	if msg := syncFromPage(withNote); !strings.Contains(msg, "Update Order Info is set to No") {
		t.Errorf("sync with Update Order Info = No: %q", msg)
	}
	if sfOrder(withNote)["BillingCity"] == "Springfield" {
		t.Error("the address was sent with Update Order Info = No")
	}
	set("update_order_info", "1", func(s store.OrderSettings) bool { return s.UpdateOrderInfo })
	syncFromPage(withNote)
	if sfOrder(withNote)["BillingCity"] != "Springfield" {
		t.Error("the address was not sent with Update Order Info = Yes")
	}

	// Default Status: a Draft-category status of the org's own.
	req, _ := http.NewRequest("PUT", a.sim.URL+"/_sim/orderstatuses", strings.NewReader(`[
		{"ApiName":"Draft","MasterLabel":"Draft","StatusCode":"Draft","SortOrder":1,"IsDefault":true},
		{"ApiName":"Pending_Review","MasterLabel":"Pending Review","StatusCode":"Draft","SortOrder":2},
		{"ApiName":"Activated","MasterLabel":"Activated","StatusCode":"Activated","SortOrder":3}]`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("set org statuses: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the engine's org facts expire
	set("default_status", "Pending_Review", func(s store.OrderSettings) bool { return s.DefaultStatus == "Pending_Review" })
	pending := orderWhere("status = 'pending' AND entity_id NOT IN (SELECT order_id FROM magesync_object WHERE order_id IS NOT NULL)")
	syncFromPage(pending)
	if got := sfOrder(pending)["Status"]; got != "Pending_Review" {
		t.Errorf("pending order created in %v, want Pending_Review", got)
	}

	// Status mapping: Complete ends in Pending Review instead of Activated.
	set("map_complete", "Pending_Review", func(s store.OrderSettings) bool { return s.StatusMap["complete"] == "Pending_Review" })
	complete := orderWhere("status = 'complete' AND entity_id NOT IN (SELECT order_id FROM magesync_object WHERE order_id IS NOT NULL)")
	syncFromPage(complete)
	if got := sfOrder(complete)["Status"]; got != "Pending_Review" {
		t.Errorf("complete order in %v, want Pending_Review (mapped)", got)
	}

	// Automatic Synchronization = Yes: a change reaches Salesforce unasked.
	set("automatic_sync", "1", func(s store.OrderSettings) bool { return s.AutomaticSync })
	auto := orderWhere("status = 'pending' AND entity_id NOT IN (SELECT order_id FROM magesync_object WHERE order_id IS NOT NULL)")
	a.st.DB().Exec(`UPDATE sales_order SET status = 'holded', state = 'holded' WHERE entity_id = ?`, auto)
	for deadline := time.Now().Add(10 * time.Second); sfOrder(auto) == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the changed order did not reach Salesforce by itself")
		}
	}
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/sales/order?sync=in_sync&search=%s", base, store.OrderKey(auto))))
	shot(t, ctx, "10-grid-after-automatic-sync")
}

// TestBrowserSlowSalesforce: with Salesforce taking 3 s a call, a sync
// click shows it is working at once, answers before Salesforce is done that
// the order finishes in the background, and the row updates itself.
func TestBrowserSlowSalesforce(t *testing.T) {
	a := newApp(t, 3)
	ctx := browser(t)
	base := a.srv.URL
	do(t, ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("username")))
	do(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	req, _ := http.NewRequest("PUT", a.sim.URL+"/_sim/faults", strings.NewReader(`{"latencyMs":3000}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order?sort=id&dir=asc"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) .row-actions summary`)))
	// Clicked from the page's own script, so that "right after the click" is
	// read before the page is left, however busy this machine is.
	if busy, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("tbody tr:nth-child(1) .row-menu button").click(), document.body.classList.contains("busy")`)); !busy {
		t.Error("no sign of work right after the click")
	}
	// The answer comes before Salesforce is done (its calls take 3 s each).
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(".message-notice")))
	if got := text(t, ctx, ".message-notice"); !strings.Contains(got, "finishes in the background") {
		t.Errorf("the answer said %q", got)
	}
	shot(t, ctx, "09-slow-sync-queued")
	// The row turns green by itself, no reload.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`tbody tr:nth-child(1) .sync-in_sync`)), chromedp.WaitVisible(chromedp.CSS(`tbody tr:nth-child(1) a.sf-link`)))
	shot(t, ctx, "10-slow-sync-done")
}

// TestBrowserWithoutJavaScript: with scripts off, the dependent settings
// show (each saying what it depends on), and the header checkbox selects
// the page.
func TestBrowserWithoutJavaScript(t *testing.T) {
	a := newApp(t, 6)
	ctx := browser(t)
	base := a.srv.URL
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.WaitVisible(chromedp.ID("statuses")),
		chromedp.WaitVisible(chromedp.ID("zero_grand_total")))
	shot(t, ctx, "11-configuration-without-javascript")
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")),
		chromedp.Click(chromedp.ID("select-page")), chromedp.SetValue(chromedp.ID("mass-action"), "sync"),
		chromedp.Click(chromedp.CSS(`#mass button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".messages")))
	if got := text(t, ctx, ".messages"); !strings.Contains(got, "6 of 6 orders") && !strings.Contains(got, "6 orders") {
		t.Errorf("the header checkbox without JavaScript: %q", got)
	}
	shot(t, ctx, "12-grid-without-javascript")
}

// TestBrowserWebsiteScope switches the configuration page to a website,
// overrides a field there, saves, and watches the engine apply it to that
// website's orders only.
func TestBrowserWebsiteScope(t *testing.T) {
	a := newAppWith(t, 60, false)
	ctx := browser(t)
	base := a.srv.URL
	do(t, ctx, chromedp.Navigate(base+"/admin/login"), chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/orders/config"), chromedp.WaitVisible(chromedp.ID("scope-website")))
	// Choosing a scope switches at once (the select submits itself; chromedp's
	// SetValue fires input and change, as a person's choice does).
	do(t, ctx, chromedp.SetValue(chromedp.ID("scope-website"), "2"))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
		if loc == "?website=2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scope switcher did not switch: %q", loc)
		}
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("sync_all")))
	if label := text(t, ctx, `label.use-system`); !strings.Contains(label, "Use Default") {
		t.Errorf("website scope says %q, want Use Default", label)
	}
	shot(t, ctx, "12-configuration-website-scope")
	// Europe syncs only pending orders; Default Config keeps syncing all.
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="sync_all_inherit"]`)), chromedp.SetValue(chromedp.ID("sync_all"), "0"))
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("statuses")))
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="statuses_inherit"]`)), chromedp.SetValue(chromedp.ID("statuses"), "pending"),
		chromedp.Click(chromedp.CSS(`.page-actions button.primary`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	if loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); loc != "?website=2" {
		t.Errorf("after saving, the page is at %q, not the website's scope", loc)
	}

	orderWhere := func(cond string) uint32 {
		var id uint32
		if err := a.st.DB().Get(&id, "SELECT entity_id FROM sales_order WHERE "+cond+" ORDER BY entity_id LIMIT 1"); err != nil {
			t.Fatalf("no order where %s", cond)
		}
		return id
	}
	syncFromPage := func(id uint32) string {
		t.Helper()
		do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/sales/order/%d", base, id)), chromedp.Click(chromedp.CSS(`button[form="order-sync"]`)),
			chromedp.WaitVisible(chromedp.CSS(".messages")))
		return text(t, ctx, ".messages")
	}
	if msg := syncFromPage(orderWhere("status = 'complete' AND store_id IN (2, 3)")); !strings.Contains(msg, "is not selected for synchronization") {
		t.Errorf("Europe's completed order: %q", msg)
	}
	if msg := syncFromPage(orderWhere("status = 'complete' AND store_id = 1")); !strings.Contains(msg, "is in Salesforce") {
		t.Errorf("Main Website's completed order: %q", msg)
	}
	if msg := syncFromPage(orderWhere("status = 'pending' AND store_id IN (2, 3)")); !strings.Contains(msg, "is in Salesforce") {
		t.Errorf("Europe's pending order: %q", msg)
	}
}
