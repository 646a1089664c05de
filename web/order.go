package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"magesync/store"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/views"
)

// orderFromURL loads the order named by the {id} route parameter.
func (s *Server) orderFromURL(w http.ResponseWriter, r *http.Request) (*store.Order, bool) {
	id, err := strconv.ParseUint(chi.URLParam(r, "id"), 10, 32)
	if err != nil {
		s.notFound(w, r)
		return nil, false
	}
	o, err := s.st.Order(r.Context(), uint32(id))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return nil, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	return o, true
}

func addressLines(a *store.Address) []string {
	if a == nil {
		return nil
	}
	lines := []string{a.Name()}
	if a.Company != "" {
		lines = append(lines, a.Company)
	}
	lines = append(lines, a.Street...)
	lines = append(lines, strings.TrimSpace(strings.Join(nonEmpty(a.City, a.Region, a.Postcode), ", ")), a.CountryID)
	if a.Telephone != "" {
		lines = append(lines, "T: "+a.Telephone)
	}
	return lines
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) orderView(w http.ResponseWriter, r *http.Request) {
	o, ok := s.orderFromURL(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	loc := s.location(ctx)
	v := views.OrderView{Page: s.page(r, "# "+o.IncrementID, "sales"), ID: o.EntityID, IncrementID: o.IncrementID,
		Tab: "info", BackURL: s.gridURL(r)}
	switch r.URL.Query().Get("tab") {
	case "salesforce", "history":
		v.Tab = r.URL.Query().Get("tab")
	}
	base := fmt.Sprintf("/admin/sales/order/%d", o.EntityID)
	v.InfoURL, v.SFTabURL, v.HistoryURL, v.SyncURL, v.SaveURL = base, base+"?tab=salesforce", base+"?tab=history", base+"/sync", base+"/salesforce"
	v.HereURL = map[string]string{"info": v.InfoURL, "salesforce": v.SFTabURL, "history": v.HistoryURL}[v.Tab]
	statuses, err := s.st.OrderStatuses(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	labels := map[string]string{}
	for _, st := range statuses {
		labels[st.Code] = st.Label
	}
	v.Date = formatTime(o.CreatedAt, loc)
	v.Status = orLabel(labels, o.Status)
	if views, err := s.st.StoreViews(ctx); err == nil {
		for _, sv := range views {
			if sv.ID == o.StoreID {
				v.PurchasedFrom = sv.GroupName + " / " + sv.Name
			}
		}
	}
	v.Customer = strings.TrimSpace(o.CustomerFirstname + " " + o.CustomerLastname)
	v.CustomerEmail = o.CustomerEmail
	v.CustomerGroup = "NOT LOGGED IN"
	if o.CustomerID != 0 {
		v.CustomerGroup = "General (customer #" + strconv.FormatUint(uint64(o.CustomerID), 10) + ")"
	}
	v.Billing, v.Shipping = addressLines(o.Billing), addressLines(o.Shipping)
	if o.Payment != nil {
		v.Payment = o.Payment.Title()
	}
	v.Shipment = o.ShippingDescription
	if v.Shipment == "" {
		v.Shipment = "No shipping information available"
	}
	cur := o.OrderCurrencyCode
	for _, it := range o.Items {
		oi := views.OrderItem{Name: it.Name, SKU: it.SKU, Status: it.Status(), OriginalPrice: money(it.OriginalPrice, cur),
			Price: money(it.Price, cur), Qty: it.QtyOrdered.Plain(), Subtotal: money(it.RowTotal, cur), Tax: money(it.TaxAmount, cur),
			TaxPercent: it.TaxPercent.Plain() + "%", Discount: money(it.DiscountAmount, cur),
			RowTotal: money(it.RowTotal+it.TaxAmount-it.DiscountAmount, cur)}
		var opts []string
		for _, op := range it.Options {
			opts = append(opts, op.Label+": "+op.Value)
		}
		oi.Options = strings.Join(opts, "; ")
		v.Items = append(v.Items, oi)
	}
	v.Totals = []views.Hidden{{Name: "Subtotal", Value: money(o.Subtotal, cur)}, {Name: "Shipping & Handling", Value: money(o.ShippingAmount, cur)}}
	if o.DiscountAmount != 0 {
		v.Totals = append(v.Totals, views.Hidden{Name: "Discount", Value: money(o.DiscountAmount, cur)})
	}
	// As Magento's Order Totals: what was paid, refunded and is still due.
	v.Totals = append(v.Totals, views.Hidden{Name: "Tax", Value: money(o.TaxAmount, cur)}, views.Hidden{Name: "Grand Total", Value: money(o.GrandTotal, cur)},
		views.Hidden{Name: "Total Paid", Value: money(o.TotalPaid, cur)}, views.Hidden{Name: "Total Refunded", Value: money(o.TotalRefunded, cur)},
		views.Hidden{Name: "Total Due", Value: money(max(o.GrandTotal-o.TotalPaid, 0), cur)})
	for i := len(o.Comments) - 1; i >= 0; i-- {
		c := o.Comments[i]
		v.Comments = append(v.Comments, views.OrderComment{Date: formatTime(c.CreatedAt, loc), Status: orLabel(labels, c.Status),
			Text: c.Comment, Kind: c.EntityName, Notified: c.IsCustomerNotified})
	}

	// The Salesforce tab.
	objs, err := s.st.OrderObjects(ctx, []uint32{o.EntityID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var ord store.Object
	for _, ob := range objs[o.EntityID] {
		if ob.Kind == store.KindOrder {
			ord = ob
		}
	}
	v.Sync = syncMark(ord.State, ord.LastError)
	v.LastSync = "Never"
	if ord.SyncedAt.Valid {
		v.LastSync = formatTime(ord.SyncedAt.Time, loc)
	}
	if e, err := s.st.LatestQueueEntry(ctx, o.EntityID); err == nil {
		v.QueueStatus, v.QueueMessage = string(e.Status), e.Message
	}
	key := engine.CustomerKey(o)
	accts, _ := s.st.ObjectsByKey(ctx, store.KindAccount, []string{key})
	contacts, _ := s.st.ObjectsByKey(ctx, store.KindContact, []string{key})
	instance := s.instanceURL(r)
	field := func(name, label, sobject, id string) views.IDField {
		f := views.IDField{Name: name, Label: label, Value: id}
		if id != "" && instance != "" {
			f.URL = salesforce.RecordURL(instance, sobject, id)
		}
		if bad := s.sessions.PopString(ctx, "iderr_"+name); bad != "" {
			f.Error = bad
			f.Value = s.sessions.PopString(ctx, "idval_"+name)
		}
		return f
	}
	v.IDs = []views.IDField{
		field("sf_order_id", "Salesforce Order ID", "Order", ord.SFID),
		field("sf_account_id", "Salesforce Account ID", "Account", accts[key].SFID),
		field("sf_contact_id", "Salesforce Contact ID", "Contact", contacts[key].SFID),
	}
	s.render(w, r, http.StatusOK, views.Order(v))
}

// orderSync is the order page's "Salesforce Sync" and the grid row's
// Select › Sync with Salesforce.
func (s *Server) orderSync(w http.ResponseWriter, r *http.Request) {
	o, ok := s.orderFromURL(w, r)
	if !ok {
		return
	}
	back := r.PostFormValue("back")
	if !localAdminPath(back) || !strings.HasPrefix(back, "/admin/sales/order") {
		back = fmt.Sprintf("/admin/sales/order/%d", o.EntityID)
	}
	s.syncAndReport(w, r, []uint32{o.EntityID}, store.ReasonManual, back)
}

// orderSaveSalesforce saves the Salesforce IDs an admin linked, then syncs.
func (s *Server) orderSaveSalesforce(w http.ResponseWriter, r *http.Request) {
	o, ok := s.orderFromURL(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	back := fmt.Sprintf("/admin/sales/order/%d?tab=salesforce", o.EntityID)
	key := engine.CustomerKey(o)
	fields := []struct{ name, sobject, kind, key string }{
		{"sf_order_id", "Order", store.KindOrder, store.OrderKey(o.EntityID)},
		{"sf_account_id", "Account", store.KindAccount, key},
		{"sf_contact_id", "Contact", store.KindContact, key},
	}
	type change struct{ kind, key, id string }
	var changes []change
	bad := false
	for _, f := range fields {
		raw := strings.TrimSpace(r.PostFormValue(f.name))
		id := ""
		if raw != "" {
			var err error
			if id, err = salesforce.CheckID(f.sobject, raw); err != nil {
				s.sessions.Put(ctx, "iderr_"+f.name, engine.ErrorText(err))
				s.sessions.Put(ctx, "idval_"+f.name, raw)
				bad = true
				continue
			}
		}
		changes = append(changes, change{f.kind, f.key, id})
	}
	if bad {
		s.flash(r, "error", "Some Salesforce IDs are not valid; nothing was saved.")
		s.redirect(w, r, back)
		return
	}
	objs, err := s.st.OrderObjects(ctx, []uint32{o.EntityID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	current := map[string]string{}
	for _, ob := range objs[o.EntityID] {
		if ob.Kind == store.KindOrder {
			current[store.KindOrder] = ob.SFID
		}
	}
	for _, kind := range []string{store.KindAccount, store.KindContact} {
		m, err := s.st.ObjectsByKey(ctx, kind, []string{key})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		current[kind] = m[key].SFID
	}
	for _, c := range changes {
		if current[c.kind] == c.id {
			continue
		}
		orderID := uint32(0)
		if c.kind == store.KindOrder {
			orderID = o.EntityID
		}
		if err := s.st.SetObjectSFID(ctx, c.kind, c.key, orderID, c.id); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.syncAndReport(w, r, []uint32{o.EntityID}, store.ReasonManual, back)
}

// syncAndReport queues orders, waits a little for small syncs to finish,
// and tells the admin the outcome in words.
func (s *Server) syncAndReport(w http.ResponseWriter, r *http.Request, ids []uint32, reason store.Reason, back string) {
	ctx := r.Context()
	entryIDs, err := s.eng.Enqueue(ctx, ids, reason)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(ids) > 25 {
		s.flash(r, "success", plural(len(ids), "order is", "orders are")+" queued for Salesforce. The queue page shows their progress.")
		s.redirect(w, r, back)
		return
	}
	waitCtx, cancel := context.WithTimeout(ctx, s.cfg.SyncWait)
	defer cancel()
	entries, err := s.eng.Wait(waitCtx, entryIDs)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		s.serverError(w, r, err)
		return
	}
	var done, skipped, open int
	for _, e := range entries {
		switch e.Status {
		case store.QueueComplete:
			done++
		case store.QueueSkipped:
			skipped++
			s.flash(r, "warning", fmt.Sprintf("Order #%s was not synced. %s", e.IncrementID, e.Message))
		case store.QueueError, store.QueueFailed:
			s.flash(r, "error", fmt.Sprintf("Order #%s could not be synced. %s", e.IncrementID, e.Message))
		default:
			open++
		}
	}
	switch {
	case done == 1 && len(entries) == 1:
		s.flash(r, "success", fmt.Sprintf("Order #%s is in Salesforce. %s", entries[0].IncrementID, entries[0].Message))
	case done > 0:
		s.flash(r, "success", fmt.Sprintf("%d of %d orders are in Salesforce.", done, len(entries)))
	}
	switch {
	case open == 1 && len(entries) == 1:
		s.flash(r, "notice", fmt.Sprintf("Order #%s is queued for Salesforce, which is taking its time: the sync finishes in the background, and the grid shows it when it is done.",
			entries[0].IncrementID))
	case open > 0:
		s.flash(r, "notice", fmt.Sprintf("%d of %d orders are still queued for Salesforce: they finish in the background, and the grid and the queue page show them when they are done.",
			open, len(entries)))
	}
	s.redirect(w, r, back)
}
