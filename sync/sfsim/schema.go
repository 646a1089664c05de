package sfsim

import (
	"strings"

	"magesync/sync/salesforce"
)

type fieldType string

const (
	tID        fieldType = "id"
	tString    fieldType = "string"
	tTextarea  fieldType = "textarea"
	tEmail     fieldType = "email"
	tPhone     fieldType = "phone"
	tBoolean   fieldType = "boolean"
	tDouble    fieldType = "double"
	tCurrency  fieldType = "currency"
	tDate      fieldType = "date"
	tDatetime  fieldType = "datetime"
	tReference fieldType = "reference"
	tPicklist  fieldType = "picklist"
	tInt       fieldType = "int"
)

type access int

const (
	readOnly   access = iota // computed or system
	createOnly               // set on create, never after
	readWrite
)

type fieldDef struct {
	name     string
	label    string
	typ      fieldType
	length   int
	required bool
	access   access
	external bool
	unique   bool
	refTo    []string // "*" for any object (Note.ParentId)
	// picklistCode marks the *CountryCode and *StateCode fields: they exist
	// only while the org has State and Country/Territory picklists on.
	picklistCode bool
	custom       bool
	// currency marks CurrencyIsoCode: it exists only in a multi-currency org.
	currency bool
	// values are a custom picklist's values; Salesforce refuses others
	// (a restricted picklist).
	values []string
}

func (f *fieldDef) createable() bool { return f.access != readOnly }
func (f *fieldDef) updateable() bool { return f.access == readWrite }

type objectDef struct {
	name, label string
	prefix      string
	fields      []*fieldDef
	byLower     map[string]*fieldDef
	queryOnly   bool // OrderStatus: read through SOQL only
	// indexed are the fields the org indexes: external IDs and references.
	indexed []*fieldDef
}

func (o *objectDef) field(name string) *fieldDef { return o.byLower[strings.ToLower(name)] }

func str(name string, length int) *fieldDef {
	return &fieldDef{name: name, typ: tString, length: length, access: readWrite}
}
func text(name string, length int) *fieldDef {
	return &fieldDef{name: name, typ: tTextarea, length: length, access: readWrite}
}
func ref(name string, to ...string) *fieldDef {
	return &fieldDef{name: name, typ: tReference, length: 18, access: readWrite, refTo: to}
}
func typed(name string, t fieldType) *fieldDef {
	f := &fieldDef{name: name, typ: t, access: readWrite}
	switch t { // Field Reference: phone 40, email 80
	case tPhone:
		f.length = 40
	case tEmail:
		f.length = 80
	}
	return f
}

// currencyCode is CurrencyIsoCode, a restricted picklist of the org's
// active currencies, on the objects that carry money or prices (Object
// Reference, each object's "CurrencyIsoCode": "Available only for
// organizations with the multicurrency feature enabled").
func currencyCode(a access) *fieldDef {
	return &fieldDef{name: "CurrencyIsoCode", label: "Currency ISO Code", typ: tPicklist, length: 3, access: a, currency: true}
}

func req(f *fieldDef) *fieldDef                { f.required = true; return f }
func ro(f *fieldDef) *fieldDef                 { f.access = readOnly; return f }
func co(f *fieldDef) *fieldDef                 { f.access = createOnly; return f }
func extID(f *fieldDef, unique bool) *fieldDef { f.external, f.unique = true, unique; return f }

// address is a compound address's fields, as the Field Reference lists them
// for Account (Billing, Shipping), Contact (Mailing) and Order.
func address(prefix string) []*fieldDef {
	stateCode, countryCode := str(prefix+"StateCode", 10), str(prefix+"CountryCode", 10)
	stateCode.typ, countryCode.typ = tPicklist, tPicklist
	stateCode.picklistCode, countryCode.picklistCode = true, true
	return []*fieldDef{text(prefix+"Street", 255), str(prefix+"City", 40), str(prefix+"State", 80),
		stateCode, str(prefix+"PostalCode", 20), str(prefix+"Country", 80), countryCode}
}

// addressPrefixes are the compound addresses of each object.
var addressPrefixes = map[string][]string{
	"Account": {"Billing", "Shipping"},
	"Contact": {"Mailing"},
	"Order":   {"Billing", "Shipping"},
}

func object(name, label string, fields ...*fieldDef) *objectDef {
	o := &objectDef{name: name, label: label, prefix: salesforce.KeyPrefixes[name], byLower: map[string]*fieldDef{}}
	system := []*fieldDef{
		{name: "Id", typ: tID, length: 18, access: readOnly},
		ro(typed("CreatedDate", tDatetime)),
		ro(typed("LastModifiedDate", tDatetime)),
	}
	for _, f := range append(system, fields...) {
		if f.label == "" {
			f.label = labelOf(f.name)
		}
		f.custom = strings.HasSuffix(f.name, "__c")
		o.fields = append(o.fields, f)
		o.byLower[strings.ToLower(f.name)] = f
		if f.external || f.typ == tReference {
			o.indexed = append(o.indexed, f)
		}
	}
	return o
}

// labelOf turns "BillingPostalCode" into "Billing Postal Code" and
// "Magento_Order_Id__c" into "Magento Order Id".
func labelOf(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "__c"), "Id")
	if name == "" {
		return "Record ID"
	}
	var b strings.Builder
	for i, r := range name {
		if r == '_' {
			b.WriteByte(' ')
			continue
		}
		if i > 0 && r >= 'A' && r <= 'Z' && name[i-1] != '_' && !(name[i-1] >= 'A' && name[i-1] <= 'Z') {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// schema is the simulated org's metadata: the standard objects magesync
// writes, with the custom external-ID fields the engine needs. Types and
// lengths are the Salesforce Field Reference's (pages "Account", "Contact",
// "Order", "OrderItem", "Note", "Product2", "PricebookEntry"); which fields
// are read-only or create-only is the Object Reference's.
var schema = buildSchema()

func buildSchema() map[string]*objectDef {
	objs := []*objectDef{
		object("Account", "Account", append([]*fieldDef{
			req(str("Name", 255)), str("AccountNumber", 40), typed("Phone", tPhone), text("Description", 32000),
			extID(str("Magento_Customer_Key__c", 255), true), currencyCode(readWrite),
		}, append(address("Billing"), address("Shipping")...)...)...),
		object("Contact", "Contact", append([]*fieldDef{
			req(str("LastName", 80)), str("FirstName", 40), ro(str("Name", 121)), typed("Email", tEmail), typed("Phone", tPhone),
			ref("AccountId", "Account"), extID(str("Magento_Customer_Key__c", 255), true), currencyCode(readWrite),
		}, address("Mailing")...)...),
		object("Product2", "Product",
			req(str("Name", 255)), str("ProductCode", 255), text("Description", 4000), typed("IsActive", tBoolean),
			extID(str("Magento_SKU__c", 255), true), currencyCode(readWrite)),
		object("Pricebook2", "Price Book",
			req(str("Name", 255)), typed("IsActive", tBoolean), ro(typed("IsStandard", tBoolean)), text("Description", 255),
			currencyCode(readWrite)),
		object("PricebookEntry", "Price Book Entry",
			req(co(ref("Pricebook2Id", "Pricebook2"))), req(co(ref("Product2Id", "Product2"))),
			req(typed("UnitPrice", tCurrency)), typed("IsActive", tBoolean), typed("UseStandardPrice", tBoolean),
			ro(str("Name", 255)), ro(str("ProductCode", 255)), extID(str("Magento_Key__c", 255), true),
			currencyCode(createOnly)),
		object("Order", "Order", append(append([]*fieldDef{
			req(ref("AccountId", "Account")), req(typed("EffectiveDate", tDate)), req(typed("Status", tPicklist)),
			ro(str("StatusCode", 40)), ref("Pricebook2Id", "Pricebook2"), str("Name", 80), text("Description", 32000),
			ref("BillToContactId", "Contact"), ref("ShipToContactId", "Contact"), str("OrderReferenceNumber", 80),
			ro(typed("TotalAmount", tCurrency)), ro(typed("ActivatedDate", tDatetime)), ro(str("OrderNumber", 30)),
			extID(str("Magento_Order_Id__c", 50), true), extID(str("Magento_Increment_Id__c", 50), false),
			currencyCode(readWrite),
		}, address("Billing")...), address("Shipping")...)...),
		object("OrderItem", "Order Product",
			req(co(ref("OrderId", "Order"))), req(co(ref("PricebookEntryId", "PricebookEntry"))),
			ro(ref("Product2Id", "Product2")), req(typed("Quantity", tDouble)), req(typed("UnitPrice", tCurrency)),
			ro(typed("ListPrice", tCurrency)),
			str("Description", 255), typed("ServiceDate", tDate), ro(typed("TotalPrice", tCurrency)),
			ro(str("OrderItemNumber", 10)), extID(str("Magento_Item_Id__c", 50), true), currencyCode(readOnly)),
		object("Note", "Note",
			req(co(ref("ParentId", "*"))), req(str("Title", 80)), text("Body", 32000), typed("IsPrivate", tBoolean)),
		object("OrderStatus", "Order Status",
			ro(str("ApiName", 255)), ro(str("MasterLabel", 255)), ro(str("StatusCode", 40)),
			ro(typed("SortOrder", tInt)), ro(typed("IsDefault", tBoolean))),
		// Object Reference, "CurrencyType": not available in
		// single-currency organizations.
		object("CurrencyType", "Currency Type",
			ro(&fieldDef{name: "IsoCode", label: "Currency ISO Code", typ: tPicklist, length: 40}),
			ro(typed("ConversionRate", tDouble)), ro(typed("DecimalPlaces", tInt)),
			ro(typed("IsActive", tBoolean)), ro(typed("IsCorporate", tBoolean))),
	}
	objs[len(objs)-2].queryOnly = true
	objs[len(objs)-1].queryOnly = true
	m := map[string]*objectDef{}
	for _, o := range objs {
		m[strings.ToLower(o.name)] = o
	}
	return m
}

func lookupObject(name string) *objectDef { return schema[strings.ToLower(name)] }

func objectByPrefix(prefix string) *objectDef {
	for _, o := range schema {
		if o.prefix == prefix {
			return o
		}
	}
	return nil
}
