package sfsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"magesync/sync/salesforce"
)

// control serves the simulator's own API under /_sim/.
func (s *Sim) control(w http.ResponseWriter, r *http.Request) {
	bad := func(msg string) {
		writeJSON(w, 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: msg}})
	}
	path := strings.TrimPrefix(r.URL.Path, "/_sim")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case path == "/reset" && r.Method == http.MethodPost:
		s.resetLocked()
		writeJSON(w, 200, map[string]bool{"ok": true})
	case strings.HasPrefix(path, "/records/") && r.Method == http.MethodGet:
		def := lookupObject(strings.TrimPrefix(path, "/records/"))
		if def == nil {
			writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "no such sObject"}})
			return
		}
		out := []map[string]any{}
		if def.name == "OrderStatus" {
			for _, st := range s.org.statuses {
				out = append(out, statusRecord(st))
			}
		}
		if def.name == "CurrencyType" {
			for _, r := range s.org.currencyRows() {
				out = append(out, s.org.view(def, "62.0", r, nil))
			}
		}
		for _, rec := range s.org.all(def.name) {
			out = append(out, s.org.view(def, "62.0", rec, nil))
		}
		writeJSON(w, 200, out)
	case path == "/stats" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"apiCalls": s.used, "byRoute": s.byRoute, "faulted": s.faulted})
	case path == "/faults" && r.Method == http.MethodGet:
		writeJSON(w, 200, s.faults)
	case path == "/faults" && r.Method == http.MethodPut:
		var f Faults
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			bad("faults: " + err.Error())
			return
		}
		if f.Rate503 < 0 || f.Rate503 > 1 || f.RateLockRow < 0 || f.RateLockRow > 1 || f.ExpireTokensEvery < 0 || f.DailyLimit < 0 || f.LatencyMs < 0 || f.GraphNodeLimit < 0 {
			bad("faults: rates are between 0 and 1; counts are 0 or more")
			return
		}
		s.faults = f
		writeJSON(w, 200, s.faults)
	case path == "/currencies":
		s.controlCurrencies(w, r)
	case strings.HasPrefix(path, "/fields/"):
		s.controlFields(w, r, strings.TrimPrefix(path, "/fields/"))
	case path == "/orderstatuses" && r.Method == http.MethodGet:
		writeJSON(w, 200, s.org.statuses)
	case path == "/orderstatuses" && r.Method == http.MethodPut:
		var sts []OrderStatus
		if err := json.NewDecoder(r.Body).Decode(&sts); err != nil {
			bad("orderstatuses: " + err.Error())
			return
		}
		drafts := 0
		for _, st := range sts {
			if st.ApiName == "" || (st.StatusCode != "Draft" && st.StatusCode != "Activated") {
				bad("orderstatuses: each needs an ApiName and a StatusCode of Draft or Activated")
				return
			}
			if st.StatusCode == "Draft" {
				drafts++
			}
		}
		if drafts == 0 {
			bad("orderstatuses: an org needs at least one Draft-category status")
			return
		}
		s.org.statuses = sts
		writeJSON(w, 200, sts)
	default:
		writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "unknown control resource " + r.Method + " " + r.URL.Path}})
	}
}

func statusRecord(st OrderStatus) map[string]any {
	return map[string]any{"attributes": map[string]any{"type": "OrderStatus"}, "ApiName": st.ApiName,
		"MasterLabel": st.MasterLabel, "StatusCode": st.StatusCode, "SortOrder": float64(st.SortOrder), "IsDefault": st.IsDefault}
}

// CustomField is a field an admin adds to an object in Setup, as the
// control API takes it: PUT /_sim/fields/{SObject} with a JSON array.
type CustomField struct {
	Name   string   `json:"name"`             // ends in __c
	Label  string   `json:"label,omitempty"`  // default: from the name
	Type   string   `json:"type"`             // string, textarea, picklist, double, currency, int, date, datetime, boolean, email, phone
	Length int      `json:"length,omitempty"` // string: 1–255; textarea: up to 131,072
	Values []string `json:"values,omitempty"` // picklist: its values (restricted)
}

var customNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*__c$`)

// controlFields adds (PUT), lists (GET) or deletes (DELETE …/{Name}) an
// object's custom fields. The rules are the Metadata API's "CustomField":
// an API name of letters, digits and single underscores ending in __c;
// Text up to 255 characters, Long Text Area up to 131,072; a picklist's
// values restricted to its list.
func (s *Sim) controlFields(w http.ResponseWriter, r *http.Request, rest string) {
	bad := func(msg string) {
		writeJSON(w, 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: msg}})
	}
	name, field, _ := strings.Cut(rest, "/")
	def := lookupObject(name)
	if def == nil || def.queryOnly {
		writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "no such sObject " + name}})
		return
	}
	o := s.org
	switch {
	case r.Method == http.MethodGet && field == "":
	case r.Method == http.MethodDelete && field != "":
		before := len(o.custom[def.name])
		o.custom[def.name] = slices.DeleteFunc(o.custom[def.name], func(f *fieldDef) bool { return strings.EqualFold(f.name, field) })
		if len(o.custom[def.name]) == before {
			writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "no custom field " + field + " on " + def.name}})
			return
		}
		o.dropField(def.name, field)
	case r.Method == http.MethodPut && field == "":
		var in []CustomField
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			bad("fields: " + err.Error())
			return
		}
		for _, cf := range in {
			f, err := customField(cf)
			if err != "" {
				bad("fields: " + cf.Name + ": " + err)
				return
			}
			if def.field(f.name) != nil {
				bad("fields: " + def.name + " has a standard or magesync field " + f.name)
				return
			}
			o.custom[def.name] = slices.DeleteFunc(o.custom[def.name], func(x *fieldDef) bool { return strings.EqualFold(x.name, f.name) })
			o.custom[def.name] = append(o.custom[def.name], f)
		}
	default:
		writeJSON(w, 405, []salesforce.ErrorDetail{{ErrorCode: "METHOD_NOT_ALLOWED", Message: "GET, PUT /_sim/fields/{SObject}; DELETE /_sim/fields/{SObject}/{Name}"}})
		return
	}
	out := []CustomField{}
	for _, f := range o.custom[def.name] {
		out = append(out, CustomField{Name: f.name, Label: f.label, Type: string(f.typ), Length: f.length, Values: f.values})
	}
	writeJSON(w, 200, out)
}

func customField(cf CustomField) (*fieldDef, string) {
	if !customNameRe.MatchString(cf.Name) || len(cf.Name) > 43 {
		return nil, "an API name is letters, digits and single underscores, ending in __c, 43 characters at most"
	}
	f := &fieldDef{name: cf.Name, label: cf.Label, typ: fieldType(cf.Type), access: readWrite, custom: true}
	if f.label == "" {
		f.label = labelOf(f.name)
	}
	switch f.typ {
	case tString:
		if cf.Length < 1 || cf.Length > 255 {
			return nil, "a Text field holds 1 to 255 characters"
		}
		f.length = cf.Length
	case tTextarea:
		if cf.Length < 1 || cf.Length > 131072 {
			return nil, "a Long Text Area holds up to 131,072 characters"
		}
		f.length = cf.Length
	case tPicklist:
		if len(cf.Values) == 0 {
			return nil, "a picklist needs its values"
		}
		f.values, f.length = slices.Clone(cf.Values), 255
	case tEmail, tPhone:
		f = typed(cf.Name, f.typ)
		f.label, f.custom = cmp.Or(cf.Label, labelOf(cf.Name)), true
	case tDouble, tCurrency, tInt, tDate, tDatetime, tBoolean:
	default:
		return nil, "unknown type " + cf.Type
	}
	return f, ""
}
