package salesforce_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// retry calls f until it succeeds or fails for a reason that is not retryable.
func retry(t *testing.T, f func() error) error {
	t.Helper()
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || !salesforce.IsRetryable(err) {
			return err
		}
		if attempt > 50 {
			t.Fatalf("still failing after %d attempts: %v", attempt, err)
		}
	}
}

func TestFaultsWithRetries(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{Seed: 7})
	c := o.client(t)
	f := newFixture(t, c)
	o.control(t, "PUT", "/faults", map[string]any{"rate503": 0.1, "rateLockRow": 0.02, "expireTokensEvery": 5}, nil)

	const orders = 300
	var retryable, final int
	for start := 0; start < orders; start += 25 {
		var graphs []salesforce.Graph
		for i := start; i < start+25; i++ {
			b := c.NewBuilder().
				Upsert("acct", "Account", "Magento_Customer_Key__c", fmt.Sprintf("c:%d", i%40), salesforce.Record{"Name": fmt.Sprint("Customer ", i%40)}).
				Upsert("ord", "Order", "Magento_Order_Id__c", fmt.Sprint(i), salesforce.Record{"AccountId": salesforce.Ref("acct"), "EffectiveDate": "2026-11-01", "Status": "Draft", "Pricebook2Id": f.book}).
				Upsert("item", "OrderItem", "Magento_Item_Id__c", fmt.Sprint(i), salesforce.Record{"OrderId": salesforce.Ref("ord"), "PricebookEntryId": f.entry, "Quantity": 1, "UnitPrice": 20}).
				Update("act", "Order", salesforce.Ref("ord"), salesforce.Record{"Status": "Activated"})
			graphs = append(graphs, b.Graph(fmt.Sprint(i)))
		}
		for len(graphs) > 0 {
			var results []salesforce.GraphResult
			err := retry(t, func() error {
				var err error
				results, err = c.Graph(ctx, graphs)
				if salesforce.IsRetryable(err) {
					retryable++
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var again []salesforce.Graph
			for i, r := range results {
				if r.IsSuccessful {
					continue
				}
				fail := &salesforce.APIError{HTTPStatus: 400, Errors: r.Failure()}
				if !salesforce.IsRetryable(fail) {
					final++
					continue
				}
				retryable++
				again = append(again, graphs[i])
			}
			graphs = again
		}
	}
	if retryable == 0 {
		t.Error("no fault was injected")
	}
	if final != 0 {
		t.Errorf("%d graphs failed for good", final)
	}
	if n := len(o.records(t, "Order")); n != orders {
		t.Errorf("%d orders, want %d", n, orders)
	}
	if n := len(o.records(t, "OrderItem")); n != orders {
		t.Errorf("%d items, want %d", n, orders)
	}
	if n := len(o.records(t, "Account")); n != 41 {
		t.Errorf("%d accounts, want 41 (40 customers and the fixture's)", n)
	}
	if o.logins.Load() < 2 {
		t.Errorf("tokens never expired: %d logins", o.logins.Load())
	}
}

func TestDailyLimit(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	if _, err := c.Limits(ctx); err != nil {
		t.Fatal(err)
	}
	o.control(t, "PUT", "/faults", map[string]any{"dailyLimit": 3}, nil)
	for i := range 2 {
		if _, err := c.Create(ctx, "Account", salesforce.Record{"Name": "x"}); err != nil {
			t.Fatalf("call %d: %v", i+2, err)
		}
	}
	_, err := c.Create(ctx, "Account", salesforce.Record{"Name": "over"})
	var api *salesforce.APIError
	if !errors.As(err, &api) || api.HTTPStatus != 403 || !salesforce.IsLimit(err) || !salesforce.IsDailyLimit(err) || salesforce.IsRetryable(err) || salesforce.IsFinal(err) {
		t.Fatalf("over the limit: %v", err)
	}
	if u, _ := c.Usage(); u.Used != 3 || u.Max != 3 {
		t.Errorf("usage = %+v", u)
	}
	o.control(t, "PUT", "/faults", map[string]any{"dailyLimit": 100}, nil)
	if _, err := c.Create(ctx, "Account", salesforce.Record{"Name": "after"}); err != nil {
		t.Errorf("after the limit rose: %v", err)
	}
	if n := len(o.records(t, "Account")); n != 3 {
		t.Errorf("%d accounts, want 3 (the refused call made none)", n)
	}
}

func TestServerErrorsAndTimeoutsAreRetryable(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	o.control(t, "PUT", "/faults", map[string]any{"rate503": 1}, nil)
	_, err := c.Limits(ctx)
	if !salesforce.IsRetryable(err) || apiCode(err) != "SERVER_UNAVAILABLE" {
		t.Errorf("503: %v", err)
	}
	o.control(t, "PUT", "/faults", map[string]any{"latencyMs": 300}, nil)
	slow, _ := salesforce.New(salesforce.Config{LoginURL: o.srv.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID,
		ClientSecret: sfsim.DemoClientSecret, Timeout: 50 * time.Millisecond})
	if _, err := slow.Limits(ctx); !salesforce.IsRetryable(err) {
		t.Errorf("timeout: %v", err)
	}
	dead, _ := salesforce.New(salesforce.Config{LoginURL: "http://127.0.0.1:1", Flow: "client_credentials", ClientID: "x", ClientSecret: "y"})
	if _, err := dead.Limits(ctx); !salesforce.IsRetryable(err) {
		t.Errorf("connection refused: %v", err)
	}
}

func TestDescribeAndOrderStatuses(t *testing.T) {
	ctx := context.Background()
	o := newOrg(t, sfsim.Options{})
	c := o.client(t)
	d, err := c.Describe(ctx, "Order")
	if err != nil || d.KeyPrefix != "801" {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	ext, ok := d.Field("Magento_Order_Id__c")
	if !ok || !ext.ExternalID || !ext.Unique || !ext.Createable {
		t.Errorf("Magento_Order_Id__c = %+v", ext)
	}
	st, _ := d.Field("Status")
	if len(st.PicklistValues) != 2 || st.PicklistValues[0].Value != "Draft" || !st.PicklistValues[0].DefaultValue || !st.Restricted {
		t.Errorf("Status picklist = %+v", st)
	}
	if tot, _ := d.Field("TotalAmount"); tot.Createable || tot.Updateable {
		t.Errorf("TotalAmount is writable: %+v", tot)
	}

	o.control(t, "PUT", "/orderstatuses", []sfsim.OrderStatus{
		{ApiName: "Draft", MasterLabel: "Draft", StatusCode: "Draft", SortOrder: 1, IsDefault: true},
		{ApiName: "Pending_Review", MasterLabel: "Pending Review", StatusCode: "Draft", SortOrder: 2},
		{ApiName: "Activated", MasterLabel: "Activated", StatusCode: "Activated", SortOrder: 3},
		{ApiName: "Shipped", MasterLabel: "Shipped", StatusCode: "Activated", SortOrder: 4},
	}, nil)
	sts, err := c.OrderStatuses(ctx)
	if err != nil || len(sts) != 4 {
		t.Fatalf("statuses = %+v, %v", sts, err)
	}
	if sts[1].APIName != "Pending_Review" || sts[1].StatusCode != "Draft" || sts[3].StatusCode != "Activated" || !sts[0].IsDefault {
		t.Errorf("statuses = %+v", sts)
	}
	f := newFixture(t, c)
	if _, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Pending_Review"}); err != nil {
		t.Errorf("create in a custom Draft-category status: %v", err)
	}
	if _, err := c.Create(ctx, "Order", salesforce.Record{"AccountId": f.account, "EffectiveDate": "2026-11-01", "Status": "Shipped"}); apiCode(err) != "FAILED_ACTIVATION" {
		t.Errorf("create in a custom Activated-category status: %v", err)
	}
	o.control(t, "POST", "/reset", nil, nil)
	if sts, _ := c.OrderStatuses(ctx); len(sts) != 2 {
		t.Errorf("after reset: %+v", sts)
	}
	var stats struct {
		APICalls int            `json:"apiCalls"`
		ByRoute  map[string]int `json:"byRoute"`
	}
	c.Query(ctx, "SELECT Id FROM Account")
	o.control(t, "GET", "/stats", nil, &stats)
	if stats.APICalls != 2 || stats.ByRoute["GET /query"] != 2 {
		t.Errorf("stats after reset = %+v", stats)
	}
}

func TestIDs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"001D000000IqhSL", "001D000000IqhSLIAZ"},
		{"001d000000iqhsl", "001d000000iqhslAAA"},
		{"001D000000IqhSLIAZ", "001D000000IqhSLIAZ"},
		{"001D000000IqhSLiaz", "001D000000IqhSLIAZ"},
	} {
		if got, err := salesforce.NormalizeID(tc.in); err != nil || got != tc.want {
			t.Errorf("NormalizeID(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"001D000000IqhSLAAA", "001D000000IqhS", "001D000000IqhS!", ""} {
		if _, err := salesforce.NormalizeID(bad); err == nil {
			t.Errorf("NormalizeID(%q) accepted", bad)
		}
	}
	if _, err := salesforce.CheckID("Order", "001D000000IqhSLIAZ"); err == nil {
		t.Error("an Account ID passed as an Order ID")
	}
	if got := salesforce.RecordURL("https://x.my.salesforce.com/", "Order", "801x"); got != "https://x.my.salesforce.com/lightning/r/Order/801x/view" {
		t.Errorf("RecordURL = %s", got)
	}
	if u, ok := salesforce.ParseLimitInfo("api-usage=25/15000, per-app-api-usage=17/250(appName=sample)"); !ok || u != (salesforce.Usage{Used: 25, Max: 15000}) {
		t.Errorf("ParseLimitInfo = %+v %v", u, ok)
	}
	if _, ok := salesforce.ParseLimitInfo("garbage"); ok {
		t.Error("garbage parsed")
	}
}
