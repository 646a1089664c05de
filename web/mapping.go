package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"magesync/store"
	"magesync/sync/engine"
	"magesync/views"
)

// mappingObjects are the Fields Mapping pages: URL part → sObject, title.
var mappingObjects = map[string]struct{ sobject, title string }{
	"order":     {"Order", "Fields Mapping: Order"},
	"orderitem": {"OrderItem", "Fields Mapping: Order Product"},
}

// mappingDefaults are the fields the engine writes itself, as the page
// shows them.
var mappingDefaults = map[string][]views.MappingDefault{
	"Order": {{Target: "AccountId, BillToContactId", Source: "the customer's Account and Contact (registered by customer id, guests by e-mail)"},
		{Target: "Name", Source: `"Magento #" and the order number (a mapping may replace it)`}, {Target: "EffectiveDate", Source: "Purchase Date, in the store's time zone (a mapping may replace it)"},
		{Target: "OrderReferenceNumber", Source: "the order number (a mapping may replace it)"}, {Target: "Magento_Increment_Id__c", Source: "the order number"}, {Target: "Status", Source: "Order Configuration's Default Status and Status Mapping"},
		{Target: "Pricebook2Id", Source: "the Standard Price Book"}, {Target: "Billing and Shipping address", Source: "the order's addresses, as the org's picklists take them"},
		{Target: "Description", Source: "store, payment, shipping and customer note (a mapping may replace it)"}, {Target: "Magento_Order_Id__c", Source: "the order's id, with the store's External ID Prefix"}},
	"OrderItem": {{Target: "PricebookEntryId", Source: "the product, by SKU, in the Standard Price Book"}, {Target: "Quantity", Source: "Qty Ordered"},
		{Target: "UnitPrice", Source: "Row Total less Discount, per unit"}, {Target: "Description", Source: "the item's name and chosen options (a mapping may replace it)"},
		{Target: "Magento_Item_Id__c", Source: "the item's id, with the store's External ID Prefix"},
		{Target: "Shipping, Tax and Discount lines", Source: "the order's shipping, tax and what the items do not explain, so the totals equal"}},
}

func (s *Server) mappingObject(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	key := chi.URLParam(r, "object")
	o, ok := mappingObjects[key]
	if !ok {
		s.notFound(w, r)
		return "", "", false
	}
	return key, o.sobject, true
}

// mappingPage shows the page; with ?edit=ID the form holds that mapping.
func (s *Server) mappingPage(w http.ResponseWriter, r *http.Request) {
	key, sobject, ok := s.mappingObject(w, r)
	if !ok {
		return
	}
	form := store.FieldMap{SObject: sobject, Mode: store.MapAlways, TooLong: "refuse", Enabled: true}
	if id, err := strconv.ParseUint(r.URL.Query().Get("edit"), 10, 64); err == nil {
		m, ok := s.mappingByID(w, r, id, sobject)
		if !ok {
			return
		}
		form = m
	}
	s.renderMapping(w, r, http.StatusOK, key, form, nil, nil)
}

func (s *Server) renderMapping(w http.ResponseWriter, r *http.Request, status int, key string, form store.FieldMap, errs map[string]string, preview []engine.Preview) {
	ctx := r.Context()
	sobject := mappingObjects[key].sobject
	v := views.MappingView{Page: s.page(r, mappingObjects[key].title, "salesforce"), Tab: "mapping-" + key, Object: sobject,
		Defaults: mappingDefaults[sobject], SaveURL: "/admin/salesforce/mapping/" + key, FormTitle: "Add a Mapping",
		Enabled: form.Enabled, Errors: errs}
	if form.ID != 0 {
		v.FormTitle, v.EditID = fmt.Sprintf("Change Mapping #%d", form.ID), strconv.FormatUint(form.ID, 10)
	}
	maps, err := s.st.FieldMaps(ctx, sobject)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	orgCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	targets, orgErr := s.eng.MappingTargets(orgCtx, sobject)
	if orgErr != nil {
		v.OrgNotice = "Salesforce did not answer (" + engine.ErrorText(orgErr) + "): the fields cannot be listed or checked now."
	}
	for _, m := range maps {
		row := views.MappingRow{Source: m.Source, Target: m.Target, When: whenLabels[m.Mode], TooLong: map[string]string{"cut": "Cut", "refuse": "Refuse"}[m.TooLong],
			Enabled: map[bool]string{true: "Yes", false: "No"}[m.Enabled], EditURL: fmt.Sprintf("/admin/salesforce/mapping/%s?edit=%d", key, m.ID),
			DeleteURL: fmt.Sprintf("/admin/salesforce/mapping/%s/%d/delete", key, m.ID)}
		if orgErr == nil {
			if _, ok, _ := s.eng.MappingField(orgCtx, sobject, m.Target); !ok {
				row.Problem = "Salesforce has no field " + m.Target + " on " + sobject + " any more: orders sync without it, saying so."
			}
		}
		v.Rows = append(v.Rows, row)
	}
	sources, err := s.st.MappingSources(ctx, sobject)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, src := range sources {
		v.Sources = append(v.Sources, views.Option{Value: src.Key, Label: src.Label + " (" + src.Type + ")", Selected: src.Key == form.Source})
	}
	known := false
	for _, f := range targets {
		label := fmt.Sprintf("%s (%s, %s", f.Label, f.Name, f.Type)
		if f.Length > 0 && f.Type != "picklist" {
			label += fmt.Sprintf(", %d", f.Length)
		}
		v.Targets = append(v.Targets, views.Option{Value: f.Name, Label: label + ")", Selected: f.Name == form.Target})
		known = known || f.Name == form.Target
	}
	if form.Target != "" && !known {
		v.Targets = append(v.Targets, views.Option{Value: form.Target, Label: form.Target + " (not in the org now)", Selected: true})
	}
	for _, mode := range []string{store.MapAlways, store.MapCreate, store.MapUpdate} {
		v.When = append(v.When, views.Option{Value: mode, Label: whenLabels[mode], Selected: mode == form.Mode})
	}
	v.TooLong = []views.Option{{Value: "refuse", Label: "Refuse it", Selected: form.TooLong != "cut"}, {Value: "cut", Label: "Cut it at the field's length and say so", Selected: form.TooLong == "cut"}}
	for _, p := range preview {
		mp := views.MappingPreview{Order: p.IncrementID, Raw: p.Raw, Problem: p.Problem, Sent: fmt.Sprint(p.Sent)}
		if p.Missing {
			mp.Raw, mp.Sent = "(none)", "(nothing sent)"
		}
		v.Preview = append(v.Preview, mp)
	}
	s.render(w, r, status, views.Mapping(v))
}

var whenLabels = map[string]string{store.MapAlways: "Every sync", store.MapCreate: "On create only", store.MapUpdate: "On update only"}

// mappingSave previews (Preview) or saves (Save Mapping) the form. Saving
// checks the field against the org and the newest orders' values first:
// a mapping that would fail every order is never saved.
func (s *Server) mappingSave(w http.ResponseWriter, r *http.Request) {
	key, sobject, ok := s.mappingObject(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	m := store.FieldMap{SObject: sobject, Source: r.PostFormValue("source"), Target: strings.TrimSpace(r.PostFormValue("target")),
		Mode: r.PostFormValue("when"), TooLong: r.PostFormValue("too_long"), Enabled: r.PostFormValue("enabled") == "1",
		Username: s.sessions.GetString(ctx, "username")}
	if id, err := strconv.ParseUint(r.PostFormValue("id"), 10, 64); err == nil {
		m.ID = id
	}
	errs := map[string]string{}
	preview, err := s.eng.PreviewMapping(ctx, m)
	switch {
	case errors.Is(err, engine.ErrMappingRefused):
		errs["target"] = strings.TrimPrefix(err.Error(), engine.ErrMappingRefused.Error()+": ")
	case err != nil:
		errs["form"] = "Salesforce could not be asked whether the field takes these values (" + engine.ErrorText(err) + "); nothing was saved."
	}
	if r.PostFormValue("preview") == "1" || len(errs) > 0 {
		status := http.StatusOK
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		s.renderMapping(w, r, status, key, m, errs, preview)
		return
	}
	if m.ID != 0 {
		err = s.st.UpdateFieldMap(ctx, m)
	} else {
		m.ID, err = s.st.AddFieldMap(ctx, m)
	}
	switch {
	case errors.Is(err, store.ErrInvalidSetting), errors.Is(err, store.ErrMappingExists):
		errs["form"] = strings.TrimPrefix(err.Error(), "invalid setting: ")
		s.renderMapping(w, r, http.StatusUnprocessableEntity, key, m, errs, preview)
		return
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "success", fmt.Sprintf("You saved mapping #%d: %s → %s.", m.ID, m.Source, m.Target))
	s.redirect(w, r, "/admin/salesforce/mapping/"+key)
}

// mappingDelete asks first, then deletes.
func (s *Server) mappingDelete(w http.ResponseWriter, r *http.Request) {
	key, sobject, ok := s.mappingObject(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	id, err := strconv.ParseUint(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	m, ok := s.mappingByID(w, r, id, sobject)
	if !ok {
		return
	}
	if r.PostFormValue("confirmed") != "1" {
		s.render(w, r, http.StatusOK, views.Confirm(views.ConfirmView{Page: s.page(r, "Delete Mapping", "salesforce"),
			Action: fmt.Sprintf("/admin/salesforce/mapping/%s/%d/delete", key, id), Question: fmt.Sprintf("Delete mapping #%d (%s → %s)?", id, m.Source, m.Target),
			Detail:  "Orders synced from now on do not send this value; what Salesforce holds stays.",
			Confirm: "Delete", CancelURL: "/admin/salesforce/mapping/" + key, Fields: []views.Hidden{{Name: "confirmed", Value: "1"}}}))
		return
	}
	if err := s.st.RemoveFieldMap(ctx, id, s.sessions.GetString(ctx, "username")); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "success", fmt.Sprintf("You deleted mapping #%d.", id))
	s.redirect(w, r, "/admin/salesforce/mapping/"+key)
}

// mappingByID loads a mapping of sobject, answering 404 for any other.
func (s *Server) mappingByID(w http.ResponseWriter, r *http.Request, id uint64, sobject string) (store.FieldMap, bool) {
	m, err := s.st.FieldMapByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && m.SObject != sobject {
		s.notFound(w, r)
		return m, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return m, false
	}
	return m, true
}
