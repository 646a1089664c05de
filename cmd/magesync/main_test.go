package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"magesync/sync/salesforce"
	"magesync/sync/sfsim"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/store/magentodb"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemoSeedOnlyAndConfig(t *testing.T) {
	name := "magesync_test_cli_demo"
	t.Cleanup(func() { magentodb.DropDatabase(context.Background(), dbtest.ServerDSN(), name) })
	code, out, errOut := runCLI(t, "demo", "--seed-only", "--orders", "40", "--db", name, "--dsn", dbtest.ServerDSN())
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "40 orders") || !strings.Contains(out, "admin login: admin / ") {
		t.Errorf("demo said %q", out)
	}
	dsn := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[1], "DSN: "))
	s := dbtest.Open(t, dsn)
	var n int
	if err := s.DB().Get(&n, "SELECT COUNT(*) FROM sales_order_grid"); err != nil || n != 40 {
		t.Errorf("grid rows = %d, %v", n, err)
	}
	if _, err := s.AuthenticateAdmin(context.Background(), "admin", demoAdminPassword); err != nil {
		t.Errorf("demo admin cannot log in: %v", err)
	}

	t.Setenv("MAGESYNC_DSN", dsn) // flags come from the environment too
	if code, _, errOut := runCLI(t, "config", "--user", "ops", "set", "magesync/order/automatic_sync", "yes"); code != 0 {
		t.Fatalf("config set exit %d: %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "config", "get", "magesync/order/automatic_sync"); code != 0 || out != "1\n" {
		t.Errorf("config get = %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "config", "list"); code != 0 || !strings.Contains(out, "magesync/order/default_status") ||
		!strings.Contains(out, "(system value)") {
		t.Errorf("config list = %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "config", "set", "magesync/connection/api_version", "45.0"); code != 1 ||
		!strings.Contains(errOut, "needs API version 50.0 or later") {
		t.Errorf("API version 45.0: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "config", "set", "magesync/order/statuses", "nonsense"); code != 1 ||
		!strings.Contains(errOut, `unknown Magento order status "nonsense"`) {
		t.Errorf("invalid value: exit %d, %q", code, errOut)
	}
	log, err := s.ConfigLog(context.Background(), 10)
	if err != nil || len(log) != 1 || log[0].Username != "ops" {
		t.Errorf("audit log = %+v, %v", log, err)
	}
	if code, out, _ := runCLI(t, "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("migrate = %d %q", code, out)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"demo", "--orders", "many"}, {"config"}, {"config", "get"},
		{"config", "get", "no/such/path"}, {"demo", "--orders", "-1", "--seed-only"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("magesync %v exit %d, want 2", args, code)
		}
	}
	t.Setenv("MAGESYNC_DSN", "root@tcp(127.0.0.1:1)/magento?timeout=1s")
	code, _, errOut := runCLI(t, "migrate")
	if code != 1 || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("unreachable database: exit %d, %q", code, errOut)
	}
}

func TestSFSimServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out syncBuffer
	go func() { done <- run(ctx, []string{"sfsim", "--addr", "127.0.0.1:0"}, &out, &out) }()
	var base string
	for range 200 {
		if s := out.String(); strings.Contains(s, "http://") {
			base = strings.Fields(s[strings.Index(s, "http://"):])[0]
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("no address printed: %q", out.String())
	}
	c, err := salesforce.New(salesforce.Config{LoginURL: base, Flow: "password", ClientID: sfsim.DemoClientID,
		ClientSecret: sfsim.DemoClientSecret, Username: sfsim.DemoUsername, Password: sfsim.DemoPassword})
	if err != nil {
		t.Fatal(err)
	}
	if sts, err := c.OrderStatuses(ctx); err != nil || len(sts) != 2 {
		t.Errorf("order statuses = %v, %v", sts, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// syncBuffer is a bytes.Buffer safe to write and read from two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSyncCommand(t *testing.T) {
	name := "magesync_test_cli_sync"
	t.Cleanup(func() { magentodb.DropDatabase(context.Background(), dbtest.ServerDSN(), name) })
	code, out, errOut := runCLI(t, "demo", "--seed-only", "--orders", "25", "--db", name, "--dsn", dbtest.ServerDSN())
	if code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	dsn := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[1], "DSN: "))
	t.Setenv("MAGESYNC_DSN", dsn)
	useSim(t)

	code, out, errOut = runCLI(t, "sync", "--order", "000000001", "--wait")
	if code != 0 || !strings.Contains(out, "000000001\tcomplete\tSynced to Salesforce Order 801") {
		t.Errorf("sync one: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "sync", "--all", "--wait")
	if code != 0 || strings.Count(out, "\tcomplete\t") != 25 {
		t.Errorf("sync all: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "sync", "--order", "nope", "--wait"); code != 1 || !strings.Contains(errOut, "no order #nope") {
		t.Errorf("unknown order: exit %d %s", code, errOut)
	}
	// An order without items cannot be an order in Salesforce.
	st := dbtest.Open(t, dsn)
	if _, err := st.DB().Exec(`INSERT INTO sales_order (increment_id, store_id, status, state, grand_total, customer_email) VALUES ('777', 1, 'pending', 'new', 5, 'x@example.com')`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "sync", "--order", "777", "--wait")
	if code != 1 || !strings.Contains(out, "777\terror\tOrder #777 has no items") || !strings.Contains(errOut, "1 of 1 orders failed") {
		t.Errorf("failing order: exit %d\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{{"sync"}, {"sync", "--all", "--order", "1"}, {"sync", "--status", "pending", "--order", "1"}} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestConfigRefusesAnActivatedDefaultStatus(t *testing.T) {
	name := "magesync_test_cli_status"
	t.Cleanup(func() { magentodb.DropDatabase(context.Background(), dbtest.ServerDSN(), name) })
	code, out, errOut := runCLI(t, "demo", "--seed-only", "--orders", "1", "--db", name, "--dsn", dbtest.ServerDSN())
	if code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	dsn := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[1], "DSN: "))
	t.Setenv("MAGESYNC_DSN", dsn)
	useSim(t)
	code, _, errOut = runCLI(t, "config", "set", "magesync/order/default_status", "Activated")
	if code != 1 || !strings.Contains(errOut, "Activated-category") {
		t.Errorf("activated default status: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "config", "set", "magesync/order/default_status", "Draft"); code != 0 {
		t.Errorf("draft default status: exit %d %q", code, errOut)
	}
	// Salesforce unreachable: saved, with a warning.
	t.Setenv("MAGESYNC_SF_LOGIN_URL", "http://127.0.0.1:1")
	code, out, _ = runCLI(t, "config", "set", "magesync/order/default_status", "Draft")
	if code != 0 || !strings.Contains(out, "could not be asked") {
		t.Errorf("unreachable Salesforce: exit %d %q", code, out)
	}
}

// TestFlagsAnywhere: flags may follow the arguments, as in
// config set PATH VALUE --dsn X; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	dsn, s := generatedStore(t, 3)
	if code, _, errOut := runCLI(t, "config", "set", "magesync/order/automatic_sync", "1", "--dsn", dsn, "--user", "ops"); code != 0 {
		t.Fatalf("config set PATH VALUE --dsn: exit %d %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "config", "get", "--dsn", dsn, "magesync/order/automatic_sync"); code != 0 || out != "1\n" {
		t.Errorf("config get = %d %q", code, out)
	}
	log, _ := s.ConfigLog(context.Background(), 1)
	if len(log) != 1 || log[0].Username != "ops" {
		t.Errorf("--user after the arguments was not read: %+v", log)
	}
	var incs []string
	s.DB().Select(&incs, `SELECT increment_id FROM sales_order ORDER BY entity_id LIMIT 2`)
	if code, _, errOut := runCLI(t, "sync", "--order", incs[0], incs[1], "--dsn", dsn); code != 0 {
		t.Errorf("sync --order A B --dsn: exit %d %s", code, errOut)
	}
	// --all --wait waits for what it queued, not for an entry due tomorrow.
	ctx := context.Background()
	useSim(t)
	s.DB().Exec(`UPDATE sales_order SET status = 'holded' WHERE entity_id = 3`)
	s.DB().Exec(`UPDATE sales_order SET status = 'pending' WHERE entity_id <> 3`)
	if _, err := s.Enqueue(ctx, []uint32{3}, store.ReasonAuto); err != nil {
		t.Fatal(err)
	}
	s.DB().Exec(`UPDATE magesync_queue SET next_attempt_at = NOW() + INTERVAL 1 DAY WHERE order_id = 3`)
	done := make(chan string)
	go func() {
		_, out, errOut := runCLI(t, "sync", "--all", "--status", "pending", "--wait", "--dsn", dsn)
		done <- out + errOut
	}()
	select {
	case out := <-done:
		if !strings.Contains(out, "queued 2 orders") || strings.Count(out, "\tcomplete\t") != 2 {
			t.Errorf("sync --all --wait: %s", out)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("sync --all --wait waited for an entry it did not queue")
	}
	if code, _, _ := runCLI(t, "config", "get", "--dsn", dsn, "--", "--dsn"); code != 2 {
		t.Errorf("after --, --dsn is an argument (an unknown path): exit %d", code)
	}
}

// TestDemoLeavesOtherDatabasesAlone: demo and bench drop and fill only a
// database they generated.
func TestDemoLeavesOtherDatabasesAlone(t *testing.T) {
	dsn, name := dbtest.NewDatabase(t)
	s := dbtest.Open(t, dsn)
	// A store magesync did not generate: no mark.
	if _, err := s.DB().Exec(`DELETE FROM core_config_data WHERE path = 'magesync/generated/store'`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"demo", "--seed-only", "--orders", "1", "--db", name, "--dsn", dbtest.ServerDSN()},
		{"bench", "--orders", "1", "--db", name, "--dsn", dbtest.ServerDSN()},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 1 || !strings.Contains(errOut, "not a store magesync generated") {
			t.Errorf("%s over a foreign database: exit %d %q", args[0], code, errOut)
		}
	}
	var n int
	if err := s.DB().Get(&n, `SELECT COUNT(*) FROM sales_order`); err != nil {
		t.Errorf("the database was dropped: %v", err)
	}
	s.DB().Exec(`INSERT INTO core_config_data (scope, scope_id, path, value) VALUES ('default', 0, 'magesync/generated/store', '1')`)
}

// TestConfigKeepsSecretsWithTheirURL: magesync config refuses a new login
// URL while a secret saved for the old one is stored.
// config get|set|unset take a website's scope, as bin/magento config:set
// does: by id or by code, the website's own value or "(default)".
func TestConfigWebsiteScope(t *testing.T) {
	name := "magesync_test_cli_scope"
	t.Cleanup(func() { magentodb.DropDatabase(context.Background(), dbtest.ServerDSN(), name) })
	code, out, errOut := runCLI(t, "demo", "--seed-only", "--orders", "1", "--db", name, "--dsn", dbtest.ServerDSN())
	if code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	t.Setenv("MAGESYNC_DSN", strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[1], "DSN: ")))
	if code, _, errOut := runCLI(t, "config", "set", "--website", "europe", "magesync/order/sync_notes", "Yes"); code != 0 {
		t.Fatalf("set at website europe: exit %d %s", code, errOut)
	}
	if _, out, _ := runCLI(t, "config", "get", "--scope", "websites", "--scope-id", "2", "magesync/order/sync_notes"); strings.TrimSpace(out) != "1" {
		t.Errorf("get at website 2: %q", out)
	}
	if _, out, _ := runCLI(t, "config", "get", "magesync/order/sync_notes"); strings.TrimSpace(out) != "0" {
		t.Errorf("get at Default Config: %q", out)
	}
	if _, out, _ := runCLI(t, "config", "list", "--website", "europe"); !strings.Contains(out, "magesync/order/default_status") ||
		!strings.Contains(out, "Draft  (default)") || strings.Contains(out, "connection") {
		t.Errorf("list at website europe:\n%s", out)
	}
	if code, _, errOut := runCLI(t, "config", "unset", "--website", "europe", "magesync/order/sync_notes"); code != 0 {
		t.Fatalf("unset: exit %d %s", code, errOut)
	}
	if _, out, _ := runCLI(t, "config", "get", "--website", "europe", "magesync/order/sync_notes"); strings.TrimSpace(out) != "0" {
		t.Errorf("after unset: %q", out)
	}
	for _, args := range [][]string{
		{"config", "get", "--website", "mars", "magesync/order/sync_notes"},
		{"config", "get", "--scope", "websites", "magesync/order/sync_notes"},
		{"config", "get", "--scope", "stores", "--scope-id", "1", "magesync/order/sync_notes"},
		{"config", "set", "--website", "europe", "magesync/connection/login_url", "https://x.my.salesforce.com"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestConfigKeepsSecretsWithTheirURL(t *testing.T) {
	dsn, _ := dbtest.NewDatabase(t)
	dbtest.Open(t, dsn)
	if code, _, errOut := runCLI(t, "config", "set", "magesync/connection/client_secret", "s3cret", "--dsn", dsn, "--secret-key", "k"); code != 0 {
		t.Fatalf("set the secret: %d %s", code, errOut)
	}
	code, _, errOut := runCLI(t, "config", "set", "magesync/connection/login_url", "https://evil.example", "--dsn", dsn, "--secret-key", "k")
	if code != 1 || !strings.Contains(errOut, "enter it again") {
		t.Errorf("a new login URL over a stored secret: exit %d %q", code, errOut)
	}
	runCLI(t, "config", "unset", "magesync/connection/client_secret", "--dsn", dsn, "--secret-key", "k")
	if code, _, errOut := runCLI(t, "config", "set", "magesync/connection/login_url", "https://new.my.salesforce.com", "--dsn", dsn, "--secret-key", "k"); code != 0 {
		t.Errorf("with the secret removed: exit %d %q", code, errOut)
	}
}

// TestMappingCommand: mapping add checks the org and previews the newest
// orders, refusing what the field cannot take; list and remove.
func TestMappingCommand(t *testing.T) {
	dsn, _ := generatedStore(t, 8)
	t.Setenv("MAGESYNC_DSN", dsn)
	srv := useSim(t)
	req, _ := http.NewRequest("PUT", srv.URL+"/_sim/fields/Order", strings.NewReader(`[{"name":"Pay__c","type":"picklist","values":["checkmo"]},{"name":"City__c","type":"string","length":40}]`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "mapping", "add", "--source", "billing.city", "--target", "City__c")
	if code != 0 || !strings.Contains(out, "saved mapping #1") || strings.Count(out, "→") == 0 {
		t.Errorf("add: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "mapping", "add", "--source", "payment.method", "--target", "Pay__c"); code != 1 || !strings.Contains(errOut, "is not one of the values of the picklist Pay__c") {
		t.Errorf("a picklist value the org lacks: exit %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "mapping", "add", "--source", "order.coupon_code", "--target", "Nope__c"); code != 1 || !strings.Contains(errOut, "Salesforce has no field Nope__c on Order") {
		t.Errorf("a field the org lacks: exit %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, "mapping", "list"); code != 0 || !strings.Contains(out, "billing.city") || strings.Contains(out, "Pay__c") {
		t.Errorf("list: %q", out)
	}
	if code, out, _ := runCLI(t, "mapping", "remove", "1"); code != 0 || !strings.Contains(out, "removed mapping #1") {
		t.Errorf("remove: %q", out)
	}
	if code, _, _ := runCLI(t, "mapping", "remove", "1"); code != 1 {
		t.Errorf("removing it again: exit %d", code)
	}
}

// generatedStore is a throwaway Magento database with n generated orders.
func generatedStore(t *testing.T, n int) (string, *store.Store) {
	t.Helper()
	dsn, _ := dbtest.NewDatabase(t)
	s := dbtest.Open(t, dsn)
	if _, err := magentodb.Generate(context.Background(), s.DB().DB, magentodb.Options{Orders: n, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return dsn, s
}

// useSim starts a simulated org and points the commands at it through the
// environment, as an operator would.
func useSim(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(sfsim.New(sfsim.Options{Currencies: sfsim.StoreCurrencies}))
	t.Cleanup(srv.Close)
	t.Setenv("MAGESYNC_SF_LOGIN_URL", srv.URL)
	t.Setenv("MAGESYNC_SF_FLOW", "client_credentials")
	t.Setenv("MAGESYNC_SF_CLIENT_ID", sfsim.DemoClientID)
	t.Setenv("MAGESYNC_SF_CLIENT_SECRET", sfsim.DemoClientSecret)
	return srv
}

// The simulator bounds its heap by the machine's memory, read from
// /proc/meminfo: the reading must be that file's MemTotal.
func TestPhysicalMemory(t *testing.T) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatalf("this test needs Linux's /proc/meminfo: %v", err)
	}
	var kb int64
	if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err != nil {
		t.Fatalf("/proc/meminfo: %v", err)
	}
	if got := physicalMemory(); got != kb<<10 || got < 1<<28 {
		t.Errorf("physicalMemory() = %d; MemTotal is %d kB", got, kb)
	}
}
