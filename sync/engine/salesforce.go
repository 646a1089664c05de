package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"magesync/store"
	"magesync/sync/salesforce"
)

// resolve reads from Salesforce what magesync's tables cannot vouch for,
// so that nothing is created twice and nothing is sent to a record that is
// not there: orders it does not know (new, or its tables lost, restored
// from an old backup, or a link cleared by an admin) are looked up by
// external id, with their order products; a known order whose lines
// differ from what magesync remembers, that was never fully sent, or whose
// last send has no recorded answer (a crash), is read by Id; notes not
// known to be there are matched by body (Note has no
// external id), so a comment is never sent twice. An Order Id that belongs to
// another Magento order is not used.
func (b *batch) resolve(ctx context.Context, org *orgInfo, jobs []*job) error {
	keys := extKeys{b.settings.KeyPrefix}
	var ask []*job
	for _, j := range jobs {
		if j.known.orderID == "" || j.known.sentHash == "" || j.known.sending || j.known.uncertain() || !j.known.linesMatch(j.mapped) || !j.known.notesKnown(j.mapped) {
			ask = append(ask, j)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	c := org.client
	var links []store.Link
	byKey, byID := map[string]*job{}, map[string]*job{}
	found := map[*job]bool{}
	// One query per chunk of orders, the chunks' queries in as few calls
	// as Salesforce takes.
	var soqls []string
	for chunk := range slices.Chunk(ask, resolveChunk) {
		var extKeysList, ids []string
		for _, j := range chunk {
			k := keys.order(j.entry.OrderID)
			extKeysList = append(extKeysList, k)
			byKey[k] = j
			if j.known.orderID != "" {
				ids = append(ids, j.known.orderID)
				byID[j.known.orderID] = j
			}
		}
		where := "Magento_Order_Id__c IN (" + soqlList(extKeysList) + ")"
		if len(ids) > 0 {
			where += " OR Id IN (" + soqlList(ids) + ")"
		}
		soqls = append(soqls, "SELECT Id, Status, Pricebook2Id, Magento_Order_Id__c, (SELECT Id, Magento_Item_Id__c FROM OrderItems) FROM Order WHERE "+where)
	}
	answers, err := c.Queries(ctx, soqls)
	if err != nil {
		return fmt.Errorf("look up the orders and order products Salesforce holds: %w", err)
	}
	for _, recs := range answers {
		// By external id first: it is the order's own; an Id magesync
		// remembers (or an admin typed) counts only for a record that is
		// no other Magento order's.
		var matched []salesforce.Record
		var owner []*job
		for pass := range 2 {
			for _, r := range recs {
				j := byKey[r.String("Magento_Order_Id__c")]
				if pass == 1 {
					if j = byID[r.String("Id")]; r.String("Magento_Order_Id__c") != "" {
						j = nil
					}
				}
				if j != nil && !found[j] {
					found[j] = true
					matched, owner = append(matched, r), append(owner, j)
				}
			}
		}
		for i, r := range matched {
			j := owner[i]
			if j.known.orderID != r.String("Id") {
				j.known.orderID, j.known.sentHash = r.String("Id"), ""
			}
			if j.known.orderStatus == "" || j.known.orderStatus != r.String("Status") {
				j.known.orderStatus = r.String("Status")
			}
			j.known.book = r.String("Pricebook2Id")
			links = append(links, store.Link{Kind: store.KindOrder, Key: store.OrderKey(j.entry.OrderID), OrderID: j.entry.OrderID, SFID: j.known.orderID})
			// The order products Salesforce holds are the truth: rows
			// magesync remembers that Salesforce lacks are forgotten.
			items := map[string]string{}
			for _, it := range r.Children("OrderItems") {
				key := keys.bare(it.String("Magento_Item_Id__c"))
				items[key] = it.String("Id")
			}
			for key := range j.known.items {
				if _, ok := items[key]; !ok {
					delete(j.known.items, key)
					j.staleItems = append(j.staleItems, key)
				}
			}
			for key, id := range items {
				j.known.items[key] = id
				links = append(links, store.Link{Kind: store.KindItem, Key: key, OrderID: j.entry.OrderID, SFID: id})
			}
			if j.known.sending && !sameLines(items, j.mapped) {
				// A send whose answer was lost changed the lines: the
				// order goes whole, so that Salesforce's equals Magento's.
				j.known.resend = true
			}
		}
	}
	for _, j := range ask {
		if !found[j] {
			// Salesforce has no order for it: everything is created anew.
			if j.known.orderID != "" {
				j.staleItems = append(j.staleItems, slices.Collect(maps.Keys(j.known.items))...)
			}
			j.known.orderID, j.known.orderStatus, j.known.sentHash = "", "", ""
			clear(j.known.items)
			clear(j.known.notes)
		}
	}
	var parents []string
	parentJob := map[string]*job{}
	for _, j := range ask {
		if found[j] && !j.known.notesKnown(j.mapped) {
			parents = append(parents, j.known.orderID)
			parentJob[j.known.orderID] = j
		}
	}
	for chunk := range slices.Chunk(parents, 100) {
		recs, err := c.Query(ctx, "SELECT Id, ParentId, Body FROM Note WHERE ParentId IN ("+soqlList(chunk)+") ORDER BY CreatedDate, Id")
		if err != nil {
			return fmt.Errorf("look up notes an interrupted sync may have created: %w", err)
		}
		taken := map[string]bool{}
		for _, j := range ask {
			for _, id := range j.known.notes {
				taken[id] = true
			}
		}
		for _, r := range recs {
			j := parentJob[r.String("ParentId")]
			if j == nil || taken[r.String("Id")] {
				continue
			}
			// The first pending note with the same body is this one.
			for _, n := range j.mapped.Notes {
				if j.known.notes[n.Key] == "" && n.Body == r.String("Body") {
					j.known.notes[n.Key] = r.String("Id")
					taken[r.String("Id")] = true
					links = append(links, store.Link{Kind: store.KindNote, Key: n.Key, OrderID: j.entry.OrderID, SFID: r.String("Id")})
					break
				}
			}
		}
	}
	// What was not found was never created: forget rows without an ID.
	for _, j := range ask {
		for key, id := range j.known.items {
			if id == "" {
				delete(j.known.items, key)
			}
		}
		for key, id := range j.known.notes {
			if id == "" {
				delete(j.known.notes, key)
			}
		}
	}
	return b.e.st.InTx(ctx, b.worker, func(tx *store.Tx) error {
		if err := tx.SaveLinks(ctx, links); err != nil {
			return err
		}
		asked := make([]uint32, len(ask))
		for i, j := range ask {
			asked[i] = j.entry.OrderID
		}
		if err := tx.DropIntents(ctx, asked); err != nil {
			return err
		}
		for _, j := range ask {
			if err := tx.ForgetItems(ctx, j.entry.OrderID, j.staleItems); err != nil {
				return err
			}
		}
		return nil
	})
}

// bookOf is the price book an order's new lines are priced in: the one the
// order has in Salesforce, else its website's Price Book, else the
// standard price book.
func (o *orgInfo) bookOf(j *job) string {
	if j.known.orderID != "" && j.known.book != "" {
		return j.known.book
	}
	if id, err := salesforce.NormalizeID(j.settings.PriceBook); err == nil && j.settings.PriceBook != "" {
		return id
	}
	return o.stdBook
}

// ensureProducts makes sure every order line that Salesforce lacks has a
// Product2 and a PricebookEntry in its order's price book and currency —
// with the standard price entry first where the book is another, as
// Salesforce requires — and returns entry key (orgInfo.entryKey) →
// PricebookEntry ID. All are upserted through the collections resource,
// which carries the external ID in the body: any SKU Magento allows works,
// even one with a slash that a URL could not address. Jobs whose products
// Salesforce refused fail with its message.
func (b *batch) ensureProducts(ctx context.Context, org *orgInfo, jobs []*job) (map[string]string, error) {
	keys := extKeys{b.settings.KeyPrefix}
	price := map[string]float64{}
	name := map[string]string{}
	var std, custom []entry // the standard ones first
	seen := map[string]bool{}
	need := func(e entry) {
		if k := org.entryKey(e); !seen[k] {
			seen[k] = true
			if e.book == org.stdBook {
				std = append(std, e)
			} else {
				custom = append(custom, e)
			}
		}
	}
	for _, j := range jobs {
		book := org.bookOf(j)
		for _, l := range j.mapped.Lines {
			if j.known.items[l.Key] != "" {
				continue // the line exists: its entry is set
			}
			if _, ok := price[l.SKU]; !ok {
				// A list price is never negative; an order line's own price
				// (a discount's, say) is set on the line.
				price[l.SKU], name[l.SKU] = max(l.UnitPrice, 0), l.ProductName
			}
			need(entry{org.stdBook, j.mapped.Currency, l.SKU})
			need(entry{book, j.mapped.Currency, l.SKU})
		}
	}
	entries := map[string]string{}
	failed := map[string]string{} // SKU → why
	productID := map[string]string{}
	var links []store.Link
	for _, wants := range [][]entry{std, custom} {
		missing, err := b.knownEntries(ctx, org, wants, entries)
		if err != nil {
			return nil, err
		}
		missing = slices.DeleteFunc(missing, func(e entry) bool { return failed[e.sku] != "" })
		// Products first (an upsert: found again when they exist).
		var skus []string
		for _, e := range missing {
			if productID[e.sku] == "" && !slices.Contains(skus, e.sku) {
				skus = append(skus, e.sku)
			}
		}
		for chunk := range slices.Chunk(skus, salesforce.MaxCollection) {
			recs := make([]salesforce.Record, len(chunk))
			for i, sku := range chunk {
				recs[i] = salesforce.Record{"attributes": map[string]string{"type": "Product2"}, "Magento_SKU__c": keys.product(sku),
					"Name": name[sku], "ProductCode": clip(sku, 255), "IsActive": true}
			}
			res, err := org.client.UpsertCollection(ctx, "Product2", "Magento_SKU__c", false, recs)
			if err != nil {
				return nil, fmt.Errorf("create products: %w", err)
			}
			for i, sku := range chunk {
				if i >= len(res) || !res[i].Success {
					failed[sku] = "the answer named no product"
					if i < len(res) {
						failed[sku] = detailText(res[i].Errors)
					}
					continue
				}
				productID[sku] = res[i].ID
				links = append(links, store.Link{Kind: store.KindProduct, Key: sku, SFID: res[i].ID})
			}
		}
		missing = slices.DeleteFunc(missing, func(e entry) bool { return productID[e.sku] == "" })
		for chunk := range slices.Chunk(missing, salesforce.MaxCollection) {
			made, err := b.upsertEntries(ctx, org, keys, chunk, productID, price, entries, failed)
			if err != nil {
				return nil, err
			}
			links = append(links, made...)
		}
	}
	if len(links) > 0 {
		if err := b.e.st.InTx(ctx, b.worker, func(tx *store.Tx) error { return tx.SaveLinks(ctx, links) }); err != nil {
			return nil, err
		}
	}
	for _, j := range jobs {
		for _, sku := range j.mapped.SKUs() {
			if msg, bad := failed[sku]; bad {
				j.finish(store.QueueError, fmt.Sprintf("Salesforce refused product %s of order #%s: %s", sku, j.order.IncrementID, msg), store.StateError)
				break
			}
		}
	}
	return entries, nil
}

// knownEntries fills entries with the wanted ones magesync's tables know
// and returns the others.
func (b *batch) knownEntries(ctx context.Context, org *orgInfo, wants []entry, entries map[string]string) ([]entry, error) {
	ks := make([]string, len(wants))
	for i, e := range wants {
		ks[i] = org.entryKey(e)
	}
	known, err := b.e.st.ObjectsByKey(ctx, store.KindEntry, ks)
	if err != nil {
		return nil, err
	}
	var missing []entry
	for i, e := range wants {
		if id := known[ks[i]].SFID; id != "" {
			entries[ks[i]] = id
		} else {
			missing = append(missing, e)
		}
	}
	return missing, nil
}

// upsertEntries creates price book entries, finding those that exist
// already (made by someone else, or by an attempt that was interrupted:
// their price book and product cannot be written again).
func (b *batch) upsertEntries(ctx context.Context, org *orgInfo, keys extKeys, chunk []entry, productID map[string]string,
	price map[string]float64, entries, failed map[string]string) ([]store.Link, error) {
	var links []store.Link
	recs := make([]salesforce.Record, len(chunk))
	for i, e := range chunk {
		recs[i] = salesforce.Record{"attributes": map[string]string{"type": "PricebookEntry"}, "Magento_Key__c": keys.entry(org.entryKey(e)),
			"Pricebook2Id": e.book, "Product2Id": productID[e.sku], "UnitPrice": price[e.sku], "IsActive": true}
		if e.currency != "" {
			recs[i]["CurrencyIsoCode"] = e.currency
		}
	}
	res, err := org.client.UpsertCollection(ctx, "PricebookEntry", "Magento_Key__c", false, recs)
	if err != nil {
		return nil, fmt.Errorf("create price book entries: %w", err)
	}
	type where struct{ book, currency string }
	lookup := map[where]map[string]entry{} // Product2 ID → entry, by price book and currency
	for i, e := range chunk {
		ek := org.entryKey(e)
		if i < len(res) && res[i].Success {
			entries[ek] = res[i].ID
			links = append(links, store.Link{Kind: store.KindEntry, Key: ek, SFID: res[i].ID})
			continue
		}
		w := where{e.book, e.currency}
		if lookup[w] == nil {
			lookup[w] = map[string]entry{}
		}
		lookup[w][productID[e.sku]] = e
		failed[e.sku] = "the answer named no price book entry"
		if i < len(res) {
			failed[e.sku] = detailText(res[i].Errors)
		}
	}
	for w, byProduct := range lookup {
		ids := slices.Sorted(maps.Keys(byProduct))
		q := "SELECT Id, Product2Id FROM PricebookEntry WHERE Pricebook2Id = '" + soqlEscape(w.book) +
			"' AND Product2Id IN (" + soqlList(ids) + ")"
		if w.currency != "" {
			q += " AND CurrencyIsoCode = '" + soqlEscape(w.currency) + "'"
		}
		found, err := org.client.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("find price book entries: %w", err)
		}
		for _, r := range found {
			if e, ok := byProduct[r.String("Product2Id")]; ok {
				ek := org.entryKey(e)
				entries[ek] = r.String("Id")
				delete(failed, e.sku)
				links = append(links, store.Link{Kind: store.KindEntry, Key: ek, SFID: entries[ek]})
			}
		}
	}
	return links, nil
}

func detailText(ds []salesforce.ErrorDetail) string {
	return (&salesforce.APIError{Errors: ds}).Message()
}

// resolveChunk is how many orders one resolve query asks about. It travels
// in a composite call's body, where SOQL may be 100,000 characters long: 500
// external ids and 500 record Ids take about 21,000. (As a GET its URI could
// not pass 16,384 bytes.)
const resolveChunk = 500
