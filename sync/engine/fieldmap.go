package engine

import (
	"context"
	"encoding/json"
	"errors"
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

// FieldValue is a mapped Magento value on its way to a Salesforce field,
// as Magento holds it (the conversion to the field's type is the plan's,
// which knows the org).
type FieldValue struct {
	Map store.FieldMap
	Raw string
}

// MarshalJSON is what the header's hash covers: where the value goes,
// when, and the value; not who made the mapping.
func (v FieldValue) MarshalJSON() ([]byte, error) {
	return json.Marshal([]string{v.Map.SObject, v.Map.Target, v.Map.Mode, v.Map.TooLong, v.Raw})
}

// mapSources are the values the batch's mappings read, by order and by item.
type mapSources struct {
	maps    []store.FieldMap
	orders  map[uint32]map[string]string
	items   map[uint32]map[string]string
	baseURL string // Magento's secure base URL, for computed.admin_url
}

// attach puts the mapped values of one order on its mapping: the Order's,
// and each line's (a line of an item has its item's).
func (ms *mapSources) attach(m *Mapped, o *store.Order, info StoreInfo) {
	if ms == nil {
		return
	}
	computed := map[string]string{
		"computed.customer_name":      strings.TrimSpace(o.CustomerFirstname + " " + o.CustomerLastname),
		"computed.increment_id":       o.IncrementID,
		"computed.order_increment_id": o.IncrementID,
		"computed.store_name":         info.Name,
		"computed.website_name":       info.Website,
		"computed.payment_title":      "",
	}
	if o.Payment != nil {
		computed["computed.payment_title"] = o.Payment.Title()
	}
	if ms.baseURL != "" {
		computed["computed.admin_url"] = strings.TrimSuffix(ms.baseURL, "/") + "/admin/sales/order/view/order_id/" + strconv.FormatUint(uint64(o.EntityID), 10) + "/"
	}
	value := func(src string, row map[string]string) (string, bool) {
		if v, ok := computed[src]; ok {
			return v, v != ""
		}
		v, ok := row[src]
		return v, ok
	}
	for _, mp := range ms.maps {
		switch mp.SObject {
		case "Order":
			if v, ok := value(mp.Source, ms.orders[o.EntityID]); ok {
				m.Fields = append(m.Fields, FieldValue{Map: mp, Raw: v})
			}
		case "OrderItem":
			for i := range m.Lines {
				id, err := strconv.ParseUint(m.Lines[i].Key, 10, 32)
				if err != nil {
					continue // shipping, tax and adjustment lines have no item
				}
				if v, ok := value(mp.Source, ms.items[uint32(id)]); ok {
					m.Lines[i].Fields = append(m.Lines[i].Fields, FieldValue{Map: mp, Raw: v})
				}
			}
		}
	}
}

// put writes the mapped values that apply (by their When) into body, each
// converted for its field as the org describes it; what cannot be sent is
// said in problems, naming the mapping, and left out.
func putMapped(body salesforce.Record, fields []FieldValue, sobject string, exists bool, org orgFacts, problems *[]string, n *[]string) {
	for _, fv := range fields {
		switch fv.Map.Mode {
		case store.MapCreate:
			if exists {
				continue
			}
		case store.MapUpdate:
			if !exists {
				continue
			}
		}
		f, ok := org.field(sobject, fv.Map.Target)
		switch {
		case !ok:
			*problems = append(*problems, fmt.Sprintf("mapping %s was not sent: Salesforce has no field %s on %s (deleted, or hidden from the integration user)",
				fv.Map.Label(), fv.Map.Target, sobject))
			continue
		case exists && !f.Updateable || !exists && !f.Createable:
			*problems = append(*problems, fmt.Sprintf("mapping %s was not sent: Salesforce does not let magesync write %s.%s", fv.Map.Label(), sobject, f.Name))
			continue
		}
		v, cut, err := convertValue(f, fv.Raw, fv.Map.TooLong == "cut")
		if err != "" {
			*problems = append(*problems, fmt.Sprintf("mapping %s was not sent: %s", fv.Map.Label(), err))
			continue
		}
		if cut {
			*n = append(*n, fmt.Sprintf("mapping %s was cut at the %d characters %s.%s holds", fv.Map.Label(), f.Length, sobject, f.Name))
		}
		body[f.Name] = v
	}
}

// convertValue turns a Magento value into what a Salesforce field of f's
// type takes (SOAP API Developer Guide, "Field Types"); err says why not.
func convertValue(f salesforce.Field, raw string, cutLong bool) (v any, cut bool, err string) {
	switch f.Type {
	case "double", "currency", "percent":
		x, e := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if e != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false, fmt.Sprintf("%q is not a number, and %s is a %s field", raw, f.Name, f.Type)
		}
		return x, false, ""
	case "int":
		x, e := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if e != nil || x != math.Trunc(x) || math.Abs(x) > 1<<31 {
			return nil, false, fmt.Sprintf("%q is not a whole number, and %s is a number field without decimals", raw, f.Name)
		}
		return int64(x), false, ""
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "1", "true", "yes":
			return true, false, ""
		case "0", "false", "no", "":
			return false, false, ""
		}
		return nil, false, fmt.Sprintf("%q is not yes or no, and %s is a checkbox", raw, f.Name)
	case "date":
		if t, e := time.Parse(time.DateOnly, strings.TrimSpace(firstN(raw, 10))); e == nil {
			return t.Format(time.DateOnly), false, ""
		}
		return nil, false, fmt.Sprintf("%q is not a date, and %s is a date field", raw, f.Name)
	case "datetime":
		for _, layout := range []string{time.DateTime, time.RFC3339, time.DateOnly} {
			if t, e := time.Parse(layout, strings.TrimSpace(raw)); e == nil {
				return t.UTC().Format("2006-01-02T15:04:05.000Z"), false, ""
			}
		}
		return nil, false, fmt.Sprintf("%q is not a date and time, and %s is a date/time field", raw, f.Name)
	case "picklist":
		var values []string
		for _, pv := range f.PicklistValues {
			if pv.Active {
				values = append(values, pv.Value)
			}
		}
		if len(values) > 0 && !slices.Contains(values, raw) {
			return nil, false, fmt.Sprintf("%q is not one of the values of the picklist %s (%s)", raw, f.Name, strings.Join(values, ", "))
		}
		return raw, false, ""
	}
	// Text of every kind.
	if f.Length > 0 && utf8.RuneCountInString(raw) > f.Length {
		if !cutLong {
			return nil, false, fmt.Sprintf("the value has %d characters and %s holds %d", utf8.RuneCountInString(raw), f.Name, f.Length)
		}
		return clip(raw, f.Length), true, ""
	}
	return raw, false, ""
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// mapSources reads what the enabled mappings need for a batch's orders.
func (e *Engine) mapSources(ctx context.Context, orderIDs []uint32) (*mapSources, error) {
	all, err := e.st.FieldMaps(ctx, "")
	if err != nil {
		return nil, err
	}
	ms := &mapSources{}
	for _, m := range all {
		if m.Enabled {
			ms.maps = append(ms.maps, m)
		}
	}
	if len(ms.maps) == 0 {
		return nil, nil
	}
	if ms.orders, ms.items, err = e.st.MappedValues(ctx, ms.maps, orderIDs); err != nil {
		return nil, err
	}
	if v, ok, err := e.st.ConfigValue(ctx, "web/secure/base_url", 0); err == nil && ok {
		ms.baseURL = v
	}
	return ms, nil
}

// refusesMapping reports whether Salesforce refused a field that one of the
// order's mappings writes.
func refusesMapping(m *Mapped, fail *salesforce.APIError) bool {
	targets := map[string]bool{}
	for _, f := range m.Fields {
		targets[strings.ToLower(f.Map.Target)] = true
	}
	for _, l := range m.Lines {
		for _, f := range l.Fields {
			targets[strings.ToLower(f.Map.Target)] = true
		}
	}
	if len(targets) == 0 {
		return false
	}
	for _, d := range fail.Errors {
		for _, f := range d.Fields {
			if targets[strings.ToLower(f)] {
				return true
			}
		}
		for t := range targets {
			if strings.Contains(strings.ToLower(d.Message), "'"+t+"'") {
				return true
			}
		}
	}
	return false
}

// forgetOrg drops the org's cached facts: the next batch reads them again.
func (e *Engine) forgetOrg() {
	e.mu.Lock()
	e.orgCache = nil
	e.mu.Unlock()
}

// Preview is what a mapping would send for one order.
type Preview struct {
	IncrementID string
	Raw         string // the Magento value ("" and Missing when the order has none)
	Missing     bool
	Sent        any    // what Salesforce would receive
	Problem     string // why it could not be sent
}

// ErrMappingRefused is returned by PreviewMapping when the field cannot
// take what the mapping would send.
var ErrMappingRefused = errors.New("the mapping cannot be saved")

// PreviewMapping checks a mapping against the org as it is now (the field
// exists and magesync may write it) and returns what it would send for
// the store's five most recent orders. A field the org lacks, or a value
// the field cannot take (not a number, not one of the picklist's values,
// too long when cutting is not chosen), is ErrMappingRefused, in words.
func (e *Engine) PreviewMapping(ctx context.Context, m store.FieldMap) ([]Preview, error) {
	org, err := e.org(ctx, 0)
	if err != nil {
		return nil, err
	}
	f, ok := org.field(m.SObject, m.Target)
	if !ok {
		return nil, fmt.Errorf("%w: Salesforce has no field %s on %s", ErrMappingRefused, m.Target, m.SObject)
	}
	if !f.Createable && !f.Updateable {
		return nil, fmt.Errorf("%w: Salesforce does not let magesync write %s.%s", ErrMappingRefused, m.SObject, f.Name)
	}
	ids, err := e.st.RecentOrderIDs(ctx, 5)
	if err != nil {
		return nil, err
	}
	orders, err := e.st.Orders(ctx, ids)
	if err != nil {
		return nil, err
	}
	ms := &mapSources{maps: []store.FieldMap{m}}
	if ms.orders, ms.items, err = e.st.MappedValues(ctx, ms.maps, ids); err != nil {
		return nil, err
	}
	if v, ok, err := e.st.ConfigValue(ctx, "web/secure/base_url", 0); err == nil && ok {
		ms.baseURL = v
	}
	settings, err := e.st.OrderSettings(ctx)
	if err != nil {
		return nil, err
	}
	var out []Preview
	var bad []string
	for _, o := range orders {
		mp, err := Map(o, settings, e.storeInfo(ctx, o.StoreID), pricing{})
		if err != nil {
			continue // an order magesync would not send says so itself
		}
		ms.attach(mp, o, e.storeInfo(ctx, o.StoreID))
		values := mp.Fields
		for _, l := range mp.Lines {
			values = append(values, l.Fields...)
		}
		if len(values) == 0 {
			out = append(out, Preview{IncrementID: o.IncrementID, Missing: true})
			continue
		}
		for _, fv := range values {
			p := Preview{IncrementID: o.IncrementID, Raw: fv.Raw}
			v, _, problem := convertValue(f, fv.Raw, m.TooLong == "cut")
			p.Sent, p.Problem = v, problem
			if problem != "" {
				bad = append(bad, fmt.Sprintf("order #%s: %s", o.IncrementID, problem))
			}
			out = append(out, p)
		}
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%w: %s", ErrMappingRefused, strings.Join(bad, "; "))
	}
	return out, nil
}

// MappingTargets lists the fields of sobject a mapping may write, as the
// org describes them now: those magesync may create or update, other than
// references and the fields magesync itself writes.
func (e *Engine) MappingTargets(ctx context.Context, sobject string) ([]salesforce.Field, error) {
	org, err := e.org(ctx, 0)
	if err != nil {
		return nil, err
	}
	d := org.describes[sobject]
	if d == nil {
		return nil, fmt.Errorf("no describe of %s", sobject)
	}
	var out []salesforce.Field
	for _, f := range d.Fields {
		if (f.Createable || f.Updateable) && f.Type != "reference" && !ownFields[f.Name] && !f.ExternalID {
			out = append(out, f)
		}
	}
	return out, nil
}

// MappingField is a mapping target as the org has it now; ok is false when
// the org has no such field (deleted since the mapping was made) or
// Salesforce cannot be asked (then err says why).
func (e *Engine) MappingField(ctx context.Context, sobject, name string) (f salesforce.Field, ok bool, err error) {
	org, err := e.orgFor(ctx)
	if err != nil {
		return f, false, err
	}
	f, ok = org.field(sobject, name)
	return f, ok, nil
}

// ownFields are the Order and OrderItem fields the engine writes itself and
// a mapping cannot take over: the status, the price book, the amounts and
// the addresses (which follow the org's picklists). The others it writes
// (Name, EffectiveDate, OrderReferenceNumber, Description) a mapping may
// replace: it is written after them.
var ownFields = map[string]bool{"Status": true, "Pricebook2Id": true,
	"Quantity": true, "UnitPrice": true, "BillingStreet": true, "BillingCity": true, "BillingState": true, "BillingStateCode": true,
	"BillingPostalCode": true, "BillingCountry": true, "BillingCountryCode": true, "ShippingStreet": true, "ShippingCity": true,
	"ShippingState": true, "ShippingStateCode": true, "ShippingPostalCode": true, "ShippingCountry": true, "ShippingCountryCode": true}
