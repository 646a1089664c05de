package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"magesync/sync/sfsim"
)

func runSFSim(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sfsim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "address to listen on")
	limit := fs.Int("daily-limit", 15000, "API requests allowed per 24 hours")
	certFile := fs.String("jwt-cert", "", "PEM certificate or public key that JWT bearer assertions are checked with")
	currencies := fs.String("currencies", "USD", "the org's currencies, corporate first: one code is a single-currency org, several a multi-currency org with each active")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cur, err := parseCurrencies(*currencies)
	if err != nil {
		return fmt.Errorf("%w: --currencies: %v", errUsage, err)
	}
	opts := sfsim.Options{DailyLimit: *limit, Currencies: cur}
	if *certFile != "" {
		key, err := readPublicKey(*certFile)
		if err != nil {
			return err
		}
		opts.JWTPublicKey = key
	}
	tradeMemoryForCPU()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Salesforce simulator on http://%s\n  login URL http://%s, client id %s, secret %s\n  user %s / %s\n",
		ln.Addr(), ln.Addr(), sfsim.DemoClientID, sfsim.DemoClientSecret, sfsim.DemoUsername, sfsim.DemoPassword)
	return serveUntilDone(ctx, ln, sfsim.New(opts))
}

// serveUntilDone serves h on ln until ctx ends, then shuts down gracefully.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func readPublicKey(path string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
		if k, ok := cert.PublicKey.(*rsa.PublicKey); ok {
			return k, nil
		}
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", path)
	}
	return rk, nil
}

// parseCurrencies reads --currencies: "USD" is a single-currency org,
// "USD,EUR" a multi-currency org with USD corporate and EUR active at the
// rate the control API can change later.
func parseCurrencies(v string) (*sfsim.Currencies, error) {
	codes := strings.Split(strings.ToUpper(strings.ReplaceAll(v, " ", "")), ",")
	c := &sfsim.Currencies{Corporate: codes[0], MultiCurrency: len(codes) > 1}
	if c.MultiCurrency {
		for _, code := range codes {
			c.Types = append(c.Types, sfsim.CurrencyType{IsoCode: code, ConversionRate: 1, DecimalPlaces: 2, IsActive: true})
		}
	}
	return c, sfsim.CheckCurrencies(*c)
}

// tradeMemoryForCPU lets the simulator's heap grow to five times what it
// holds before collecting (GOGC=400), up to three quarters of the machine's
// memory, unless GOGC or GOMEMLIMIT say otherwise. It holds every record of
// the org, and at Go's default its collector used ~40% of its CPU in a
// backfill, beside the client it is measuring.
func tradeMemoryForCPU() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		total := physicalMemory()
		if total == 0 {
			return // no bound known: the default is safer
		}
		debug.SetMemoryLimit(total / 4 * 3)
	}
	debug.SetGCPercent(400)
}

// physicalMemory is the machine's memory in bytes from /proc/meminfo, or 0.
func physicalMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
