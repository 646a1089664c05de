package sfsim

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"magesync/sync/salesforce"
)

// control serves the simulator's own API under /_sim/.
func (s *Sim) control(w http.ResponseWriter, r *http.Request) {
	bad := func(msg string) {
		writeJSON(w, 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: msg}})
	}
	path := strings.TrimPrefix(r.URL.Path, "/_sim")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case path == "/reset" && r.Method == http.MethodPost:
		s.resetLocked()
		writeJSON(w, 200, map[string]bool{"ok": true})
	case strings.HasPrefix(path, "/records/") && r.Method == http.MethodGet:
		def := lookupObject(strings.TrimPrefix(path, "/records/"))
		if def == nil {
			writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "no such sObject"}})
			return
		}
		out := []map[string]any{}
		if def.name == "OrderStatus" {
			for _, st := range s.org.statuses {
				out = append(out, statusRecord(st))
			}
		}
		recs := s.org.records[def.name]
		for _, id := range slices.Sorted(maps.Keys(recs)) {
			out = append(out, s.org.view(def, "62.0", recs[id], nil))
		}
		writeJSON(w, 200, out)
	case path == "/stats" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"apiCalls": s.used, "byRoute": s.byRoute, "faulted": s.faulted})
	case path == "/faults" && r.Method == http.MethodGet:
		writeJSON(w, 200, s.faults)
	case path == "/faults" && r.Method == http.MethodPut:
		var f Faults
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			bad("faults: " + err.Error())
			return
		}
		if f.Rate503 < 0 || f.Rate503 > 1 || f.RateLockRow < 0 || f.RateLockRow > 1 || f.ExpireTokensEvery < 0 || f.DailyLimit < 0 || f.LatencyMs < 0 || f.GraphNodeLimit < 0 {
			bad("faults: rates are between 0 and 1; counts are 0 or more")
			return
		}
		s.faults = f
		writeJSON(w, 200, s.faults)
	case path == "/orderstatuses" && r.Method == http.MethodGet:
		writeJSON(w, 200, s.org.statuses)
	case path == "/orderstatuses" && r.Method == http.MethodPut:
		var sts []OrderStatus
		if err := json.NewDecoder(r.Body).Decode(&sts); err != nil {
			bad("orderstatuses: " + err.Error())
			return
		}
		drafts := 0
		for _, st := range sts {
			if st.ApiName == "" || (st.StatusCode != "Draft" && st.StatusCode != "Activated") {
				bad("orderstatuses: each needs an ApiName and a StatusCode of Draft or Activated")
				return
			}
			if st.StatusCode == "Draft" {
				drafts++
			}
		}
		if drafts == 0 {
			bad("orderstatuses: an org needs at least one Draft-category status")
			return
		}
		s.org.statuses = sts
		writeJSON(w, 200, sts)
	default:
		writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "unknown control resource " + r.Method + " " + r.URL.Path}})
	}
}

func statusRecord(st OrderStatus) map[string]any {
	return map[string]any{"attributes": map[string]any{"type": "OrderStatus"}, "ApiName": st.ApiName,
		"MasterLabel": st.MasterLabel, "StatusCode": st.StatusCode, "SortOrder": float64(st.SortOrder), "IsDefault": st.IsDefault}
}
