package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"magesync/store"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/views"
)

// The order configuration form's fields and the settings they edit.
var configFields = []struct{ name, path string }{
	{"automatic_sync", store.PathAutomaticSync},
	{"zero_grand_total", store.PathZeroGrandTotal},
	{"sync_notes", store.PathSyncNotes},
	{"update_order_info", store.PathUpdateOrderInfo},
	{"default_status", store.PathDefaultStatus},
	{"sync_all", store.PathSyncAll},
	{"other_currency", store.PathOtherCurrency},
	{"price_book", store.PathPriceBook},
}

// configScope reads the scope the page shows (?website=N, or the form's
// website field): 0 for Default Config, and the settings as they stand
// there, by path. ok is false for a website that does not exist. It also
// returns the websites, for the switcher and the log.
func (s *Server) configScope(ctx context.Context, raw string) (website uint16, websites []store.Website, cur map[string]store.SettingValue, ok bool, err error) {
	if websites, err = s.st.Websites(ctx); err != nil {
		return 0, nil, nil, false, err
	}
	ok = raw == "" || raw == "0"
	for _, w := range websites {
		if !ok && strconv.Itoa(int(w.ID)) == raw {
			website, ok = w.ID, true
		}
	}
	if !ok {
		return 0, websites, nil, false, nil
	}
	values, err := s.st.SettingValuesAt(ctx, website)
	if err != nil {
		return 0, nil, nil, false, err
	}
	cur = map[string]store.SettingValue{}
	for _, v := range values {
		cur[v.Path] = v
	}
	return website, websites, cur, true, nil
}

// priceBookOptions are the org's active price books, the chosen one
// selected; when Salesforce does not answer, the standard price book and
// the chosen one.
func (s *Server) priceBookOptions(r *http.Request, chosen string) []views.Option {
	opts := []views.Option{{Value: "", Label: "Standard Price Book", Selected: chosen == ""}}
	books, err := s.eng.PriceBooks(r.Context())
	if err != nil {
		s.log.Warn("list price books", "err", err)
	}
	found := chosen == ""
	for _, b := range books {
		if b.Standard {
			continue
		}
		sel := b.ID == chosen || len(chosen) == 15 && b.ID[:15] == chosen
		found = found || sel
		opts = append(opts, views.Option{Value: b.ID, Label: b.Name, Selected: sel})
	}
	if !found {
		opts = append(opts, views.Option{Value: chosen, Label: chosen + " (not among the org's active price books)", Selected: true})
	}
	return opts
}

// configURL is the configuration page at a scope.
func configURL(website uint16) string {
	if website == 0 {
		return "/admin/salesforce/orders/config"
	}
	return "/admin/salesforce/orders/config?website=" + strconv.Itoa(int(website))
}

// orgStatuses lists the org's Order statuses, or says why it cannot.
func (s *Server) orgStatuses(r *http.Request) ([]salesforce.OrderStatus, string) {
	// The page must not hang on an org that does not answer.
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	sts, asOf, err := s.eng.OrgStatuses(ctx)
	if err != nil {
		known := "the values known here"
		if !asOf.IsZero() {
			known = "the org's statuses as read at " + formatTime(asOf, s.location(r.Context()))
		}
		return sts, "Salesforce did not answer (" + engine.ErrorText(err) + "). The Default Status list shows " + known +
			"; the category of a new choice is checked when Salesforce answers again."
	}
	return sts, ""
}

func (s *Server) configForm(w http.ResponseWriter, r *http.Request) {
	website, websites, current, ok, err := s.configScope(r.Context(), r.URL.Query().Get("website"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderConfig(w, r, http.StatusOK, website, websites, current, nil)
}

func (s *Server) renderConfig(w http.ResponseWriter, r *http.Request, status int, website uint16, websites []store.Website, cur map[string]store.SettingValue, errs map[string]string) {
	ctx := r.Context()
	magento, err := s.st.OrderStatuses(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sfStatuses, notice := s.orgStatuses(r)
	v := views.ConfigView{Page: s.page(r, "Order Configuration", "salesforce"), SFNotice: notice}
	scopeName := map[uint16]string{0: "Default Config"}
	v.Scopes = []views.Option{{Value: "", Label: "Default Config", Selected: website == 0}}
	for _, wb := range websites {
		scopeName[wb.ID] = wb.Name
		v.Scopes = append(v.Scopes, views.Option{Value: strconv.Itoa(int(wb.ID)), Label: "Website: " + wb.Name, Selected: wb.ID == website})
	}
	inherit := "Use system value"
	if website != 0 {
		v.Website, inherit = strconv.Itoa(int(website)), "Use Default"
	}
	yesNo := func(value string, yes, no string) []views.Option {
		return []views.Option{{Value: "1", Label: yes, Selected: value == "1"}, {Value: "0", Label: no, Selected: value != "1"}}
	}
	field := func(name, path, label string, opts []views.Option) views.ConfigField {
		return views.ConfigField{Name: name, Label: label, Value: cur[path].Value, Options: opts, UseSystem: !cur[path].IsSet, Inherit: inherit, Error: errs[name]}
	}
	v.Automatic = field("automatic_sync", store.PathAutomaticSync, "Automatic Synchronization", yesNo(cur[store.PathAutomaticSync].Value, "Yes", "No"))
	v.ZeroTotal = field("zero_grand_total", store.PathZeroGrandTotal, "Zero Grand Total", yesNo(cur[store.PathZeroGrandTotal].Value, "Synchronize", "Do not synchronize"))
	v.Notes = field("sync_notes", store.PathSyncNotes, "Synchronize Order Notes", yesNo(cur[store.PathSyncNotes].Value, "Yes", "No"))
	v.UpdateInfo = field("update_order_info", store.PathUpdateOrderInfo, "Update Order Info", yesNo(cur[store.PathUpdateOrderInfo].Value, "Yes", "No"))
	v.SyncAll = field("sync_all", store.PathSyncAll, "Sync all orders", yesNo(cur[store.PathSyncAll].Value, "Yes", "No"))
	v.PriceBook = field("price_book", store.PathPriceBook, "Price Book", s.priceBookOptions(r, cur[store.PathPriceBook].Value))
	other := cur[store.PathOtherCurrency].Value
	v.OtherCurrency = field("other_currency", store.PathOtherCurrency, "Orders in another currency", []views.Option{
		{Value: store.OtherCurrencyRefuse, Label: "Refuse, with a message in the queue", Selected: other != store.OtherCurrencyConvert},
		{Value: store.OtherCurrencyConvert, Label: "Convert with Magento's rate", Selected: other == store.OtherCurrencyConvert}})

	def := cur[store.PathDefaultStatus].Value
	var statusOpts []views.Option
	for _, st := range sfStatuses {
		statusOpts = append(statusOpts, views.Option{Value: st.APIName, Label: st.MasterLabel + " (" + st.StatusCode + ")"})
	}
	if len(sfStatuses) == 0 {
		for _, name := range []string{"Draft", "Activated"} {
			statusOpts = append(statusOpts, views.Option{Value: name, Label: name})
		}
	}
	if !slices.ContainsFunc(statusOpts, func(o views.Option) bool { return o.Value == def }) {
		statusOpts = append(statusOpts, views.Option{Value: def, Label: def})
	}
	defOpts := slices.Clone(statusOpts)
	for i := range defOpts {
		defOpts[i].Selected = defOpts[i].Value == def
	}
	v.DefaultStatus = field("default_status", store.PathDefaultStatus, "Default Status", defOpts)

	selected := strings.Split(cur[store.PathStatuses].Value, ",")
	v.StatusesUseSystem = !cur[store.PathStatuses].IsSet
	v.StatusesError = errs["statuses"]
	var mapping map[string]string
	json.Unmarshal([]byte(cur[store.PathStatusMap].Value), &mapping)
	defaults := store.OrderSettings{DefaultStatus: def}
	for _, st := range magento {
		v.Statuses = append(v.Statuses, views.Option{Value: st.Code, Label: st.Label, Selected: slices.Contains(selected, st.Code)})
		row := views.StatusMapRow{Code: st.Code, Label: st.Label, Field: "map_" + st.Code}
		row.Options = append(row.Options, views.Option{Value: "", Label: "Default: " + defaults.SalesforceStatus(st.Code), Selected: mapping[st.Code] == ""})
		for _, o := range statusOpts {
			o.Selected = mapping[st.Code] == o.Value
			row.Options = append(row.Options, o)
		}
		v.StatusMap = append(v.StatusMap, row)
	}
	log, err := s.st.ConfigLog(ctx, 20)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	loc := s.location(ctx)
	labels := map[string]string{}
	for _, st := range magento {
		labels[st.Code] = st.Label
	}
	for _, e := range log {
		shown := func(ns sql.NullString) string {
			if !ns.Valid {
				return "(system value)"
			}
			return settingText(e.Path, ns.String, labels)
		}
		label := e.Path
		if d, ok := store.Setting(e.Path); ok {
			label = d.Label
		}
		scope := scopeName[e.ScopeID]
		if e.Scope != "websites" {
			scope = scopeName[0]
		} else if scope == "" {
			scope = "Website " + strconv.Itoa(int(e.ScopeID))
		}
		v.Changes = append(v.Changes, views.ConfigChange{When: formatTime(e.CreatedAt, loc), Who: e.Username, Scope: scope, Setting: label,
			From: shown(e.OldValue), To: shown(e.NewValue)})
	}
	s.render(w, r, status, views.Config(v))
}

func (s *Server) configSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	website, websites, cur, ok, err := s.configScope(ctx, r.PostFormValue("website"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	var changes []store.Change
	errs := map[string]string{}
	// A field's "Use system value" ticked: the default applies. Unticked:
	// the chosen value is saved; a select still disabled (no JavaScript)
	// keeps the value it showed, now saved explicitly.
	field := func(name, path string, value func() string) {
		if r.PostFormValue(name+"_shown") != "1" {
			return
		}
		switch {
		case r.PostFormValue(name+"_inherit") == "1":
			if cur[path].IsSet {
				changes = append(changes, store.UseDefault(path).At(website))
			}
		case r.PostForm.Has(name):
			changes = append(changes, store.Set(path, value()).At(website))
		default:
			changes = append(changes, store.Set(path, cur[path].Value).At(website))
		}
	}
	for _, f := range configFields {
		field(f.name, f.path, func() string { return r.PostFormValue(f.name) })
	}
	field("statuses", store.PathStatuses, func() string { return strings.Join(r.PostForm["statuses"], ",") })
	mapping := map[string]string{}
	for k, vals := range r.PostForm {
		if code, ok := strings.CutPrefix(k, "map_"); ok && len(vals) > 0 && vals[0] != "" {
			mapping[code] = vals[0]
		}
	}
	if b, _ := json.Marshal(mapping); string(b) != cur[store.PathStatusMap].Value {
		changes = append(changes, store.Set(store.PathStatusMap, string(b)).At(website))
	}

	if book := r.PostFormValue("price_book"); book != "" && r.PostFormValue("price_book_inherit") != "1" {
		if _, err := s.eng.CheckPriceBook(ctx, book); err != nil {
			errs["price_book"] = strings.TrimPrefix(err.Error(), engine.ErrNoPriceBook.Error()+": ") + "."
		}
	}
	if def := r.PostFormValue("default_status"); def != "" && r.PostFormValue("default_status_inherit") != "1" {
		if _, err := s.eng.CheckDefaultStatus(ctx, def); err != nil {
			errs["default_status"] = strings.TrimPrefix(err.Error(), engine.ErrNotDraftStatus.Error()+": ") + "."
		}
	}
	if len(errs) == 0 {
		err = s.st.SaveSettings(ctx, s.sessions.GetString(ctx, "username"), s.cfg.SecretKey, changes)
		if errors.Is(err, store.ErrInvalidSetting) {
			fields := map[string]string{store.PathStatuses: "statuses"}
			for _, f := range configFields {
				fields[f.path] = f.name
			}
			for path, msg := range store.SettingErrors(err) {
				if name, ok := fields[path]; ok {
					errs[name] = msg
				} else {
					errs["form"] = msg
				}
			}
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		// Show the form again with what the admin chose.
		for _, c := range changes {
			sv := cur[c.Path]
			sv.IsSet = c.Value != nil
			if c.Value != nil {
				sv.Value = *c.Value
			}
			cur[c.Path] = sv
		}
		page := http.StatusUnprocessableEntity
		msg := "The configuration was not saved."
		if errs["form"] != "" {
			msg += " " + errs["form"]
		}
		s.flash(r, "error", msg)
		s.renderConfig(w, r, page, website, websites, cur, errs)
		return
	}
	s.flash(r, "success", "You saved the configuration.")
	s.redirect(w, r, configURL(website))
}

// settingText shows a stored value as the form shows it: Yes or No, status
// labels rather than codes.
func settingText(path, value string, labels map[string]string) string {
	label := func(code string) string {
		if l, ok := labels[code]; ok {
			return l
		}
		return code
	}
	switch d, _ := store.Setting(path); {
	case d.IsBool():
		if value == "1" {
			return "Yes"
		}
		return "No"
	case path == store.PathStatuses:
		var out []string
		for _, code := range strings.Split(value, ",") {
			if code != "" {
				out = append(out, label(code))
			}
		}
		if len(out) == 0 {
			return "(none)"
		}
		return strings.Join(out, ", ")
	case path == store.PathOtherCurrency:
		if value == store.OtherCurrencyConvert {
			return "Convert"
		}
		return "Refuse"
	case path == store.PathStatusMap:
		var m map[string]string
		if json.Unmarshal([]byte(value), &m) != nil || len(m) == 0 {
			return "(defaults)"
		}
		var out []string
		for _, code := range slices.Sorted(maps.Keys(m)) {
			out = append(out, label(code)+" → "+m[code])
		}
		return strings.Join(out, ", ")
	}
	return value
}
