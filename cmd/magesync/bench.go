package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"magesync/store"
	"magesync/store/magentodb"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
)

// runBench measures the engine against the simulator: a backfill's speed,
// API calls per order and memory, one manual sync's calls, and how long an
// automatic sync takes to carry a change to Salesforce.
func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	orders := fs.Int("orders", 10000, "orders to backfill")
	dsn := fs.String("dsn", "root@tcp(127.0.0.1:3306)/", "MySQL server DSN (without a database)")
	dbName := fs.String("db", "magesync_bench", "database to create (dropped and re-created)")
	workers := fs.Int("workers", 2, "sync workers")
	changes := fs.Int("changes", 40, "automatic-sync changes to time")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dbDSN, err := magentodb.CreateDatabase(ctx, *dsn, *dbName)
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx, dbDSN)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "generating %d orders…\n", *orders)
	if _, err := magentodb.Generate(ctx, st.DB().DB, magentodb.Options{Orders: *orders, Seed: 1}); err != nil {
		return err
	}
	sim := sfsim.New(sfsim.Options{DailyLimit: 5_000_000, Currencies: sfsim.StoreCurrencies})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := salesforce.New(salesforce.Config{LoginURL: srv.URL, Flow: salesforce.FlowClientCredentials,
		ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		return err
	}
	e := engine.New(st, engine.StaticClient(c), engine.Options{Workers: *workers, Logger: quiet, PollInterval: 250 * time.Millisecond})

	// Backfill.
	start := time.Now()
	if _, err := st.EnqueueMatching(ctx, store.OrderFilter{}, store.ReasonBulk); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() { e.RunWorkers(runCtx, *workers); close(done) }()
	for {
		counts, err := st.QueueCounts(ctx)
		if err != nil {
			return err
		}
		if counts[store.QueueNew]+counts[store.QueueProcessing] == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stop()
	<-done
	counts, _ := st.QueueCounts(ctx)
	calls := sim.APICalls()
	fmt.Fprintf(stdout, "backfill: %d orders in %s = %.0f orders/s; %d API calls = %.4f per order; outcomes %v\n",
		*orders, elapsed.Round(time.Millisecond), float64(*orders)/elapsed.Seconds(), calls, float64(calls)/float64(*orders), counts)
	fmt.Fprintf(stdout, "peak RSS of this process (generator, simulator and engine together): %s\n", peakRSS())

	// One manual sync of one changed order.
	pending, err := magentodb.OrdersInStatus(ctx, st.DB().DB, "pending", 1)
	if err != nil || len(pending) == 0 {
		return fmt.Errorf("bench: no pending order to change: %v", err)
	}
	id := pending[0]
	if err := magentodb.SetStatus(ctx, st.DB().DB, id, "holded", "holded"); err != nil {
		return err
	}
	before := sim.APICalls()
	ids, err := st.Enqueue(ctx, []uint32{id}, store.ReasonManual)
	if err != nil {
		return err
	}
	if _, err := e.ProcessBatch(ctx, "bench"); err != nil {
		return err
	}
	got, _ := st.QueueEntries(ctx, ids)
	fmt.Fprintf(stdout, "manual sync of one changed order: API calls %d (%s)\n", sim.APICalls()-before, got[0].Status)

	// Automatic sync latency: change an order, time until Salesforce has it.
	if err := st.SaveSettings(ctx, "bench", nil, []store.Change{store.Set(store.PathAutomaticSync, "1")}); err != nil {
		return err
	}
	autoCtx, stopAuto := context.WithCancel(ctx)
	defer stopAuto()
	done = make(chan struct{})
	go func() { e.Run(autoCtx); close(done) }()
	time.Sleep(time.Second)
	var latencies []time.Duration
	targets, err := magentodb.OrdersInStatus(ctx, st.DB().DB, "pending", *changes)
	if err != nil {
		return err
	}
	os, err := st.OrderSettings(ctx)
	if err != nil {
		return err
	}
	for _, id := range targets {
		t0 := time.Now()
		if err := magentodb.SetStatus(ctx, st.DB().DB, id, "complete", "complete"); err != nil {
			return err
		}
		for {
			recs, err := c.Query(ctx, "SELECT Status FROM Order WHERE Magento_Order_Id__c = '"+engine.OrderExternalID(os.KeyPrefix, id)+"'")
			if err == nil && len(recs) == 1 && recs[0].String("Status") == "Activated" {
				break
			}
			if time.Since(t0) > 30*time.Second {
				return fmt.Errorf("order %d did not reach Salesforce in 30 s", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
		latencies = append(latencies, time.Since(t0))
	}
	stopAuto()
	<-done
	slices.Sort(latencies)
	if len(latencies) > 0 {
		p := func(q float64) time.Duration {
			return latencies[int(q*float64(len(latencies)-1))].Round(time.Millisecond)
		}
		fmt.Fprintf(stdout, "automatic sync, change to Salesforce: p50 %s, p95 %s, max %s (%d changes)\n", p(0.5), p(0.95), p(1), len(latencies))
	}
	return magentodb.DropDatabase(ctx, *dsn, *dbName)
}

// peakRSS reads the process's high-water resident set size.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
