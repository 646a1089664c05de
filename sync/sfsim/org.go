package sfsim

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"magesync/sync/salesforce"
)

// record is one sObject as a write or a read works on it (the org keeps it
// packed): field name (as the schema spells it) → value (string, float64,
// bool or nil).
type record map[string]any

// apiError is a failed operation: an HTTP status and Salesforce's errors.
type apiError struct {
	status  int
	details []salesforce.ErrorDetail
	dml     bool // a record refused: its errors carry "fields", [] when none
}

func (e *apiError) Error() string {
	if len(e.details) == 0 {
		return fmt.Sprint(e.status)
	}
	return e.details[0].ErrorCode + ": " + e.details[0].Message
}

func fail(status int, code, msg string, fields ...string) *apiError {
	return &apiError{status: status, details: []salesforce.ErrorDetail{{ErrorCode: code, Message: msg, Fields: fields}}}
}

// badRequest is a record Salesforce refused (a DML error).
func badRequest(code, msg string, fields ...string) *apiError {
	e := fail(400, code, msg, fields...)
	e.dml = true
	return e
}

var errNotFound = fail(404, "NOT_FOUND", "The requested resource does not exist")

const lockedMsg = "Unable to modify activated or superseded Order: cannot delete Order, or add or remove Order Products"
const activatedCreateMsg = "Choose a valid status and save your changes. For a new or cloned order, choose Draft. An Activated order's status can't be edited."

// OrderStatus is one value of Order.Status, as the OrderStatus object and
// the /_sim/orderstatuses control resource hold it.
type OrderStatus struct {
	ApiName     string `json:"ApiName"`
	MasterLabel string `json:"MasterLabel"`
	StatusCode  string `json:"StatusCode"`
	SortOrder   int    `json:"SortOrder"`
	IsDefault   bool   `json:"IsDefault"`
}

func defaultStatuses() []OrderStatus {
	return []OrderStatus{
		{"Draft", "Draft", "Draft", 1, true},
		{"Activated", "Activated", "Activated", 2, false},
	}
}

type undo struct {
	sobject, id string
	prev        packed // nil: the record did not exist
}

// org is the simulated org's data. Its methods are called with Sim.mu held.
type org struct {
	id  string
	seq int
	// Records and indexes hold IDs by the number each was made from
	// (seqOf): a million orders' ID strings were tens of millions of
	// pointers for the collector to follow.
	records map[string]map[uint32]packed     // object → ID's number → record
	unique  map[fieldKey]map[string][]uint32 // external ID field → lower(value) → IDs' numbers
	// refs indexes every reference field, as an org's foreign keys are:
	// parent's number → children's, mostly in the order they were written.
	refs map[fieldKey]map[uint32][]uint32
	// names are the field names records are packed with, by slot.
	names    []string
	slots    map[string]uint64
	statuses []OrderStatus
	// custom are the fields an admin added to this org (PUT /_sim/fields),
	// by object name.
	custom     map[string][]*fieldDef
	currencies Currencies
	// seedCurrencies are the currencies the org was created with.
	seedCurrencies Currencies
	journal        []undo
	now            func() time.Time
	rules          *Faults
	orderSeq       int
	itemSeq        int
	stdBookID      string
}

func newOrg(now func() time.Time, rules *Faults, currencies Currencies) *org {
	o := &org{id: "00D5g000004SIMU", now: now, rules: rules, seedCurrencies: currencies}
	o.reset()
	return o
}

func (o *org) reset() {
	o.records = map[string]map[uint32]packed{}
	o.unique = map[fieldKey]map[string][]uint32{}
	o.refs = map[fieldKey]map[uint32][]uint32{}
	if o.slots == nil {
		o.slots = map[string]uint64{}
	}
	o.statuses = defaultStatuses()
	o.custom = map[string][]*fieldDef{}
	o.currencies = o.seedCurrencies
	o.journal = nil
	o.seq, o.orderSeq, o.itemSeq = 0, 0, 0
	id := o.newID("Pricebook2")
	o.put("Pricebook2", id, record{"Id": id, "Name": "Standard Price Book", "IsActive": true, "IsStandard": true,
		"CreatedDate": o.stamp(), "LastModifiedDate": o.stamp()})
	o.stdBookID = id
	o.journal = nil
}

// id18 is the org's ID with its checksum, as identity URLs carry it.
func (o *org) id18() string {
	id, _ := salesforce.NormalizeID(o.id)
	return id
}

func (o *org) stamp() string { return o.now().UTC().Format("2006-01-02T15:04:05.000+0000") }

// newID makes an 18-character ID with the object's key prefix and the org's
// instance characters, as Salesforce's are shaped.
func (o *org) newID(sobject string) string {
	o.seq++
	return idOf(sobject, uint32(o.seq))
}

const (
	idDigits   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	idInstance = "5g00000"
)

// idOf is the ID made from seq for an sObject: key prefix, instance
// characters, seq in five base-62 digits (in ASCII order, so IDs sort as
// their numbers do), checksum.
func idOf(sobject string, seq uint32) string {
	var tail [5]byte
	for i := 4; i >= 0; i-- {
		tail[i] = idDigits[seq%62]
		seq /= 62
	}
	id18, _ := salesforce.NormalizeID(salesforce.KeyPrefixes[sobject] + idInstance + string(tail[:]))
	return id18
}

// seqOf is the number an 18-character ID of this org was made from; false
// for an ID no org of the simulator makes.
func seqOf(id string) (uint32, bool) {
	if len(id) != 18 || id[3:10] != idInstance {
		return 0, false
	}
	var n uint32
	for i := 10; i < 15; i++ {
		d := strings.IndexByte(idDigits, id[i])
		if d < 0 {
			return 0, false
		}
		n = n*62 + uint32(d)
	}
	return n, true
}

// idsOf are the IDs of an sObject's records by number, in ID order.
func idsOf(sobject string, seqs []uint32) []string {
	out := make([]string, len(seqs))
	for i, s := range slices.Sorted(slices.Values(seqs)) {
		out[i] = idOf(sobject, s)
	}
	return out
}

// stored is a record by ID, packed; nil when there is none.
func (o *org) stored(sobject, id string) packed {
	seq, ok := seqOf(id)
	if !ok {
		return nil
	}
	return o.records[sobject][seq]
}

// put stores rec under id, keeping the indexes right and journaling the
// previous state for rollback.
func (o *org) put(sobject, id string, rec record) { o.putPacked(sobject, id, o.pack(rec)) }

func (o *org) putPacked(sobject, id string, p packed) {
	prev := o.stored(sobject, id)
	o.journal = append(o.journal, undo{sobject, id, prev})
	o.store(sobject, id, prev, p)
}

func (o *org) remove(sobject, id string) {
	prev := o.stored(sobject, id)
	if prev == nil {
		return
	}
	o.journal = append(o.journal, undo{sobject, id, prev})
	o.store(sobject, id, prev, nil)
}

// store writes p (nil: deletes) over old without journaling.
func (o *org) store(sobject, id string, old, p packed) {
	def := lookupObject(sobject)
	seq, ok := seqOf(id)
	if !ok {
		panic("sfsim: store " + sobject + " under " + id + ", not an ID of this org")
	}
	slots := o.slotsOf(def.indexed)
	was, is := pick(old, slots), pick(p, slots)
	for i, f := range def.indexed {
		// An update mostly leaves the indexed fields as they were (an
		// order's total, its status): those keep their index entries.
		if was[i] == is[i] {
			continue
		}
		k := fieldKey{sobject, f.name}
		if was[i] != "" {
			if f.external {
				o.unindex(k, was[i], seq)
			} else {
				o.unref(k, was[i], seq)
			}
		}
		if is[i] == "" {
			continue
		}
		if f.external {
			if o.unique[k] == nil {
				o.unique[k] = map[string][]uint32{}
			}
			lv := strings.ToLower(is[i])
			o.unique[k][lv] = append(o.unique[k][lv], seq)
		} else if parent, ok := seqOf(is[i]); ok { // references are checked on write
			if o.refs[k] == nil {
				o.refs[k] = map[uint32][]uint32{}
			}
			o.refs[k][parent] = append(o.refs[k][parent], seq)
		}
	}
	if p == nil {
		delete(o.records[sobject], seq)
		return
	}
	if o.records[sobject] == nil {
		o.records[sobject] = map[uint32]packed{}
	}
	o.records[sobject][seq] = p
}

func (o *org) unref(key fieldKey, parentID string, id uint32) {
	parent, _ := seqOf(parentID)
	kids := o.refs[key][parent]
	// The child a rollback takes away is mostly the last one written.
	for i := len(kids) - 1; i >= 0; i-- {
		if kids[i] == id {
			kids = slices.Delete(kids, i, i+1)
			break
		}
	}
	if len(kids) == 0 {
		delete(o.refs[key], parent)
	} else {
		o.refs[key][parent] = kids
	}
}

// referring lists, in ID order, the ids of sobject's records whose field
// refers to parent.
func (o *org) referring(sobject, field, parent string) []string {
	seq, ok := seqOf(parent)
	if !ok {
		return nil
	}
	return idsOf(sobject, o.refs[fieldKey{sobject, field}][seq])
}

// items are an order's order items, by number; the caller must not change
// them.
func (o *org) items(orderID string) []uint32 {
	seq, _ := seqOf(orderID)
	return o.refs[fieldKey{"OrderItem", "OrderId"}][seq]
}

// fieldKey names an indexed field of an object.
type fieldKey struct{ object, field string }

func (o *org) unindex(key fieldKey, v string, id uint32) {
	lv := strings.ToLower(v)
	ids := slices.DeleteFunc(o.unique[key][lv], func(x uint32) bool { return x == id })
	if len(ids) == 0 {
		delete(o.unique[key], lv)
	} else {
		o.unique[key][lv] = ids
	}
}

func (r record) str(f string) string {
	s, _ := r[f].(string)
	return s
}

func (r record) num(f string) float64 {
	n, _ := r[f].(float64)
	return n
}

// mark and rollbackTo give savepoints; begin/commit/rollback a transaction.
func (o *org) mark() int { return len(o.journal) }

func (o *org) rollbackTo(m int) {
	for i := len(o.journal) - 1; i >= m; i-- {
		u := o.journal[i]
		o.store(u.sobject, u.id, o.stored(u.sobject, u.id), u.prev)
	}
	o.journal = o.journal[:m]
}

func (o *org) begin()    { o.journal = o.journal[:0] }
func (o *org) commit()   { o.journal = o.journal[:0] }
func (o *org) rollback() { o.rollbackTo(0) }

// field is def's field of that name as this org has it: the address code
// fields exist only while State and Country/Territory picklists are on.
func (o *org) field(def *objectDef, name string) *fieldDef {
	f := def.field(name)
	if f == nil {
		for _, c := range o.custom[def.name] {
			if strings.EqualFold(c.name, name) {
				return c
			}
		}
		return nil
	}
	if f.picklistCode && !o.rules.picklists() || f.currency && !o.multiCurrency() {
		return nil
	}
	return f
}

// fields lists def's fields as this org has them, custom fields last.
func (o *org) fields(def *objectDef) []*fieldDef {
	out := slices.Clone(def.fields)
	if !o.rules.picklists() {
		out = slices.DeleteFunc(out, func(f *fieldDef) bool { return f.picklistCode })
	}
	if !o.multiCurrency() {
		out = slices.DeleteFunc(out, func(f *fieldDef) bool { return f.currency })
	}
	return append(out, o.custom[def.name]...)
}

// get returns a record by ID of any object, with its object name.
func (o *org) find(id string) (string, record) {
	id18, err := salesforce.NormalizeID(id)
	if err != nil {
		return "", nil
	}
	def := objectByPrefix(id18[:3])
	if def == nil {
		return "", nil
	}
	return def.name, o.get(def.name, id18)
}

func (o *org) byExternal(sobject, field, value string) []string {
	return idsOf(sobject, o.unique[fieldKey{sobject, field}][strings.ToLower(value)])
}

func (o *org) status(api string) (OrderStatus, bool) {
	for _, s := range o.statuses {
		if s.ApiName == api {
			return s, true
		}
	}
	return OrderStatus{}, false
}

var dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// coerce checks and converts the body of a write: unknown fields, fields not
// writable on this operation, types, lengths and references.
func (o *org) coerce(def *objectDef, body map[string]any, creating bool) (record, *apiError) {
	out := record{}
	var notWritable []string
	keys := slices.Sorted(maps.Keys(body))
	for _, k := range keys {
		v := body[k]
		if k == "attributes" {
			continue
		}
		f := o.field(def, k)
		if f == nil {
			return nil, badRequest("INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", k, def.name))
		}
		if creating && f.name == "Id" {
			// REST API Developer Guide, "Create a Record".
			return nil, &apiError{status: 400, details: []salesforce.ErrorDetail{{ErrorCode: "INVALID_FIELD",
				Message: "The Id field should not be specified in the sobject data."}}}
		}
		if creating && !f.createable() || !creating && !f.updateable() {
			notWritable = append(notWritable, f.name)
			continue
		}
		cv, err := o.coerceValue(f, v)
		if err != nil {
			return nil, err
		}
		out[f.name] = cv
	}
	if len(notWritable) > 0 {
		return nil, badRequest("INVALID_FIELD_FOR_INSERT_UPDATE",
			fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
				strings.Join(notWritable, ", ")), notWritable...)
	}
	return out, nil
}

func (o *org) coerceValue(f *fieldDef, v any) (any, *apiError) {
	if v == nil {
		return nil, nil
	}
	parseErr := func() *apiError {
		return badRequest("JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of %s from %s value %v or request may be missing a required field",
			f.typ, jsonKind(v), v), f.name)
	}
	switch f.typ {
	case tBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, parseErr()
		}
		return b, nil
	case tDouble, tCurrency, tInt:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, parseErr()
			}
			return n, nil
		case string:
			x, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return nil, parseErr()
			}
			return x, nil
		}
		return nil, parseErr()
	case tDate:
		s, ok := v.(string)
		if !ok || !dateRe.MatchString(s) {
			return nil, parseErr()
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, parseErr()
		}
		return s, nil
	case tReference:
		s, ok := v.(string)
		if !ok {
			return nil, parseErr()
		}
		if s == "" {
			return nil, nil
		}
		id, err := salesforce.NormalizeID(s)
		target := ""
		if err == nil {
			target = objectOfID(id)
		}
		if err != nil || (f.refTo[0] != "*" && !slices.Contains(f.refTo, target)) {
			return nil, badRequest("MALFORMED_ID", fmt.Sprintf("%s ID: id value of incorrect type: %s", labelOf(f.name), s), f.name)
		}
		if target == "" || !o.exists(target, id) {
			return nil, badRequest("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", f.name)
		}
		return id, nil
	default: // string-like
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return nil, parseErr()
		}
		if f.length > 0 && !f.picklistCode && utf8.RuneCountInString(s) > f.length {
			return nil, badRequest("STRING_TOO_LONG", fmt.Sprintf("%s: data value too large: %s (max length=%d)", labelOf(f.name), truncate(s, 40), f.length), f.name)
		}
		if f.typ == tEmail && s != "" && !salesforce.ValidEmail(s) {
			return nil, badRequest("INVALID_EMAIL_ADDRESS", fmt.Sprintf("%s: invalid email address: %s", labelOf(f.name), truncate(s, 80)), f.name)
		}
		if f.typ == tPicklist && len(f.values) > 0 && !slices.Contains(f.values, s) {
			return nil, badRequest("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f.label+": bad value for restricted picklist field: "+s, f.name)
		}
		if f.currency {
			if err := o.checkCurrencyCode(f, s); err != nil {
				return nil, err
			}
		}
		if f.typ == tPicklist && f.name == "Status" {
			if _, ok := o.status(s); !ok {
				return nil, badRequest("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status: bad value for restricted picklist field: "+s, "Status")
			}
		}
		return s, nil
	}
}

func objectOfID(id18 string) string {
	if d := objectByPrefix(id18[:3]); d != nil {
		return d.name
	}
	return ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "VALUE_STRING"
	case float64:
		return "VALUE_NUMBER_FLOAT"
	case bool:
		return "VALUE_TRUE"
	case map[string]any:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	}
	return "VALUE_NULL"
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}

func requireFields(def *objectDef, rec record) *apiError {
	var missing []string
	for _, f := range def.fields {
		if f.required {
			if v, ok := rec[f.name]; !ok || v == nil || v == "" {
				missing = append(missing, f.name)
			}
		}
	}
	if len(missing) > 0 {
		return badRequest("REQUIRED_FIELD_MISSING", "Required fields are missing: ["+strings.Join(missing, ", ")+"]", missing...)
	}
	return nil
}

func (o *org) checkUnique(def *objectDef, id string, rec record) *apiError {
	for _, f := range def.fields {
		if !f.unique {
			continue
		}
		v, ok := rec[f.name].(string)
		if !ok || v == "" {
			continue
		}
		for _, other := range o.byExternal(def.name, f.name, v) {
			if other != id {
				return badRequest("DUPLICATE_VALUE", fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", f.name, other), f.name)
			}
		}
	}
	return nil
}

// insert creates a record after every rule Salesforce applies.
func (o *org) insert(sobject string, body map[string]any) (string, *apiError) {
	def := lookupObject(sobject)
	if def == nil || def.queryOnly {
		return "", errNotFound
	}
	rec, err := o.coerce(def, body, true)
	if err != nil {
		return "", err
	}
	if err := o.normalizeAddresses(def.name, rec, rec); err != nil {
		return "", err
	}
	if err := requireFields(def, rec); err != nil {
		return "", err
	}
	if err := o.checkUnique(def, "", rec); err != nil {
		return "", err
	}
	o.currencyOnCreate(def, rec)
	if err := o.beforeInsert(def.name, rec); err != nil {
		return "", err
	}
	id := o.newID(def.name)
	rec["Id"] = id
	rec["CreatedDate"], rec["LastModifiedDate"] = o.stamp(), o.stamp()
	o.put(def.name, id, rec)
	o.afterWrite(def.name, rec)
	return id, nil
}

func (o *org) beforeInsert(sobject string, rec record) *apiError {
	switch sobject {
	case "Contact":
		rec["Name"] = personName(rec)
	case "Order":
		st, _ := o.status(rec.str("Status"))
		if st.StatusCode != "Draft" {
			return badRequest(o.rules.createActivatedCode(), activatedCreateMsg, "Status")
		}
		rec["StatusCode"] = "Draft"
		rec["TotalAmount"] = 0.0
		o.orderSeq++
		rec["OrderNumber"] = fmt.Sprintf("%08d", o.orderSeq)
		if b := rec.str("Pricebook2Id"); b != "" {
			if bk := o.stored("Pricebook2", b); bk == nil || o.value(bk, "IsActive") != true {
				return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: Pricebook2Id (price book is not active)", "Pricebook2Id")
			}
		}
	case "OrderItem":
		// Read in place: an order is read again for each of its products.
		ord := o.stored("Order", rec.str("OrderId"))
		if ord == nil {
			return badRequest("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", "OrderId")
		}
		book, currency := o.text(ord, "Pricebook2Id"), o.text(ord, "CurrencyIsoCode")
		if o.text(ord, "StatusCode") != "Draft" {
			return badRequest("ENTITY_IS_LOCKED", lockedMsg)
		}
		pbe := o.get("PricebookEntry", rec.str("PricebookEntryId"))
		if pbe == nil {
			return badRequest("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", "PricebookEntryId")
		}
		if book == "" {
			return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: PricebookEntryId (pricebook not set on order)", "PricebookEntryId")
		}
		if pbe.str("Pricebook2Id") != book {
			return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the order)", "PricebookEntryId")
		}
		if pbe["IsActive"] != true {
			return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: PricebookEntryId (pricebook entry is inactive)", "PricebookEntryId")
		}
		if o.multiCurrency() {
			// An order product takes its order's currency, and its price
			// book entry must be in that currency (Object Reference,
			// "OrderItem", "PricebookEntry").
			if pbe.str("CurrencyIsoCode") != currency {
				return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: PricebookEntryId (pricebook entry currency code does not match order currency code)", "PricebookEntryId")
			}
			rec["CurrencyIsoCode"] = currency
		}
		if err := o.checkQuantity(rec); err != nil {
			return err
		}
		rec["Product2Id"] = pbe.str("Product2Id")
		rec["ListPrice"] = pbe["UnitPrice"]
		rec["TotalPrice"] = round2(rec.num("Quantity") * rec.num("UnitPrice"))
		o.itemSeq++
		rec["OrderItemNumber"] = fmt.Sprintf("%010d", o.itemSeq)
	case "PricebookEntry":
		book := o.get("Pricebook2", rec.str("Pricebook2Id"))
		prod := rec.str("Product2Id")
		// One entry per product, price book and (in a multi-currency org)
		// currency; a product needs a standard price in a currency before
		// any other price book may list it in that currency.
		cur := rec.str("CurrencyIsoCode")
		if o.hasEntry(prod, rec.str("Pricebook2Id"), cur) {
			return badRequest("DUPLICATE_VALUE", "This price definition already exists in this price book")
		}
		if book["IsStandard"] != true {
			if !o.hasEntry(prod, o.stdBookID, cur) {
				return badRequest("STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product")
			}
		} else if rec["UseStandardPrice"] == true {
			return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: UseStandardPrice (standard price book entries cannot use the standard price)", "UseStandardPrice")
		}
		p := o.get("Product2", prod)
		rec["Name"], rec["ProductCode"] = p["Name"], p["ProductCode"]
		if _, ok := rec["IsActive"]; !ok {
			rec["IsActive"] = false
		}
	case "Product2", "Pricebook2":
		if _, ok := rec["IsActive"]; !ok {
			rec["IsActive"] = false
		}
	case "Note":
		if _, parent := o.find(rec.str("ParentId")); parent == nil {
			return badRequest("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", "ParentId")
		}
		if _, ok := rec["IsPrivate"]; !ok {
			rec["IsPrivate"] = false
		}
	}
	return nil
}

// hasEntry reports whether a price book lists a product in a currency.
func (o *org) hasEntry(product, book, currency string) bool {
	p, _ := seqOf(product)
	for _, seq := range o.refs[fieldKey{"PricebookEntry", "Product2Id"}][p] {
		e := o.records["PricebookEntry"][seq]
		if o.text(e, "Pricebook2Id") == book && o.text(e, "CurrencyIsoCode") == currency {
			return true
		}
	}
	return false
}

// afterWrite keeps computed fields right: item totals and order totals.
func (o *org) afterWrite(sobject string, rec record) {
	if sobject == "OrderItem" {
		o.recomputeOrder(rec.str("OrderId"))
	}
}

func (o *org) recomputeOrder(orderID string) {
	ord := o.stored("Order", orderID)
	if ord == nil {
		return
	}
	total := 0.0
	for _, seq := range o.items(orderID) {
		n, _ := o.value(o.records["OrderItem"][seq], "TotalPrice").(float64)
		total += n
	}
	if n, _ := o.value(ord, "TotalAmount").(float64); n != round2(total) {
		o.putPacked("Order", orderID, o.with(ord, "TotalAmount", round2(total)))
	}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// existing finds a writable record by ID; missing is the error when there
// is no such record.
func (o *org) existing(sobject, id string, missing *apiError) (*objectDef, string, record, *apiError) {
	def := lookupObject(sobject)
	if def == nil || def.queryOnly {
		return nil, "", nil, errNotFound
	}
	id18, err := salesforce.NormalizeID(id)
	if err != nil {
		return nil, "", nil, badRequest("MALFORMED_ID", fmt.Sprintf("%s ID: id value of incorrect type: %s", def.label, id))
	}
	cur := o.get(def.name, id18)
	if cur == nil {
		return nil, "", nil, missing
	}
	return def, id18, cur, nil
}

// update changes fields of a record after Salesforce's rules.
func (o *org) update(sobject, id string, body map[string]any) *apiError {
	def, id18, cur, aerr := o.existing(sobject, id, errNotFound)
	if aerr != nil {
		return aerr
	}
	changes, aerr := o.coerce(def, body, false)
	if aerr != nil {
		return aerr
	}
	next := maps.Clone(cur)
	maps.Copy(next, changes)
	if err := o.normalizeAddresses(def.name, next, changes); err != nil {
		return err
	}
	if err := requireFields(def, next); err != nil {
		return err
	}
	if err := o.checkUnique(def, id18, next); err != nil {
		return err
	}
	if err := o.beforeUpdate(def.name, id18, cur, next, changes); err != nil {
		return err
	}
	next["LastModifiedDate"] = o.stamp()
	o.put(def.name, id18, next)
	o.afterWrite(def.name, next)
	return nil
}

func (o *org) beforeUpdate(sobject, id string, cur, next, changes record) *apiError {
	switch sobject {
	case "Contact":
		next["Name"] = personName(next)
	case "Order":
		wasActive := cur.str("StatusCode") == "Activated"
		newStatus, _ := o.status(next.str("Status"))
		if _, changing := changes["Status"]; changing {
			next["StatusCode"] = newStatus.StatusCode
		}
		activating := !wasActive && newStatus.StatusCode == "Activated"
		if activating {
			if len(changes) > 1 {
				others := slices.DeleteFunc(slices.Sorted(maps.Keys(changes)), func(k string) bool { return k == "Status" })
				return badRequest("FIELD_INTEGRITY_EXCEPTION",
					"When you activate an order, Status must be the only field you change. Also changed: "+strings.Join(others, ", "), others...)
			}
			if o.rules.needsItems() && len(o.items(id)) == 0 {
				return badRequest("FIELD_INTEGRITY_EXCEPTION", "You can't activate an order that has no order products.", "Status")
			}
			next["ActivatedDate"] = o.stamp()
		}
		stillActive := wasActive && newStatus.StatusCode == "Activated"
		if v, ok := changes["CurrencyIsoCode"]; ok && v != cur["CurrencyIsoCode"] && len(o.items(id)) > 0 {
			// Its products are priced in the order's currency.
			return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: CurrencyIsoCode (you can't change the currency of an order that has order products)", "CurrencyIsoCode")
		}
		for _, f := range []string{"AccountId", "Pricebook2Id"} {
			if v, ok := changes[f]; ok && v != cur[f] {
				if stillActive {
					return badRequest("ENTITY_IS_LOCKED", "Unable to modify activated or superseded Order: cannot change "+f, f)
				}
				// Object Reference, "Order": Pricebook2Id can't be changed
				// once it is set.
				if f == "Pricebook2Id" && cur.str("Pricebook2Id") != "" {
					return badRequest("FIELD_INTEGRITY_EXCEPTION", "field integrity exception: Pricebook2Id (the price book of an order can't be changed once it is set)", f)
				}
			}
		}
		if !newStatus.isActivated() {
			delete(next, "ActivatedDate")
		}
	case "OrderItem":
		if ord := o.stored("Order", cur.str("OrderId")); ord != nil && o.text(ord, "StatusCode") != "Draft" {
			return badRequest("ENTITY_IS_LOCKED", lockedMsg)
		}
		if err := o.checkQuantity(next); err != nil {
			return err
		}
	}
	if sobject == "OrderItem" {
		next["TotalPrice"] = round2(next.num("Quantity") * next.num("UnitPrice"))
	}
	return nil
}

func (s OrderStatus) isActivated() bool { return s.StatusCode == "Activated" }

// upsert creates or updates by external ID: 201 created, 200 updated, 300
// several matches.
func (o *org) upsert(sobject, field, value string, body map[string]any) (id string, status int, err *apiError) {
	def := lookupObject(sobject)
	if def == nil || def.queryOnly {
		return "", 0, errNotFound
	}
	f := def.field(field)
	if f == nil || !(f.external || f.name == "Id") {
		return "", 0, fail(404, "NOT_FOUND", fmt.Sprintf("Provided external ID field does not exist or is not accessible: %s", field))
	}
	if v, ok := body[f.name]; ok && v != value {
		return "", 0, badRequest("INVALID_FIELD", fmt.Sprintf("The value of %s in the body (%v) does not match the URL (%s)", f.name, v, value), f.name)
	}
	var ids []string
	if f.name == "Id" {
		if id18, e := salesforce.NormalizeID(value); e == nil && o.exists(def.name, id18) {
			ids = []string{id18}
		}
	} else {
		ids = o.byExternal(def.name, f.name, value)
	}
	switch len(ids) {
	case 0:
		b := maps.Clone(body)
		if b == nil {
			b = map[string]any{}
		}
		if f.name != "Id" {
			b[f.name] = value
		}
		id, err := o.insert(def.name, b)
		return id, 201, err
	case 1:
		b := maps.Clone(body)
		delete(b, f.name)
		// Create-only fields in the body fail here, as on Salesforce: an
		// upsert that updates is an update.
		id := ids[0]
		return id, 200, o.update(def.name, id, b)
	}
	return "", 300, nil
}

// delete removes a record (and an order's items and notes).
func (o *org) delete(sobject, id string) *apiError {
	def, id18, cur, aerr := o.existing(sobject, id, errNotFound)
	if aerr != nil {
		return aerr
	}
	switch def.name {
	case "Order":
		if cur.str("StatusCode") != "Draft" {
			return badRequest("ENTITY_IS_LOCKED", lockedMsg)
		}
		for _, item := range idsOf("OrderItem", o.items(id18)) {
			o.remove("OrderItem", item)
		}
	case "OrderItem":
		if ord := o.stored("Order", cur.str("OrderId")); ord != nil && o.text(ord, "StatusCode") != "Draft" {
			return badRequest("ENTITY_IS_LOCKED", lockedMsg)
		}
	case "Pricebook2":
		if cur["IsStandard"] == true {
			return badRequest("DELETE_FAILED", "You can't delete the standard price book.")
		}
	}
	for _, nid := range o.notesOf(id18) {
		o.remove("Note", nid)
	}
	o.remove(def.name, id18)
	if def.name == "OrderItem" {
		o.recomputeOrder(cur.str("OrderId"))
	}
	return nil
}

func (o *org) notesOf(parent string) []string { return o.referring("Note", "ParentId", parent) }

// view returns a record as the REST API shows it: every field, with
// attributes; fields limits the set when given.
func (o *org) view(def *objectDef, apiVersion string, rec record, fields []string) map[string]any {
	out := map[string]any{"attributes": map[string]any{"type": def.name,
		"url": "/services/data/v" + apiVersion + "/sobjects/" + def.name + "/" + rec.str("Id")}}
	if len(fields) == 0 {
		for _, f := range o.fields(def) {
			out[f.name] = rec[f.name]
		}
		return out
	}
	for _, name := range fields {
		if f := o.field(def, name); f != nil {
			out[f.name] = rec[f.name]
		}
	}
	return out
}

// checkQuantity applies OrderSettings: no zero quantities, and negative ones
// only where enableNegativeQuantity is on (off in a new org).
func (o *org) checkQuantity(item record) *apiError {
	q := item.num("Quantity")
	switch {
	case q == 0:
		return badRequest("FIELD_INTEGRITY_EXCEPTION", "Quantity: Quantity can't be zero.", "Quantity")
	case q < 0 && !o.rules.EnableNegativeQuantity:
		return badRequest("FIELD_INTEGRITY_EXCEPTION", "Quantity: Quantity can't be negative.", "Quantity")
	}
	return nil
}

// Salesforce's own words for address values outside the picklists (seen in
// the errors integrations log; the Help's "State and Country/Territory
// Picklists" describes the validation).
const (
	badCountryMsg = "There's a problem with this country, even though it may appear correct. Please select a country from the list of valid countries."
	badStateMsg   = "There's a problem with this state, even though it may appear correct. Please select a state from the list of valid states."
)

// normalizeAddresses applies State and Country/Territory picklists to the
// compound addresses of a record being written: a country is its
// integration value (the name) or its ISO code, a state must belong to the
// country, and setting either of a pair fills the other. changes are the
// fields this write sets; next is the record as it will be.
func (o *org) normalizeAddresses(sobject string, next, changes record) *apiError {
	if !o.rules.picklists() {
		return nil
	}
	for _, p := range addressPrefixes[sobject] {
		cName, cCode, sName, sCode := p+"Country", p+"CountryCode", p+"State", p+"StateCode"
		_, nameSet := changes[cName]
		_, codeSet := changes[cCode]
		var c *country
		switch {
		case codeSet && changes[cCode] != nil:
			if c = addresses.byCode[next.str(cCode)]; c == nil {
				return badRequest("FIELD_INTEGRITY_EXCEPTION", badCountryMsg, cCode)
			}
			if nameSet && changes[cName] != nil && !strings.EqualFold(next.str(cName), c.name) {
				return badRequest("FIELD_INTEGRITY_EXCEPTION", badCountryMsg, cName)
			}
		case nameSet && changes[cName] != nil:
			if c = addresses.byName[strings.ToLower(next.str(cName))]; c == nil {
				return badRequest("FIELD_INTEGRITY_EXCEPTION", badCountryMsg, cName)
			}
		case codeSet || nameSet: // cleared
		default:
			c = addresses.byCode[next.str(cCode)]
		}
		if c != nil {
			next[cName], next[cCode] = c.name, c.code
		} else {
			next[cName], next[cCode] = nil, nil
		}

		_, sNameSet := changes[sName]
		_, sCodeSet := changes[sCode]
		if !sNameSet && !sCodeSet && !nameSet && !codeSet {
			continue
		}
		// lookup finds the state a field names in the country, by code or name.
		lookup := func(field string) (*state, *apiError) {
			if c != nil {
				var s state
				var ok bool
				if field == sCode {
					s, ok = c.stateByCode(next.str(sCode))
				} else {
					s, ok = c.stateByName(next.str(sName))
				}
				if ok {
					return &s, nil
				}
			}
			return nil, badRequest("FIELD_INTEGRITY_EXCEPTION", badStateMsg, field)
		}
		var st *state
		var err *apiError
		switch {
		case sCodeSet && changes[sCode] != nil:
			if st, err = lookup(sCode); err == nil && sNameSet && changes[sName] != nil && !strings.EqualFold(next.str(sName), st.name) {
				err = badRequest("FIELD_INTEGRITY_EXCEPTION", badStateMsg, sName)
			}
		case sNameSet && changes[sName] != nil:
			st, err = lookup(sName)
		case sNameSet || sCodeSet: // cleared
		case next[sCode] != nil: // the country changed under a state
			st, err = lookup(sCode)
		}
		if err != nil {
			return err
		}
		if st != nil {
			next[sName], next[sCode] = st.name, st.code
		} else {
			next[sName], next[sCode] = nil, nil
		}
	}
	return nil
}
