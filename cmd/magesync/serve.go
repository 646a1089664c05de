package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"

	"magesync/store"
	"magesync/sync/engine"
	"magesync/web"
)

func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	ef := addEngineFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address the admin serves on")
	noSync := fs.Bool("no-sync", false, "serve the admin only: no change detector, no workers")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, e, err := ef.open(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "magesync admin on http://%s/admin\n", ln.Addr())
	return serve(ctx, ln, st, e, store.SecretKey(*ef.secretKey), !*noSync)
}

// serve runs the admin on ln and, withSync, the engine, until ctx ends.
func serve(ctx context.Context, ln net.Listener, st *store.Store, e *engine.Engine, key []byte, withSync bool) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	if withSync {
		wg.Go(func() { e.Run(ctx) })
	}
	app := web.New(st, e, web.Config{SecretKey: key, Getenv: os.Getenv, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	err := serveUntilDone(ctx, ln, app.Handler())
	stop()
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
