// Package sfsim is a Salesforce simulator: an http.Handler that speaks the
// REST API's wire format for the objects magesync uses — OAuth flows,
// sObjects, upsert, SOQL, describe, collections, composite, composite graph,
// limits — and enforces the org's rules on Orders, with its real errors. Its
// control API under /_sim/ resets the org, lists records, counts calls and
// injects faults. It keeps everything in memory and is safe for concurrent use.
package sfsim

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"magesync/sync/salesforce"
)

// The seeded demo org's credentials.
const (
	DemoClientID     = "magesync-demo"
	DemoClientSecret = "magesync-demo-secret"
	DemoUsername     = "admin@magesync.demo"
	DemoPassword     = "demo"
	DemoRefreshToken = "5Aep861magesyncDemoRefreshToken"
)

// Options configure a simulator.
type Options struct {
	DailyLimit   int           // API requests per 24 h; default 15,000 (Developer Edition)
	TokenTTL     time.Duration // default 2 h
	JWTPublicKey *rsa.PublicKey
	Now          func() time.Time
	Seed         uint64 // of the fault dice
	// Currencies are the org's as it was created (and as POST /_sim/reset
	// brings it back); nil is a new org's, USD only.
	Currencies *Currencies
}

// Faults are injected failures and org behaviours, set through PUT /_sim/faults.
type Faults struct {
	Rate503                  float64 `json:"rate503,omitempty"`
	RateLockRow              float64 `json:"rateLockRow,omitempty"`
	ExpireTokensEvery        int     `json:"expireTokensEvery,omitempty"`
	DailyLimit               int     `json:"dailyLimit,omitempty"`
	LatencyMs                int     `json:"latencyMs,omitempty"`
	CreateActivatedErrorCode string  `json:"createActivatedErrorCode,omitempty"`
	ActivationNeedsItems     *bool   `json:"activationNeedsItems,omitempty"`
	// StateCountryPicklists is on in every org created since Winter '24
	// (nil = on); false models an older org with free-text addresses.
	StateCountryPicklists *bool `json:"stateCountryPicklists,omitempty"`
	// EnableNegativeQuantity is OrderSettings.enableNegativeQuantity, off
	// in a new org (Metadata API Developer Guide, "OrderSettings").
	EnableNegativeQuantity bool `json:"enableNegativeQuantity,omitempty"`
	// GraphNodeLimit lowers the 500 nodes a composite graph request may
	// carry, so tests can watch a client split its calls.
	GraphNodeLimit int `json:"graphNodeLimit,omitempty"`
}

func (f *Faults) picklists() bool { return f.StateCountryPicklists == nil || *f.StateCountryPicklists }

func (f *Faults) createActivatedCode() string {
	if f.CreateActivatedErrorCode != "" {
		return f.CreateActivatedErrorCode
	}
	return "FAILED_ACTIVATION"
}

func (f *Faults) needsItems() bool { return f.ActivationNeedsItems == nil || *f.ActivationNeedsItems }

// Sim is the simulator. Create it with New.
type Sim struct {
	opts Options

	mu      sync.Mutex
	org     *org
	faults  Faults
	tokens  map[string]time.Time
	used    int
	faulted int // failures injected by Faults
	byRoute map[string]int
	dice    *mrand.Rand
	cursors map[string]*cursor
	curSeq  int
	userID  string
}

type cursor struct {
	rest  []map[string]any
	total int
	made  int
}

// New returns a simulator holding the seeded demo org.
func New(opts Options) *Sim {
	if opts.DailyLimit == 0 {
		opts.DailyLimit = 15000
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 2 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	userID, _ := salesforce.NormalizeID("0055g00000SIMuS")
	s := &Sim{opts: opts, tokens: map[string]time.Time{}, userID: userID}
	seed := defaultCurrencies()
	if opts.Currencies != nil {
		seed = *opts.Currencies
	}
	s.org = newOrg(opts.Now, &s.faults, seed)
	s.resetLocked()
	return s
}

func (s *Sim) resetLocked() {
	s.org.reset()
	s.faults = Faults{}
	s.used = 0
	s.byRoute = map[string]int{}
	s.dice = mrand.New(mrand.NewPCG(s.opts.Seed, 0x5f5f))
	s.cursors = map[string]*cursor{}
}

func (s *Sim) dailyLimit() int {
	if s.faults.DailyLimit > 0 {
		return s.faults.DailyLimit
	}
	return s.opts.DailyLimit
}

func isVersionPath(p string) bool { _, _, ok := versionPath(p); return ok }

// versionPath splits "/services/data/vNN.0/rest" into "NN" and "/rest"
// (what the pattern ^/services/data/v(\d+)\.0(/.*)?$ matches, without a
// regular expression: every subrequest of every call goes through it).
func versionPath(p string) (version, rest string, ok bool) {
	p, ok = strings.CutPrefix(p, "/services/data/v")
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	rest, dotZero := strings.CutPrefix(p[i:], ".0")
	if !ok || i == 0 || !dotZero || rest != "" && rest[0] != '/' {
		return "", "", false
	}
	return p[:i], rest, true
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			writeJSON(w, 500, []salesforce.ErrorDetail{{ErrorCode: "UNKNOWN_EXCEPTION", Message: fmt.Sprintf("An unexpected error occurred: %v", p)}})
		}
	}()
	p := r.URL.Path
	if !strings.HasPrefix(p, "/_sim/") && !requestFits(w, r) {
		return
	}
	switch {
	case strings.HasPrefix(p, "/_sim/"):
		s.control(w, r)
	case p == "/services/oauth2/token":
		s.token(w, r)
	case soapPathRe.MatchString(p):
		s.soap(w, r)
	case p == "/services/data" || p == "/services/data/":
		s.versions(w, r)
	case isVersionPath(p):
		s.api(w, r)
	default:
		writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"}})
	}
}

// maxRequestHead is how long a call's URI and headers may be together:
// "In each REST call, the maximum length for the combined URI and headers is
// 16,384 bytes" (Salesforce Help, "Maximum number of rows returned by SOQL
// queries over the REST API", article 000386264). A query too long for a GET
// goes in a composite call's body instead.
const maxRequestHead = 16384

// requestFits answers a call whose URI (414) or URI and headers (431) are
// longer than Salesforce takes, as its front end does: in HTML, not JSON.
func requestFits(w http.ResponseWriter, r *http.Request) bool {
	head := len(r.RequestURI) + len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			head += len(k) + len(": \r\n") + len(v)
		}
	}
	status, reason := 0, ""
	switch {
	case len(r.RequestURI) > maxRequestHead:
		status, reason = http.StatusRequestURITooLong, "URI Too Long"
	case head > maxRequestHead:
		status, reason = http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"
	default:
		return true
	}
	w.Header().Set("Content-Type", "text/html;charset=iso-8859-1")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<h1>Bad Message %d</h1><pre>reason: %s</pre>", status, reason)
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		status, b = 500, []byte(`[{"errorCode":"UNKNOWN_EXCEPTION","message":"could not encode the response"}]`)
	}
	w.WriteHeader(status)
	w.Write(b)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

const (
	minVersion = 42
	maxVersion = 66
)

func (s *Sim) versions(w http.ResponseWriter, r *http.Request) {
	var out []map[string]string
	for v := minVersion; v <= maxVersion; v++ {
		out = append(out, map[string]string{"label": "v" + strconv.Itoa(v) + ".0", "url": fmt.Sprintf("/services/data/v%d.0", v), "version": fmt.Sprintf("%d.0", v)})
	}
	writeJSON(w, 200, out)
}

// api serves one REST call: authentication, limits, faults, then the call
// itself as one transaction.
func (s *Sim) api(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	latency := s.faults.LatencyMs
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(time.Duration(latency) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 50<<20))
	if err != nil {
		writeJSON(w, 413, []salesforce.ErrorDetail{{ErrorCode: "JSON_PARSER_ERROR", Message: "request body too large or unreadable"}})
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.used, s.dailyLimit()))
	if !s.authorized(r) {
		writeJSON(w, 401, []salesforce.ErrorDetail{{ErrorCode: "INVALID_SESSION_ID", Message: "Session expired or invalid"}})
		return
	}
	if s.used >= s.dailyLimit() {
		writeJSON(w, 403, []salesforce.ErrorDetail{{ErrorCode: "REQUEST_LIMIT_EXCEEDED", Message: "TotalRequests Limit exceeded."}})
		return
	}
	if s.faults.Rate503 > 0 && s.dice.Float64() < s.faults.Rate503 {
		s.faulted++
		writeJSON(w, 503, []salesforce.ErrorDetail{{ErrorCode: "SERVER_UNAVAILABLE", Message: "Server temporarily unavailable, please try again later."}})
		return
	}
	v, path, _ := versionPath(r.URL.Path)
	version, _ := strconv.Atoi(v)
	if version < minVersion || version > maxVersion {
		writeJSON(w, 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"}})
		return
	}
	s.used++
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.used, s.dailyLimit()))
	if n := s.faults.ExpireTokensEvery; n > 0 && s.used%n == 0 {
		defer clear(s.tokens) // this call succeeds; the next one needs a new token
	}
	method := r.Method
	// Clients that cannot send PATCH post with ?_HttpMethod=PATCH.
	if o := r.URL.Query().Get("_HttpMethod"); method == http.MethodPost && o == http.MethodPatch {
		method = o
	}
	s.byRoute[method+" "+routeKey(path)]++

	var in any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeJSON(w, 400, []salesforce.ErrorDetail{{ErrorCode: "JSON_PARSER_ERROR", Message: "Unexpected character in request body: " + err.Error()}})
			return
		}
	}
	isWrite := method != http.MethodGet && path != "/composite/graph"
	if isWrite && s.lockRowDice() {
		writeJSON(w, 400, lockRowError())
		return
	}
	x := &call{sim: s, version: v + ".0"}
	s.org.begin()
	status, out := x.route(method, path, r.URL.Query(), in, true)
	if status >= 400 {
		s.org.rollback()
	} else {
		s.org.commit()
	}
	writeJSON(w, status, out)
}

func (s *Sim) lockRowDice() bool {
	if s.faults.RateLockRow > 0 && s.dice.Float64() < s.faults.RateLockRow {
		s.faulted++
		return true
	}
	return false
}

func lockRowError() []salesforce.ErrorDetail {
	return []salesforce.ErrorDetail{{ErrorCode: "UNABLE_TO_LOCK_ROW", Message: "unable to obtain exclusive access to this record or 1 records"}}
}

func (s *Sim) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "OAuth ")
	}
	if !ok {
		return false
	}
	exp, ok := s.tokens[strings.TrimSpace(tok)]
	return ok && s.opts.Now().Before(exp)
}

// routeKey names a path by its shape, for /_sim/stats.
func routeKey(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 3 && parts[0] == "sobjects" && parts[2] != "describe" {
		if len(parts) == 3 {
			parts[2] = "{id}"
		} else {
			parts[3] = "{value}"
		}
	}
	if len(parts) == 2 && parts[0] == "query" {
		parts[1] = "{cursor}"
	}
	return "/" + strings.Join(parts, "/")
}

// token is the OAuth 2.0 token endpoint.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(code, desc string) {
		writeJSON(w, 400, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthErr("invalid_request", "must use HTTP POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr("invalid_request", "bad request body")
		return
	}
	f := r.PostForm
	clientID, clientSecret := f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		clientID, clientSecret = u, p
	}
	checkClient := func(needSecret bool) bool {
		if clientID != DemoClientID {
			oauthErr("invalid_client_id", "client identifier invalid")
			return false
		}
		if needSecret && clientSecret != DemoClientSecret {
			oauthErr("invalid_client", "invalid client credentials")
			return false
		}
		return true
	}
	switch f.Get("grant_type") {
	case "":
		oauthErr("invalid_request", "grant type is missing")
		return
	case "client_credentials":
		if !checkClient(true) {
			return
		}
	case "password":
		if !checkClient(true) {
			return
		}
		if f.Get("username") != DemoUsername || f.Get("password") != DemoPassword {
			oauthErr("invalid_grant", "authentication failure")
			return
		}
	case "refresh_token":
		if !checkClient(clientSecret != "") {
			return
		}
		if f.Get("refresh_token") != DemoRefreshToken {
			oauthErr("invalid_grant", "expired access/refresh token")
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if code, desc := s.checkJWT(f.Get("assertion"), baseURL(r)); code != "" {
			oauthErr(code, desc)
			return
		}
	default:
		oauthErr("unsupported_grant_type", "grant type not supported")
		return
	}

	raw := make([]byte, 30)
	rand.Read(raw)
	s.mu.Lock()
	tok := s.org.id + "!AR" + base64.RawURLEncoding.EncodeToString(raw)
	s.tokens[tok] = s.opts.Now().Add(s.opts.TokenTTL)
	now := s.opts.Now()
	s.mu.Unlock()
	sig := make([]byte, 32)
	rand.Read(sig)
	base := baseURL(r)
	writeJSON(w, 200, map[string]string{
		"access_token": tok,
		"instance_url": base,
		"id":           base + "/id/" + s.org.id18() + "/" + s.userID,
		"token_type":   "Bearer",
		"issued_at":    strconv.FormatInt(now.UnixMilli(), 10),
		"signature":    base64.StdEncoding.EncodeToString(sig),
		"scope":        "api",
	})
}

// ExpireTokens invalidates every access token, as a session timeout does.
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// Faulted is the number of failures Faults injected (503s, row locks).
func (s *Sim) Faulted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faulted
}

// APICalls is the number of API calls counted so far.
func (s *Sim) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}
