package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"magesync/store"
	"magesync/sync/engine"
)

// listFlag collects a repeatable, comma-separable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// engineFlags are the flags of every command that runs the engine.
type engineFlags struct {
	dsn       *string
	secretKey *string
	workers   *int
	lease     *time.Duration
}

func addEngineFlags(fs *flag.FlagSet) engineFlags {
	return engineFlags{
		dsn:       fs.String("dsn", defaultDSN, "Magento MySQL DSN"),
		secretKey: fs.String("secret-key", "", "passphrase that encrypts stored Salesforce secrets"),
		workers:   fs.Int("workers", 2, "sync workers"),
		lease:     fs.Duration("lease", 2*time.Minute, "how long a worker holds the orders it took before another may take them over"),
	}
}

// open opens the store, derives the secret key and makes the engine.
func (f engineFlags) open(ctx context.Context, stderr io.Writer) (*store.Store, *engine.Engine, []byte, error) {
	st, err := openMigrated(ctx, *f.dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := st.SecretKey(ctx, *f.secretKey)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	src := engine.SettingsClient(st, key, os.Getenv, nil)
	e := engine.New(st, src, engine.Options{Workers: *f.workers, Lease: *f.lease, Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(engineMemory)
	}
	return st, e, key, nil
}

// engineMemory is the memory a process running the engine keeps to unless
// GOMEMLIMIT says otherwise: the Go collector works harder as the heap
// nears it, instead of letting it grow to twice what the batches hold (two
// workers' batches of 2,000 orders hold up to ~70 MB). It costs the
// backfill ~10% more of magesync's CPU.
const engineMemory = 128 << 20

func runSync(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	ef := addEngineFlags(fs)
	var orders, statuses listFlag
	fs.Var(&orders, "order", "increment ID of an order to sync (repeatable; more may follow as arguments)")
	all := fs.Bool("all", false, "sync every order (with --status: those in these statuses)")
	fs.Var(&statuses, "status", "with --all: only orders in these Magento statuses (comma-separated)")
	wait := fs.Bool("wait", false, "sync now, in this process, and report each order's outcome")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	orders = append(orders, fs.Args()...)
	if *all == (len(orders) > 0) {
		return fmt.Errorf("%w: give --order INCREMENT_ID… or --all", errUsage)
	}
	if len(statuses) > 0 && !*all {
		return fmt.Errorf("%w: --status goes with --all", errUsage)
	}
	st, e, _, err := ef.open(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer st.Close()

	var entryIDs store.EntryIDs
	if *all {
		// Only the entries queued here are waited for.
		if entryIDs, err = st.EnqueueMatching(ctx, store.OrderFilter{Statuses: statuses}, store.ReasonBulk); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "queued %d orders\n", entryIDs.Len())
		if !*wait {
			return nil
		}
	} else {
		var ids []uint32
		for _, inc := range orders {
			id, err := st.OrderIDByIncrementID(ctx, inc)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no order #%s in Magento", inc)
			}
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		queued, err := st.Enqueue(ctx, ids, store.ReasonManual)
		if err != nil {
			return err
		}
		entryIDs.Add(queued...)
		if !*wait {
			fmt.Fprintf(stdout, "queued %d orders\n", len(ids))
			return nil
		}
	}

	// Work the queue here until our entries are done (other workers may help).
	workCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		e.RunWorkers(workCtx, *ef.workers)
		close(done)
	}()
	err = e.WaitClosed(ctx, entryIDs)
	stop()
	<-done
	if err != nil {
		return err
	}
	// A page at a time: a backfill of a million orders is reported without
	// holding them all.
	failed := 0
	for next := uint64(0); ; {
		chunk := entryIDs.Window(next, 1000)
		if len(chunk) == 0 {
			break
		}
		next = chunk[len(chunk)-1] + 1
		entries, err := st.QueueEntries(ctx, chunk)
		if err != nil {
			return err
		}
		for _, en := range entries {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", en.IncrementID, en.Status, en.Message)
			if en.Status == store.QueueError || en.Status == store.QueueFailed {
				failed++
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d orders failed", failed, entryIDs.Len())
	}
	return nil
}

func runWorker(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	ef := addEngineFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, e, _, err := ef.open(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "magesync worker: change detector and %d workers running; stop with Ctrl-C\n", *ef.workers)
	return e.Run(ctx)
}
