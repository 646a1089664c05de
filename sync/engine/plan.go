package engine

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"magesync/store"
	"magesync/sync/salesforce"
)

// known is what magesync knows of an order's records in Salesforce.
type known struct {
	orderID     string // Salesforce Order ID; "" when not yet created
	orderStatus string // status last sent; "" when unknown
	sentHash    string // hash of the header last sent in full
	sending     bool   // marked as being sent (store.MarkSending), by this attempt or one that left no answer
	resend      bool   // that send changed the lines: send the order whole
	accountID   string
	contactID   string
	accountHash string            // hash of the Account last sent for the customer
	contactHash string            // and of the Contact
	items       map[string]string // line key → OrderItem ID ("" = intent only, of earlier versions)
	notes       map[string]string // note key → Note ID ("" = intent only, of earlier versions)
	book        string            // the order's Pricebook2Id, when Salesforce was asked
}

// linesMatch reports whether magesync knows every line of the mapped order
// to exist in Salesforce, and no other: otherwise Salesforce is asked
// before lines are created or deleted.
func (k *known) linesMatch(m *Mapped) bool { return sameLines(k.items, m) }

// sameLines reports whether items (line key → OrderItem ID) are exactly
// the mapped order's lines, each with an ID.
func sameLines(items map[string]string, m *Mapped) bool {
	want := map[string]bool{}
	for _, l := range m.Lines {
		if items[l.Key] == "" {
			return false
		}
		want[l.Key] = true
	}
	for key := range items {
		if !want[key] {
			return false
		}
	}
	return true
}

// notesKnown reports whether every note of the mapped order is known to
// exist in Salesforce.
func (k *known) notesKnown(m *Mapped) bool {
	for _, n := range m.Notes {
		if k.notes[n.Key] == "" {
			return false
		}
	}
	return true
}

// uncertain reports whether an earlier attempt may have written records it
// never recorded (it crashed or lost the answer).
func (k *known) uncertain() bool {
	for _, id := range k.items {
		if id == "" {
			return true
		}
	}
	for _, id := range k.notes {
		if id == "" {
			return true
		}
	}
	return false
}

// link ties a graph node to the object whose ID its answer carries.
type link struct {
	ref, kind, key string
	orderID        uint32
	hash           string // of the customer's record sent; "" for others
}

// plan is what one order needs sent, as one all-or-nothing graph.
type plan struct {
	builder  *salesforce.Builder
	links    []link
	full     bool   // header and lines sent
	hdrHash  string // hash of the header and lines as Magento has them now
	final    string // Salesforce status the order ends in
	newNotes int
	lines    int
	dropped  []string // keys of order products deleted: Magento no longer has them
	problems []string // mapped values not sent, naming their mapping
	notices  []string // what was sent otherwise than Magento has it
}

// empty reports whether nothing needs sending.
func (p *plan) empty() bool { return p.builder.Len() == 0 }

// headerHash covers everything "Update Order Info" governs.
func headerHash(m *Mapped, defaultStatus string) string {
	h := map[string]any{"account": m.Account, "contact": m.Contact, "order": m.Order,
		"lines": m.Lines, "default": defaultStatus, "billing": m.Billing, "shipping": m.Shipping}
	if len(m.Fields) > 0 { // orders synced before any mapping keep their hash
		h["fields"] = m.Fields
	}
	return hashOf(h)
}

// orgFacts are the org's facts a plan needs.
type orgFacts interface {
	activated(status string) bool
	standardBook() string
	addresses() *picklists
	field(sobject, name string) (salesforce.Field, bool)
	entryKey(e entry) string
}

// buildPlan decides what to send for one order: everything on its first
// sync (and on later ones with Update Order Info = Yes when the header or
// lines changed), the status when it changed, and notes not sent yet.
// book is the price book of the order (the one it has, or the one it is
// created in).
func buildPlan(b *salesforce.Builder, m *Mapped, k *known, s store.OrderSettings, org orgFacts, book string, entries map[string]string) *plan {
	p := &plan{builder: b, final: m.FinalStatus, hdrHash: headerHash(m, s.DefaultStatus)}
	keys := extKeys{s.KeyPrefix}
	orderKey := store.OrderKey(m.OrderID)
	// A customer link magesync lacks (cleared by an admin, or its tables
	// lost) is found again by the upsert, which needs the whole header.
	p.full = k.orderID == "" || k.accountID == "" || k.contactID == "" || k.resend || (s.UpdateOrderInfo && p.hdrHash != k.sentHash)
	cur := k.orderStatus
	ordRef := k.orderID

	if p.full {
		account, contact, header := clone(m.Account), clone(m.Contact), clone(m.Order)
		billing, billNote := org.addresses().fields(m.Billing, "billing")
		shipping, shipNote := org.addresses().fields(m.Shipping, "shipping")
		billing.into(account, "Billing")
		shipping.into(account, "Shipping")
		billing.into(contact, "Mailing")
		billing.into(header, "Billing")
		shipping.into(header, "Shipping")
		for _, n := range []string{billNote, shipNote} {
			if n != "" {
				p.notices = append(p.notices, n)
			}
		}
		p.notices = append(p.notices, m.Notices...)
		if k.orderID != "" && (cur == "" || org.activated(cur)) {
			// Items of an activated order are locked: back to the Default
			// Status first, with Status alone.
			b.Update("deactivate", "Order", k.orderID, salesforce.Record{"Status": s.DefaultStatus})
			cur = s.DefaultStatus
		}
		// A customer's Account and Contact go again only when they differ
		// from what was last sent: a returning customer's next order then
		// costs two nodes fewer.
		acctRef, acctHash := k.accountID, hashOf(account)
		switch {
		case acctRef == "":
			b.Upsert("acct", "Account", "Magento_Customer_Key__c", keys.customer(m.CustomerKey), account)
			p.links = append(p.links, link{"acct", store.KindAccount, m.CustomerKey, 0, acctHash})
			acctRef = salesforce.Ref("acct")
		case acctHash != k.accountHash || k.resend:
			b.Update("acct", "Account", acctRef, account)
			p.links = append(p.links, link{"acct", store.KindAccount, m.CustomerKey, 0, acctHash})
		}
		// The Contact's hash leaves out its Account, which is sent whenever
		// the Account is created.
		contactRef, contactHash := k.contactID, hashOf(contact)
		contact["AccountId"] = acctRef
		switch {
		case contactRef == "":
			b.Upsert("contact", "Contact", "Magento_Customer_Key__c", keys.customer(m.CustomerKey), contact)
			p.links = append(p.links, link{"contact", store.KindContact, m.CustomerKey, 0, contactHash})
			contactRef = salesforce.Ref("contact")
		case contactHash != k.contactHash || k.accountID == "" || k.resend:
			b.Update("contact", "Contact", contactRef, contact)
			p.links = append(p.links, link{"contact", store.KindContact, m.CustomerKey, 0, contactHash})
		}
		putMapped(header, m.Fields, "Order", k.orderID != "", org, &p.problems, &p.notices)
		header["AccountId"] = acctRef
		header["BillToContactId"] = contactRef
		if k.orderID == "" {
			header["Status"] = s.DefaultStatus
			header["Pricebook2Id"] = book
			b.Upsert("ord", "Order", "Magento_Order_Id__c", keys.order(m.OrderID), header)
			p.links = append(p.links, link{"ord", store.KindOrder, orderKey, m.OrderID, ""})
			ordRef = salesforce.Ref("ord")
			cur = s.DefaultStatus
		} else {
			header["Magento_Order_Id__c"] = keys.order(m.OrderID)
			b.Update("ord", "Order", k.orderID, header)
		}
		for i, l := range m.Lines {
			ref := "l" + strconv.Itoa(i)
			body := salesforce.Record{"Quantity": l.Quantity, "UnitPrice": l.UnitPrice, "Description": l.Description}
			putMapped(body, l.Fields, "OrderItem", k.items[l.Key] != "", org, &p.problems, &p.notices)
			if id := k.items[l.Key]; id != "" {
				b.Update(ref, "OrderItem", id, body)
				continue
			}
			body["OrderId"] = ordRef
			body["PricebookEntryId"] = entries[org.entryKey(entry{book, m.Currency, l.SKU})]
			b.Upsert(ref, "OrderItem", "Magento_Item_Id__c", keys.item(l.Key), body)
			p.links = append(p.links, link{ref, store.KindItem, l.Key, m.OrderID, ""})
		}
		p.lines = len(m.Lines)
		// Lines Magento no longer has (an item removed, tax or shipping
		// gone to zero) leave Salesforce, so its total is Magento's.
		want := map[string]bool{}
		for _, l := range m.Lines {
			want[l.Key] = true
		}
		for _, key := range slices.Sorted(maps.Keys(k.items)) {
			if id := k.items[key]; id != "" && !want[key] {
				b.Delete("d"+strconv.Itoa(len(p.dropped)), "OrderItem", id)
				p.dropped = append(p.dropped, key)
			}
		}
	}
	if p.final != cur {
		// Activation (or any status change) is Status alone, after the items.
		b.Update("status", "Order", ordRef, salesforce.Record{"Status": p.final})
	}
	for i, n := range m.Notes {
		if k.notes[n.Key] != "" {
			continue
		}
		ref := "n" + strconv.Itoa(i)
		b.Create(ref, "Note", salesforce.Record{"ParentId": ordRef, "Title": n.Title, "Body": n.Body, "IsPrivate": false})
		p.links = append(p.links, link{ref, store.KindNote, n.Key, m.OrderID, ""})
		p.newNotes++
	}
	return p
}

func clone(r salesforce.Record) salesforce.Record {
	out := make(salesforce.Record, len(r)+3)
	for k, v := range r {
		out[k] = v
	}
	return out
}

// soqlList quotes values for a SOQL IN list.
func soqlList(values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += ","
		}
		out += "'" + soqlEscape(v) + "'"
	}
	return out
}

func soqlEscape(s string) string {
	var b []byte
	for i := range len(s) {
		switch c := s[i]; c {
		case '\\', '\'':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func describeLinks(p *plan) string {
	return count(p.lines, "line") + ", " + count(p.newNotes, "new note")
}

// noticeText is the plan's notices as a sentence for the queue message.
func noticeText(p *plan) string {
	if len(p.notices) == 0 {
		return ""
	}
	return ". Not everything could be sent as Magento has it: " + strings.Join(p.notices, "; ")
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
