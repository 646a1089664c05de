package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"magesync/store"
	"magesync/views"
)

var queueReasons = []store.Reason{store.ReasonAuto, store.ReasonManual, store.ReasonBulk}

var queueStatuses = []store.QueueStatus{store.QueueNew, store.QueueProcessing, store.QueueComplete, store.QueueSkipped, store.QueueError, store.QueueFailed}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	loc := s.location(ctx)
	in := r.URL.Query()
	q := store.QueueQuery{Order: strings.TrimSpace(in.Get("order"))}
	if st := store.QueueStatus(in.Get("status")); slices.Contains(queueStatuses, st) {
		q.Status = st
	}
	if re := store.Reason(in.Get("reason")); slices.Contains(queueReasons, re) {
		q.Reason = re
	}
	q.Page, q.Size = pageParams(in)
	page, err := s.st.QueueList(ctx, q)
	if err == nil && len(page.Entries) == 0 && page.Total > 0 && q.Page > 1 {
		q.Page = lastPage(page.Total, q.Size)
		page, err = s.st.QueueList(ctx, q)
	}
	rows, total := page.Entries, page.Total
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := views.QueueView{Page: s.page(r, "From Magento", "salesforce"), Total: total, Order: q.Order}
	v.Status = append(v.Status, views.Option{Value: "", Label: "Any"})
	for _, st := range queueStatuses {
		v.Status = append(v.Status, views.Option{Value: string(st), Label: string(st), Selected: st == q.Status})
	}
	v.Reason = []views.Option{{Value: "", Label: "Any"}}
	for _, re := range queueReasons {
		v.Reason = append(v.Reason, views.Option{Value: string(re), Label: string(re), Selected: re == q.Reason})
	}
	state := url.Values{}
	for k, val := range map[string]string{"status": string(q.Status), "reason": string(q.Reason), "order": q.Order} {
		if val != "" {
			state.Set(k, val)
		}
	}
	if q.Size != 20 {
		state.Set("limit", strconv.Itoa(q.Size))
	}
	v.Pager = pager(q.Page, q.Size, total, func(p int) string {
		u := url.Values{}
		for k, vs := range state {
			u[k] = vs
		}
		u.Set("p", strconv.Itoa(p))
		return "/admin/salesforce/queue?" + u.Encode()
	})
	v.Pager.About = !page.Exact
	for k, vs := range state {
		if k != "limit" {
			v.Pager.Hidden = append(v.Pager.Hidden, views.Hidden{Name: k, Value: vs[0]})
		}
	}
	for _, e := range rows {
		next := ""
		if e.Status == store.QueueNew {
			next = formatTime(e.NextAttemptAt, loc)
		}
		v.Rows = append(v.Rows, views.QueueRow{ID: e.ID, OrderURL: fmt.Sprintf("/admin/sales/order/%d?tab=salesforce", e.OrderID),
			IncrementID: e.IncrementID, Reason: string(e.Reason), Status: string(e.Status), Message: e.Message, Attempts: strconv.Itoa(e.Attempts),
			Created: formatTime(e.CreatedAt, loc), Updated: formatTime(e.UpdatedAt, loc), NextRun: next})
	}
	p, err := s.st.QueueProgress(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Progress = progressView(p)
	samples, err := s.st.QueueSamples(ctx, time.Hour)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Chart = queueChart(samples, loc)
	if until, msg, err := s.eng.Pause(ctx); err == nil && !until.IsZero() {
		if now, err := s.st.DBNow(ctx); err == nil && now.Before(until) {
			v.Pause = msg
		}
	}
	s.render(w, r, http.StatusOK, views.Queue(v))
}

func progressView(p store.Progress) views.ProgressView {
	var parts []string
	for _, st := range queueStatuses {
		if n := p.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return views.ProgressView{Running: p.Running, Done: p.Done, Total: p.Total, Counts: strings.Join(parts, ", "), About: !p.Exact}
}

// queueProgress feeds the live progress bar.
func (s *Server) queueProgress(w http.ResponseWriter, r *http.Request) {
	p, err := s.st.QueueProgress(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pv := progressView(p)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"running": pv.Running, "done": pv.Done, "total": pv.Total, "counts": pv.Counts, "about": pv.About})
}

// queueMass is the queue's Re-sync and Delete.
func (s *Server) queueMass(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var ids []uint64
	for _, raw := range r.PostForm["ids"] {
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			s.flash(r, "error", fmt.Sprintf("%q is not a queue entry.", raw))
			s.redirect(w, r, "/admin/salesforce/queue")
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		s.flash(r, "error", "Please select queue entries.")
		s.redirect(w, r, "/admin/salesforce/queue")
		return
	}
	switch r.PostFormValue("action") {
	case "resync":
		entries, err := s.st.QueueEntries(ctx, ids)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		var orders []uint32
		for _, e := range entries {
			orders = append(orders, e.OrderID)
		}
		if _, err := s.eng.Enqueue(ctx, orders, store.ReasonManual); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.flash(r, "success", plural(len(orders), "order is", "orders are")+" queued for Salesforce again.")
	case "delete":
		if r.PostFormValue("confirmed") != "1" {
			// Deleting asks first, in a page of its own, JavaScript or not.
			v := views.ConfirmView{Page: s.page(r, "Delete Queue Entries", "salesforce"), Action: "/admin/salesforce/queue/mass",
				Question: "Delete " + plural(len(ids), "queue entry", "queue entries") + "?",
				Detail:   "The orders stay as they are in Magento and in Salesforce; only the queue forgets these entries and their messages.",
				Confirm:  "Delete", CancelURL: "/admin/salesforce/queue",
				Fields: []views.Hidden{{Name: "action", Value: "delete"}, {Name: "confirmed", Value: "1"}}}
			for _, id := range ids {
				v.Fields = append(v.Fields, views.Hidden{Name: "ids", Value: strconv.FormatUint(id, 10)})
			}
			s.render(w, r, http.StatusOK, views.Confirm(v))
			return
		}
		n, err := s.st.DeleteQueueEntries(ctx, ids)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		msg := "You deleted " + plural(int(n), "queue entry", "queue entries") + "."
		if int(n) < len(ids) {
			msg += fmt.Sprintf(" %d were being processed and were kept.", len(ids)-int(n))
		}
		s.flash(r, "success", msg)
	default:
		s.flash(r, "error", "Please choose an action.")
	}
	s.redirect(w, r, "/admin/salesforce/queue")
}

// queueResume is the pause warning's "Resume now": after the org's limit
// was raised, sync need not wait for the pause to run out.
func (s *Server) queueResume(w http.ResponseWriter, r *http.Request) {
	if err := s.eng.Resume(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "success", "Sync resumed. If Salesforce still refuses calls for its limit, it pauses again and says so here.")
	s.redirect(w, r, "/admin/salesforce/queue")
}

// queueChart draws the last hour's samples: 60 minutes across 720 units,
// bars of entries finished (scaled to the busiest minute) and a line of
// entries open (scaled to the most open), 120 units high.
func queueChart(samples []store.QueueSample, loc *time.Location) views.QueueChart {
	var c views.QueueChart
	if len(samples) == 0 {
		return c
	}
	end := samples[len(samples)-1].At
	start := end.Add(-59 * time.Minute)
	maxDone, maxOpen, total := 1, 1, 0
	for _, smp := range samples {
		maxDone, maxOpen, total = max(maxDone, smp.Done), max(maxOpen, smp.Open), total+smp.Done
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	var points []string
	for _, smp := range samples {
		slot := float64(smp.At.Sub(start) / time.Minute)
		if slot < 0 {
			continue
		}
		h := 120 * float64(smp.Done) / float64(maxDone)
		c.Bars = append(c.Bars, views.ChartBar{X: f(slot*12 + 1), Y: f(120 - h), W: "10", H: f(h),
			Title: fmt.Sprintf("%s: %s finished, %s open", smp.At.In(loc).Format("15:04"), views.GroupDigits(strconv.Itoa(smp.Done)), views.GroupDigits(strconv.Itoa(smp.Open)))})
		points = append(points, f(slot*12+6)+","+f(120-120*float64(smp.Open)/float64(maxOpen)))
	}
	c.Line = strings.Join(points, " ")
	for i := 0; i <= 60; i += 15 {
		c.Axis = append(c.Axis, views.ChartLabel{X: f(float64(min(i*12, 690))), Text: start.Add(time.Duration(i) * time.Minute).In(loc).Format("15:04")})
	}
	last := samples[len(samples)-1]
	c.Summary = fmt.Sprintf("Last hour: %s entries finished, at most %s in a minute; %s open now (at most %s).",
		views.GroupDigits(strconv.Itoa(total)), views.GroupDigits(strconv.Itoa(maxDone)), views.GroupDigits(strconv.Itoa(last.Open)), views.GroupDigits(strconv.Itoa(maxOpen)))
	return c
}
