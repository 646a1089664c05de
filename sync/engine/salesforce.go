package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"magesync/store"
	"magesync/sync/salesforce"
)

// resolve looks up in Salesforce what earlier, interrupted attempts may have
// created for the jobs' orders without recording it, so that nothing is
// created twice: the orders, their items by external ID, and their notes by
// body (Note has no external ID).
func (b *batch) resolve(ctx context.Context, org *orgInfo, jobs []*job) error {
	var unsure []*job
	for _, j := range jobs {
		if j.known.uncertain() {
			unsure = append(unsure, j)
		}
	}
	if len(unsure) == 0 {
		return nil
	}
	c := org.client
	keys := extKeys{b.settings.KeyPrefix}
	var links []store.Link
	var orderKeys []string
	byKey := map[string]*job{}
	for _, j := range unsure {
		if j.known.orderID == "" {
			k := keys.order(j.entry.OrderID)
			orderKeys = append(orderKeys, k)
			byKey[k] = j
		}
	}
	for chunk := range slices.Chunk(orderKeys, 200) {
		recs, err := c.Query(ctx, "SELECT Id, Status, Magento_Order_Id__c FROM Order WHERE Magento_Order_Id__c IN ("+soqlList(chunk)+")")
		if err != nil {
			return fmt.Errorf("look up orders an interrupted sync may have created: %w", err)
		}
		for _, r := range recs {
			if j := byKey[r.String("Magento_Order_Id__c")]; j != nil {
				j.known.orderID, j.known.orderStatus = r.String("Id"), r.String("Status")
				links = append(links, store.Link{Kind: store.KindOrder, Key: store.OrderKey(j.entry.OrderID), OrderID: j.entry.OrderID, SFID: j.known.orderID})
			}
		}
	}
	var itemKeys []string
	itemJob := map[string]*job{}
	itemKey := map[string]string{} // external id → Magento's key
	for _, j := range unsure {
		for key, id := range j.known.items {
			if id == "" {
				ext := keys.item(key)
				itemKeys = append(itemKeys, ext)
				itemJob[ext], itemKey[ext] = j, key
			}
		}
	}
	for chunk := range slices.Chunk(itemKeys, 200) {
		recs, err := c.Query(ctx, "SELECT Id, Magento_Item_Id__c FROM OrderItem WHERE Magento_Item_Id__c IN ("+soqlList(chunk)+")")
		if err != nil {
			return fmt.Errorf("look up order products an interrupted sync may have created: %w", err)
		}
		for _, r := range recs {
			ext := r.String("Magento_Item_Id__c")
			if j, key := itemJob[ext], itemKey[ext]; j != nil {
				j.known.items[key] = r.String("Id")
				links = append(links, store.Link{Kind: store.KindItem, Key: key, OrderID: j.entry.OrderID, SFID: r.String("Id")})
			}
		}
	}
	var parents []string
	parentJob := map[string]*job{}
	for _, j := range unsure {
		for _, id := range j.known.notes {
			if id == "" && j.known.orderID != "" {
				parents = append(parents, j.known.orderID)
				parentJob[j.known.orderID] = j
				break
			}
		}
	}
	for chunk := range slices.Chunk(parents, 100) {
		recs, err := c.Query(ctx, "SELECT Id, ParentId, Body FROM Note WHERE ParentId IN ("+soqlList(chunk)+") ORDER BY CreatedDate, Id")
		if err != nil {
			return fmt.Errorf("look up notes an interrupted sync may have created: %w", err)
		}
		taken := map[string]bool{}
		for _, j := range unsure {
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
				if j.known.notes[n.Key] == "" && hasKey(j.known.notes, n.Key) && n.Body == r.String("Body") {
					j.known.notes[n.Key] = r.String("Id")
					taken[r.String("Id")] = true
					links = append(links, store.Link{Kind: store.KindNote, Key: n.Key, OrderID: j.entry.OrderID, SFID: r.String("Id")})
					break
				}
			}
		}
	}
	// What was not found was never created: forget those intents.
	for _, j := range unsure {
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
		for _, j := range unsure {
			if err := tx.DropIntents(ctx, j.entry.OrderID); err != nil {
				return err
			}
		}
		return nil
	})
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// ensureProducts makes sure every SKU the jobs need has a Product2 and a
// standard PricebookEntry, and returns SKU → PricebookEntry ID. Both are
// upserted through the collections resource, which carries the external ID
// in the body: any SKU Magento allows works, even one with a slash that a
// URL could not address. Jobs whose products Salesforce refused fail with
// its message.
func (b *batch) ensureProducts(ctx context.Context, org *orgInfo, jobs []*job) (map[string]string, error) {
	keys := extKeys{b.settings.KeyPrefix}
	price := map[string]float64{}
	name := map[string]string{}
	var skus []string
	for _, j := range jobs {
		for _, l := range j.mapped.Lines {
			if _, ok := price[l.SKU]; !ok {
				skus = append(skus, l.SKU)
				// A list price is never negative; an order line's own price
				// (a discount's, say) is set on the line.
				price[l.SKU], name[l.SKU] = max(l.UnitPrice, 0), l.ProductName
			}
		}
	}
	known, err := b.e.st.ObjectsByKey(ctx, store.KindEntry, skus)
	if err != nil {
		return nil, err
	}
	entries := map[string]string{}
	var missing []string
	for _, sku := range skus {
		if id := known[sku].SFID; id != "" {
			entries[sku] = id
		} else {
			missing = append(missing, sku)
		}
	}
	failed := map[string]string{}
	var links []store.Link
	for chunk := range slices.Chunk(missing, salesforce.MaxCollection) {
		products := make([]salesforce.Record, len(chunk))
		for i, sku := range chunk {
			products[i] = salesforce.Record{"attributes": map[string]string{"type": "Product2"}, "Magento_SKU__c": keys.product(sku),
				"Name": name[sku], "ProductCode": clip(sku, 255), "IsActive": true}
		}
		res, err := org.client.UpsertCollection(ctx, "Product2", "Magento_SKU__c", false, products)
		if err != nil {
			return nil, fmt.Errorf("create products: %w", err)
		}
		var made []string // SKUs whose Product2 exists
		productID := map[string]string{}
		for i, sku := range chunk {
			if i >= len(res) || !res[i].Success {
				failed[sku] = "the answer named no product"
				if i < len(res) {
					failed[sku] = detailText(res[i].Errors)
				}
				continue
			}
			productID[sku] = res[i].ID
			made = append(made, sku)
			links = append(links, store.Link{Kind: store.KindProduct, Key: sku, SFID: res[i].ID})
		}
		if len(made) == 0 {
			continue
		}
		recs := make([]salesforce.Record, len(made))
		for i, sku := range made {
			recs[i] = salesforce.Record{"attributes": map[string]string{"type": "PricebookEntry"}, "Magento_Key__c": keys.entry(sku),
				"Pricebook2Id": org.stdBook, "Product2Id": productID[sku], "UnitPrice": price[sku], "IsActive": true}
		}
		res, err = org.client.UpsertCollection(ctx, "PricebookEntry", "Magento_Key__c", false, recs)
		if err != nil {
			return nil, fmt.Errorf("create price book entries: %w", err)
		}
		lookup := map[string]string{} // Product2 ID → SKU, for entries that exist already
		for i, sku := range made {
			if i < len(res) && res[i].Success {
				entries[sku] = res[i].ID
				links = append(links, store.Link{Kind: store.KindEntry, Key: sku, SFID: res[i].ID})
				continue
			}
			// The entry exists already (made by someone else, or by an
			// attempt that was interrupted; its price book and product
			// cannot be written again): find it.
			lookup[productID[sku]] = sku
			failed[sku] = "the answer named no price book entry"
			if i < len(res) {
				failed[sku] = detailText(res[i].Errors)
			}
		}
		if len(lookup) > 0 {
			ids := slices.Sorted(maps.Keys(lookup))
			recs, err := org.client.Query(ctx, "SELECT Id, Product2Id FROM PricebookEntry WHERE Pricebook2Id = '"+soqlEscape(org.stdBook)+
				"' AND Product2Id IN ("+soqlList(ids)+")")
			if err != nil {
				return nil, fmt.Errorf("find price book entries: %w", err)
			}
			for _, r := range recs {
				if sku, ok := lookup[r.String("Product2Id")]; ok {
					entries[sku] = r.String("Id")
					delete(failed, sku)
					links = append(links, store.Link{Kind: store.KindEntry, Key: sku, SFID: entries[sku]})
				}
			}
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

func detailText(ds []salesforce.ErrorDetail) string {
	return (&salesforce.APIError{Errors: ds}).Message()
}
