package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// env is a Magento database, a simulated org over HTTP and an engine.
type env struct {
	t   *testing.T
	st  *store.Store
	sim *sfsim.Sim
	srv *httptest.Server
	sf  *salesforce.Client
	e   *engine.Engine

	mu     sync.Mutex
	nodes  map[string]int // graph nodes sent, by method and object ("PATCH Account")
	graphs [][]int        // each graph call's graphs, by their node counts
	spoil  string         // the graphId whose Order node the next graph call breaks
}

func fastOptions() engine.Options {
	return engine.Options{BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond, LimitPause: 300 * time.Millisecond,
		PollInterval: 50 * time.Millisecond, IdleWait: 20 * time.Millisecond, MaxAttempts: 8, RescueEvery: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func newEnv(t *testing.T, orders int) *env {
	t.Helper()
	v := &env{t: t, st: dbtest.Seeded(t, orders), sim: sfsim.New(sfsim.Options{DailyLimit: 1 << 30, Currencies: sfsim.StoreCurrencies})}
	v.srv = httptest.NewServer(http.HandlerFunc(v.serve))
	t.Cleanup(v.srv.Close)
	c, err := salesforce.New(salesforce.Config{LoginURL: v.srv.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	v.sf = c
	v.e = engine.New(v.st, engine.StaticClient(c), fastOptions())
	return v
}

// serve passes requests to the simulator, counting the graph nodes sent.
func (v *env) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/composite/graph") {
		body, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		if v.spoil != "" {
			body, v.spoil = spoilGraph(body, v.spoil), ""
		}
		v.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		var req struct {
			Graphs []struct {
				CompositeRequest []struct{ Method, URL string }
			}
		}
		json.Unmarshal(body, &req)
		v.mu.Lock()
		if v.nodes == nil {
			v.nodes = map[string]int{}
		}
		var sizes []int
		for _, g := range req.Graphs {
			sizes = append(sizes, len(g.CompositeRequest))
			for _, n := range g.CompositeRequest {
				_, rest, _ := strings.Cut(n.URL, "/sobjects/")
				object, _, _ := strings.Cut(rest, "/")
				v.nodes[n.Method+" "+object]++
			}
		}
		v.graphs = append(v.graphs, sizes)
		v.mu.Unlock()
	}
	v.sim.ServeHTTP(w, r)
}

// spoilGraph gives the Order node of graph id a date Salesforce refuses, so
// that the graph fails as a whole.
func spoilGraph(body []byte, id string) []byte {
	var req map[string][]map[string]any
	if json.Unmarshal(body, &req) != nil {
		return body
	}
	for _, g := range req["graphs"] {
		if g["graphId"] != id {
			continue
		}
		nodes, _ := g["compositeRequest"].([]any)
		for _, n := range nodes {
			n, _ := n.(map[string]any)
			if url, _ := n["url"].(string); strings.Contains(url, "/sobjects/Order/") {
				if b, ok := n["body"].(map[string]any); ok {
					b["EffectiveDate"] = "not a date"
				}
			}
		}
	}
	out, _ := json.Marshal(req)
	return out
}

// takeNodes returns the graph nodes counted since the last call.
func (v *env) takeNodes() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := v.nodes
	v.nodes = nil
	return n
}

// takeGraphCalls returns the graph calls made since the last call, each as
// its graphs' node counts.
func (v *env) takeGraphCalls() [][]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	g := v.graphs
	v.graphs = nil
	return g
}

func (v *env) set(changes ...store.Change) {
	v.t.Helper()
	if err := v.st.SaveSettings(context.Background(), "test", nil, changes); err != nil {
		v.t.Fatal(err)
	}
}

// drain processes the queue until no entry is open.
func (v *env) drain() {
	v.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n, err := v.e.ProcessBatch(ctx, "test-worker")
		if err != nil {
			v.t.Fatal(err)
		}
		if n == 0 {
			c, _ := v.st.QueueCounts(ctx)
			if c[store.QueueNew]+c[store.QueueProcessing] == 0 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	v.t.Fatal("queue did not drain in 60 s")
}

func (v *env) syncAll(reason store.Reason) {
	v.t.Helper()
	if _, err := v.st.EnqueueMatching(context.Background(), store.OrderFilter{}, reason); err != nil {
		v.t.Fatal(err)
	}
	v.drain()
}

func (v *env) records(sobject string) []map[string]any {
	v.t.Helper()
	resp, err := http.Get(v.srv.URL + "/_sim/records/" + sobject)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func (v *env) control(method, path, body string) {
	v.t.Helper()
	req, _ := http.NewRequest(method, v.srv.URL+"/_sim"+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		v.t.Fatalf("%s %s: %v %v", method, path, err, resp.Status)
	}
	resp.Body.Close()
}

func (v *env) entries() []store.QueueEntry {
	v.t.Helper()
	var out []store.QueueEntry
	if err := v.st.DB().Select(&out, `SELECT id, order_id, increment_id, reason, status, COALESCE(message, '') AS message, attempts,
		retries, next_attempt_at, COALESCE(lease_owner, '') AS lease_owner, lease_until, created_at, updated_at FROM magesync_queue ORDER BY id`); err != nil {
		v.t.Fatal(err)
	}
	return out
}

// checkOrders compares every Salesforce order with its Magento order.
func (v *env) checkOrders(wantOrders int, notes bool) {
	v.t.Helper()
	ctx := context.Background()
	sfOrders := v.records("Order")
	if len(sfOrders) != wantOrders {
		v.t.Fatalf("%d Salesforce orders, want %d", len(sfOrders), wantOrders)
	}
	byKey := map[string]map[string]any{}
	for _, o := range sfOrders {
		key := o["Magento_Order_Id__c"].(string)
		if byKey[key] != nil {
			v.t.Fatalf("two Salesforce orders for Magento order %s", key)
		}
		byKey[key] = o
	}
	items := map[string]int{}
	for _, it := range v.records("OrderItem") {
		items[it["OrderId"].(string)]++
	}
	noteCount := map[string]int{}
	for _, n := range v.records("Note") {
		noteCount[n["ParentId"].(string)]++
	}
	for key, sfo := range byKey {
		var id uint32
		if _, err := fmt.Sscan(strings.TrimPrefix(key, v.prefix()+":"), &id); err != nil {
			v.t.Fatalf("Salesforce order with external id %q: not this store's", key)
		}
		o, err := v.st.Order(ctx, id)
		if err != nil {
			v.t.Fatal(err)
		}
		if got, want := sfo["TotalAmount"].(float64), o.GrandTotal.Float(); math.Abs(got-want) > 0.001 {
			v.t.Errorf("order %s: Salesforce total %.2f, Magento grand total %.2f", o.IncrementID, got, want)
		}
		if items[sfo["Id"].(string)] < len(o.Items) {
			v.t.Errorf("order %s: %d order products for %d items", o.IncrementID, items[sfo["Id"].(string)], len(o.Items))
		}
		wantNotes := 0
		if notes {
			for _, c := range o.Comments {
				if n := utf8.RuneCountInString(strings.TrimSpace(c.Comment)); n > 0 {
					wantNotes += (n + 31999) / 32000 // a Note holds 32,000 characters
				}
			}
		}
		if noteCount[sfo["Id"].(string)] != wantNotes {
			v.t.Errorf("order %s: %d notes, want %d", o.IncrementID, noteCount[sfo["Id"].(string)], wantNotes)
		}
	}
}

func TestBackfillIsCompleteAndIdempotent(t *testing.T) {
	v := newEnv(t, 500)
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.syncAll(store.ReasonBulk)
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	v.checkOrders(500, true)
	calls := v.sim.APICalls()
	t.Logf("%d API calls for 500 orders", calls)

	v.syncAll(store.ReasonBulk)
	if extra := v.sim.APICalls() - calls; extra != 0 {
		t.Errorf("second backfill made %d API calls, want 0", extra)
	}
	v.checkOrders(500, true)
}

func newEngineWithBatch(v *env, n int) *engine.Engine {
	o := fastOptions()
	o.BatchSize = n
	return engine.New(v.st, engine.StaticClient(v.sf), o)
}
