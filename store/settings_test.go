package store_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/store/magentodb"
)

func TestConfigValueFallback(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 1) // adds website 2 with stores 2 and 3
	db := s.DB()
	mustExec(t, db.Exec, `INSERT INTO core_config_data (scope, scope_id, path, value) VALUES
		('default', 0, 'x/y/z', 'default'), ('websites', 2, 'x/y/z', 'website 2'), ('stores', 3, 'x/y/z', 'store 3'),
		('stores', 1, 'x/y/only_store', 'one'), ('websites', 1, 'x/y/null', NULL)`)
	tests := []struct {
		path    string
		storeID uint16
		want    string
		ok      bool
	}{
		{"x/y/z", 0, "default", true},
		{"x/y/z", 1, "default", true},   // website 1 has no row
		{"x/y/z", 2, "website 2", true}, // store 2 falls back to its website
		{"x/y/z", 3, "store 3", true},
		{"x/y/only_store", 1, "one", true},
		{"x/y/only_store", 0, "", false}, // default scope never sees a store's row
		{"x/y/only_store", 2, "", false},
		{"x/y/null", 1, "", true}, // a NULL value is still a row
		{"x/y/missing", 3, "", false},
		{"general/locale/timezone", 3, "Europe/Berlin", true},
		{"general/locale/timezone", 1, "America/Los_Angeles", true},
	}
	for _, tt := range tests {
		got, ok, err := s.ConfigValue(ctx, tt.path, tt.storeID)
		if err != nil || got != tt.want || ok != tt.ok {
			t.Errorf("ConfigValue(%s, store %d) = %q, %v, %v; want %q, %v", tt.path, tt.storeID, got, ok, err, tt.want, tt.ok)
		}
	}
}

func TestOrderSettingsDefaultsAndSave(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t)
	os, err := s.OrderSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := store.OrderSettings{ZeroGrandTotal: true, UpdateOrderInfo: true, DefaultStatus: "Draft", SyncAll: true}
	if os.AutomaticSync != want.AutomaticSync || os.ZeroGrandTotal != want.ZeroGrandTotal || os.SyncNotes ||
		os.UpdateOrderInfo != want.UpdateOrderInfo || os.DefaultStatus != "Draft" || !os.SyncAll || len(os.Statuses) != 0 || len(os.StatusMap) != 0 {
		t.Errorf("defaults = %+v", os)
	}
	for status, sf := range map[string]string{"pending": "Draft", "holded": "Draft", "fraud": "Draft",
		"processing": "Activated", "complete": "Activated", "closed": "Activated", "canceled": "Activated"} {
		if got := os.SalesforceStatus(status); got != sf {
			t.Errorf("default mapping of %s = %s, want %s", status, got, sf)
		}
	}

	err = s.SaveSettings(ctx, "alice", nil, []store.Change{
		store.Set(store.PathAutomaticSync, "Yes"),
		store.Set(store.PathSyncAll, "0"),
		store.Set(store.PathStatuses, " processing, complete,processing "),
		store.Set(store.PathDefaultStatus, "Pending Review"),
		store.Set(store.PathStatusMap, `{"complete":"Shipped","holded":""}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	os, err = s.OrderSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !os.AutomaticSync || os.SyncAll || strings.Join(os.Statuses, ",") != "complete,processing" {
		t.Errorf("saved = %+v", os)
	}
	if os.SalesforceStatus("complete") != "Shipped" || os.SalesforceStatus("holded") != "Pending Review" ||
		os.SalesforceStatus("processing") != "Activated" {
		t.Errorf("mapping after save: %+v", os.StatusMap)
	}
	var raw string
	if err := s.DB().Get(&raw, `SELECT value FROM core_config_data WHERE scope='default' AND scope_id=0 AND path=?`,
		store.PathAutomaticSync); err != nil || raw != "1" {
		t.Errorf("stored automatic_sync = %q, %v; want 1", raw, err)
	}

	// An invalid change among valid ones writes nothing.
	before, _ := s.ConfigLog(ctx, 100)
	err = s.SaveSettings(ctx, "bob", nil, []store.Change{
		store.Set(store.PathSyncNotes, "1"),
		store.Set(store.PathStatuses, "processing,teleported"),
		store.Set(store.PathZeroGrandTotal, "maybe"),
		store.Set("magesync/order/nope", "1"),
	})
	if !errors.Is(err, store.ErrInvalidSetting) {
		t.Fatalf("invalid changes: %v", err)
	}
	for _, frag := range []string{`"teleported"`, "Zero Grand Total", "magesync/order/nope"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q does not mention %s", err, frag)
		}
	}
	if os2, _ := s.OrderSettings(ctx); os2.SyncNotes {
		t.Error("a valid change was written alongside invalid ones")
	}
	after, _ := s.ConfigLog(ctx, 100)
	if len(after) != len(before) {
		t.Error("a refused save was logged")
	}

	// The audit log names the admin, and an unchanged value logs nothing.
	if len(before) != 5 || before[0].Username != "alice" {
		t.Fatalf("log = %+v", before)
	}
	if err := s.SaveSettings(ctx, "carol", nil, []store.Change{store.Set(store.PathAutomaticSync, "1")}); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ConfigLog(ctx, 100); len(again) != 5 {
		t.Errorf("saving an unchanged value logged %d rows", len(again)-5)
	}

	// "Use system value" removes the row and the default applies again.
	if err := s.SaveSettings(ctx, "carol", nil, []store.Change{store.UseDefault(store.PathAutomaticSync)}); err != nil {
		t.Fatal(err)
	}
	if os, _ := s.OrderSettings(ctx); os.AutomaticSync {
		t.Error("use-default left automatic sync on")
	}
	log, _ := s.ConfigLog(ctx, 1)
	if len(log) != 1 || log[0].Path != store.PathAutomaticSync || log[0].Username != "carol" ||
		log[0].OldValue.String != "1" || log[0].NewValue.Valid || time.Since(log[0].CreatedAt) > time.Hour {
		t.Errorf("use-default log = %+v", log)
	}
}

func TestSecretsAreEncryptedAndNeverReturned(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t)
	key, err := s.SecretKey(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}

	if err := s.SaveSettings(ctx, "alice", nil, []store.Change{store.Set(store.PathClientSecret, "shh")}); !errors.Is(err, store.ErrNoSecretKey) {
		t.Fatalf("saving a secret without a key: %v", err)
	}
	err = s.SaveSettings(ctx, "alice", key, []store.Change{
		store.Set(store.PathClientSecret, "top-secret-value"),
		store.Set(store.PathClientID, "my-client"),
		store.Set(store.PathLoginURL, "https://example.my.salesforce.com/"),
		store.Set(store.PathAPIVersion, "v61"),
		store.Set(store.PathFlow, "client_credentials"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := s.DB().Get(&raw, `SELECT value FROM core_config_data WHERE path = ?`, store.PathClientSecret); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "top-secret") {
		t.Fatalf("secret stored in clear: %q", raw)
	}
	c, err := s.ConnectionSettings(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientSecret != "top-secret-value" || c.ClientID != "my-client" || c.LoginURL != "https://example.my.salesforce.com" || c.APIVersion != "61.0" {
		t.Errorf("connection = %+v", c)
	}
	wrong, _ := s.SecretKey(ctx, "wrong")
	if _, err := s.ConnectionSettings(ctx, wrong); err == nil || !strings.Contains(err.Error(), "MAGESYNC_SECRET_KEY") {
		t.Errorf("wrong key: %v", err)
	}
	values, err := s.SettingValues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if strings.Contains(v.Value, "top-secret") || (v.Secret() && v.Value != "") {
			t.Errorf("SettingValues returned secret %s = %q", v.Path, v.Value)
		}
		if v.Path == store.PathClientSecret && !v.HasSecret {
			t.Error("a stored secret is not reported as set")
		}
	}
	log, _ := s.ConfigLog(ctx, 100)
	for _, e := range log {
		if strings.Contains(e.NewValue.String, "secret-value") || strings.Contains(e.NewValue.String, "enc:") {
			t.Errorf("audit log holds the secret: %+v", e)
		}
	}
	for _, bad := range []store.Change{
		store.Set(store.PathLoginURL, "http://login.salesforce.com"),
		store.Set(store.PathFlow, "magic"),
		store.Set(store.PathAPIVersion, "sixty"),
		store.Set(store.PathAPIVersion, "49.0"), // no composite graphs before v50.0
		store.Set(store.PathDefaultStatus, "  "),
	} {
		if err := s.SaveSettings(ctx, "alice", key, []store.Change{bad}); !errors.Is(err, store.ErrInvalidSetting) {
			t.Errorf("%s = %q accepted: %v", bad.Path, *bad.Value, err)
		}
	}
	if err := s.SaveSettings(ctx, "alice", key, []store.Change{store.Set(store.PathLoginURL, "http://127.0.0.1:8081"), store.UseDefault(store.PathClientSecret)}); err != nil {
		t.Errorf("a loopback simulator URL was refused: %v", err)
	}
}

func TestAuthenticateAdmin(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t)
	db := s.DB()
	if err := magentodb.CreateAdmin(ctx, db.DB, "admin", "Secret123", "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	u, err := s.AuthenticateAdmin(ctx, "admin", "Secret123")
	if err != nil || u.Username != "admin" || u.Email != "admin@example.com" {
		t.Fatalf("good login: %+v, %v", u, err)
	}
	for _, tc := range []struct{ user, pass string }{{"admin", "secret123"}, {"nobody", "Secret123"}, {"", ""}} {
		if _, err := s.AuthenticateAdmin(ctx, tc.user, tc.pass); !errors.Is(err, store.ErrBadCredentials) {
			t.Errorf("login %q/%q: %v", tc.user, tc.pass, err)
		}
	}
	mustExec(t, db.Exec, `UPDATE admin_user SET lock_expires = UTC_TIMESTAMP() + INTERVAL 1 HOUR`)
	if _, err := s.AuthenticateAdmin(ctx, "admin", "Secret123"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("locked account logged in: %v", err)
	}
	mustExec(t, db.Exec, `UPDATE admin_user SET lock_expires = UTC_TIMESTAMP() - INTERVAL 1 HOUR`)
	if _, err := s.AuthenticateAdmin(ctx, "admin", "Secret123"); err != nil {
		t.Errorf("expired lock still refuses: %v", err)
	}
	mustExec(t, db.Exec, `UPDATE admin_user SET is_active = 0`)
	if _, err := s.AuthenticateAdmin(ctx, "admin", "Secret123"); !errors.Is(err, store.ErrBadCredentials) {
		t.Errorf("inactive account logged in: %v", err)
	}
	// A hash from an older Magento (sha256, version 1) still verifies.
	mustExec(t, db.Exec, `UPDATE admin_user SET is_active = 1,
		password = '13601bda4ea78e55a07b98866d2be6be0744e3866f13c00c811cab608a28f322:salt:1'`)
	if _, err := s.AuthenticateAdmin(ctx, "admin", "password"); err != nil {
		t.Errorf("version-1 hash: %v", err)
	}
}

// TestSecretsGoOnlyToTheirLoginURL: a stored secret is bound to the login
// URL it was saved with; changing the URL asks for the secrets again.
func TestSecretsGoOnlyToTheirLoginURL(t *testing.T) {
	ctx := context.Background()
	s := dbtest.New(t)
	key, err := s.SecretKey(ctx, "pass")
	if err != nil {
		t.Fatal(err)
	}
	err = s.SaveSettings(ctx, "alice", key, []store.Change{store.Set(store.PathLoginURL, "https://good.my.salesforce.com"),
		store.Set(store.PathClientSecret, "cs"), store.Set(store.PathPassword, "pw")})
	if err != nil {
		t.Fatal(err)
	}
	err = s.SaveSettings(ctx, "mallory", key, []store.Change{store.Set(store.PathLoginURL, "https://evil.example")})
	got := store.SettingErrors(err)
	if !errors.Is(err, store.ErrInvalidSetting) || !strings.Contains(got[store.PathClientSecret], "enter it again") || !strings.Contains(got[store.PathPassword], "enter it again") {
		t.Fatalf("changing the URL without the secrets: %v (%v)", err, got)
	}
	// Even written behind magesync's back, the URL does not open the secret.
	s.DB().ExecContext(ctx, `UPDATE core_config_data SET value = 'https://evil.example' WHERE path = ?`, store.PathLoginURL)
	if c, err := s.ConnectionSettings(ctx, key); err == nil || c.ClientSecret != "" {
		t.Fatalf("secret opened for another URL: %+v, %v", c, err)
	}
	s.DB().ExecContext(ctx, `UPDATE core_config_data SET value = 'https://good.my.salesforce.com' WHERE path = ?`, store.PathLoginURL)
	// With the secrets entered again (or removed), the new URL is saved.
	err = s.SaveSettings(ctx, "alice", key, []store.Change{store.Set(store.PathLoginURL, "https://new.my.salesforce.com"),
		store.Set(store.PathClientSecret, "cs2"), store.UseDefault(store.PathPassword)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.ConnectionSettings(ctx, key)
	if err != nil || c.ClientSecret != "cs2" || c.Password != "" || c.LoginURL != "https://new.my.salesforce.com" {
		t.Errorf("after re-entering: %+v, %v", c, err)
	}
}

// TestSecretKeyIsSlowSaltedAndUpgrades: the key comes from argon2id with
// this database's salt, and secrets under the older SHA-256 key move to it.
func TestSecretKeyIsSlowSaltedAndUpgrades(t *testing.T) {
	ctx := context.Background()
	a, b := dbtest.New(t), dbtest.New(t)
	ka, _ := a.SecretKey(ctx, "same")
	kb, _ := b.SecretKey(ctx, "same")
	if bytes.Equal(ka, kb) || len(ka) != 32 {
		t.Fatalf("two databases, one passphrase: keys equal=%v len=%d", bytes.Equal(ka, kb), len(ka))
	}
	if again, _ := a.SecretKey(ctx, "same"); !bytes.Equal(again, ka) {
		t.Fatal("the key changed between starts")
	}
	// A secret as the older version stored it: AES-GCM under SHA-256 of the passphrase.
	legacy := sha256.Sum256([]byte("magesync secret key\x00old-pass"))
	block, _ := aes.NewCipher(legacy[:])
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	v1 := "enc:v1:" + base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte("old-secret"), nil))
	a.DB().ExecContext(ctx, `INSERT INTO core_config_data (scope, scope_id, path, value) VALUES ('default', 0, ?, ?)`, store.PathClientSecret, v1)
	key, err := a.SecretKey(ctx, "old-pass")
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	a.DB().Get(&raw, `SELECT value FROM core_config_data WHERE path = ?`, store.PathClientSecret)
	if !strings.HasPrefix(raw, "enc:v2:") {
		t.Errorf("not re-encrypted on start: %q", raw[:10])
	}
	if c, err := a.ConnectionSettings(ctx, key); err != nil || c.ClientSecret != "old-secret" {
		t.Errorf("after the upgrade: %+v %v", c, err)
	}
}

// TestExternalIDPrefix: a new store gets a random prefix of its own; a
// store that synced before prefixes existed keeps bare ids; a bad prefix
// is refused.
func TestExternalIDPrefix(t *testing.T) {
	ctx := context.Background()
	a, b := dbtest.New(t), dbtest.New(t)
	pa, _ := a.OrderSettings(ctx)
	pb, _ := b.OrderSettings(ctx)
	if len(pa.KeyPrefix) != 8 || pa.KeyPrefix == pb.KeyPrefix {
		t.Errorf("new stores' prefixes: %q and %q", pa.KeyPrefix, pb.KeyPrefix)
	}
	a.DB().Exec(`DELETE FROM core_config_data WHERE path = ?`, store.PathKeyPrefix)
	a.DB().Exec(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state) VALUES ('order', '1', 1, '801000000000001AAA', 'in_sync')`)
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var v sql.NullString
	a.DB().Get(&v, `SELECT value FROM core_config_data WHERE path = ?`, store.PathKeyPrefix)
	if !v.Valid || v.String != "" {
		t.Errorf("a store that synced before: prefix %v, want an empty one", v)
	}
	if err := b.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathKeyPrefix, "no spaces!")}); !errors.Is(err, store.ErrInvalidSetting) {
		t.Errorf("a bad prefix: %v", err)
	}
	if err := b.SaveSettings(ctx, "t", nil, []store.Change{store.Set(store.PathKeyPrefix, "shopEU")}); err != nil {
		t.Errorf("changing the prefix before anything synced: %v", err)
	}
}

// Order options are read with Magento's inheritance — the website's row,
// else Default Config's, else the built-in default — and saved per scope.
func TestWebsiteScope(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 1) // websites 1 and 2
	save := func(changes ...store.Change) error { return s.SaveSettings(ctx, "ann", nil, changes) }
	if err := save(store.Set(store.PathDefaultStatus, "Draft2"), store.Set(store.PathSyncNotes, "1").At(2)); err != nil {
		t.Fatal(err)
	}
	value := func(website uint16, path string) store.SettingValue {
		t.Helper()
		vs, err := s.SettingValuesAt(ctx, website)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Path == path {
				return v
			}
		}
		t.Fatalf("website %d has no %s", website, path)
		return store.SettingValue{}
	}
	if v := value(2, store.PathDefaultStatus); v.Value != "Draft2" || v.IsSet {
		t.Errorf("website 2 inherits Default Config's Default Status: %+v", v)
	}
	if v := value(2, store.PathSyncNotes); v.Value != "1" || !v.IsSet {
		t.Errorf("website 2's own Synchronize Order Notes: %+v", v)
	}
	if v := value(1, store.PathSyncNotes); v.Value != "0" || v.IsSet {
		t.Errorf("website 1 keeps the built-in default: %+v", v)
	}
	vs, _ := s.SettingValuesAt(ctx, 2)
	for _, v := range vs {
		if !v.PerWebsite() {
			t.Errorf("website scope lists %s, a store-wide setting", v.Path)
		}
	}
	all, err := s.WebsiteSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w1, _ := all.For(1)
	w2, _ := all.For(2)
	if w1.SyncNotes || !w2.SyncNotes || w1.DefaultStatus != "Draft2" || w2.DefaultStatus != "Draft2" {
		t.Errorf("resolved: website 1 %+v, website 2 %+v", w1, w2)
	}

	// Store-wide settings and unknown websites are refused in words.
	err = save(store.Set(store.PathLoginURL, "https://example.my.salesforce.com").At(2))
	if msg := store.SettingErrors(err)[store.PathLoginURL]; !strings.Contains(msg, "whole store") {
		t.Errorf("login URL per website: %v", err)
	}
	if err := save(store.Set(store.PathSyncNotes, "1").At(9)); err == nil || !strings.Contains(err.Error(), "no website 9") {
		t.Errorf("website 9: %v", err)
	}
	// Sync all orders = No with no status is refused at the website that
	// would skip everything, even when the change is made at Default Config.
	if err := save(store.Set(store.PathSyncAll, "0").At(2)); err == nil || !strings.Contains(err.Error(), "website 2") {
		t.Errorf("website 2 with no status to sync: %v", err)
	}
	if err := save(store.Set(store.PathStatuses, "pending").At(2), store.Set(store.PathSyncAll, "0").At(2)); err != nil {
		t.Fatal(err)
	}
	if err := save(store.Set(store.PathSyncAll, "0")); err == nil || strings.Contains(err.Error(), "website 2") {
		t.Errorf("Default Config with no status (website 2 has its own): %v", err)
	}

	// Use Default removes the website's row; the log names the scope.
	if err := save(store.UseDefault(store.PathSyncNotes).At(2)); err != nil {
		t.Fatal(err)
	}
	if v := value(2, store.PathSyncNotes); v.IsSet || v.Value != "0" {
		t.Errorf("after Use Default: %+v", v)
	}
	log, err := s.ConfigLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[0].Scope != "websites" || log[0].ScopeID != 2 || log[0].Path != store.PathSyncNotes || log[0].NewValue.Valid {
		t.Errorf("newest log entry: %+v", log[0])
	}
}
