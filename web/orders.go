package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"magesync/store"
	"magesync/sync/salesforce"
	"magesync/views"
)

var pageSizes = []int{20, 30, 50, 100, 200}

// gridState reads the orders grid's state from URL or form values.
func gridState(v url.Values, loc *time.Location) (store.GridQuery, map[string]string) {
	q := store.GridQuery{Keyword: strings.TrimSpace(v.Get("search")), Sort: v.Get("sort"), Desc: v.Get("dir") != "asc"}
	errs := map[string]string{}
	for _, st := range v["status"] {
		if st != "" {
			q.Statuses = append(q.Statuses, st)
		}
	}
	if _, ok := store.GridSortColumns[q.Sort]; !ok {
		q.Sort, q.Desc = "created_at", true
	}
	if d := v.Get("from"); d != "" {
		if t, err := time.ParseInLocation("2006-01-02", d, loc); err == nil {
			q.From = t
		} else {
			errs["from"] = d
		}
	}
	if d := v.Get("to"); d != "" {
		if t, err := time.ParseInLocation("2006-01-02", d, loc); err == nil {
			q.To = t.AddDate(0, 0, 1) // the whole "to" day
		} else {
			errs["to"] = d
		}
	}
	if s := store.SyncState(v.Get("sync")); slices.Contains(store.SyncStates, s) {
		q.Sync = s
	}
	amount := func(key string, dst *store.Decimal, has *bool) {
		if raw := strings.TrimSpace(v.Get(key)); raw != "" {
			if d, err := store.ParseDecimal(raw); err == nil {
				*dst, *has = d, true
			} else {
				errs[key] = raw
			}
		}
	}
	amount("base_total_from", &q.BaseTotal.Min, &q.BaseTotal.HasMin)
	amount("base_total_to", &q.BaseTotal.Max, &q.BaseTotal.HasMax)
	amount("total_from", &q.Total.Min, &q.Total.HasMin)
	amount("total_to", &q.Total.Max, &q.Total.HasMax)
	if id, err := strconv.ParseUint(v.Get("store"), 10, 16); err == nil {
		q.StoreID = uint16(id)
	}
	q.Page, q.Size = pageParams(v)
	if id, err := strconv.ParseUint(v.Get("after"), 10, 32); err == nil {
		q.After = uint32(id)
	} else if id, err := strconv.ParseUint(v.Get("before"), 10, 32); err == nil {
		q.Before = uint32(id)
	}
	return q, errs
}

// pageParams reads a grid's page (from 1) and page size (one of pageSizes).
func pageParams(v url.Values) (page, size int) {
	page, _ = strconv.Atoi(v.Get("p"))
	size, _ = strconv.Atoi(v.Get("limit"))
	if !slices.Contains(pageSizes, size) {
		size = 20
	}
	// Past any real grid (and far from overflowing an offset).
	return min(max(page, 1), maxPage), size
}

const maxPage = 1_000_000

// stateValues writes a grid state back as URL values (page and sort optional).
func stateValues(q store.GridQuery, loc *time.Location, withSort bool) url.Values {
	v := url.Values{}
	if q.Keyword != "" {
		v.Set("search", q.Keyword)
	}
	for _, s := range q.Statuses {
		v.Add("status", s)
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.In(loc).Format("2006-01-02"))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.In(loc).AddDate(0, 0, -1).Format("2006-01-02"))
	}
	if q.Sync != "" {
		v.Set("sync", string(q.Sync))
	}
	for key, r := range map[string]struct {
		d   store.Decimal
		has bool
	}{"base_total_from": {q.BaseTotal.Min, q.BaseTotal.HasMin}, "base_total_to": {q.BaseTotal.Max, q.BaseTotal.HasMax},
		"total_from": {q.Total.Min, q.Total.HasMin}, "total_to": {q.Total.Max, q.Total.HasMax}} {
		if r.has {
			v.Set(key, r.d.Plain())
		}
	}
	if q.StoreID != 0 {
		v.Set("store", strconv.Itoa(int(q.StoreID)))
	}
	if withSort {
		v.Set("sort", q.Sort)
		if q.Desc {
			v.Set("dir", "desc")
		} else {
			v.Set("dir", "asc")
		}
		if q.Size != 20 {
			v.Set("limit", strconv.Itoa(q.Size))
		}
	}
	return v
}

func syncMark(state store.SyncState, lastError string) views.SyncMark {
	switch state {
	case store.StateInSync:
		return views.SyncMark{State: string(state), Label: "In sync"}
	case store.StatePending:
		return views.SyncMark{State: string(state), Label: "Pending", Title: "Queued for Salesforce"}
	case store.StateError:
		return views.SyncMark{State: string(state), Label: "Error", Title: lastError}
	}
	title := lastError
	if title == "" {
		title = "Not in Salesforce"
	}
	return views.SyncMark{State: string(store.StateNotInSync), Label: "Not in sync", Title: title}
}

var syncLabels = []views.Option{{Value: "", Label: "Any"}, {Value: string(store.StateInSync), Label: "In sync"},
	{Value: string(store.StateNotInSync), Label: "Not in sync"}, {Value: string(store.StatePending), Label: "Pending"}, {Value: string(store.StateError), Label: "Error"}}

func (s *Server) instanceURL(r *http.Request) string {
	if s.eng == nil {
		return ""
	}
	u, _ := s.eng.InstanceURL(r.Context())
	return u
}

func (s *Server) ordersGrid(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	loc := s.location(ctx)
	q, bad := gridState(r.URL.Query(), loc)
	// The order page's Back returns here, filters, sort and page kept.
	s.sessions.Put(ctx, "grid_url", r.URL.RequestURI())
	page, err := s.st.OrderGrid(ctx, q)
	if err == nil && len(page.Rows) == 0 && page.Total > 0 && q.Page > 1 {
		// Past the end (an old link, a page typed): the last page.
		q.Last = true
		page, err = s.st.OrderGrid(ctx, q)
	}
	rows, total := page.Rows, page.Total
	if errors.Is(err, store.ErrTooSlow) {
		s.log.Warn("orders grid stopped at its time limit", "query", r.URL.RawQuery, "err", err)
		s.problem(w, r, http.StatusServiceUnavailable, "Orders", fmt.Sprintf("The orders grid took longer than %s for these filters and was stopped, "+
			"so that the store's database stays fast for its customers. Narrow the filters (a purchase date range, a status) or search by order number.",
			s.st.GridLimit().Round(time.Millisecond)))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	statuses, err := s.st.OrderStatuses(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	labels := map[string]string{}
	v := views.GridView{Page: s.page(r, "Orders", "sales"), Total: total, Keyword: q.Keyword, ClearURL: "/admin/sales/order"}
	if !page.Copy.CaughtUp {
		// Honest about a copy that lags: Magento changed more orders than
		// one page load copies.
		since := "a moment ago"
		if !page.Copy.Through.IsZero() {
			since = formatTime(page.Copy.Through, loc)
		}
		v.Messages = append(v.Messages, views.Message{Kind: "notice", Text: "Magento changed many orders just now; the grid shows them as they were at " +
			since + " while magesync copies the rest. Reload in a moment."})
	}
	for field, val := range bad {
		what := map[string]string{"from": "Purchase Date from", "to": "Purchase Date to", "base_total_from": "Grand Total (Base) from",
			"base_total_to": "Grand Total (Base) to", "total_from": "Grand Total (Purchased) from", "total_to": "Grand Total (Purchased) to"}[field]
		v.Messages = append(v.Messages, views.Message{Kind: "error", Text: fmt.Sprintf("%s %q is not a date or an amount as the filter needs; it was ignored.", what, val)})
	}
	plain := func(r store.AmountRange) (string, string) {
		var lo, hi string
		if r.HasMin {
			lo = r.Min.Plain()
		}
		if r.HasMax {
			hi = r.Max.Plain()
		}
		return lo, hi
	}
	v.BaseTotalFrom, v.BaseTotalTo = plain(q.BaseTotal)
	v.TotalFrom, v.TotalTo = plain(q.Total)
	storeViews, err := s.st.StoreViews(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.StoreViews = []views.Option{{Value: "", Label: "All Store Views"}}
	for _, sv := range storeViews {
		v.StoreViews = append(v.StoreViews, views.Option{Value: strconv.Itoa(int(sv.ID)), Label: sv.GroupName + " / " + sv.Name, Selected: sv.ID == q.StoreID})
	}
	for _, st := range statuses {
		labels[st.Code] = st.Label
		v.Statuses = append(v.Statuses, views.Option{Value: st.Code, Label: st.Label, Selected: slices.Contains(q.Statuses, st.Code)})
	}
	for _, o := range syncLabels {
		o.Selected = o.Value == string(q.Sync)
		v.Sync = append(v.Sync, o)
	}
	if !q.From.IsZero() {
		v.From = q.From.In(loc).Format("2006-01-02")
	}
	if !q.To.IsZero() {
		v.To = q.To.In(loc).AddDate(0, 0, -1).Format("2006-01-02")
	}
	v.Filtered = len(q.Statuses) > 0 || !q.From.IsZero() || !q.To.IsZero() || q.Sync != "" || v.BaseTotalFrom != "" || v.BaseTotalTo != "" ||
		v.TotalFrom != "" || v.TotalTo != "" || q.StoreID != 0

	base := stateValues(q, loc, false)
	link := func(change func(url.Values)) string {
		u := stateValues(q, loc, true)
		change(u)
		return "/admin/sales/order?" + u.Encode()
	}
	hidden, err := s.hiddenColumns(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Show = map[string]bool{}
	for _, c := range gridColumns {
		v.Show[c.key] = !hidden[c.key]
		if c.key != "id" {
			v.ColumnChoices = append(v.ColumnChoices, views.Option{Value: c.key, Label: c.label, Selected: !hidden[c.key]})
		}
		if hidden[c.key] {
			continue
		}
		col := views.Column{Label: c.label, AriaSort: "none"}
		desc := c.key == "created_at" || c.key == "id"
		if q.Sort == c.key {
			col.AriaSort = "ascending"
			if q.Desc {
				col.AriaSort = "descending"
			}
			desc = !q.Desc
		}
		col.SortURL = link(func(u url.Values) {
			u.Set("sort", c.key)
			u.Set("dir", map[bool]string{true: "desc", false: "asc"}[desc])
			u.Del("p")
		})
		v.Columns = append(v.Columns, col)
	}
	v.Pager = pager(page.Page, q.Size, total, func(p int) string { return link(func(u url.Values) { u.Set("p", strconv.Itoa(p)) }) })
	v.Pager.About = !page.Exact
	if n := len(page.Rows); n > 0 {
		// Next and Previous go from this page's orders, not from the start:
		// as fast on page 25,000 as on page 2.
		if v.Pager.NextURL != "" {
			v.Pager.NextURL = link(func(u url.Values) {
				u.Set("p", strconv.Itoa(v.Pager.Page+1))
				u.Set("after", strconv.FormatUint(uint64(page.Rows[n-1].EntityID), 10))
			})
		}
		if v.Pager.PrevURL != "" && v.Pager.Page > 2 {
			v.Pager.PrevURL = link(func(u url.Values) {
				u.Set("p", strconv.Itoa(v.Pager.Page-1))
				u.Set("before", strconv.FormatUint(uint64(page.Rows[0].EntityID), 10))
			})
		}
	}
	v.HereURL = r.URL.RequestURI()
	v.Chips = filterChips(q, loc, labels, link)
	for _, sv := range v.StoreViews {
		if sv.Selected {
			v.Chips = append(v.Chips, views.Chip{Label: "Purchase Point: " + sv.Label, RemoveURL: link(func(u url.Values) { u.Del("store"); u.Del("p") })})
		}
	}
	for _, a := range []struct{ key, label, value string }{{"base_total_from", "Grand Total (Base) from", v.BaseTotalFrom},
		{"base_total_to", "Grand Total (Base) to", v.BaseTotalTo}, {"total_from", "Grand Total (Purchased) from", v.TotalFrom},
		{"total_to", "Grand Total (Purchased) to", v.TotalTo}} {
		if a.value != "" {
			v.Chips = append(v.Chips, views.Chip{Label: a.label + " " + a.value, RemoveURL: link(func(u url.Values) { u.Del(a.key); u.Del("p") })})
		}
	}
	for k, vals := range stateValues(q, loc, true) {
		if k == "limit" {
			continue
		}
		for _, val := range vals {
			v.Pager.Hidden = append(v.Pager.Hidden, views.Hidden{Name: k, Value: val})
		}
	}
	for k, vals := range base {
		for _, val := range vals {
			v.State = append(v.State, views.Hidden{Name: k, Value: val})
		}
	}
	v.State = append(v.State, views.Hidden{Name: "back", Value: r.URL.RequestURI()})

	instance := s.instanceURL(r)
	for _, row := range rows {
		// Magento keeps website, store and store view in lines; the grid
		// shows the view and keeps the rest for hover.
		lines := strings.Split(strings.TrimSpace(row.StoreName), "\n")
		gr := views.GridRow{ID: row.EntityID, IncrementID: row.IncrementID, PurchasePoint: strings.TrimSpace(lines[len(lines)-1]),
			PurchasePath: strings.Join(lines, " / "),
			PurchaseDate: formatTime(row.CreatedAt.Time, loc), BillTo: row.BillingName, ShipTo: row.ShippingName,
			BaseTotal: money(row.BaseGrandTotal, row.BaseCurrency), Total: money(row.GrandTotal, row.OrderCurrency),
			Status: orLabel(labels, row.Status), Sync: syncMark(row.SyncState, row.SyncError), SFID: row.SFID,
			ViewURL: fmt.Sprintf("/admin/sales/order/%d", row.EntityID), SyncURL: fmt.Sprintf("/admin/sales/order/%d/sync", row.EntityID)}
		if row.SFID != "" && instance != "" {
			gr.SFURL = salesforce.RecordURL(instance, "Order", row.SFID)
		}
		v.Rows = append(v.Rows, gr)
	}
	s.render(w, r, http.StatusOK, views.Grid(v))
}

func orLabel(labels map[string]string, code string) string {
	if l := labels[code]; l != "" {
		return l
	}
	return code
}

// money formats an amount with its currency as Magento's grid does.
func money(d store.Decimal, currency string) string {
	sym := map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}[currency]
	if sym == "" && currency != "" {
		sym = currency + " "
	}
	m := d.Money()
	neg := strings.HasPrefix(m, "-")
	m = strings.TrimPrefix(m, "-")
	whole, frac, _ := strings.Cut(m, ".")
	out := sym + views.GroupDigits(whole) + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

// lastPage is the number of the last page of total records, size a page.
func lastPage(total, size int) int { return max((total+size-1)/size, 1) }

func pager(page, size, total int, link func(int) string) views.Pager {
	pages := lastPage(total, size)
	p := views.Pager{Page: min(page, pages), Pages: pages, Size: size}
	for _, n := range pageSizes {
		p.Sizes = append(p.Sizes, views.Option{Value: strconv.Itoa(n), Label: strconv.Itoa(n), Selected: n == size})
	}
	if p.Page > 1 {
		p.PrevURL = link(p.Page - 1)
	}
	if p.Page < pages {
		p.NextURL = link(p.Page + 1)
	}
	return p
}

// ordersSync is Actions › Sync with Salesforce: the ticked orders, or all
// orders the grid's filters match.
func (s *Server) ordersSync(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	back := r.PostFormValue("back")
	if !localAdminPath(back) {
		back = "/admin/sales/order"
	}
	if r.PostForm.Has("action") && r.PostFormValue("action") == "" {
		s.flash(r, "error", "Please choose an action.")
		s.redirect(w, r, back)
		return
	}
	var ids []uint32
	if r.PostFormValue("all") == "1" {
		q, _ := gridState(r.PostForm, s.location(ctx))
		q.Page, q.Size = 1, 20
		page, err := s.st.OrderGrid(ctx, q)
		total := page.Total
		if err != nil && !errors.Is(err, store.ErrTooSlow) {
			s.serverError(w, r, err)
			return
		}
		if err != nil || total > 25 {
			// Many orders: they are queued in the background, and the
			// answer comes at once; the queue page's progress bar follows.
			s.enqueueInBackground(q)
			s.flash(r, "success", "The orders matching the grid's filters are being queued for Salesforce. The queue page shows their progress.")
			s.redirect(w, r, back)
			return
		}
		if ids, err = s.st.OrderGridIDs(ctx, q); err != nil {
			s.serverError(w, r, err)
			return
		}
	} else {
		// "Select all on this page" without JavaScript sends the page's ids.
		picked := r.PostForm["ids"]
		if r.PostFormValue("page") == "1" {
			picked = r.PostForm["page_ids"]
		}
		for _, raw := range picked {
			id, err := strconv.ParseUint(raw, 10, 32)
			if err != nil {
				s.flash(r, "error", fmt.Sprintf("%q is not an order id.", raw))
				s.redirect(w, r, back)
				return
			}
			ids = append(ids, uint32(id))
		}
	}
	if len(ids) == 0 {
		s.flash(r, "error", "Please select orders to sync.")
		s.redirect(w, r, back)
		return
	}
	reason := store.ReasonBulk
	if len(ids) == 1 {
		reason = store.ReasonManual
	}
	s.syncAndReport(w, r, ids, reason, back)
}

// gridURL is the orders grid as the admin last saw it.
func (s *Server) gridURL(r *http.Request) string {
	if u := s.sessions.GetString(r.Context(), "grid_url"); localAdminPath(u) && strings.HasPrefix(u, "/admin/sales/order") {
		return u
	}
	return "/admin/sales/order"
}

// ordersMarks answers the grid's poll for orders it shows as pending: each
// order's sync mark and Salesforce Order ID, as JSON.
func (s *Server) ordersMarks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var ids []uint32
	for _, raw := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if id, err := strconv.ParseUint(raw, 10, 32); err == nil && len(ids) < 200 {
			ids = append(ids, uint32(id))
		}
	}
	objs, err := s.st.OrderObjects(ctx, ids)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	type mark struct {
		views.SyncMark
		SFID  string `json:"sfId"`
		SFURL string `json:"sfUrl"`
	}
	out := map[string]mark{}
	instance := s.instanceURL(r)
	for _, id := range ids {
		for _, o := range objs[id] {
			if o.Kind != store.KindOrder {
				continue
			}
			m := mark{SyncMark: syncMark(o.State, o.LastError), SFID: o.SFID}
			if o.SFID != "" && instance != "" {
				m.SFURL = salesforce.RecordURL(instance, "Order", o.SFID)
			}
			out[strconv.FormatUint(uint64(id), 10)] = m
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// filterChips lists the grid's active filters, each with a link to the
// grid without it (sort and page size kept, back to page 1).
func filterChips(q store.GridQuery, loc *time.Location, labels map[string]string, link func(func(url.Values)) string) []views.Chip {
	var chips []views.Chip
	without := func(key, value string) string {
		return link(func(u url.Values) {
			u.Del("p")
			if value == "" {
				u.Del(key)
				return
			}
			u[key] = slices.DeleteFunc(slices.Clone(u[key]), func(s string) bool { return s == value })
		})
	}
	if q.Keyword != "" {
		chips = append(chips, views.Chip{Label: "Keyword: " + q.Keyword, RemoveURL: without("search", "")})
	}
	if !q.From.IsZero() {
		chips = append(chips, views.Chip{Label: "Purchase Date from " + q.From.In(loc).Format("Jan 2, 2006"), RemoveURL: without("from", "")})
	}
	if !q.To.IsZero() {
		chips = append(chips, views.Chip{Label: "Purchase Date to " + q.To.In(loc).AddDate(0, 0, -1).Format("Jan 2, 2006"), RemoveURL: without("to", "")})
	}
	for _, st := range q.Statuses {
		chips = append(chips, views.Chip{Label: "Status: " + orLabel(labels, st), RemoveURL: without("status", st)})
	}
	if q.Sync != "" {
		label := string(q.Sync)
		for _, o := range syncLabels {
			if o.Value == string(q.Sync) {
				label = o.Label
			}
		}
		chips = append(chips, views.Chip{Label: "Salesforce Sync Status: " + label, RemoveURL: without("sync", "")})
	}
	return chips
}

// gridColumns are the orders grid's columns, as Magento's and magesync's.
var gridColumns = []struct{ key, label string }{{"id", "ID"}, {"purchase_point", "Purchase Point"}, {"created_at", "Purchase Date"},
	{"billing_name", "Bill-to Name"}, {"shipping_name", "Ship-to Name"}, {"base_grand_total", "Grand Total (Base)"},
	{"grand_total", "Grand Total (Purchased)"}, {"status", "Status"}, {"sync", "Salesforce Sync Status"}, {"sf_id", "Salesforce Order ID"}}

const prefHiddenColumns = "grid_hidden_columns"

// hiddenColumns are the columns the signed-in admin chose not to see.
func (s *Server) hiddenColumns(r *http.Request) (map[string]bool, error) {
	raw, err := s.st.AdminPref(r.Context(), uint32(s.sessions.GetInt64(r.Context(), "user_id")), prefHiddenColumns)
	hidden := map[string]bool{}
	for _, k := range strings.Split(raw, ",") {
		if k != "" && k != "id" {
			hidden[k] = true
		}
	}
	return hidden, err
}

// ordersColumns keeps the admin's choice of columns: every known column
// not ticked is hidden, for this admin only.
func (s *Server) ordersColumns(w http.ResponseWriter, r *http.Request) {
	shown := map[string]bool{}
	for _, k := range r.PostForm["show"] {
		shown[k] = true
	}
	var hidden []string
	for _, c := range gridColumns {
		if c.key != "id" && !shown[c.key] {
			hidden = append(hidden, c.key)
		}
	}
	if err := s.st.SetAdminPref(r.Context(), uint32(s.sessions.GetInt64(r.Context(), "user_id")), prefHiddenColumns, strings.Join(hidden, ",")); err != nil {
		s.serverError(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if !localAdminPath(back) || !strings.HasPrefix(back, "/admin/sales/order") {
		back = "/admin/sales/order"
	}
	s.redirect(w, r, back)
}

// enqueueInBackground queues every order the grid's filters match, in
// chunks, after the request has been answered; errors go to the log. A
// process stopped meanwhile leaves the rest unqueued: each chunk is whole.
func (s *Server) enqueueInBackground(q store.GridQuery) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		start := time.Now()
		n, err := s.eng.EnqueueGrid(ctx, q, store.ReasonBulk)
		if err != nil {
			s.log.Error("queueing the orders matching a grid's filters", "queued", n, "err", err)
			return
		}
		s.log.Info("queued the orders matching a grid's filters", "orders", n, "ms", time.Since(start).Milliseconds())
	}()
}
