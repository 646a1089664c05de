package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"magesync/store"
	"magesync/store/magentodb"
)

const (
	demoAdminUser     = "admin"
	demoAdminPassword = "magesync123"
)

func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	orders := fs.Int("orders", 500, "number of orders to generate")
	dbName := fs.String("db", "magesync_demo", "name of the demo database (dropped and re-created)")
	dsn := fs.String("dsn", "root@tcp(127.0.0.1:3306)/", "MySQL server DSN (without a database)")
	seed := fs.Uint64("seed", 1, "seed of the order generator")
	seedOnly := fs.Bool("seed-only", false, "create and fill the database, then exit")
	fs.String("addr", "127.0.0.1:8080", "address the admin serves on")
	fs.String("sim-addr", "", "address of the embedded Salesforce simulator (default: a free port)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *orders < 0 {
		return fmt.Errorf("%w: --orders must be 0 or more", errUsage)
	}
	if !*seedOnly {
		return fmt.Errorf("only --seed-only is available in this build: the admin web app and the sync engine are not part of it yet")
	}

	start := time.Now()
	dbDSN, err := magentodb.CreateDatabase(ctx, *dsn, *dbName)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, dbDSN)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	sum, err := magentodb.Generate(ctx, s.DB().DB, magentodb.Options{Orders: *orders, Seed: *seed, Now: time.Now()})
	if err != nil {
		return err
	}
	if err := magentodb.CreateAdmin(ctx, s.DB().DB, demoAdminUser, demoAdminPassword, "admin@example.com"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s: %d orders, %d items, %d addresses, %d payments, %d comments, %d customers in %s\n",
		*dbName, sum.Orders, sum.Items, sum.Addresses, sum.Payments, sum.Comments, sum.Customers,
		time.Since(start).Round(10*time.Millisecond))
	fmt.Fprintf(stdout, "DSN: %s\nadmin login: %s / %s\n", dbDSN, demoAdminUser, demoAdminPassword)
	return nil
}
