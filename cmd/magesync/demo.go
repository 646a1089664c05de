package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"magesync/store"
	"magesync/store/magentodb"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/sync/sfsim"
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
	addr := fs.String("addr", "127.0.0.1:8080", "address the admin serves on")
	simAddr := fs.String("sim-addr", "127.0.0.1:0", "address of the embedded Salesforce simulator (default: a free port)")
	workers := fs.Int("workers", 2, "sync workers")
	secretKey := fs.String("secret-key", "", "passphrase that encrypts stored Salesforce secrets (default: a random one, printed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *orders < 0 {
		return fmt.Errorf("%w: --orders must be 0 or more", errUsage)
	}

	start := time.Now()
	dbDSN, err := magentodb.CreateDatabase(ctx, *dsn, *dbName)
	if err != nil {
		return err
	}
	s, err := openMigrated(ctx, dbDSN)
	if err != nil {
		return err
	}
	defer s.Close()
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
	if *seedOnly {
		return nil
	}

	// The simulated org, and the store's connection to it.
	simLn, err := net.Listen("tcp", *simAddr)
	if err != nil {
		return fmt.Errorf("simulator address: %w", err)
	}
	simURL := "http://" + simLn.Addr().String()
	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	go serveUntilDone(simCtx, simLn, sfsim.New(sfsim.Options{Currencies: sfsim.StoreCurrencies}))
	if *secretKey == "" {
		// Never a constant: the demo database's secrets are its own.
		b := make([]byte, 18)
		rand.Read(b)
		*secretKey = base64.RawURLEncoding.EncodeToString(b)
	}
	key, err := s.SecretKey(ctx, *secretKey)
	if err != nil {
		return err
	}
	err = s.SaveSettings(ctx, "demo", key, []store.Change{
		store.Set(store.PathLoginURL, simURL), store.Set(store.PathFlow, "client_credentials"),
		store.Set(store.PathClientID, sfsim.DemoClientID), store.Set(store.PathClientSecret, sfsim.DemoClientSecret),
	})
	if err != nil {
		return err
	}
	if err := demoMappings(ctx, s, simURL); err != nil {
		return err
	}
	if err := demoPriceBook(ctx, s, simURL); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Salesforce simulator: %s (client %s / %s)\n", simURL, sfsim.DemoClientID, sfsim.DemoClientSecret)
	fmt.Fprintf(stdout, "secret key of this database (for magesync serve): MAGESYNC_SECRET_KEY=%s\n", *secretKey)
	fmt.Fprintf(stdout, "\nmagesync admin: http://%s/admin  (sign in as %s / %s; Ctrl-C stops)\n", ln.Addr(), demoAdminUser, demoAdminPassword)
	src := engine.SettingsClient(s, key, os.Getenv, nil)
	e := engine.New(s, src, engine.Options{Workers: *workers, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	return serve(ctx, ln, s, e, key, true, nil)
}

// demoMappings gives the demo org a few custom fields, as an admin adds
// them in Setup, and maps the demo store's values into them, so that the
// Fields Mapping pages show something working.
func demoMappings(ctx context.Context, s *store.Store, simURL string) error {
	fields := map[string]string{
		"Order": `[{"name":"Payment_Method__c","label":"Payment Method","type":"picklist",
			"values":["checkmo","banktransfer","cashondelivery","braintree","paypal_express","purchaseorder","free"]},
			{"name":"Magento_Store__c","label":"Magento Store","type":"string","length":120}]`,
		"OrderItem": `[{"name":"Product_Type__c","label":"Product Type","type":"string","length":40}]`,
	}
	for sobject, body := range fields {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, simURL+"/_sim/fields/"+sobject, strings.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("demo: custom fields of %s: %w", sobject, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("demo: custom fields of %s: %s", sobject, resp.Status)
		}
	}
	for _, m := range []store.FieldMap{
		{SObject: "Order", Source: "payment.method", Target: "Payment_Method__c"},
		{SObject: "Order", Source: "computed.store_name", Target: "Magento_Store__c"},
		{SObject: "OrderItem", Source: "item.product_type", Target: "Product_Type__c"},
	} {
		m.Mode, m.TooLong, m.Enabled, m.Username = store.MapAlways, "cut", true, "demo"
		if _, err := s.AddFieldMap(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// demoPriceBook gives the demo org a price book for the Europe website and
// sets it there, so that the configuration page shows a website's own
// setting and Europe's orders land in their own book.
func demoPriceBook(ctx context.Context, s *store.Store, simURL string) error {
	c, err := salesforce.New(salesforce.Config{LoginURL: simURL, Flow: salesforce.FlowClientCredentials,
		ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret})
	if err != nil {
		return err
	}
	book, err := c.Create(ctx, "Pricebook2", salesforce.Record{"Name": "Europe Price Book", "IsActive": true})
	if err != nil {
		return fmt.Errorf("demo price book: %w", err)
	}
	websites, err := s.Websites(ctx)
	if err != nil {
		return err
	}
	for _, w := range websites {
		if w.Code == "europe" {
			return s.SaveSettings(ctx, "demo", nil, []store.Change{store.Set(store.PathPriceBook, book).At(w.ID)})
		}
	}
	return nil
}
