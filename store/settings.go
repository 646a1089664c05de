package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
)

// Paths of magesync's settings in core_config_data.
const (
	PathAutomaticSync   = "magesync/order/automatic_sync"
	PathZeroGrandTotal  = "magesync/order/zero_grand_total"
	PathSyncNotes       = "magesync/order/sync_notes"
	PathUpdateOrderInfo = "magesync/order/update_order_info"
	PathDefaultStatus   = "magesync/order/default_status"
	PathSyncAll         = "magesync/order/sync_all"
	PathStatuses        = "magesync/order/statuses"
	PathStatusMap       = "magesync/order/status_map"
	PathOtherCurrency   = "magesync/order/other_currency"
	PathPriceBook       = "magesync/order/price_book"

	PathLoginURL     = "magesync/connection/login_url"
	PathFlow         = "magesync/connection/flow"
	PathClientID     = "magesync/connection/client_id"
	PathClientSecret = "magesync/connection/client_secret"
	PathUsername     = "magesync/connection/username"
	PathPassword     = "magesync/connection/password"
	PathPrivateKey   = "magesync/connection/private_key"
	PathAPIVersion   = "magesync/connection/api_version"
	// PathKeyPrefix starts every external id magesync writes in
	// Salesforce, so that two stores can share one org.
	PathKeyPrefix = "magesync/connection/external_id_prefix"
)

// ErrInvalidSetting wraps every validation failure of a setting value.
var ErrInvalidSetting = errors.New("invalid setting")

// SettingError is a refused change of one setting; SaveSettings joins one
// per refused change.
type SettingError struct {
	Path, Label string
	Err         error
}

func (e *SettingError) Error() string { return fmt.Sprintf("invalid setting: %s: %v", e.Label, e.Err) }

// Unwrap makes a SettingError both ErrInvalidSetting and its cause.
func (e *SettingError) Unwrap() []error { return []error{ErrInvalidSetting, e.Err} }

// SettingErrors lists the settings err refuses, by path, in words.
func SettingErrors(err error) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(err error) {
		if se, ok := err.(*SettingError); ok {
			out[se.Path] = se.Err.Error()
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

type settingKind int

const (
	kindBool settingKind = iota
	kindText
	kindStatuses
	kindStatusMap
	kindURL
	kindFlow
	kindAPIVersion
	kindSecret
	kindKeyPrefix
	kindOtherCurrency
	kindPriceBook
)

// SettingDef describes one setting: its path, the label the admin reads, and
// its built-in default (used when core_config_data has no row).
type SettingDef struct {
	Path    string
	Label   string
	Default string
	kind    settingKind
}

// IsBool reports whether the setting is a Yes/No, stored as 1 or 0.
func (d SettingDef) IsBool() bool { return d.kind == kindBool }

// Secret reports whether the value is stored encrypted and never shown.
func (d SettingDef) Secret() bool { return d.kind == kindSecret }

// PerWebsite reports whether a website may override the setting: the
// order options may, the connection is one for the store.
func (d SettingDef) PerWebsite() bool { return strings.HasPrefix(d.Path, "magesync/order/") }

// Values of "Orders in another currency": what a single-currency org gets
// of an order in another currency.
const (
	OtherCurrencyRefuse  = "refuse"
	OtherCurrencyConvert = "convert"
)

// Settings lists every magesync setting in page order.
var Settings = []SettingDef{
	{PathAutomaticSync, "Automatic Synchronization", "0", kindBool},
	{PathZeroGrandTotal, "Zero Grand Total", "1", kindBool},
	{PathSyncNotes, "Synchronize Order Notes", "0", kindBool},
	{PathUpdateOrderInfo, "Update Order Info", "1", kindBool},
	{PathDefaultStatus, "Default Status", "Draft", kindText},
	{PathSyncAll, "Sync all orders", "1", kindBool},
	{PathStatuses, "Order statuses", "", kindStatuses},
	{PathStatusMap, "Status mapping", "{}", kindStatusMap},
	{PathOtherCurrency, "Orders in another currency", OtherCurrencyRefuse, kindOtherCurrency},
	{PathPriceBook, "Price Book", "", kindPriceBook},
	{PathLoginURL, "Login URL", "https://login.salesforce.com", kindURL},
	{PathFlow, "Authentication flow", "client_credentials", kindFlow},
	{PathClientID, "Client ID", "", kindText},
	{PathClientSecret, "Client Secret", "", kindSecret},
	{PathUsername, "Username", "", kindText},
	{PathPassword, "Password", "", kindSecret},
	{PathPrivateKey, "Private Key (PEM)", "", kindSecret},
	{PathAPIVersion, "API Version", "62.0", kindAPIVersion},
	{PathKeyPrefix, "External ID Prefix", "", kindKeyPrefix},
}

// Setting returns the definition of path.
func Setting(path string) (SettingDef, bool) {
	for _, d := range Settings {
		if d.Path == path {
			return d, true
		}
	}
	return SettingDef{}, false
}

// Flows are the Salesforce OAuth flows magesync can use.
var Flows = []string{"client_credentials", "jwt", "password", "refresh_token"}

// OrderSettings are the order sync options, resolved with their defaults.
type OrderSettings struct {
	AutomaticSync   bool
	ZeroGrandTotal  bool // true: synchronize orders with grand_total = 0
	SyncNotes       bool
	UpdateOrderInfo bool
	DefaultStatus   string
	SyncAll         bool
	Statuses        []string          // Magento status codes synced when SyncAll is false
	StatusMap       map[string]string // explicit Magento status → Salesforce status choices
	KeyPrefix       string            // starts every external id written in Salesforce
	OtherCurrency   string            // OtherCurrencyRefuse or OtherCurrencyConvert
	PriceBook       string            // Pricebook2 Id new orders are priced in; "" for the standard price book
}

// activatedByDefault are the Magento statuses whose orders end Activated
// unless the admin maps them otherwise; every other status ends in the
// Default Status.
var activatedByDefault = []string{"processing", "complete", "closed", "canceled"}

// SalesforceStatus is the Salesforce Order status an order in the given
// Magento status ends in.
func (s OrderSettings) SalesforceStatus(magentoStatus string) string {
	if v := s.StatusMap[magentoStatus]; v != "" {
		return v
	}
	if slices.Contains(activatedByDefault, magentoStatus) {
		return "Activated"
	}
	return s.DefaultStatus
}

// ConnectionSettings say how to reach the Salesforce org. Secrets are
// decrypted; they must never be rendered back to a page.
type ConnectionSettings struct {
	LoginURL     string
	Flow         string
	ClientID     string
	ClientSecret string
	Username     string
	Password     string
	PrivateKey   string
	APIVersion   string
}

// OrderSettings reads the order sync options at Default Config.
func (s *Store) OrderSettings(ctx context.Context) (OrderSettings, error) {
	all, err := s.WebsiteSettings(ctx)
	if err != nil {
		return OrderSettings{}, err
	}
	return all.For(0)
}

// WebsiteSettings are the order sync options of every website, read at
// once: each website's own rows, else Default Config's, else the built-in
// defaults, as Magento resolves core_config_data.
type WebsiteSettings struct {
	rows config
}

// For returns the order settings of a website (0: Default Config).
func (w WebsiteSettings) For(website uint16) (OrderSettings, error) {
	v := w.rows.resolve("magesync/", website)
	os := OrderSettings{
		AutomaticSync:   v[PathAutomaticSync] == "1",
		ZeroGrandTotal:  v[PathZeroGrandTotal] == "1",
		SyncNotes:       v[PathSyncNotes] == "1",
		UpdateOrderInfo: v[PathUpdateOrderInfo] == "1",
		DefaultStatus:   v[PathDefaultStatus],
		SyncAll:         v[PathSyncAll] == "1",
		Statuses:        splitList(v[PathStatuses]),
		StatusMap:       map[string]string{},
		KeyPrefix:       v[PathKeyPrefix],
		OtherCurrency:   v[PathOtherCurrency],
		PriceBook:       v[PathPriceBook],
	}
	if err := json.Unmarshal([]byte(v[PathStatusMap]), &os.StatusMap); err != nil {
		return OrderSettings{}, fmt.Errorf("store: read %s: %w", PathStatusMap, err)
	}
	return os, nil
}

// WebsiteSettings reads the order sync options of Default Config and of
// every website.
func (s *Store) WebsiteSettings(ctx context.Context) (WebsiteSettings, error) {
	rows, err := s.readConfig(ctx, "magesync/")
	if err != nil {
		return WebsiteSettings{}, err
	}
	return WebsiteSettings{rows: rows}, nil
}

// ConnectionSettings reads the Salesforce connection, decrypting secrets
// with key (see SecretKey).
func (s *Store) ConnectionSettings(ctx context.Context, key []byte) (ConnectionSettings, error) {
	v, err := s.settingValues(ctx, "magesync/connection/")
	if err != nil {
		return ConnectionSettings{}, err
	}
	c := ConnectionSettings{
		LoginURL: v[PathLoginURL], Flow: v[PathFlow], ClientID: v[PathClientID],
		Username: v[PathUsername], APIVersion: v[PathAPIVersion],
	}
	for path, dst := range map[string]*string{PathClientSecret: &c.ClientSecret, PathPassword: &c.Password, PathPrivateKey: &c.PrivateKey} {
		if v[path] == "" {
			continue
		}
		plain, err := decryptSecret(key, c.LoginURL, v[path])
		if err != nil {
			return ConnectionSettings{}, fmt.Errorf("store: read %s: %w", path, err)
		}
		*dst = plain
	}
	return c, nil
}

// SettingValue is one setting as the configuration page shows it.
type SettingValue struct {
	SettingDef
	Value     string // "" for secrets
	IsSet     bool   // set at this scope; false: "Use system value" (Default Config) or "Use Default" (a website)
	HasSecret bool   // a secret is stored
}

// SettingValues returns every setting at Default Config with its stored or
// default value. Secrets are never returned, only whether one is stored.
func (s *Store) SettingValues(ctx context.Context) ([]SettingValue, error) {
	return s.SettingValuesAt(ctx, 0)
}

// SettingValuesAt returns the settings a website may override as that
// website has them (0: Default Config, with every setting): its own value,
// else the inherited one.
func (s *Store) SettingValuesAt(ctx context.Context, website uint16) ([]SettingValue, error) {
	rows, err := s.readConfig(ctx, "magesync/")
	if err != nil {
		return nil, err
	}
	v := rows.resolve("magesync/", website)
	own := rows[scopeKey{website}]
	out := make([]SettingValue, 0, len(Settings))
	for _, d := range Settings {
		if website != 0 && !d.PerWebsite() {
			continue
		}
		sv := SettingValue{SettingDef: d, Value: v[d.Path]}
		_, sv.IsSet = own[d.Path]
		if d.Secret() {
			sv.HasSecret = sv.Value != ""
			sv.Value = ""
		}
		out = append(out, sv)
	}
	return out, nil
}

// scopeKey is a core_config_data scope magesync writes: Default Config
// (website 0) or one website.
type scopeKey struct{ website uint16 }

// config is magesync's core_config_data rows by scope.
type config map[scopeKey]map[string]string

// readConfig reads the rows under prefix at Default Config and at website
// scope.
func (s *Store) readConfig(ctx context.Context, prefix string) (config, error) {
	var rows []struct {
		Scope   string         `db:"scope"`
		ScopeID uint16         `db:"scope_id"`
		Path    string         `db:"path"`
		Value   sql.NullString `db:"value"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT scope, scope_id, path, value FROM core_config_data
		WHERE (scope = 'default' AND scope_id = 0 OR scope = 'websites') AND path LIKE CONCAT(?, '%')`, prefix)
	if err != nil {
		return nil, fmt.Errorf("store: read config %s*: %w", prefix, err)
	}
	c := config{}
	for _, r := range rows {
		k := scopeKey{}
		if r.Scope == "websites" {
			if r.ScopeID == 0 {
				continue
			}
			k.website = r.ScopeID
		}
		if c[k] == nil {
			c[k] = map[string]string{}
		}
		c[k][r.Path] = r.Value.String
	}
	return c, nil
}

// resolve is the value of every setting under prefix for a website (0:
// Default Config): the website's row, else Default Config's, else the
// built-in default. Only order options are read at website scope.
func (c config) resolve(prefix string, website uint16) map[string]string {
	v := map[string]string{}
	for _, d := range Settings {
		if !strings.HasPrefix(d.Path, prefix) {
			continue
		}
		v[d.Path] = d.Default
		if r, ok := c[scopeKey{}][d.Path]; ok {
			v[d.Path] = r
		}
		if r, ok := c[scopeKey{website}][d.Path]; ok && website != 0 && d.PerWebsite() {
			v[d.Path] = r
		}
	}
	return v
}

func (s *Store) settingValues(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := s.readConfig(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return rows.resolve(prefix, 0), nil
}

// Change sets one setting at Default Config or for one website; a nil Value
// deletes the row, so that the inherited value applies ("Use system value"
// at Default Config, "Use Default" for a website).
type Change struct {
	Path    string
	Value   *string
	Website uint16 // 0: Default Config
}

// Set returns a Change that stores value at path, at Default Config.
func Set(path, value string) Change { return Change{Path: path, Value: &value} }

// UseDefault returns a Change that removes path's row at Default Config.
func UseDefault(path string) Change { return Change{Path: path} }

// At moves a Change to a website's scope.
func (c Change) At(website uint16) Change { c.Website = website; return c }

// scope is the change's core_config_data scope and scope id.
func (c Change) scope() (string, uint16) {
	if c.Website == 0 {
		return "default", 0
	}
	return "websites", c.Website
}

// SaveSettings validates every change, then writes those that differ from
// what is stored, in one transaction, with an audit-log row each naming
// username. Secrets are encrypted with key. Nothing is written if any change
// is invalid.
func (s *Store) SaveSettings(ctx context.Context, username string, key []byte, changes []Change) error {
	statuses, err := s.statusCodes(ctx)
	if err != nil {
		return err
	}
	websites, err := s.Websites(ctx)
	if err != nil {
		return err
	}
	websiteIDs := map[uint16]bool{}
	for _, w := range websites {
		websiteIDs[w.ID] = true
	}
	var errs []error
	norm := make([]Change, 0, len(changes))
	for _, c := range changes {
		d, ok := Setting(c.Path)
		if !ok {
			errs = append(errs, &SettingError{Path: c.Path, Label: c.Path, Err: errors.New("unknown setting")})
			continue
		}
		if c.Website != 0 && !d.PerWebsite() {
			errs = append(errs, &SettingError{Path: c.Path, Label: d.Label, Err: errors.New("is set for the whole store (Default Config), not per website")})
			continue
		}
		if c.Website != 0 && !websiteIDs[c.Website] {
			errs = append(errs, &SettingError{Path: c.Path, Label: d.Label, Err: fmt.Errorf("there is no website %d", c.Website)})
			continue
		}
		if c.Value == nil {
			norm = append(norm, c)
			continue
		}
		v, err := d.normalize(*c.Value, statuses)
		if err != nil {
			errs = append(errs, &SettingError{Path: c.Path, Label: d.Label, Err: err})
			continue
		}
		norm = append(norm, Change{Path: c.Path, Value: &v, Website: c.Website})
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if norm, err = s.sealSecrets(ctx, key, norm); err != nil {
		return err
	}
	if err := s.checkKeyPrefix(ctx, norm); err != nil {
		return err
	}
	if err := s.checkStatuses(ctx, norm); err != nil {
		return err
	}

	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: save settings: %w", err)
	}
	defer tx.Rollback()
	for _, c := range norm {
		if err := saveSetting(ctx, tx, username, c); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: save settings: %w", err)
	}
	return nil
}

func saveSetting(ctx context.Context, tx *sqlx.Tx, username string, c Change) error {
	scope, scopeID := c.scope()
	var old sql.NullString
	var exists bool
	err := tx.QueryRowxContext(ctx, `SELECT value FROM core_config_data
		WHERE scope = ? AND scope_id = ? AND path = ? FOR UPDATE`, scope, scopeID, c.Path).Scan(&old)
	switch {
	case err == nil:
		exists = true
	case errors.Is(err, sql.ErrNoRows):
	default:
		return fmt.Errorf("store: save %s: %w", c.Path, err)
	}
	if c.Value == nil && !exists || c.Value != nil && exists && old.Valid && old.String == *c.Value {
		return nil
	}
	if c.Value == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM core_config_data WHERE scope = ? AND scope_id = ? AND path = ?`, scope, scopeID, c.Path)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO core_config_data (scope, scope_id, path, value) VALUES (?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE value = VALUES(value)`, scope, scopeID, c.Path, *c.Value)
	}
	if err != nil {
		return fmt.Errorf("store: save %s: %w", c.Path, err)
	}
	logOld, logNew := sql.NullString{String: old.String, Valid: exists}, sql.NullString{}
	if c.Value != nil {
		logNew = sql.NullString{String: *c.Value, Valid: true}
	}
	if d, _ := Setting(c.Path); d.Secret() {
		logOld.String, logNew.String = "(secret)", "(secret changed)"
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO magesync_config_log (scope, scope_id, path, old_value, new_value, username)
		VALUES (?, ?, ?, ?, ?, ?)`, scope, scopeID, c.Path, logOld, logNew, username)
	if err != nil {
		return fmt.Errorf("store: log change of %s: %w", c.Path, err)
	}
	return nil
}

// ConfigLogEntry is one row of the settings audit log.
type ConfigLogEntry struct {
	ID        uint64         `db:"id"`
	Scope     string         `db:"scope"`
	ScopeID   uint16         `db:"scope_id"`
	Path      string         `db:"path"`
	OldValue  sql.NullString `db:"old_value"`
	NewValue  sql.NullString `db:"new_value"`
	Username  string         `db:"username"`
	CreatedAt time.Time      `db:"created_at"`
}

// ConfigLog returns the newest audit-log entries first.
func (s *Store) ConfigLog(ctx context.Context, limit int) ([]ConfigLogEntry, error) {
	var out []ConfigLogEntry
	err := s.db.SelectContext(ctx, &out, `SELECT id, scope, scope_id, path, old_value, new_value, username, created_at
		FROM magesync_config_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read config log: %w", err)
	}
	return out, nil
}

func (s *Store) statusCodes(ctx context.Context) ([]string, error) {
	var codes []string
	if err := s.db.SelectContext(ctx, &codes, `SELECT status FROM sales_order_status ORDER BY status`); err != nil {
		return nil, fmt.Errorf("store: load order statuses: %w", err)
	}
	return codes, nil
}

// minAPIVersion is the first with composite graphs (salesforce.MinAPIVersion).
const minAPIVersion = 50

var (
	apiVersionRe = regexp.MustCompile(`^v?(\d{2,3})(\.0)?$`)
)

// normalize validates v for d and returns the form it is stored in.
func (d SettingDef) normalize(v string, statuses []string) (string, error) {
	switch d.kind {
	case kindKeyPrefix:
		v = strings.TrimSpace(v)
		if !keyPrefixRe.MatchString(v) {
			return "", fmt.Errorf("use up to 12 letters and digits, got %q", v)
		}
		return v, nil
	case kindBool:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "yes", "true":
			return "1", nil
		case "0", "no", "false":
			return "0", nil
		}
		return "", fmt.Errorf("want Yes or No (1 or 0), got %q", v)
	case kindText:
		v = strings.TrimSpace(v)
		if d.Path == PathDefaultStatus && v == "" {
			return "", fmt.Errorf("choose a status")
		}
		if len(v) > 255 || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("must be at most 255 characters without control characters")
		}
		return v, nil
	case kindStatuses:
		list := splitList(v)
		for _, st := range list {
			if !slices.Contains(statuses, st) {
				return "", fmt.Errorf("unknown Magento order status %q", st)
			}
		}
		sort.Strings(list)
		return strings.Join(slices.Compact(list), ","), nil
	case kindStatusMap:
		m := map[string]string{}
		if strings.TrimSpace(v) == "" {
			v = "{}"
		}
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return "", fmt.Errorf("want a JSON object of Magento status to Salesforce status: %v", err)
		}
		clean := map[string]string{}
		for k, sf := range m {
			if !slices.Contains(statuses, k) {
				return "", fmt.Errorf("unknown Magento order status %q", k)
			}
			if sf = strings.TrimSpace(sf); sf != "" {
				clean[k] = sf
			}
		}
		b, _ := json.Marshal(clean) // map keys marshal sorted
		return string(b), nil
	case kindURL:
		u, err := url.Parse(strings.TrimSpace(v))
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return "", fmt.Errorf("want an https:// URL such as https://login.salesforce.com (http only for 127.0.0.1), got %q", v)
		}
		return strings.TrimRight(u.String(), "/"), nil
	case kindFlow:
		if !slices.Contains(Flows, v) {
			return "", fmt.Errorf("want one of %s, got %q", strings.Join(Flows, ", "), v)
		}
		return v, nil
	case kindAPIVersion:
		m := apiVersionRe.FindStringSubmatch(strings.TrimSpace(v))
		if m == nil {
			return "", fmt.Errorf("want a version such as 62.0, got %q", v)
		}
		if n, _ := strconv.Atoi(m[1]); n < minAPIVersion {
			return "", fmt.Errorf("magesync needs API version %d.0 or later (it writes orders with composite graphs, which Salesforce offers from v%d.0), got %s.0", minAPIVersion, minAPIVersion, m[1])
		}
		return m[1] + ".0", nil
	case kindSecret:
		return v, nil
	case kindPriceBook:
		v = strings.TrimSpace(v)
		if v != "" && !priceBookIDRe.MatchString(v) {
			return "", fmt.Errorf("want a price book's Salesforce ID (15 or 18 characters starting 01s), or empty for the standard price book; got %q", v)
		}
		return v, nil
	case kindOtherCurrency:
		v = strings.ToLower(strings.TrimSpace(v))
		if v != OtherCurrencyRefuse && v != OtherCurrencyConvert {
			return "", fmt.Errorf("want %s or %s, got %q", OtherCurrencyRefuse, OtherCurrencyConvert, v)
		}
		return v, nil
	}
	return "", fmt.Errorf("unhandled setting kind")
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// secretPaths are the settings stored encrypted.
var secretPaths = []string{PathClientSecret, PathPassword, PathPrivateKey}

// sealSecrets encrypts the secrets among changes, bound to the login URL
// they will be sent to (the one in changes, else the stored one). A login
// URL that changes while a stored secret is neither re-entered nor removed
// is refused: a secret goes only to the URL it was saved with.
func (s *Store) sealSecrets(ctx context.Context, key []byte, changes []Change) ([]Change, error) {
	stored, err := s.settingValues(ctx, "magesync/connection/")
	if err != nil {
		return nil, err
	}
	url := stored[PathLoginURL]
	touched := map[string]bool{}
	for _, c := range changes {
		touched[c.Path] = true
		if c.Path == PathLoginURL {
			if c.Value == nil {
				d, _ := Setting(PathLoginURL)
				url = d.Default
			} else {
				url = *c.Value
			}
		}
	}
	var errs []error
	if url != stored[PathLoginURL] {
		for _, p := range secretPaths {
			if stored[p] != "" && !touched[p] {
				d, _ := Setting(p)
				errs = append(errs, &SettingError{Path: p, Label: d.Label, Err: fmt.Errorf(
					"enter it again: the Login URL changed, and a stored %s is only sent to the URL it was saved with", d.Label)})
			}
		}
	}
	out := make([]Change, 0, len(changes))
	for _, c := range changes {
		if d, _ := Setting(c.Path); d.Secret() && c.Value != nil && *c.Value != "" {
			v, err := encryptSecret(key, url, *c.Value)
			if err != nil {
				errs = append(errs, &SettingError{Path: c.Path, Label: d.Label, Err: err})
				continue
			}
			c = Change{Path: c.Path, Value: &v}
		}
		out = append(out, c)
	}
	return out, errors.Join(errs...)
}

var keyPrefixRe = regexp.MustCompile(`^[A-Za-z0-9]{0,12}$`)

// priceBookIDRe is a Pricebook2 ID: key prefix 01s, 15 or 18 characters.
var priceBookIDRe = regexp.MustCompile(`^01s[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$`)

// checkKeyPrefix refuses to change the external-id prefix once anything is
// in Salesforce under it: the next sync would create every order again.
func (s *Store) checkKeyPrefix(ctx context.Context, changes []Change) error {
	for _, c := range changes {
		if c.Path != PathKeyPrefix {
			continue
		}
		cur, err := s.settingValues(ctx, PathKeyPrefix)
		if err != nil {
			return err
		}
		next := ""
		if c.Value != nil {
			next = *c.Value
		}
		if next == cur[PathKeyPrefix] {
			return nil
		}
		synced, err := s.anySynced(ctx)
		if err != nil {
			return fmt.Errorf("store: check external id prefix: %w", err)
		}
		if synced {
			return &SettingError{Path: PathKeyPrefix, Label: "External ID Prefix", Err: fmt.Errorf(
				"records of this store are in Salesforce under the prefix %q; changing it would make magesync create them all again", cur[PathKeyPrefix])}
		}
	}
	return nil
}

// anySynced reports whether any order of this store is in Salesforce (every
// record magesync sends goes with its order).
func (s *Store) anySynced(ctx context.Context) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM magesync_object WHERE kind = 'order' AND sf_id IS NOT NULL LIMIT 1) x`)
	return n > 0, err
}

// ensureKeyPrefix gives a store its external-id prefix on first start: a
// random one, unique to the store; none for a store that synced before
// prefixes existed, whose records in Salesforce carry bare ids.
func (s *Store) ensureKeyPrefix(ctx context.Context) error {
	var rows int
	if err := s.db.GetContext(ctx, &rows, `SELECT COUNT(*) FROM core_config_data WHERE scope = 'default' AND scope_id = 0 AND path = ?`, PathKeyPrefix); err != nil {
		return fmt.Errorf("store: external id prefix: %w", err)
	}
	if rows > 0 {
		return nil
	}
	synced, err := s.anySynced(ctx)
	if err != nil {
		return fmt.Errorf("store: external id prefix: %w", err)
	}
	prefix := ""
	if !synced {
		const letters = "abcdefghijkmnpqrstuvwxyz23456789"
		b := make([]byte, 8)
		rand.Read(b)
		for i := range b {
			b[i] = letters[int(b[i])%len(letters)]
		}
		prefix = string(b)
	}
	_, err = s.db.ExecContext(ctx, `INSERT IGNORE INTO core_config_data (scope, scope_id, path, value) VALUES ('default', 0, ?, ?)`, PathKeyPrefix, prefix)
	if err != nil {
		return fmt.Errorf("store: external id prefix: %w", err)
	}
	return nil
}

// checkStatuses refuses Sync all orders = No with no status chosen, at
// any scope a change touches: every order there would be skipped.
func (s *Store) checkStatuses(ctx context.Context, changes []Change) error {
	rows, err := s.readConfig(ctx, "magesync/order/")
	if err != nil {
		return err
	}
	touched := map[uint16]bool{}
	for _, c := range changes {
		if c.Path != PathSyncAll && c.Path != PathStatuses {
			continue
		}
		k := scopeKey{c.Website}
		if rows[k] == nil {
			rows[k] = map[string]string{}
		}
		delete(rows[k], c.Path)
		if c.Value != nil {
			rows[k][c.Path] = *c.Value
		}
		touched[c.Website] = true
	}
	// A change at Default Config reaches every website that inherits it.
	if touched[0] {
		for k := range rows {
			touched[k.website] = true
		}
	}
	for website := range touched {
		v := rows.resolve("magesync/order/", website)
		if v[PathSyncAll] == "0" && v[PathStatuses] == "" {
			where := ""
			if website != 0 {
				where = fmt.Sprintf(" (website %d)", website)
			}
			return &SettingError{Path: PathStatuses, Label: "Order statuses", Err: fmt.Errorf(
				"choose at least one order status to sync, or set Sync all orders to Yes: with none, every order%s would be skipped", where)}
		}
	}
	return nil
}
