package engine_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// TestCrashHelper is the worker process TestCrashMidBackfill kills. It
// does nothing unless started by that test.
func TestCrashHelper(t *testing.T) {
	dsn, url := os.Getenv("MAGESYNC_CRASH_DSN"), os.Getenv("MAGESYNC_CRASH_SF")
	if dsn == "" {
		return
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	c, err := salesforce.New(salesforce.Config{LoginURL: url, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	o := fastOptions()
	o.BatchSize = 40
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	engine.New(st, engine.StaticClient(c), o).RunWorkers(context.Background(), 2)
}

// TestCrashMidBackfill kills a worker process with SIGKILL right after
// Salesforce saved a graph call and before the worker could record it, then
// lets another worker finish: every order must be in Salesforce exactly once,
// with each note once.
func TestCrashMidBackfill(t *testing.T) {
	const orders = 300
	st := dbtest.Seeded(t, orders)
	dsn, _, _ := currentDSN(t, st)
	sim := sfsim.New(sfsim.Options{DailyLimit: 1 << 30, Currencies: sfsim.StoreCurrencies})
	var graphs atomic.Int32
	var child atomic.Pointer[os.Process]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/services/data/v62.0/composite/graph" {
			sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r) // Salesforce saves the graphs…
		if graphs.Add(1) == 3 {
			if p := child.Load(); p != nil {
				p.Signal(syscall.SIGKILL) // …and the worker dies before it hears back.
				p.Wait()
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()

	ctx := context.Background()
	if err := st.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathSyncNotes, "1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnqueueMatching(ctx, store.OrderFilter{}, store.ReasonBulk); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MAGESYNC_CRASH_DSN="+dsn, "MAGESYNC_CRASH_SF="+srv.URL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Store(cmd.Process)
	deadline := time.Now().Add(60 * time.Second)
	for graphs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if graphs.Load() < 3 {
		cmd.Process.Kill()
		t.Fatal("the worker process never sent three graph calls")
	}
	var open int
	st.DB().Get(&open, `SELECT COUNT(*) FROM magesync_queue WHERE status = 'processing'`)
	t.Logf("killed the worker after %d graph calls; %d entries left mid-processing", graphs.Load(), open)
	if open == 0 {
		t.Error("the kill left nothing mid-processing: the test did not test a crash")
	}

	// A new worker takes over the expired leases.
	c, _ := salesforce.New(salesforce.Config{LoginURL: srv.URL, Flow: "client_credentials", ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	o := fastOptions()
	o.Lease = time.Second
	e := engine.New(st, engine.StaticClient(c), o)
	v := &env{t: t, st: st, sim: sim, srv: srv, sf: c, e: e}
	st.DB().Exec(`UPDATE magesync_queue SET lease_until = NOW(6) WHERE status = 'processing'`) // as if a minute had passed
	v.drain()
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	v.checkOrders(orders, true)
}

func currentDSN(t *testing.T, st *store.Store) (string, string, error) {
	t.Helper()
	var name string
	if err := st.DB().Get(&name, `SELECT DATABASE()`); err != nil {
		t.Fatal(err)
	}
	cfg, err := store.ParseDSN(dbtest.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return cfg.FormatDSN(), name, nil
}
