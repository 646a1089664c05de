package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"magesync/store"
	"magesync/sync/salesforce"
)

// Salesforce field limits the mapping keeps within (Object Reference,
// "Note"): a title of the comment's first 75 characters, at most 80 with a
// part number, and 32,000 characters of body.
const (
	noteTitleRunes    = 75
	noteTitleMaxRunes = 80
	noteBodyRunes     = 32000
)

// MappingError is an order that cannot be written to Salesforce as it is in
// Magento; the message says why in words an admin understands.
type MappingError struct{ Msg string }

func (e *MappingError) Error() string { return e.Msg }

func mappingError(format string, args ...any) error {
	return &MappingError{Msg: fmt.Sprintf(format, args...)}
}

// StoreInfo is what the mapping needs to know about the order's store view.
type StoreInfo struct {
	Name      string // "Main Website / Default Store View"
	Website   string // the website's name
	WebsiteID uint16
	// BaseCurrency is the store's base currency (currency/options/base;
	// Magento's own default is USD).
	BaseCurrency string
	Location     *time.Location // general/locale/timezone
}

// Mapped is a Magento order as Salesforce records, before any IDs are known.
type Mapped struct {
	OrderID     uint32
	IncrementID string
	CustomerKey string // external ID of the Account and Contact
	Account     salesforce.Record
	Contact     salesforce.Record
	Order       salesforce.Record // header fields; AccountId, contact, price book and Status are added when sent
	Lines       []Line
	Notes       []Note
	FinalStatus string
	Billing     *Address // written to the Account, Contact and Order as the org takes them
	Shipping    *Address
	Fields      []FieldValue // the admin's mappings into the Order
	Currency    string       // CurrencyIsoCode of the order, its lines and entries ("" in a single-currency org)
	// Notices say what Salesforce could not hold as Magento has it and
	// how it was sent instead, for the queue message.
	Notices []string
}

// notices collects what the mapping had to change to fit Salesforce.
type notices []string

func (n *notices) add(format string, args ...any) { *n = append(*n, fmt.Sprintf(format, args...)) }

// fit keeps s within a field of max characters, saying so when it cuts.
func (n *notices) fit(what, s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n.add("the %s was cut to %d characters, the most Salesforce holds", what, max)
	return clip(s, max)
}

// Line is one OrderItem: a Magento item, or the shipping, tax or
// adjustment line that makes the totals equal.
type Line struct {
	Key         string // Magento_Item_Id__c
	SKU         string // product (and price book entry) key
	ProductName string
	Quantity    float64
	UnitPrice   float64
	Description string
	Fields      []FieldValue // the admin's mappings into the OrderItem
}

// Note is one Salesforce Note from an order comment. A comment longer than a
// Note's body is split into numbered parts, so nothing is lost.
type Note struct {
	Key   string // "<history entity_id>" or "<id>/<part>"
	Title string
	Body  string
}

// Special products for the order lines that carry totals.
const (
	SKUShipping   = "magesync-shipping"
	SKUTax        = "magesync-tax"
	SKUAdjustment = "magesync-discount"
)

// CustomerKey is the external ID of a customer's Account and Contact:
// registered customers by customer id, guests by email (or by order when
// they gave none).
func CustomerKey(o *store.Order) string {
	switch {
	case o.CustomerID != 0:
		return "c:" + strconv.FormatUint(uint64(o.CustomerID), 10)
	case strings.TrimSpace(o.CustomerEmail) != "":
		email := strings.ToLower(strings.TrimSpace(o.CustomerEmail))
		if strings.Contains(email, "/") || len(email) > 200 {
			// An external ID travels in the upsert's URL, where a slash
			// cannot be addressed, and the key must fit magesync's column
			// and the field with the store's prefix: such guests are keyed
			// by a digest.
			sum := sha256.Sum256([]byte(email))
			return "h:" + hex.EncodeToString(sum[:20])
		}
		return "g:" + email
	}
	return "o:" + strconv.FormatUint(uint64(o.EntityID), 10)
}

// Map turns an order into Salesforce records, its amounts as pr says. It
// fails with a MappingError for data Salesforce cannot hold: no items, or a
// quantity that is not positive.
func Map(o *store.Order, settings store.OrderSettings, info StoreInfo, pr pricing) (*Mapped, error) {
	if len(o.Items) == 0 {
		return nil, mappingError("Order #%s has no items, and a Salesforce order needs at least one order product", o.IncrementID)
	}
	if err := checkAmounts(o, pr); err != nil {
		return nil, err
	}
	loc := info.Location
	if loc == nil {
		loc = time.UTC
	}
	m := &Mapped{OrderID: o.EntityID, IncrementID: o.IncrementID, CustomerKey: CustomerKey(o),
		FinalStatus: settings.SalesforceStatus(o.Status), Currency: pr.currency}

	first, last := o.CustomerFirstname, o.CustomerLastname
	if b := o.Billing; b != nil && strings.TrimSpace(first+last) == "" {
		first, last = b.Firstname, b.Lastname
	}
	email := strings.TrimSpace(o.CustomerEmail)
	if email == "" && o.Billing != nil {
		email = strings.TrimSpace(o.Billing.Email)
	}
	person := strings.TrimSpace(first + " " + last)
	accountName := person
	if o.Billing != nil && strings.TrimSpace(o.Billing.Company) != "" {
		accountName = strings.TrimSpace(o.Billing.Company)
	}
	if accountName == "" {
		accountName = email
	}
	if accountName == "" {
		accountName = "Magento customer of order #" + o.IncrementID
	}
	if strings.TrimSpace(last) == "" {
		last = strings.TrimSpace(first)
		first = ""
	}
	if last == "" {
		last, _, _ = strings.Cut(email, "@")
	}
	if last == "" {
		last = "Unknown"
	}

	var n notices
	m.Account = salesforce.Record{"Name": n.fit("account name", accountName, 255), "Description": "Magento " + customerKind(o)}
	m.Contact = salesforce.Record{"LastName": n.fit("contact's last name", last, 80), "FirstName": n.fit("contact's first name", first, 40)}
	switch {
	case email == "":
	case utf8.RuneCountInString(email) > 80:
		n.add("the email %q was left out: it is longer than the 80 characters Salesforce holds", email)
	case !salesforce.ValidEmail(email):
		n.add("the email %q was left out: Salesforce does not accept it as an email address", email)
	default:
		m.Contact["Email"] = email
	}
	if o.Billing != nil && o.Billing.Telephone != "" {
		phone := n.fit("phone number", o.Billing.Telephone, 40)
		m.Contact["Phone"], m.Account["Phone"] = phone, phone
	}
	m.Billing = addressOf(o.Billing, "billing", &n)
	m.Shipping = addressOf(o.Shipping, "shipping", &n)

	m.Order = salesforce.Record{
		"Name":                    clip("Magento #"+o.IncrementID, 80),
		"EffectiveDate":           o.CreatedAt.In(loc).Format("2006-01-02"),
		"OrderReferenceNumber":    clip(o.IncrementID, 80),
		"Magento_Increment_Id__c": clip(o.IncrementID, 50),
		"Description":             n.fit("order description", describe(o, info, pr), 32000),
	}
	if pr.currency != "" {
		m.Order["CurrencyIsoCode"] = pr.currency
	}

	var itemsCents int64
	for _, it := range o.Items {
		if it.QtyOrdered <= 0 {
			return nil, mappingError("Item %s (%s) of order #%s has quantity %s; Salesforce order products need a positive quantity",
				it.SKU, it.Name, o.IncrementID, it.QtyOrdered.Plain())
		}
		if it.MissingParent != 0 {
			n.add("item %s (%s) belongs to item %d, which is missing in Magento: it was sent as its own line", it.SKU, it.Name, it.MissingParent)
		}
		sku := it.SKU
		if sku == "" {
			sku = "magento-product-" + strconv.FormatUint(uint64(it.ProductID), 10)
		}
		qty := float64(it.QtyOrdered) / store.DecimalScale
		netCents := decimalCents(pr.amount(it.RowTotal, it.BaseRowTotal) - pr.amount(it.DiscountAmount, it.BaseDiscountAmount))
		unit := math.Round(float64(netCents)/qty) / 100
		desc := it.Name
		for _, opt := range it.Options {
			desc += "; " + opt.Label + ": " + opt.Value
		}
		m.Lines = append(m.Lines, Line{Key: strconv.FormatUint(uint64(it.ItemID), 10), SKU: sku, ProductName: clip(it.Name, 255),
			Quantity: qty, UnitPrice: unit, Description: n.fit("description of item "+sku, desc, 255)})
		itemsCents += lineCents(qty, unit)
	}
	key := strconv.FormatUint(uint64(o.EntityID), 10)
	shipping, tax := decimalCents(pr.amount(o.ShippingAmount, o.BaseShippingAmount)), decimalCents(pr.amount(o.TaxAmount, o.BaseTaxAmount))
	if shipping != 0 {
		desc := "Shipping"
		if o.ShippingDescription != "" {
			desc += ": " + o.ShippingDescription
		}
		m.Lines = append(m.Lines, Line{Key: key + "-shipping", SKU: SKUShipping, ProductName: "Shipping", Quantity: 1,
			UnitPrice: float64(shipping) / 100, Description: clip(desc, 255)})
	}
	if tax != 0 {
		m.Lines = append(m.Lines, Line{Key: key + "-tax", SKU: SKUTax, ProductName: "Tax", Quantity: 1,
			UnitPrice: float64(tax) / 100, Description: "Tax"})
	}
	// Whatever the items, shipping and tax do not explain — discounts not
	// on items, rounding — goes on one line, so the totals are equal.
	if rest := decimalCents(pr.amount(o.GrandTotal, o.BaseGrandTotal)) - itemsCents - shipping - tax; rest != 0 {
		desc := "Discount"
		if o.CouponCode != "" {
			desc += " (" + o.CouponCode + ")"
		}
		if pr.amount(o.DiscountAmount, o.BaseDiscountAmount) == 0 {
			desc = "Rounding adjustment"
		}
		m.Lines = append(m.Lines, Line{Key: key + "-discount", SKU: SKUAdjustment, ProductName: "Discount", Quantity: 1,
			UnitPrice: float64(rest) / 100, Description: desc})
	}

	if settings.SyncNotes {
		for _, c := range o.Comments {
			text := strings.TrimSpace(c.Comment)
			if text == "" {
				continue
			}
			parts := splitNote(c.EntityID, text)
			if len(parts) > 1 {
				n.add("comment %d (%d characters) became %d notes: a Salesforce note holds %d", c.EntityID,
					utf8.RuneCountInString(text), len(parts), noteBodyRunes)
			}
			m.Notes = append(m.Notes, parts...)
		}
	}
	m.Notices = n
	return m, nil
}

func customerKind(o *store.Order) string {
	if o.CustomerID != 0 {
		return "customer #" + strconv.FormatUint(uint64(o.CustomerID), 10)
	}
	return "guest customer"
}

func describe(o *store.Order, info StoreInfo, pr pricing) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Magento order #%s", o.IncrementID)
	if info.Name != "" {
		fmt.Fprintf(&b, " from %s", info.Name)
	}
	fmt.Fprintf(&b, ".\nStatus: %s.", o.Status)
	if o.Payment != nil {
		fmt.Fprintf(&b, "\nPayment: %s.", o.Payment.Title())
	}
	if o.ShippingDescription != "" {
		fmt.Fprintf(&b, "\nShipping: %s.", o.ShippingDescription)
	}
	fmt.Fprintf(&b, "\nGrand total: %s %s.", o.GrandTotal.Money(), o.OrderCurrencyCode)
	if pr.note != "" {
		fmt.Fprintf(&b, "\n%s", pr.note)
	}
	if o.CustomerNote != "" {
		fmt.Fprintf(&b, "\nCustomer note: %s", o.CustomerNote)
	}
	return b.String()
}

func splitNote(historyID uint32, text string) []Note {
	key := strconv.FormatUint(uint64(historyID), 10)
	title := clip(text, noteTitleRunes)
	if i := strings.IndexByte(title, '\n'); i > 0 {
		title = title[:i]
	}
	if utf8.RuneCountInString(text) <= noteBodyRunes {
		return []Note{{Key: key, Title: title, Body: text}}
	}
	runes := []rune(text)
	n := (len(runes) + noteBodyRunes - 1) / noteBodyRunes
	var out []Note
	for i := range n {
		part := runes[i*noteBodyRunes : min((i+1)*noteBodyRunes, len(runes))]
		suffix := fmt.Sprintf(" (%d/%d)", i+1, n)
		out = append(out, Note{Key: fmt.Sprintf("%s/%d", key, i+1),
			Title: clip(title, noteTitleMaxRunes-utf8.RuneCountInString(suffix)) + suffix, Body: string(part)})
	}
	return out
}

// clip keeps at most n characters (runes), as Salesforce counts them.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// decimalCents rounds a Magento amount to cents, half away from zero.
func decimalCents(d store.Decimal) int64 {
	v := int64(d)
	if v < 0 {
		return -((-v + 50) / 100)
	}
	return (v + 50) / 100
}

// lineCents is an order product's total as Salesforce computes it.
func lineCents(qty, unit float64) int64 { return int64(math.Round(qty * unit * 100)) }

// TotalCents is what Salesforce will compute as the order's TotalAmount.
func (m *Mapped) TotalCents() int64 {
	var t int64
	for _, l := range m.Lines {
		t += lineCents(l.Quantity, l.UnitPrice)
	}
	return t
}

// SKUs lists the products the order's lines need.
func (m *Mapped) SKUs() []string {
	var out []string
	for _, l := range m.Lines {
		if !slices.Contains(out, l.SKU) {
			out = append(out, l.SKU)
		}
	}
	return out
}

// hashOf is the hex SHA-256 of v's JSON (maps marshal with sorted keys).
func hashOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records hold only strings, numbers and booleans
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// maxAmount is the largest amount sent: its cents stay exact in the
// float64 of a JSON number (2^53), well inside the 16 whole digits of
// Salesforce's currency fields (Field Reference, "OrderItem": currency 18, 2).
const maxAmount = store.Decimal(10_000_000_000_000 * store.DecimalScale)

// checkAmounts refuses an order with an amount that cannot be sent
// exactly: it is not sent rather than sent wrong.
func checkAmounts(o *store.Order, pr pricing) error {
	check := func(what string, d store.Decimal) error {
		if d.Overflow() || d > maxAmount || d < -maxAmount {
			shown := d.Money()
			if d.Overflow() {
				shown = "larger than 922,337,203,685,477"
			}
			return mappingError("Order #%s: the %s (%s) is past %s, the largest amount magesync sends exactly; the order is not sent rather than sent wrong",
				o.IncrementID, what, shown, "10,000,000,000,000.00")
		}
		return nil
	}
	for what, d := range map[string]store.Decimal{"grand total": pr.amount(o.GrandTotal, o.BaseGrandTotal), "subtotal": pr.amount(o.Subtotal, o.BaseSubtotal),
		"shipping amount": pr.amount(o.ShippingAmount, o.BaseShippingAmount), "tax amount": pr.amount(o.TaxAmount, o.BaseTaxAmount),
		"discount amount": pr.amount(o.DiscountAmount, o.BaseDiscountAmount)} {
		if err := check(what, d); err != nil {
			return err
		}
	}
	for _, it := range o.Items {
		for what, d := range map[string]store.Decimal{"price": it.Price, "row total": pr.amount(it.RowTotal, it.BaseRowTotal), "discount": pr.amount(it.DiscountAmount, it.BaseDiscountAmount),
			"tax amount": it.TaxAmount, "quantity": it.QtyOrdered} {
			if err := check(what+" of item "+it.SKU, d); err != nil {
				return err
			}
		}
	}
	return nil
}
