package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"

	"magesync/store"
	"magesync/sync/salesforce"
)

// ErrNotConfigured says the Salesforce connection has not been set up.
var ErrNotConfigured = errors.New("the Salesforce connection is not configured (Salesforce › Configuration › Connection)")

// SettingsClient returns a ClientSource that builds the client from the
// stored connection settings, overridden by MAGESYNC_SF_* variables (getenv),
// and keeps it (and its token) while they stay the same.
func SettingsClient(st *store.Store, secretKey []byte, getenv func(string) string, hc *http.Client) ClientSource {
	var mu sync.Mutex
	var lastKey string
	var last *salesforce.Client
	return func(ctx context.Context) (*salesforce.Client, error) {
		cs, err := st.ConnectionSettings(ctx, secretKey)
		if err != nil {
			return nil, err
		}
		cfg, err := ConnectionConfig(cs, getenv)
		if err != nil {
			return nil, err
		}
		cfg.HTTPClient = hc
		key := hashOf(cfg)
		mu.Lock()
		defer mu.Unlock()
		if last != nil && key == lastKey {
			return last, nil
		}
		c, err := salesforce.New(cfg)
		if err != nil {
			return nil, err
		}
		last, lastKey = c, key
		return c, nil
	}
}

// ConnectionConfig turns stored settings and MAGESYNC_SF_* overrides into
// a client configuration.
func ConnectionConfig(cs store.ConnectionSettings, getenv func(string) string) (salesforce.Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	pick := func(env, stored string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return stored
	}
	cfg := salesforce.Config{
		LoginURL:     pick("MAGESYNC_SF_LOGIN_URL", cs.LoginURL),
		Flow:         pick("MAGESYNC_SF_FLOW", cs.Flow),
		ClientID:     pick("MAGESYNC_SF_CLIENT_ID", cs.ClientID),
		ClientSecret: pick("MAGESYNC_SF_CLIENT_SECRET", cs.ClientSecret),
		Username:     pick("MAGESYNC_SF_USERNAME", cs.Username),
		Password:     pick("MAGESYNC_SF_PASSWORD", cs.Password),
		RefreshToken: pick("MAGESYNC_SF_REFRESH_TOKEN", ""),
		PrivateKey:   []byte(cs.PrivateKey),
		APIVersion:   pick("MAGESYNC_SF_API_VERSION", cs.APIVersion),
	}
	if cfg.Flow == salesforce.FlowRefreshToken && cfg.RefreshToken == "" {
		cfg.RefreshToken = cs.Password // the connection page stores the refresh token as the secret
	}
	if f := getenv("MAGESYNC_SF_PRIVATE_KEY_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return cfg, fmt.Errorf("read MAGESYNC_SF_PRIVATE_KEY_FILE: %w", err)
		}
		cfg.PrivateKey = b
	}
	if cfg.ClientID == "" {
		return cfg, ErrNotConfigured
	}
	return cfg, nil
}

// StaticClient is a ClientSource that always returns c.
func StaticClient(c *salesforce.Client) ClientSource {
	return func(context.Context) (*salesforce.Client, error) { return c, nil }
}
