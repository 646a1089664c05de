package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"magesync/store"
	"magesync/sync/salesforce"
)

// amountSource says which of Magento's amounts an order is sent with.
type amountSource int

const (
	fromOrder         amountSource = iota // the customer's currency: grand_total, row_total…
	fromBase                              // the website's base currency: base_grand_total…
	fromBaseTimesRate                     // base amounts × base_to_global_rate
)

// pricing is the currency an order goes to Salesforce in and where its
// amounts come from. Magento records every amount in the order's currency
// and in the website's base currency, with the rates it used; magesync
// never uses a rate of its own.
type pricing struct {
	currency string // CurrencyIsoCode sent with the order; "" in a single-currency org
	from     amountSource
	rate     store.Decimal // fromBaseTimesRate: Magento's base_to_global_rate
	note     string        // the original amounts, said in the order's Description
}

// amount is one Magento amount, given in the order's and the base currency,
// as it is sent.
func (p pricing) amount(order, base store.Decimal) store.Decimal {
	switch p.from {
	case fromBase:
		return base
	case fromBaseTimesRate:
		return mulRate(base, p.rate)
	}
	return order
}

// mulRate is d × rate rounded half away from zero to Magento's four
// decimals; past what a Decimal holds it is DecimalOverflow.
func mulRate(d, rate store.Decimal) store.Decimal {
	if d.Overflow() {
		return d
	}
	n := new(big.Int).Mul(big.NewInt(int64(d)), big.NewInt(int64(rate)))
	half := big.NewInt(store.DecimalScale / 2)
	if n.Sign() < 0 {
		half.Neg(half)
	}
	n.Add(n, half)
	n.Quo(n, big.NewInt(store.DecimalScale))
	if !n.IsInt64() || n.Int64() == int64(store.DecimalOverflow) {
		return store.DecimalOverflow
	}
	return store.Decimal(n.Int64())
}

// currencies are the org's facts about money.
type currencies struct {
	multi     bool
	active    map[string]bool // multi-currency org: its active currencies
	corporate string          // the org's currency (multi: the corporate one)
}

// pricingFor decides how an order's amounts go to this org, or refuses the
// order in words: an amount is never sent in a currency it is not in. An
// order that records no currency is in its store's base currency, as
// Magento configures it (storeBase).
func (c currencies) pricingFor(o *store.Order, s store.OrderSettings, storeBase string) (pricing, error) {
	cur := cmp.Or(o.OrderCurrencyCode, o.BaseCurrencyCode, storeBase)
	if c.multi {
		if !c.active[cur] {
			return pricing{}, mappingError("Order #%s is in %s, a currency the Salesforce org has not activated: activate %s in Salesforce (Setup › Company Settings › Manage Currencies), then sync the order again",
				o.IncrementID, cur, cur)
		}
		return pricing{currency: cur}, nil
	}
	if cur == c.corporate || c.corporate == "" {
		return pricing{}, nil
	}
	if s.OtherCurrency != store.OtherCurrencyConvert {
		return pricing{}, mappingError("Order #%s is in %s and the Salesforce org keeps amounts in %s only, so it was not sent: set \"Orders in another currency\" to \"Convert with Magento's rate\" to send it in %s, or turn on multiple currencies in Salesforce",
			o.IncrementID, cur, c.corporate, c.corporate)
	}
	paid := fmt.Sprintf("The customer paid %s %s", o.GrandTotal.Money(), cur)
	switch {
	case o.BaseCurrencyCode == c.corporate:
		return pricing{from: fromBase, note: fmt.Sprintf("%s; the amounts here are Magento's own in the website's base currency, %s (rate %s %s per %s, recorded by Magento).",
			paid, c.corporate, o.BaseToOrderRate.Plain(), cur, c.corporate)}, nil
	case o.GlobalCurrencyCode == c.corporate && o.BaseToGlobalRate > 0:
		return pricing{from: fromBaseTimesRate, rate: o.BaseToGlobalRate, note: fmt.Sprintf("%s (%s %s in the website's base currency); the amounts here are converted to %s with the rate Magento recorded on the order, %s %s per %s.",
			paid, o.BaseGrandTotal.Money(), o.BaseCurrencyCode, c.corporate, o.BaseToGlobalRate.Plain(), c.corporate, o.BaseCurrencyCode)}, nil
	}
	return pricing{}, mappingError("Order #%s is in %s and the Salesforce org keeps amounts in %s only; Magento recorded no rate to %s for it (its base currency is %s, its global currency %s), so it was not sent",
		o.IncrementID, cur, c.corporate, c.corporate, o.BaseCurrencyCode, orNone(o.GlobalCurrencyCode))
}

func orNone(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

// entryKey is the magesync key of a price book entry. Standard price book
// entries in the org's own currency keep the key they had before price
// books and currencies were chosen: the SKU.
func (c currencies) entryKey(e entry, stdBook string) string {
	cur := e.currency
	if cur == "" {
		cur = c.corporate
	}
	switch {
	case e.book != stdBook:
		return e.book + "/" + cur + "/" + e.sku
	case cur != c.corporate:
		return cur + "/" + e.sku
	}
	return e.sku
}

// entry is a price book entry an order line needs: its product in a price
// book and a currency ("" in a single-currency org).
type entry struct{ book, currency, sku string }

// readCurrencies learns how the org keeps money: a multi-currency org has
// CurrencyIsoCode on Order (its describe) and lists its currencies in
// CurrencyType, which a single-currency org does not have (Object
// Reference, "CurrencyType"); a single-currency org names its currency
// only through getUserInfo (SOAP API, "GetUserInfoResult").
func readCurrencies(ctx context.Context, c *salesforce.Client, order *salesforce.Describe, types salesforce.SubResponse) (currencies, error) {
	if _, multi := order.Field("CurrencyIsoCode"); multi {
		if !types.OK() {
			return currencies{}, fmt.Errorf("read the org's currencies: %w", &salesforce.APIError{HTTPStatus: types.HTTPStatusCode, Errors: types.Errors()})
		}
		var res salesforce.QueryResult
		if err := json.Unmarshal(types.Body, &res); err != nil {
			return currencies{}, fmt.Errorf("read the org's currencies: %w", err)
		}
		out := currencies{multi: true, active: map[string]bool{}}
		for _, r := range res.Records {
			out.active[r.String("IsoCode")] = true
			if r["IsCorporate"] == true {
				out.corporate = r.String("IsoCode")
			}
		}
		return out, nil
	}
	info, err := c.UserInfo(ctx)
	if err != nil {
		return currencies{}, fmt.Errorf("ask the org which currency it uses (getUserInfo): %w", err)
	}
	if info.OrgCurrency == "" {
		return currencies{}, fmt.Errorf("the org did not say which currency it uses (getUserInfo gave no orgDefaultCurrencyIsoCode)")
	}
	return currencies{corporate: info.OrgCurrency}, nil
}
