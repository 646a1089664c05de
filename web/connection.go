package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"magesync/store"
	"magesync/sync/engine"
	"magesync/sync/salesforce"
	"magesync/views"
)

// connectionFields are the connection form's plain fields.
var connectionFields = []struct{ name, path string }{
	{"login_url", store.PathLoginURL},
	{"flow", store.PathFlow},
	{"client_id", store.PathClientID},
	{"username", store.PathUsername},
	{"api_version", store.PathAPIVersion},
	{"external_id_prefix", store.PathKeyPrefix},
}

// connectionSecrets are write-only: an empty field keeps what is stored.
var connectionSecrets = []struct{ name, path string }{
	{"client_secret", store.PathClientSecret},
	{"password", store.PathPassword},
	{"private_key", store.PathPrivateKey},
}

var flowLabels = map[string]string{
	salesforce.FlowClientCredentials: "OAuth 2.0 Client Credentials",
	salesforce.FlowJWT:               "OAuth 2.0 JWT Bearer",
	salesforce.FlowPassword:          "OAuth 2.0 Username-Password",
	salesforce.FlowRefreshToken:      "OAuth 2.0 Refresh Token",
}

func (s *Server) connectionForm(w http.ResponseWriter, r *http.Request) {
	s.renderConnection(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderConnection(w http.ResponseWriter, r *http.Request, status int, form map[string]string, errs map[string]string) {
	values, err := s.st.SettingValues(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := views.ConnectionView{Page: s.page(r, "Connection", "salesforce"), Errors: errs}
	cur := map[string]string{}
	for _, sv := range values {
		cur[sv.Path] = sv.Value
		switch sv.Path {
		case store.PathClientSecret:
			v.HasSecret = sv.HasSecret
		case store.PathPassword:
			v.HasPassword = sv.HasSecret
		case store.PathPrivateKey:
			v.HasKey = sv.HasSecret
		}
	}
	for _, f := range connectionFields {
		if val, ok := form[f.name]; ok {
			cur[f.path] = val
		}
	}
	v.LoginURL, v.ClientID, v.Username, v.APIVersion = cur[store.PathLoginURL], cur[store.PathClientID], cur[store.PathUsername], cur[store.PathAPIVersion]
	v.KeyPrefix = cur[store.PathKeyPrefix]
	for _, fl := range store.Flows {
		v.Flows = append(v.Flows, views.Option{Value: fl, Label: flowLabels[fl], Selected: fl == cur[store.PathFlow]})
	}
	for _, env := range []string{"MAGESYNC_SF_LOGIN_URL", "MAGESYNC_SF_FLOW", "MAGESYNC_SF_CLIENT_ID", "MAGESYNC_SF_CLIENT_SECRET",
		"MAGESYNC_SF_USERNAME", "MAGESYNC_SF_PASSWORD", "MAGESYNC_SF_PRIVATE_KEY_FILE", "MAGESYNC_SF_API_VERSION"} {
		if s.cfg.Getenv(env) != "" {
			v.Overrides = append(v.Overrides, env)
		}
	}
	s.render(w, r, status, views.Connection(v))
}

// saveConnection stores the form; it reports whether it did.
func (s *Server) saveConnection(w http.ResponseWriter, r *http.Request) bool {
	ctx := r.Context()
	var changes []store.Change
	form := map[string]string{}
	for _, f := range connectionFields {
		val := strings.TrimSpace(r.PostFormValue(f.name))
		form[f.name] = val
		changes = append(changes, store.Set(f.path, val))
	}
	for _, f := range connectionSecrets {
		if val := r.PostFormValue(f.name); strings.TrimSpace(val) != "" {
			changes = append(changes, store.Set(f.path, val))
		}
	}
	errs := map[string]string{}
	err := s.st.SaveSettings(ctx, s.sessions.GetString(ctx, "username"), s.cfg.SecretKey, changes)
	if err != nil && !errors.Is(err, store.ErrInvalidSetting) {
		s.serverError(w, r, err)
		return false
	}
	for path, msg := range store.SettingErrors(err) {
		for _, f := range append(connectionFields, connectionSecrets...) {
			if f.path == path {
				errs[f.name] = msg
			}
		}
	}
	if len(errs) > 0 {
		s.flash(r, "error", "Some settings were not saved; see the fields marked below.")
		s.renderConnection(w, r, http.StatusUnprocessableEntity, form, errs)
		return false
	}
	return true
}

func (s *Server) connectionSave(w http.ResponseWriter, r *http.Request) {
	if !s.saveConnection(w, r) {
		return
	}
	s.flash(r, "success", "You saved the connection.")
	s.redirect(w, r, "/admin/salesforce/connection")
}

// connectionTest saves the form, then logs in with it and reads the org's
// limits.
func (s *Server) connectionTest(w http.ResponseWriter, r *http.Request) {
	if !s.saveConnection(w, r) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	cs, err := s.st.ConnectionSettings(ctx, s.cfg.SecretKey)
	if err == nil {
		var cfg salesforce.Config
		if cfg, err = engine.ConnectionConfig(cs, s.cfg.Getenv); err == nil {
			var c *salesforce.Client
			if c, err = salesforce.New(cfg); err == nil {
				var tok *salesforce.Token
				if tok, err = c.Token(ctx); err == nil {
					var lim map[string]salesforce.Limit
					if lim, err = c.Limits(ctx); err == nil {
						d := lim["DailyApiRequests"]
						s.flash(r, "success", fmt.Sprintf("Connected to org %s at %s. API requests used in the last 24 hours: %d of %d.",
							tok.OrgID(), tok.InstanceURL, d.Max-d.Remaining, d.Max))
					}
				}
			}
		}
	}
	if err != nil {
		s.flash(r, "error", "The connection test failed: "+engine.ErrorText(err))
	}
	s.redirect(w, r, "/admin/salesforce/connection")
}
