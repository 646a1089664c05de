package sfsim

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// Describe answers carry the keys a real org sends (REST API Developer
// Guide, "Describe Global" and "sObject Describe"; SOAP API Developer Guide,
// "DescribeSObjectResult" and "Field" for what each key means).

func (c *call) objectURLs(def *objectDef) map[string]string {
	base := "/services/data/v" + c.version + "/sobjects/" + def.name
	return map[string]string{"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"}
}

// objectSummary is one entry of the global describe.
func (c *call) objectSummary(def *objectDef) map[string]any {
	writable := !def.queryOnly
	return map[string]any{
		"activateable": false, "associateEntityType": nil, "associateParentEntity": nil,
		"createable": writable, "custom": false, "customSetting": false, "deepCloneable": false,
		"deletable": writable, "deprecatedAndHidden": false, "feedEnabled": false, "hasSubtypes": false,
		"isInterface": false, "isSubtype": false, "keyPrefix": def.prefix, "label": def.label,
		"labelPlural": plural(def.label), "layoutable": writable, "mergeable": def.name == "Account" || def.name == "Contact",
		"mruEnabled": writable, "name": def.name, "queryable": true, "replicateable": true, "retrieveable": true,
		"searchable": writable && def.name != "Note", "triggerable": writable, "undeletable": writable,
		"updateable": writable, "urls": c.objectURLs(def),
	}
}

func plural(label string) string {
	switch {
	case strings.HasSuffix(label, "y"):
		return strings.TrimSuffix(label, "y") + "ies"
	case strings.HasSuffix(label, "s"):
		return label + "es"
	}
	return label + "s"
}

func (c *call) globalDescribe() map[string]any {
	var list []map[string]any
	for _, d := range schema {
		if c.object(d.name) == nil {
			continue
		}
		list = append(list, c.objectSummary(d))
	}
	slices.SortFunc(list, func(a, b map[string]any) int { return strings.Compare(a["name"].(string), b["name"].(string)) })
	return map[string]any{"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}
}

// nameFields are the fields that name each object's records (describe's
// nameField): an order is known by its number, a note by its title.
var nameFields = map[string]string{"Account": "Name", "Contact": "Name", "Product2": "Name", "Pricebook2": "Name",
	"PricebookEntry": "Name", "Order": "OrderNumber", "OrderItem": "OrderItemNumber", "Note": "Title", "OrderStatus": "MasterLabel"}

var soapTypes = map[fieldType]string{
	tID: "tns:ID", tReference: "tns:ID", tString: "xsd:string", tTextarea: "xsd:string", tEmail: "xsd:string",
	tPhone: "xsd:string", tPicklist: "xsd:string", tBoolean: "xsd:boolean", tDouble: "xsd:double",
	tCurrency: "xsd:double", tInt: "xsd:int", tDate: "xsd:date", tDatetime: "xsd:dateTime",
}

// relationshipName is how SOQL and describe name a reference's parent:
// AccountId → Account, Foo__c → Foo__r.
func relationshipName(f *fieldDef) string {
	if f.typ != tReference {
		return ""
	}
	if f.custom {
		return strings.TrimSuffix(f.name, "__c") + "__r"
	}
	return strings.TrimSuffix(f.name, "Id")
}

func (c *call) describe(def *objectDef) map[string]any {
	o := c.sim.org
	var fields []map[string]any
	for _, f := range o.fields(def) {
		precision, scale, digits := 0, 0, 0
		switch f.typ {
		case tCurrency, tDouble:
			precision, scale = 18, 2
		case tInt:
			digits = 9
		}
		isText := soapTypes[f.typ] == "xsd:string" || f.typ == tID || f.typ == tReference
		byteLength := 0
		if isText {
			byteLength = f.length * 3
		}
		fd := map[string]any{
			"aggregatable": f.typ != tTextarea, "autoNumber": f.name == "OrderNumber" || f.name == "OrderItemNumber",
			"byteLength": byteLength, "calculated": f.name == "TotalAmount" || f.name == "TotalPrice",
			"calculatedFormula": nil, "cascadeDelete": false, "caseSensitive": false, "controllerName": nil,
			"createable": f.createable(), "custom": f.custom, "defaultValue": nil, "defaultValueFormula": nil,
			"defaultedOnCreate": f.typ == tBoolean || f.access == readOnly, "dependentPicklist": false,
			"deprecatedAndHidden": false, "digits": digits, "externalId": f.external,
			"filterable": f.typ != tTextarea, "groupable": f.typ != tTextarea && f.typ != tDouble && f.typ != tCurrency && f.typ != tDatetime,
			"htmlFormatted": false, "idLookup": f.external || f.name == "Id", "inlineHelpText": nil,
			"label": f.label, "length": f.length, "name": f.name, "nameField": f.name == nameFields[def.name],
			"namePointing": false, "nillable": !f.required && f.typ != tBoolean && f.name != "Id",
			"permissionable": !f.required && f.access != readOnly && f.typ != tBoolean, "picklistValues": []map[string]any{},
			"polymorphicForeignKey": len(f.refTo) > 0 && f.refTo[0] == "*", "precision": precision,
			"referenceTo": []string{}, "relationshipName": nil, "relationshipOrder": nil, "restrictedPicklist": false,
			"scale": scale, "soapType": soapTypes[f.typ], "sortable": f.typ != tTextarea, "type": string(f.typ),
			"unique": f.unique, "updateable": f.updateable(), "writeRequiresMasterRead": false,
		}
		if f.typ == tReference {
			if f.refTo[0] == "*" {
				fd["referenceTo"] = []string{"Account", "Contact", "Order", "Product2"}
			} else {
				fd["referenceTo"] = f.refTo
			}
			fd["relationshipName"] = relationshipName(f)
		}
		switch {
		case len(f.values) > 0: // a custom restricted picklist
			var vals []map[string]any
			for _, v := range f.values {
				vals = append(vals, picklistValue(v, v, false, nil))
			}
			fd["picklistValues"], fd["restrictedPicklist"] = vals, true
		case def.name == "Order" && f.name == "Status":
			var vals []map[string]any
			for _, st := range o.statuses {
				vals = append(vals, picklistValue(st.ApiName, st.MasterLabel, st.IsDefault, nil))
			}
			fd["picklistValues"], fd["restrictedPicklist"] = vals, true
		case f.currency:
			var vals []map[string]any
			for _, t := range o.currencies.Types {
				if t.IsActive {
					vals = append(vals, picklistValue(t.IsoCode, t.IsoCode, t.IsoCode == o.currencies.Corporate, nil))
				}
			}
			fd["picklistValues"], fd["restrictedPicklist"] = vals, true
		case f.picklistCode && strings.HasSuffix(f.name, "CountryCode"):
			vals := make([]map[string]any, len(addresses.countries))
			for i, ct := range addresses.countries {
				vals[i] = picklistValue(ct.code, ct.name, false, nil)
			}
			fd["picklistValues"], fd["restrictedPicklist"] = vals, true
		case f.picklistCode: // *StateCode, dependent on *CountryCode
			fd["controllerName"] = strings.TrimSuffix(f.name, "StateCode") + "CountryCode"
			fd["dependentPicklist"], fd["restrictedPicklist"] = true, true
			var vals []map[string]any
			for i, ct := range addresses.countries {
				for _, st := range ct.states {
					vals = append(vals, picklistValue(st.code, st.name, false, validFor(i)))
				}
			}
			fd["picklistValues"] = vals
		}
		fields = append(fields, fd)
	}
	out := c.objectSummary(def)
	out["fields"] = fields
	out["childRelationships"] = c.childRelationships(def)
	out["recordTypeInfos"] = []any{}
	out["supportedScopes"] = []map[string]string{{"label": "All " + plural(def.label), "name": "everything"}}
	out["actionOverrides"], out["namedLayoutInfos"] = []any{}, []any{}
	out["networkScopeFieldName"], out["listviewable"], out["lookupLayoutable"] = nil, nil, nil
	out["compactLayoutable"], out["searchLayoutable"], out["sobjectDescribeOption"] = true, true, "FULL"
	return out
}

func picklistValue(value, label string, def bool, valid *string) map[string]any {
	var vf any
	if valid != nil {
		vf = *valid
	}
	return map[string]any{"active": true, "defaultValue": def, "label": label, "validFor": vf, "value": value}
}

// validFor is a dependent picklist value's bitmap of the controlling values
// it is valid for, base64-encoded, most significant bit first (SOAP API
// Developer Guide, "PicklistEntry": validFor).
func validFor(controllerIndex int) *string {
	b := make([]byte, controllerIndex/8+1)
	b[controllerIndex/8] |= 0x80 >> (controllerIndex % 8)
	s := base64.StdEncoding.EncodeToString(b)
	return &s
}

func (c *call) childRelationships(def *objectDef) []map[string]any {
	out := []map[string]any{}
	for _, r := range children {
		if r.parent == def.name {
			out = append(out, map[string]any{"cascadeDelete": r.cascade, "childSObject": r.child, "deprecatedAndHidden": false,
				"field": r.field, "junctionIdListNames": []any{}, "junctionReferenceTo": []any{}, "relationshipName": r.name,
				"restrictedDelete": false})
		}
	}
	return out
}

// childRelationship is a parent-to-children path for SOQL subqueries.
type childRelationship struct {
	parent, name, child, field string
	cascade                    bool
}

var children = []childRelationship{
	{"Account", "Contacts", "Contact", "AccountId", false},
	{"Account", "Orders", "Order", "AccountId", true},
	{"Account", "Notes", "Note", "ParentId", true},
	{"Contact", "Notes", "Note", "ParentId", true},
	{"Order", "OrderItems", "OrderItem", "OrderId", true},
	{"Order", "Notes", "Note", "ParentId", true},
	{"Product2", "PricebookEntries", "PricebookEntry", "Product2Id", true},
	{"Product2", "Notes", "Note", "ParentId", true},
	{"Pricebook2", "PricebookEntries", "PricebookEntry", "Pricebook2Id", true},
	{"PricebookEntry", "OrderItems", "OrderItem", "PricebookEntryId", false},
}

// atLeast reports whether the call's API version is version.0 or later.
func (c *call) atLeast(version int) bool {
	v, _, _ := strings.Cut(c.version, ".")
	n, _ := strconv.Atoi(v)
	return n >= version
}
