package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
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
	trusted := fs.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	proxies, err := parseProxies(*trusted)
	if err != nil {
		return err
	}
	st, e, key, err := ef.open(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "magesync admin on http://%s/admin\n", ln.Addr())
	return serve(ctx, ln, st, e, key, !*noSync, proxies)
}

// serve runs the admin on ln and, withSync, the engine, until ctx ends.
func serve(ctx context.Context, ln net.Listener, st *store.Store, e *engine.Engine, key []byte, withSync bool, proxies []netip.Prefix) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	if withSync {
		wg.Go(func() { e.Run(ctx) })
	}
	app := web.New(st, e, web.Config{SecretKey: key, Getenv: os.Getenv, TrustedProxies: proxies, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	err := serveUntilDone(ctx, ln, app.Handler())
	stop()
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// parseProxies reads --trusted-proxies: addresses or CIDR ranges.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%w: --trusted-proxies: %q is neither an address nor a CIDR range", errUsage, f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
