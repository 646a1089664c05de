package sfsim

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"magesync/sync/salesforce"
)

// Currencies are how the org handles money, as PUT /_sim/currencies sets
// them. A new org has one currency (its currency locale's, USD here); an
// org with the multicurrency feature lists its currencies, the corporate
// one among them.
type Currencies struct {
	MultiCurrency bool   `json:"multiCurrency"`
	Corporate     string `json:"corporate"` // the org's currency; in a multi-currency org the corporate currency
	// Types are the CurrencyType records of a multi-currency org.
	Types []CurrencyType `json:"types,omitempty"`
}

// CurrencyType is one currency of a multi-currency org (Object Reference,
// "CurrencyType").
type CurrencyType struct {
	IsoCode        string  `json:"isoCode"`
	ConversionRate float64 `json:"conversionRate"` // against the corporate currency
	DecimalPlaces  int     `json:"decimalPlaces"`
	IsActive       bool    `json:"isActive"`
}

func defaultCurrencies() Currencies { return Currencies{Corporate: "USD"} }

var isoCodeRe = regexp.MustCompile(`^[A-Z]{3}$`)

func (c Currencies) check() error {
	if !isoCodeRe.MatchString(c.Corporate) {
		return fmt.Errorf("corporate: want a three-letter ISO 4217 code such as USD, got %q", c.Corporate)
	}
	if !c.MultiCurrency {
		if len(c.Types) > 0 {
			return fmt.Errorf("types: only a multi-currency org has CurrencyType records")
		}
		return nil
	}
	seen := map[string]bool{}
	for _, t := range c.Types {
		if !isoCodeRe.MatchString(t.IsoCode) || seen[t.IsoCode] {
			return fmt.Errorf("types: each needs its own three-letter isoCode, got %q", t.IsoCode)
		}
		seen[t.IsoCode] = true
		if t.ConversionRate <= 0 || t.DecimalPlaces < 0 || t.DecimalPlaces > 3 {
			return fmt.Errorf("types: %s needs a conversionRate above 0 and 0 to 3 decimalPlaces", t.IsoCode)
		}
		if t.IsoCode == c.Corporate && (!t.IsActive || t.ConversionRate != 1) {
			return fmt.Errorf("types: the corporate currency %s is active with conversionRate 1", t.IsoCode)
		}
	}
	if !seen[c.Corporate] {
		return fmt.Errorf("types: list the corporate currency %s", c.Corporate)
	}
	return nil
}

func (o *org) multiCurrency() bool { return o.currencies.MultiCurrency }

// activeCurrency reports whether records may carry code.
func (o *org) activeCurrency(code string) bool {
	i := slices.IndexFunc(o.currencies.Types, func(t CurrencyType) bool { return t.IsoCode == code })
	return i >= 0 && o.currencies.Types[i].IsActive
}

// currencyRows are the CurrencyType records as SOQL reads them.
func (o *org) currencyRows() []record {
	var rows []record
	for _, t := range o.currencies.Types {
		rows = append(rows, record{"Id": "", "IsoCode": t.IsoCode, "ConversionRate": t.ConversionRate,
			"DecimalPlaces": float64(t.DecimalPlaces), "IsActive": t.IsActive, "IsCorporate": t.IsoCode == o.currencies.Corporate})
	}
	return rows
}

// currencyOnCreate gives a new record of a multi-currency org its currency:
// the one sent, else the running user's default, which is the corporate
// currency here (Object Reference, "PricebookEntry": CurrencyIsoCode is
// "Defaulted on create"). An OrderItem always takes its order's (Object
// Reference, "OrderItem": CurrencyIsoCode is read-only).
func (o *org) currencyOnCreate(def *objectDef, rec record) {
	if !o.multiCurrency() || o.field(def, "CurrencyIsoCode") == nil {
		return
	}
	if rec.str("CurrencyIsoCode") == "" {
		rec["CurrencyIsoCode"] = o.currencies.Corporate
	}
}

// checkCurrencyCode refuses a currency the org has not activated: the
// field is a restricted picklist of the active currencies.
func (o *org) checkCurrencyCode(f *fieldDef, code string) *apiError {
	if f.name == "CurrencyIsoCode" && !o.activeCurrency(code) {
		return badRequest("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Currency ISO Code: invalid currency code: "+code, f.name)
	}
	return nil
}

func (s *Sim) controlCurrencies(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, 200, s.org.currencies)
	case http.MethodPut:
		var c Currencies
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		err := dec.Decode(&c)
		if err == nil {
			err = c.check()
		}
		if err != nil {
			writeJSON(w, 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: "currencies: " + err.Error()}})
			return
		}
		s.org.currencies = c
		writeJSON(w, 200, c)
	default:
		writeJSON(w, 405, []salesforce.ErrorDetail{{ErrorCode: "METHOD_NOT_ALLOWED", Message: "GET or PUT"}})
	}
}

// soapPathRe is the partner SOAP endpoint, /services/Soap/u/{version}.
var soapPathRe = regexp.MustCompile(`^/services/Soap/u/(\d+)\.0/?$`)

type soapEnvelope struct {
	Header struct {
		SessionID string `xml:"SessionHeader>sessionId"`
	} `xml:"Header"`
	Body struct {
		Inner struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"Body"`
}

// soap answers the one SOAP call magesync makes, getUserInfo (SOAP API
// Developer Guide, "getUserInfo()" and "GetUserInfoResult"): a
// single-currency org says its currency only there
// (orgDefaultCurrencyIsoCode, "applicable only when
// organizationMultiCurrency is false").
func (s *Sim) soap(w http.ResponseWriter, r *http.Request) {
	fault := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:%s</faultcode><faultstring>%s: %s</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
			code, code, xmlText(msg))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	var env soapEnvelope
	if err == nil {
		err = xml.Unmarshal(body, &env)
	}
	if r.Method != http.MethodPost || err != nil {
		fault(500, "INVALID_REQUEST", "could not read the SOAP envelope")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[strings.TrimSpace(env.Header.SessionID)]
	if !ok || !s.opts.Now().Before(exp) {
		fault(500, "INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
		return
	}
	if env.Body.Inner.XMLName.Local != "getUserInfo" {
		fault(500, "INVALID_OPERATION", "the simulator answers getUserInfo only")
		return
	}
	if s.used >= s.dailyLimit() {
		fault(500, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
		return
	}
	s.used++
	s.byRoute["SOAP getUserInfo"]++
	orgCurrency := `<orgDefaultCurrencyIsoCode xsi:nil="true"/>`
	userCurrency := `<userDefaultCurrencyIsoCode>` + s.org.currencies.Corporate + `</userDefaultCurrencyIsoCode>`
	if !s.org.multiCurrency() {
		orgCurrency = `<orgDefaultCurrencyIsoCode>` + s.org.currencies.Corporate + `</orgDefaultCurrencyIsoCode>`
		userCurrency = `<userDefaultCurrencyIsoCode xsi:nil="true"/>`
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><getUserInfoResponse><result><accessibilityMode>false</accessibilityMode><currencySymbol>%s</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>%s<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>%s</organizationId><organizationMultiCurrency>%t</organizationMultiCurrency><organizationName>magesync simulator</organizationName><profileId>00e5g000000SIMuAAA</profileId><roleId xsi:nil="true"/><sessionSecondsValid>7200</sessionSecondsValid>%s<userEmail>%s</userEmail><userFullName>Integration User</userFullName><userId>%s</userId><userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>%s</userName><userTimeZone>America/Los_Angeles</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin></result></getUserInfoResponse></soapenv:Body></soapenv:Envelope>`,
		currencySymbol(s.org.currencies.Corporate), orgCurrency, s.org.id18(), s.org.multiCurrency(), userCurrency,
		DemoUsername, s.userID, DemoUsername)
}

func currencySymbol(code string) string {
	switch code {
	case "USD":
		return "$"
	case "EUR":
		return "€"
	case "GBP":
		return "£"
	}
	return code
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// StoreCurrencies is an org set up for a store that sells in dollars and
// euros: multiple currencies on, USD corporate, EUR active, GBP added but
// not active. The demo org and most tests use it.
var StoreCurrencies = &Currencies{MultiCurrency: true, Corporate: "USD", Types: []CurrencyType{
	{IsoCode: "USD", ConversionRate: 1, DecimalPlaces: 2, IsActive: true},
	{IsoCode: "EUR", ConversionRate: 0.92, DecimalPlaces: 2, IsActive: true},
	{IsoCode: "GBP", ConversionRate: 0.79, DecimalPlaces: 2, IsActive: false},
}}

// CheckCurrencies says what is wrong with c, if anything.
func CheckCurrencies(c Currencies) error { return c.check() }

// SetCurrencies sets how the org keeps money, as PUT /_sim/currencies does.
func (s *Sim) SetCurrencies(c Currencies) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("sfsim: currencies: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.org.currencies = c
	return nil
}
