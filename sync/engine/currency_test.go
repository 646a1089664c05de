package engine_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"magesync/store"
	"magesync/sync/engine"
)

// withOrg gives v an org whose currencies are body (PUT /_sim/currencies)
// and an engine that has not met the org yet.
func (v *env) withOrg(body string) {
	v.t.Helper()
	v.control("PUT", "/currencies", body)
	v.e = engine.New(v.st, engine.StaticClient(v.sf), fastOptions())
}

// byCurrency splits the queue's entries by their order's currency.
func (v *env) byCurrency() map[string][]store.QueueEntry {
	v.t.Helper()
	out := map[string][]store.QueueEntry{}
	for _, en := range v.entries() {
		var cur string
		if err := v.st.DB().Get(&cur, `SELECT order_currency_code FROM sales_order WHERE entity_id = ?`, en.OrderID); err != nil {
			v.t.Fatal(err)
		}
		out[cur] = append(out[cur], en)
	}
	if len(out["USD"]) == 0 || len(out["EUR"]) == 0 {
		v.t.Fatalf("the generated store has %d USD and %d EUR orders; the test needs both", len(out["USD"]), len(out["EUR"]))
	}
	return out
}

func TestMultiCurrencyOrgGetsEachOrderInItsCurrency(t *testing.T) {
	v := newEnv(t, 80) // the org has USD and EUR (sfsim.StoreCurrencies)
	v.syncAll(store.ReasonBulk)
	for cur, ens := range v.byCurrency() {
		for _, en := range ens {
			if en.Status != store.QueueComplete {
				t.Errorf("%s order %s: %s %q", cur, en.IncrementID, en.Status, en.Message)
			}
		}
	}
	v.checkOrders(80, false) // totals equal Magento's grand total, in its currency
	for _, o := range v.records("Order") {
		var cur string
		v.st.DB().Get(&cur, `SELECT order_currency_code FROM sales_order WHERE increment_id = ?`, o["Magento_Increment_Id__c"])
		if o["CurrencyIsoCode"] != cur {
			t.Errorf("order %s in %s went to Salesforce in %v", o["Magento_Increment_Id__c"], cur, o["CurrencyIsoCode"])
		}
	}
	euroEntries := 0
	for _, e := range v.records("PricebookEntry") {
		if e["CurrencyIsoCode"] == "EUR" {
			euroEntries++
		}
	}
	if euroEntries == 0 {
		t.Error("no EUR price book entries: the euro orders' products were priced in another currency")
	}

	// The org drops EUR: a changed euro order is refused, named and placed.
	v.withOrg(`{"multiCurrency":true,"corporate":"USD","types":[{"isoCode":"USD","conversionRate":1,"decimalPlaces":2,"isActive":true},{"isoCode":"EUR","conversionRate":0.92,"decimalPlaces":2,"isActive":false}]}`)
	eur := v.orderWhere("order_currency_code = 'EUR'")
	en := v.syncOrders(store.ReasonManual, eur)[0]
	if en.Status != store.QueueError || !strings.Contains(en.Message, "is in EUR, a currency the Salesforce org has not activated") || !strings.Contains(en.Message, "Manage Currencies") {
		t.Errorf("euro order in an org without EUR: %s %q", en.Status, en.Message)
	}
}

func TestSingleCurrencyOrgRefusesOtherCurrencies(t *testing.T) {
	v := newEnv(t, 60)
	v.withOrg(`{"multiCurrency":false,"corporate":"USD"}`)
	v.syncAll(store.ReasonBulk)
	split := v.byCurrency()
	for _, en := range split["USD"] {
		if en.Status != store.QueueComplete {
			t.Errorf("USD order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	for _, en := range split["EUR"] {
		if en.Status != store.QueueError || !strings.Contains(en.Message, "is in EUR and the Salesforce org keeps amounts in USD only") {
			t.Errorf("EUR order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	if got := len(v.records("Order")); got != len(split["USD"]) {
		t.Errorf("%d Salesforce orders, want the %d USD ones", got, len(split["USD"]))
	}
	for _, o := range v.records("Order") {
		if _, ok := o["CurrencyIsoCode"]; ok {
			t.Errorf("a single-currency org's order carries CurrencyIsoCode: %v", o)
		}
	}
}

func TestSingleCurrencyOrgConvertsWithMagentosRate(t *testing.T) {
	v := newEnv(t, 60)
	v.withOrg(`{"multiCurrency":false,"corporate":"USD"}`)
	v.set(store.Set(store.PathOtherCurrency, store.OtherCurrencyConvert))
	v.syncAll(store.ReasonBulk)
	split := v.byCurrency()
	items := map[string]int{}
	for _, it := range v.records("OrderItem") {
		items[it["OrderId"].(string)]++
	}
	ctx := context.Background()
	for cur, ens := range split {
		for _, en := range ens {
			if en.Status != store.QueueComplete {
				t.Fatalf("%s order %s: %s %q", cur, en.IncrementID, en.Status, en.Message)
			}
			o, err := v.st.Order(ctx, en.OrderID)
			if err != nil {
				t.Fatal(err)
			}
			sfo := v.sfOrder(en.OrderID)
			want := o.GrandTotal.Float()
			if cur == "EUR" {
				// Magento's base amounts (EUR) at its recorded rate to the
				// global currency (USD), each line to the cent.
				want = o.BaseGrandTotal.Float() * o.BaseToGlobalRate.Float()
				if d := sfo["Description"].(string); !strings.Contains(d, "The customer paid "+o.GrandTotal.Money()+" EUR") || !strings.Contains(d, "1.085") {
					t.Errorf("order %s: Description does not give the original amount and rate: %q", o.IncrementID, d)
				}
			}
			lines := float64(items[sfo["Id"].(string)])
			if got := sfo["TotalAmount"].(float64); math.Abs(got-want) > 0.01*lines+0.005 {
				t.Errorf("%s order %s: Salesforce total %.2f, want %.4f (within a cent per line, %v lines)", cur, o.IncrementID, got, want, lines)
			}
		}
	}
}

func TestSingleCurrencyOrgWithoutARateRefuses(t *testing.T) {
	v := newEnv(t, 60)
	// A euro org: the euro website's orders go as they are; the dollar
	// website's have no rate to EUR recorded (base and global are USD).
	v.withOrg(`{"multiCurrency":false,"corporate":"EUR"}`)
	v.set(store.Set(store.PathOtherCurrency, store.OtherCurrencyConvert))
	v.syncAll(store.ReasonBulk)
	split := v.byCurrency()
	for _, en := range split["EUR"] {
		if en.Status != store.QueueComplete {
			t.Errorf("EUR order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	for _, en := range split["USD"] {
		if en.Status != store.QueueError || !strings.Contains(en.Message, "Magento recorded no rate to EUR") {
			t.Errorf("USD order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
}
