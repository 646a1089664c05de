// Package salesforce is a Salesforce REST API client: OAuth 2.0 flows,
// sObject calls, upsert by external ID, SOQL queries, describe, collections,
// composite and composite graph, and API usage from Sforce-Limit-Info.
package salesforce

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// OAuth flows.
const (
	FlowClientCredentials = "client_credentials"
	FlowJWT               = "jwt"
	FlowPassword          = "password"
	FlowRefreshToken      = "refresh_token"
)

// MinAPIVersion is the oldest API version the client works with: composite
// graphs need v50.0 (REST API Developer Guide, "Composite Graph").
const MinAPIVersion = 50

// DefaultAPIVersion is used when Config.APIVersion is empty.
const DefaultAPIVersion = "62.0"

// Config says how to reach and log in to an org.
type Config struct {
	LoginURL     string // e.g. https://login.salesforce.com or the org's My Domain
	Flow         string // one of the Flow* constants
	ClientID     string
	ClientSecret string
	Username     string // jwt and password flows
	Password     string // password flow: password + security token
	RefreshToken string // refresh_token flow
	PrivateKey   []byte // jwt flow: PEM RSA private key (PKCS#1 or PKCS#8)
	APIVersion   string // "62.0"; "v62.0" also accepted
	HTTPClient   *http.Client
	Timeout      time.Duration // per request; default 60 s
	// Retries is how many times a call that failed transiently is tried
	// again at once, after a short random pause (RetryWait, doubling);
	// default 4 and 200 ms. -1 turns it off.
	Retries   int
	RetryWait time.Duration
}

// Token is an access token and where to use it.
type Token struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	ID          string `json:"id"`
	TokenType   string `json:"token_type"`
	IssuedAt    string `json:"issued_at"`
	Signature   string `json:"signature"`
}

// OrgID is the 15-character org ID the access token starts with.
func (t *Token) OrgID() string {
	if i := strings.IndexByte(t.AccessToken, '!'); i > 0 {
		return t.AccessToken[:i]
	}
	return ""
}

// Usage is the org's API request usage as the last response reported it.
type Usage struct {
	Used, Max int
}

// Client calls one org's REST API. It is safe for concurrent use; all
// goroutines share one token.
type Client struct {
	cfg     Config
	hc      *http.Client
	version string
	key     *rsa.PrivateKey

	mu    sync.Mutex // guards token; held while logging in, so logins are single-flight
	token *Token

	usage atomic.Pointer[Usage]
}

var versionRe = regexp.MustCompile(`^v?(\d{2,3})\.0$`)

// New checks cfg and returns a client. It does not log in until the first call.
func New(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, hc: cfg.HTTPClient}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.cfg.Retries == 0 {
		c.cfg.Retries = 4
	}
	if c.cfg.RetryWait <= 0 {
		c.cfg.RetryWait = 200 * time.Millisecond
	}
	if c.cfg.Timeout == 0 {
		c.cfg.Timeout = 60 * time.Second
	}
	v := cfg.APIVersion
	if v == "" {
		v = DefaultAPIVersion
	}
	m := versionRe.FindStringSubmatch(v)
	if m == nil {
		return nil, fmt.Errorf("salesforce: API version %q: want e.g. 62.0", cfg.APIVersion)
	}
	if n, _ := strconv.Atoi(m[1]); n < MinAPIVersion {
		return nil, fmt.Errorf("salesforce: API version %s.0 is too old: magesync needs v%d.0 or later (composite graphs)", m[1], MinAPIVersion)
	}
	c.version = m[1] + ".0"
	u, err := url.Parse(cfg.LoginURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("salesforce: login URL %q: want e.g. https://login.salesforce.com", cfg.LoginURL)
	}
	c.cfg.LoginURL = strings.TrimRight(cfg.LoginURL, "/")
	switch cfg.Flow {
	case FlowClientCredentials:
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return nil, errors.New("salesforce: the client credentials flow needs a client id and secret")
		}
	case FlowPassword:
		if cfg.ClientID == "" || cfg.Username == "" || cfg.Password == "" {
			return nil, errors.New("salesforce: the password flow needs a client id, username and password")
		}
	case FlowRefreshToken:
		if cfg.ClientID == "" || cfg.RefreshToken == "" {
			return nil, errors.New("salesforce: the refresh token flow needs a client id and a refresh token")
		}
	case FlowJWT:
		if cfg.ClientID == "" || cfg.Username == "" {
			return nil, errors.New("salesforce: the JWT flow needs a client id (consumer key) and a username")
		}
		key, err := ParseRSAPrivateKey(cfg.PrivateKey)
		if err != nil {
			return nil, err
		}
		c.key = key
	default:
		return nil, fmt.Errorf("salesforce: unknown flow %q (want client_credentials, jwt, password or refresh_token)", cfg.Flow)
	}
	return c, nil
}

// ParseRSAPrivateKey reads a PEM RSA key in PKCS#1 or PKCS#8 form.
func ParseRSAPrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("salesforce: the JWT flow needs a PEM private key; none found")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("salesforce: private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("salesforce: private key is not an RSA key")
	}
	return rk, nil
}

// APIVersion is the version calls are made with, e.g. "62.0".
func (c *Client) APIVersion() string { return c.version }

// Usage is the API usage the last response reported, if any.
func (c *Client) Usage() (Usage, bool) {
	u := c.usage.Load()
	if u == nil {
		return Usage{}, false
	}
	return *u, true
}

// Token returns the current token, logging in if there is none.
func (c *Client) Token(ctx context.Context) (*Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != nil {
		return c.token, nil
	}
	t, err := c.login(ctx)
	if err != nil {
		return nil, err
	}
	c.token = t
	return t, nil
}

// renew replaces stale with a new token, unless another goroutine already
// has: many calls failing with one expired token cause one login.
func (c *Client) renew(ctx context.Context, stale *Token) (*Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != nil && c.token != stale {
		return c.token, nil
	}
	t, err := c.login(ctx)
	if err != nil {
		c.token = nil
		return nil, err
	}
	c.token = t
	return t, nil
}

func (c *Client) login(ctx context.Context) (*Token, error) {
	form := url.Values{}
	switch c.cfg.Flow {
	case FlowClientCredentials:
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	case FlowPassword:
		form.Set("grant_type", "password")
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
		form.Set("username", c.cfg.Username)
		form.Set("password", c.cfg.Password)
	case FlowRefreshToken:
		form.Set("grant_type", "refresh_token")
		form.Set("client_id", c.cfg.ClientID)
		if c.cfg.ClientSecret != "" {
			form.Set("client_secret", c.cfg.ClientSecret)
		}
		form.Set("refresh_token", c.cfg.RefreshToken)
	case FlowJWT:
		assertion, err := c.jwtAssertion()
		if err != nil {
			return nil, err
		}
		form.Set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
		form.Set("assertion", assertion)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.LoginURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("salesforce: login: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("salesforce: login at %s: %w", c.cfg.LoginURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("salesforce: login at %s: %w: %v", c.cfg.LoginURL, errTransport, err)
	}
	if resp.StatusCode != http.StatusOK {
		ae := &AuthError{HTTPStatus: resp.StatusCode}
		if json.Unmarshal(body, ae) != nil || ae.Code == "" {
			ae.Code, ae.Description = "unexpected_response", snippet(body)
		}
		return nil, ae
	}
	var t Token
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" || t.InstanceURL == "" {
		return nil, fmt.Errorf("salesforce: login at %s: unreadable token response: %s", c.cfg.LoginURL, snippet(body))
	}
	t.InstanceURL = strings.TrimRight(t.InstanceURL, "/")
	return &t, nil
}

// jwtAssertion signs the JWT bearer assertion (RS256), valid for 3 minutes.
func (c *Client) jwtAssertion() (string, error) {
	aud := c.cfg.LoginURL
	if strings.Contains(aud, "test.salesforce.com") || strings.Contains(aud, ".sandbox.my.salesforce.com") {
		aud = "https://test.salesforce.com"
	} else if strings.HasSuffix(aud, ".salesforce.com") {
		aud = "https://login.salesforce.com"
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": c.cfg.ClientID, "sub": c.cfg.Username, "aud": aud,
		"exp": time.Now().Add(3 * time.Minute).Unix(),
	})
	signing := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, c.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("salesforce: sign JWT: %w", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// response is a successful call's status and body.
type response struct {
	status int
	body   []byte
}

// do makes one REST call. path is relative to the versioned base
// ("/sobjects/Order/…") or, starting with "/services/", to the instance.
// A 401 leads to one new login and one retry. A transient failure is
// tried again here, a few times with jittered backoff: any transient
// failure of a call that can be repeated safely (GET, PATCH upsert,
// DELETE), and for POST only answers that say Salesforce did not process
// the request (503, or a whole-request row lock, which rolls it back).
func (c *Client) do(ctx context.Context, method, path string, in any) (*response, error) {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("salesforce: %s %s: encode body: %w", method, path, err)
		}
	}
	wait := c.cfg.RetryWait
	for try := 0; ; try++ {
		resp, err := c.doOnce(ctx, method, path, payload)
		if err == nil || try >= c.cfg.Retries || !retryInPlace(method, err) {
			return resp, err
		}
		// Full jitter: workers that failed together do not retry together.
		t := time.NewTimer(time.Duration(rand.Int64N(int64(wait))) + wait/2)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// retryInPlace reports whether a failed call may be sent again at once.
func retryInPlace(method string, err error) bool {
	if !IsRetryable(err) {
		return false
	}
	if method != http.MethodPost {
		return true
	}
	var api *APIError
	return errors.As(err, &api) && (api.HTTPStatus == http.StatusServiceUnavailable ||
		api.HasCode("SERVER_UNAVAILABLE") || api.HasCode("UNABLE_TO_LOCK_ROW"))
}

func (c *Client) doOnce(ctx context.Context, method, path string, payload []byte) (*response, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, tok, method, path, payload)
	var api *APIError
	if errors.As(err, &api) && api.HTTPStatus == http.StatusUnauthorized {
		if tok, err = c.renew(ctx, tok); err != nil {
			return nil, err
		}
		resp, err = c.send(ctx, tok, method, path, payload)
	}
	return resp, err
}

func (c *Client) send(ctx context.Context, tok *Token, method, path string, payload []byte) (*response, error) {
	full := path
	if !strings.HasPrefix(path, "/services/") {
		full = "/services/data/v" + c.version + path
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, tok.InstanceURL+full, body)
	if err != nil {
		return nil, fmt.Errorf("salesforce: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("salesforce: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if u, ok := ParseLimitInfo(resp.Header.Get("Sforce-Limit-Info")); ok {
		c.usage.Store(&u)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("salesforce: %s %s: %w: %v", method, path, errTransport, err)
	}
	if resp.StatusCode >= 400 {
		return nil, decodeAPIError(method, path, resp.StatusCode, data)
	}
	return &response{status: resp.StatusCode, body: data}, nil
}

func decodeAPIError(method, path string, status int, data []byte) *APIError {
	e := &APIError{Method: method, Path: path, HTTPStatus: status}
	if json.Unmarshal(data, &e.Errors) != nil || len(e.Errors) == 0 {
		var one ErrorDetail
		if json.Unmarshal(data, &one) == nil && one.Code() != "" {
			e.Errors = []ErrorDetail{one}
		} else {
			e.Errors = []ErrorDetail{{ErrorCode: "UNEXPECTED_RESPONSE", Message: snippet(data)}}
		}
	}
	return e
}

// ParseLimitInfo reads "api-usage=USED/MAX" from a Sforce-Limit-Info header.
func ParseLimitInfo(h string) (Usage, bool) {
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k != "api-usage" {
			continue
		}
		used, max, ok := strings.Cut(v, "/")
		if !ok {
			return Usage{}, false
		}
		u, err1 := strconv.Atoi(used)
		m, err2 := strconv.Atoi(max)
		if err1 != nil || err2 != nil {
			return Usage{}, false
		}
		return Usage{Used: u, Max: m}, true
	}
	return Usage{}, false
}

func decode(r *response, method, path string, out any) error {
	if out == nil || len(r.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return fmt.Errorf("salesforce: %s %s: %w: unreadable answer: %v", method, path, errTransport, err)
	}
	return nil
}

// CachedToken returns the current token without logging in, or nil.
func (c *Client) CachedToken() *Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}
