package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"magesync/store"
)

func (a *app) simFields(sobject, body string) {
	a.t.Helper()
	req, _ := http.NewRequest("PUT", a.sim.URL+"/_sim/fields/"+sobject, strings.NewReader(body))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		a.t.Fatalf("sim fields: %v", err)
	}
}

// TestMappingPages: add (with preview), refuse what the field cannot take,
// edit, flag a field the org deleted, delete after confirming.
func TestMappingPages(t *testing.T) {
	a := newApp(t, 8)
	a.simFields("Order", `[{"name":"Coupon_Code__c","type":"string","length":20},{"name":"Pay__c","type":"picklist","values":["checkmo"]}]`)
	c := a.login()
	_, body, _ := c.get("/admin/salesforce/mapping/order")
	for _, want := range []string{"What magesync writes", "Your Mappings", `value="order.coupon_code"`, `value="billing.city"`, `value="computed.customer_name"`,
		`value="Coupon_Code__c"`, "Coupon Code (Coupon_Code__c, string, 20)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	form := url.Values{"source": {"order.increment_id"}, "target": {"Coupon_Code__c"}, "when": {"always"}, "too_long": {"refuse"}, "enabled": {"1"}}
	// Preview: five rows, nothing saved.
	form.Set("preview", "1")
	code, body := c.post("/admin/salesforce/mapping/order", form)
	if code != 200 || strings.Count(body, "<td>#") != 5 {
		t.Errorf("preview: %d, %d rows", code, strings.Count(body, "<td>#"))
	}
	if maps, _ := a.st.FieldMaps(context.Background(), ""); len(maps) != 0 {
		t.Error("the preview saved")
	}
	form.Del("preview")
	if code, loc := c.post("/admin/salesforce/mapping/order", form); code != 303 || !strings.Contains(c.follow(loc), "You saved mapping #1") {
		t.Fatalf("save: %d", code)
	}
	// A picklist value the org lacks is refused, with the values named.
	code, body = c.post("/admin/salesforce/mapping/order", url.Values{"source": {"payment.method"}, "target": {"Pay__c"}, "when": {"always"}, "too_long": {"refuse"}, "enabled": {"1"}})
	if code != 422 || !strings.Contains(body, "is not one of the values of the picklist Pay__c") {
		t.Errorf("a picklist value the org lacks: %d", code)
	}
	// Edit: on create only.
	form.Set("id", "1")
	form.Set("when", "create")
	if code, _ := c.post("/admin/salesforce/mapping/order", form); code != 303 {
		t.Errorf("edit: %d", code)
	}
	if m, _ := a.st.FieldMapByID(context.Background(), 1); m.Mode != store.MapCreate {
		t.Errorf("after the edit: %+v", m)
	}
	// The org deletes the field: the row says so.
	req, _ := http.NewRequest("DELETE", a.sim.URL+"/_sim/fields/Order/Coupon_Code__c", nil)
	http.DefaultClient.Do(req)
	if _, body, _ := c.get("/admin/salesforce/mapping/order"); !strings.Contains(body, "Salesforce has no field Coupon_Code__c on Order any more") {
		t.Error("a mapping to a deleted field is not flagged")
	}
	// Delete asks first.
	if code, body := c.post("/admin/salesforce/mapping/order/1/delete", nil); code != 200 || !strings.Contains(body, "Delete mapping #1") {
		t.Errorf("delete without confirming: %d", code)
	}
	if _, loc := c.post("/admin/salesforce/mapping/order/1/delete", url.Values{"confirmed": {"1"}}); !strings.Contains(c.follow(loc), "You deleted mapping #1") {
		t.Error("delete")
	}
	log, _ := a.st.ConfigLog(context.Background(), 10)
	if len(log) < 3 || !strings.HasPrefix(log[0].Path, "magesync/mapping/Order/1") || log[0].Username != "admin" {
		t.Errorf("the settings log lacks the mapping's changes: %+v", log)
	}
}

// TestBrowserMapping: an admin adds a mapping in the browser, sees the
// preview, saves, syncs an order, and finds the value in Salesforce.
func TestBrowserMapping(t *testing.T) {
	a := newApp(t, 5)
	a.simFields("Order", `[{"name":"Magento_Store__c","type":"string","length":80}]`)
	ctx := browser(t)
	base := a.srv.URL
	do(t, ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	do(t, ctx, chromedp.Navigate(base+"/admin/salesforce/mapping/order"), chromedp.WaitVisible(chromedp.ID("source")),
		chromedp.SetValue(chromedp.ID("source"), "computed.store_name"), chromedp.SetValue(chromedp.ID("target"), "Magento_Store__c"),
		chromedp.Click(chromedp.CSS(`button[name="preview"]`)), chromedp.WaitVisible(chromedp.CSS(".preview-grid")))
	if got := text(t, ctx, ".preview-grid tbody"); !strings.Contains(got, " / ") {
		t.Errorf("preview shows %q", got)
	}
	shot(t, ctx, "13-mapping-preview")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#mapping-form button.primary`)), chromedp.WaitVisible(chromedp.CSS(".message-success")))
	do(t, ctx, chromedp.Navigate(base+"/admin/sales/order/1"), chromedp.Click(chromedp.CSS(`button[form="order-sync"]`)),
		chromedp.WaitVisible(chromedp.CSS(".message-success")))
	resp, err := http.Get(a.sim.URL + "/_sim/records/Order")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !regexp.MustCompile(`"Magento_Store__c":"[^"]+ / [^"]+"`).MatchString(b.String()) {
		t.Errorf("the mapped value is not in Salesforce: %s", b.String()[:min(300, b.Len())])
	}
}
