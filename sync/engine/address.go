package engine

import (
	"fmt"
	"strings"

	"magesync/store"
	"magesync/sync/salesforce"
)

// Address is an order address as Magento has it, before it meets the org's
// picklists: the region's code is Magento's (directory_country_region), the
// country its ISO code.
type Address struct {
	Street, City, Region, RegionCode, Postcode, CountryID string
}

// picklists is how the org takes addresses. With State and
// Country/Territory picklists on (every new org) the *CountryCode and
// *StateCode fields take ISO codes from the org's lists, and a state must
// belong to its country; without them, addresses are free text.
type picklists struct {
	on        bool
	countries map[string]*pickCountry // ISO code →
}

type pickCountry struct {
	name   string
	states map[string]string // code → name
	byName map[string]string // lower-case name → code
}

// picklistsFrom reads Account's describe: the code fields exist only while
// the picklists are on, which is how integrations detect them.
func picklistsFrom(d *salesforce.Describe) *picklists {
	cc, ok := d.Field("BillingCountryCode")
	if !ok {
		return &picklists{}
	}
	p := &picklists{on: true, countries: map[string]*pickCountry{}}
	for _, v := range cc.PicklistValues {
		if v.Active {
			p.countries[v.Value] = &pickCountry{name: v.Label, states: map[string]string{}, byName: map[string]string{}}
		}
	}
	if sc, ok := d.Field("BillingStateCode"); ok {
		for country, states := range salesforce.DependentValues(cc, sc) {
			c := p.countries[country]
			if c == nil {
				continue
			}
			for _, s := range states {
				if s.Active {
					c.states[s.Value] = s.Label
					c.byName[strings.ToLower(s.Label)] = s.Value
				}
			}
		}
	}
	return p
}

// addressFields is an address as the org takes it, by field suffix
// (Street, City, StateCode…); nil for no address.
type addressFields map[string]any

// into writes the address under prefix (Billing, Shipping, Mailing).
func (a addressFields) into(r salesforce.Record, prefix string) {
	for suffix, v := range a {
		r[prefix+suffix] = v
	}
}

// fields renders an address as the org takes it. What the org's picklists
// cannot hold is left out, never guessed, and said in words: which is
// "billing" or "shipping". An unknown region never costs the order.
func (p *picklists) fields(a *Address, which string) (f addressFields, notice string) {
	if a == nil {
		return nil, ""
	}
	f = addressFields{"Street": a.Street, "City": a.City, "PostalCode": a.Postcode}
	if p == nil || !p.on {
		f["State"], f["Country"] = a.Region, a.CountryID
		return f, ""
	}
	if a.CountryID == "" {
		return f, ""
	}
	c := p.countries[a.CountryID]
	if c == nil {
		if a.Region != "" {
			return f, fmt.Sprintf("the %s country %q and region %q were left out: the country is not in Salesforce's country list", which, a.CountryID, a.Region)
		}
		return f, fmt.Sprintf("the %s country %q was left out: it is not in Salesforce's country list", which, a.CountryID)
	}
	f["CountryCode"] = a.CountryID
	if a.Region == "" && a.RegionCode == "" {
		return f, ""
	}
	code := ""
	if _, ok := c.states[a.RegionCode]; ok && a.RegionCode != "" {
		code = a.RegionCode
	} else if byName, ok := c.byName[strings.ToLower(strings.TrimSpace(a.Region))]; ok {
		code = byName
	}
	if code == "" {
		return f, fmt.Sprintf("the %s region %q was left out: Salesforce lists no such state for %s", which, a.Region, c.name)
	}
	f["StateCode"] = code
	return f, ""
}

// addressOf is the mapping's view of a Magento address, cut to the
// Salesforce fields' lengths with what was cut said in notices.
func addressOf(a *store.Address, which string, n *notices) *Address {
	if a == nil {
		return nil
	}
	return &Address{
		Street:     n.fit(which+" street", strings.Join(a.Street, "\n"), 255),
		City:       n.fit(which+" city", a.City, 40),
		Region:     a.Region,
		RegionCode: a.RegionCode,
		Postcode:   n.fit(which+" postal code", a.Postcode, 20),
		CountryID:  a.CountryID,
	}
}
