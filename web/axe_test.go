package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"magesync/store"
	"magesync/store/magentodb"
)

// axeSource is axe-core's script, installed by .ci/ensure-axe (make test)
// or named by MAGESYNC_AXE.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("MAGESYNC_AXE")
	if path == "" {
		path = filepath.Join("..", ".cache", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core is needed for the accessibility test: run .ci/ensure-axe (make test does): %v", err)
	}
	return string(b)
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// TestAccessibility runs axe-core (WCAG 2.1 A and AA) on every admin page,
// as an admin sees it, and fails on any violation.
func TestAccessibility(t *testing.T) {
	a := newApp(t, 200)
	ctx := browser(t)
	axe := axeSource(t)
	base := a.srv.URL
	bg := context.Background()
	// Something in every state: synced, an error, queued, a forbidden page.
	a.e.Enqueue(bg, []uint32{1, 2, 3}, store.ReasonManual)
	a.st.DB().Exec(`INSERT INTO magesync_queue_stat (at, open_entries, done_entries) VALUES
		(DATE_FORMAT(NOW() - INTERVAL 2 MINUTE, '%Y-%m-%d %H:%i:00'), 40, 10), (DATE_FORMAT(NOW() - INTERVAL 1 MINUTE, '%Y-%m-%d %H:%i:00'), 3, 37)`)
	a.st.DB().Exec(`UPDATE sales_order SET customer_email = NULL, grand_total = -1 WHERE entity_id = 4`)
	role, _ := magentodb.CreateRole(bg, a.st.DB().DB, "Clerk", map[string]string{"Magento_Sales::sales_order": "allow"})
	magentodb.CreateAdmin(bg, a.st.DB().DB, "clerk", password, "clerk@example.com")
	magentodb.AssignRole(bg, a.st.DB().DB, "clerk", role)

	check := func(name string) {
		t.Helper()
		var out []axeViolation
		err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axe))
		if err == nil {
			out, err = chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](
				`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => r.violations)`,
				chromedp.EvalAwaitPromise))
		}
		if err != nil {
			t.Fatalf("%s: axe: %v", name, err)
		}
		for _, v := range out {
			var where []string
			for i, n := range v.Nodes {
				if i == 3 {
					where = append(where, fmt.Sprintf("and %d more", len(v.Nodes)-3))
					break
				}
				where = append(where, fmt.Sprint(n.Target)+" "+strings.ReplaceAll(n.Summary, "\n", " "))
			}
			t.Errorf("%s: %s (%s), %d elements: %s", name, v.ID, v.Help, len(v.Nodes), strings.Join(where, "; "))
		}
	}
	visit := func(name, path string) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body")))
		check(name)
	}
	signIn := func(user string) {
		do(t, ctx, chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".page-header")))
	}
	visit("login", "/admin/login")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), "wrong"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".message-error")))
	check("login with an error")
	signIn("admin")
	a.e.Wait(bg, nil)
	for _, p := range []struct{ name, path string }{
		{"grid", "/admin/sales/order"},
		{"grid, 200 rows", "/admin/sales/order?limit=200"},
		{"grid, filtered to nothing", "/admin/sales/order?search=" + url.QueryEscape("no such order anywhere")},
		{"order", "/admin/sales/order/1"},
		{"order, Salesforce tab", "/admin/sales/order/1?tab=salesforce"},
		{"order, Comments History", "/admin/sales/order/1?tab=history"},
		{"order with an error, Salesforce tab", "/admin/sales/order/4?tab=salesforce"},
		{"configuration", "/admin/salesforce/orders/config"},
		{"connection", "/admin/salesforce/connection"},
		{"queue", "/admin/salesforce/queue"},
		{"fields mapping, order", "/admin/salesforce/mapping/order"},
		{"fields mapping, order product", "/admin/salesforce/mapping/orderitem"},
		{"404", "/admin/no/such/page"},
	} {
		visit(p.name, p.path)
		if p.name == "queue" {
			shot(t, ctx, "14-queue-chart")
		}
	}
	// The grid's row menu, open.
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) .row-actions summary`)))
	check("grid, row menu open")
	// Delete's confirmation.
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/queue"), chromedp.WaitVisible(chromedp.CSS("table.data-grid")),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) input[name="ids"]`)), chromedp.SetValue(chromedp.ID("queue-action"), "delete"),
		chromedp.Click(chromedp.CSS(`.grid-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("form.confirm")))
	check("delete confirmation")
	// A role without the configuration: 403.
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order"), chromedp.WaitVisible(chromedp.CSS(".admin-user button")),
		chromedp.Click(chromedp.CSS(".admin-user button")), chromedp.WaitVisible(chromedp.ID("username")))
	signIn("clerk")
	visit("403", "/admin/salesforce/queue")
}
