package sfsim

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSingleCurrencyOrg(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	w := do(s, tok, "GET", v+"/query?q=SELECT+IsoCode+FROM+CurrencyType", "")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "INVALID_TYPE") {
		t.Errorf("CurrencyType in a single-currency org: %d %s", w.Code, w.Body)
	}
	w = do(s, tok, "POST", v+"/sobjects/Account/", `{"Name":"A","CurrencyIsoCode":"USD"}`)
	wantError(t, "CurrencyIsoCode in a single-currency org", 400, w.Body.Bytes(), w.Code, "INVALID_FIELD", "")
	if w := do(s, tok, "GET", v+"/sobjects/Order/describe", ""); strings.Contains(w.Body.String(), "CurrencyIsoCode") {
		t.Error("describe of Order shows CurrencyIsoCode in a single-currency org")
	}
	info := getUserInfo(t, s, tok)
	if !strings.Contains(info, "<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>") || !strings.Contains(info, "<organizationMultiCurrency>false<") {
		t.Errorf("getUserInfo: %s", info)
	}
	if w := soapCall(s, "not-a-token"); w.Code != 500 || !strings.Contains(w.Body.String(), "sf:INVALID_SESSION_ID") {
		t.Errorf("getUserInfo with a bad session: %d %s", w.Code, w.Body)
	}
}

func TestMultiCurrencyOrg(t *testing.T) {
	s := New(Options{})
	tok := login(t, s)
	if w := do(s, "", "PUT", "/_sim/currencies", `{"multiCurrency":true,"corporate":"USD","types":[{"isoCode":"EUR","conversionRate":0.9,"decimalPlaces":2,"isActive":true}]}`); w.Code != 400 {
		t.Errorf("corporate currency missing from types: %d %s", w.Code, w.Body)
	}
	w := do(s, "", "PUT", "/_sim/currencies", `{"multiCurrency":true,"corporate":"USD","types":[
		{"isoCode":"USD","conversionRate":1,"decimalPlaces":2,"isActive":true},
		{"isoCode":"EUR","conversionRate":0.92,"decimalPlaces":2,"isActive":true},
		{"isoCode":"JPY","conversionRate":150,"decimalPlaces":0,"isActive":false}]}`)
	if w.Code != 200 {
		t.Fatalf("currencies: %d %s", w.Code, w.Body)
	}
	w = do(s, tok, "GET", v+"/query?q=SELECT+IsoCode,IsCorporate,ConversionRate+FROM+CurrencyType+WHERE+IsActive+=+true", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"totalSize":2`) || !strings.Contains(w.Body.String(), `"IsCorporate":true`) {
		t.Errorf("active currencies: %d %s", w.Code, w.Body)
	}
	if info := getUserInfo(t, s, tok); !strings.Contains(info, `<orgDefaultCurrencyIsoCode xsi:nil="true"/>`) || !strings.Contains(info, "<organizationMultiCurrency>true<") {
		t.Errorf("getUserInfo: %s", info)
	}

	acct := create(t, s, tok, "Account", `{"Name":"A"}`)
	if w := do(s, tok, "GET", v+"/sobjects/Account/"+acct, ""); !strings.Contains(w.Body.String(), `"CurrencyIsoCode":"USD"`) {
		t.Errorf("a new record takes the corporate currency: %s", w.Body)
	}
	w = do(s, tok, "POST", v+"/sobjects/Order/", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":"2026-01-02","Status":"Draft","CurrencyIsoCode":"JPY"}`, acct))
	wantError(t, "an inactive currency", 400, w.Body.Bytes(), w.Code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "CurrencyIsoCode")

	book := s.org.stdBookID
	custom := create(t, s, tok, "Pricebook2", `{"Name":"Europe","IsActive":true}`)
	prod := create(t, s, tok, "Product2", `{"Name":"P","IsActive":true}`)
	usd := create(t, s, tok, "PricebookEntry", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":10,"IsActive":true}`, book, prod))
	w = do(s, tok, "POST", v+"/sobjects/PricebookEntry/", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":9,"IsActive":true,"CurrencyIsoCode":"EUR"}`, custom, prod))
	wantError(t, "a custom-book entry before the standard one in its currency", 400, w.Body.Bytes(), w.Code, "STANDARD_PRICE_NOT_DEFINED", "")
	eur := create(t, s, tok, "PricebookEntry", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":9,"IsActive":true,"CurrencyIsoCode":"EUR"}`, book, prod))
	create(t, s, tok, "PricebookEntry", fmt.Sprintf(`{"Pricebook2Id":%q,"Product2Id":%q,"UnitPrice":9,"IsActive":true,"CurrencyIsoCode":"EUR"}`, custom, prod))
	w = do(s, tok, "PATCH", v+"/sobjects/PricebookEntry/"+eur, `{"CurrencyIsoCode":"USD"}`)
	wantError(t, "an entry's currency changed", 400, w.Body.Bytes(), w.Code, "INVALID_FIELD_FOR_INSERT_UPDATE", "CurrencyIsoCode")

	ord := create(t, s, tok, "Order", fmt.Sprintf(`{"AccountId":%q,"EffectiveDate":"2026-01-02","Status":"Draft","Pricebook2Id":%q,"CurrencyIsoCode":"EUR"}`, acct, book))
	w = do(s, tok, "POST", v+"/sobjects/OrderItem/", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":1,"UnitPrice":10}`, ord, usd))
	wantError(t, "a USD entry on a EUR order", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "PricebookEntryId")
	w = do(s, tok, "POST", v+"/sobjects/OrderItem/", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":1,"UnitPrice":9,"CurrencyIsoCode":"EUR"}`, ord, eur))
	wantError(t, "an order product's currency is its order's", 400, w.Body.Bytes(), w.Code, "INVALID_FIELD_FOR_INSERT_UPDATE", "CurrencyIsoCode")
	item := create(t, s, tok, "OrderItem", fmt.Sprintf(`{"OrderId":%q,"PricebookEntryId":%q,"Quantity":1,"UnitPrice":9}`, ord, eur))
	if w := do(s, tok, "GET", v+"/sobjects/OrderItem/"+item, ""); !strings.Contains(w.Body.String(), `"CurrencyIsoCode":"EUR"`) {
		t.Errorf("order product's currency: %s", w.Body)
	}
	w = do(s, tok, "PATCH", v+"/sobjects/Order/"+ord, `{"CurrencyIsoCode":"USD"}`)
	wantError(t, "currency of an order with products", 400, w.Body.Bytes(), w.Code, "FIELD_INTEGRITY_EXCEPTION", "CurrencyIsoCode")

	// Reset brings a new org back: one currency.
	do(s, "", "POST", "/_sim/reset", "")
	if w := do(s, tok, "GET", v+"/query?q=SELECT+IsoCode+FROM+CurrencyType", ""); w.Code != 400 {
		t.Errorf("after reset: %d %s", w.Code, w.Body)
	}
}

func soapCall(s *Sim, session string) *httptest.ResponseRecorder {
	body := `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader><urn:sessionId>` +
		session + `</urn:sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:getUserInfo/></soapenv:Body></soapenv:Envelope>`
	r := httptest.NewRequest("POST", "/services/Soap/u/62.0", strings.NewReader(body))
	r.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	r.Header.Set("SOAPAction", `""`)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func getUserInfo(t *testing.T, s *Sim, tok string) string {
	t.Helper()
	w := soapCall(s, tok)
	if w.Code != 200 {
		t.Fatalf("getUserInfo: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}
