package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"magesync/store"
	"magesync/sync/engine"
)

// The generated store — every country and region it makes, EUR and USD
// orders, long comments and names, odd SKUs and e-mails — against a
// simulator as strict as a new org: every order arrives, with what the org
// cannot hold left out or cut and said in the queue message.
func TestGeneratedStoreInAStrictOrg(t *testing.T) {
	v := newEnv(t, 700)
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.syncAll(store.ReasonBulk)
	messages := map[uint32]string{}
	for _, en := range v.entries() {
		messages[en.OrderID] = en.Message
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	v.checkOrders(700, true)

	// Magento region → the state code Salesforce lists for it: by code
	// (CA, ON, NSW…) or, where Magento's code differs, by name (Jalisco).
	stateCode := map[string]string{"California": "CA", "Texas": "TX", "New York": "NY", "Oregon": "OR",
		"Washington": "WA", "Michigan": "MI", "Florida": "FL", "Puerto Rico": "PR", "Ontario": "ON", "Quebec": "QC",
		"Yukon Territory": "YT", "New South Wales": "NSW", "São Paulo": "SP", "Maharashtra": "MH", "Jalisco": "JA",
		"Ciudad de México": "DF", "Milano": "MI", "Roma": "RM", "Armed Forces Europe": "AE"}
	byKey := map[string]map[string]any{}
	for _, o := range v.records("Order") {
		byKey[o["Magento_Order_Id__c"].(string)] = o
	}
	contacts := map[string]map[string]any{}
	for _, c := range v.records("Contact") {
		contacts[strings.TrimPrefix(c["Magento_Customer_Key__c"].(string), v.prefix()+":")] = c
	}
	seen := map[string]int{}
	ctx := context.Background()
	for key, sfo := range byKey {
		var id uint32
		fmt.Sscan(strings.TrimPrefix(key, v.prefix()+":"), &id)
		o, err := v.st.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		msg := messages[id]
		seen[o.OrderCurrencyCode]++
		for _, a := range []struct {
			prefix string
			addr   *store.Address
		}{{"Billing", o.Billing}, {"Shipping", o.Shipping}} {
			if a.addr == nil {
				continue
			}
			country, state := sfo[a.prefix+"CountryCode"], sfo[a.prefix+"StateCode"]
			if sfo[a.prefix+"City"] != a.addr.City {
				t.Errorf("order %s: %s city %v, Magento %q", o.IncrementID, a.prefix, sfo[a.prefix+"City"], a.addr.City)
			}
			switch {
			case a.addr.CountryID == "AN": // not a country in Salesforce's list
				seen["unknown country"]++
				if country != nil || !strings.Contains(msg, `country "AN"`) {
					t.Errorf("order %s: %s country %v, message %q", o.IncrementID, a.prefix, country, msg)
				}
				continue
			case country != a.addr.CountryID:
				t.Errorf("order %s: %s country %v, Magento %s", o.IncrementID, a.prefix, country, a.addr.CountryID)
			}
			want, listed := stateCode[a.addr.Region]
			switch {
			case a.addr.Region == "":
				if state != nil {
					t.Errorf("order %s: %s state %v without a region", o.IncrementID, a.prefix, state)
				}
			case listed:
				seen["state"]++
				if state != want {
					t.Errorf("order %s: %s region %q sent as %v, want %s", o.IncrementID, a.prefix, a.addr.Region, state, want)
				}
			default: // Beijing Shi, Armed Forces Europe, Bayern, Tokyo…: Salesforce lists no such state
				seen["unknown region"]++
				if state != nil || !strings.Contains(msg, fmt.Sprintf("region %q was left out", a.addr.Region)) {
					t.Errorf("order %s: %s region %q sent as %v; message %q", o.IncrementID, a.prefix, a.addr.Region, state, msg)
				}
			}
		}
		c := contacts[engine.CustomerKey(o)]
		email := strings.TrimSpace(o.CustomerEmail)
		switch {
		case strings.Contains(email, "ü"):
			seen["refused email"]++
			if c["Email"] != nil || !strings.Contains(msg, "Salesforce does not accept it as an email address") {
				t.Errorf("order %s: email %q sent as %v; message %q", o.IncrementID, email, c["Email"], msg)
			}
		case strings.Contains(email, "/"):
			seen["slash email"]++
			if c["Email"] != email {
				t.Errorf("order %s: email %q sent as %v", o.IncrementID, email, c["Email"])
			}
		}
		if utf8.RuneCountInString(o.CustomerLastname) > 80 {
			seen["long name"]++
			if utf8.RuneCountInString(c["LastName"].(string)) != 80 || !strings.Contains(msg, "last name was cut to 80 characters") {
				t.Errorf("order %s: last name %v; message %q", o.IncrementID, c["LastName"], msg)
			}
		}
		for _, it := range o.Items {
			if strings.ContainsAny(it.SKU, "/?#") {
				seen["odd SKU"]++
			}
		}
		for _, cm := range o.Comments {
			if utf8.RuneCountInString(cm.Comment) > 32000 {
				seen["long comment"]++
				if !strings.Contains(msg, "notes: a Salesforce note holds 32000") {
					t.Errorf("order %s: long comment; message %q", o.IncrementID, msg)
				}
			}
		}
	}
	for _, n := range v.records("Note") {
		if title := n["Title"].(string); utf8.RuneCountInString(title) > 80 {
			t.Errorf("note title of %d characters: %q", utf8.RuneCountInString(title), title)
		}
	}
	// The store must really hold every awkward case, or this test proves little.
	for _, what := range []string{"USD", "EUR", "unknown country", "state", "unknown region", "refused email",
		"slash email", "long name", "odd SKU", "long comment"} {
		if seen[what] == 0 {
			t.Errorf("the generated store has no %s order", what)
		}
	}
	t.Logf("cases: %v", seen)
}

// Salesforce stops processing a request's graphs after 14 have failed; the
// rest were not the orders' fault and go again without using an attempt.
func TestHaltedGraphsKeepTheirAttempts(t *testing.T) {
	v := newEnv(t, 150)
	v.set(store.Set(store.PathStatusMap, `{"processing":"No_Such_Status"}`))
	v.syncAll(store.ReasonBulk)
	failed, complete := 0, 0
	ctx := context.Background()
	for _, en := range v.entries() {
		o, err := v.st.Order(ctx, en.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case o.Status == "processing":
			failed++
			if en.Status != store.QueueError || !strings.Contains(en.Message, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") {
				t.Errorf("processing order %s: %s %q", en.IncrementID, en.Status, en.Message)
			}
		case en.Status == store.QueueComplete || en.Status == store.QueueSkipped:
			complete++
			if en.Attempts != 1 {
				t.Errorf("order %s took %d attempts", en.IncrementID, en.Attempts)
			}
		default:
			t.Errorf("order %s (%s): %s %q", en.IncrementID, o.Status, en.Status, en.Message)
		}
	}
	if failed <= 14 {
		t.Fatalf("only %d refused orders: no request reached Salesforce's 14 failures", failed)
	}
	t.Logf("%d refused, %d complete", failed, complete)
}

// A request Salesforce refuses as too large is sent again in smaller calls,
// within the same attempt.
func TestOversizedCallsAreSplit(t *testing.T) {
	v := newEnv(t, 60)
	v.control("PUT", "/faults", `{"graphNodeLimit":40}`)
	v.syncAll(store.ReasonBulk)
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete || en.Attempts != 1 {
			t.Errorf("order %s: %s after %d attempts: %q", en.IncrementID, en.Status, en.Attempts, en.Message)
		}
	}
	v.checkOrders(60, false)
}
