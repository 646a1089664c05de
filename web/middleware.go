package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"magesync/metrics"
	"magesync/store"
	"magesync/views"
)

// securityHeaders forbid inline script, framing and type sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// secureCookiesOverHTTPS marks cookies Secure when the request came over
// HTTPS (directly or through a proxy that says so).
func secureCookiesOverHTTPS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "https" {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&secureCookieWriter{ResponseWriter: w}, r)
	})
}

type secureCookieWriter struct {
	http.ResponseWriter
	done bool
}

func (w *secureCookieWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		cookies := w.Header().Values("Set-Cookie")
		w.Header().Del("Set-Cookie")
		for _, c := range cookies {
			if !strings.Contains(strings.ToLower(c), "; secure") {
				c += "; Secure"
			}
			w.Header().Add("Set-Cookie", c)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *secureCookieWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		if strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", took.Milliseconds())
		// By route pattern, not path: ids and queries would make a series each.
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		metrics.HTTPDuration.WithLabelValues(r.Method, route, strconv.Itoa(sw.status/100)+"xx").Observe(took.Seconds())
	})
}

var crossOrigin = http.NewCrossOriginProtection()

// csrf refuses state-changing requests that come from another origin (by
// the browser's Sec-Fetch-Site and Origin headers) or lack the session's
// token in the form.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if err := crossOrigin.Check(r); err != nil || !sameOriginReferer(r) {
			http.Error(w, "Forbidden: this request came from another site.", http.StatusForbidden)
			return
		}
		want := s.sessions.GetString(r.Context(), "csrf")
		got := r.PostFormValue("csrf_token")
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			http.Error(w, "Forbidden: the form has expired or did not come from this admin. Go back, reload the page and try again.", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOriginReferer rejects a Referer from another host, for browsers that
// send neither Sec-Fetch-Site nor Origin.
func sameOriginReferer(r *http.Request) bool {
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
		return true // CrossOriginProtection judged these
	}
	ref := r.Header.Get("Referer")
	if ref == "" {
		return true
	}
	u, err := url.Parse(ref)
	return err == nil && u.Host == r.Host
}

// csrfToken is the session's CSRF token, made on first use.
func (s *Server) csrfToken(r *http.Request) string {
	tok := s.sessions.GetString(r.Context(), "csrf")
	if tok == "" {
		b := make([]byte, 32)
		rand.Read(b)
		tok = base64.RawURLEncoding.EncodeToString(b)
		s.sessions.Put(r.Context(), "csrf", tok)
	}
	return tok
}

type accessKey struct{}

// requireLogin lets a request through only for a signed-in admin whose
// account still exists, is active, is not locked and has the role it signed
// in with; it is checked on every request, so a closed account's sessions
// end at once. The role's rules travel in the context for requireResource.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		userID := s.sessions.GetInt64(ctx, "user_id")
		if userID == 0 {
			if r.Method == http.MethodGet {
				s.sessions.Put(ctx, "after_login", r.URL.RequestURI())
			}
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		access, err := s.st.AdminAccount(ctx, uint32(userID))
		if err == nil && access.RoleID != s.sessions.GetInt64(ctx, "role_id") {
			err = store.ErrAccountClosed
		}
		if errors.Is(err, store.ErrAccountClosed) {
			if err := s.sessions.Destroy(ctx); err != nil {
				s.serverError(w, r, err)
				return
			}
			s.flash(r, "error", "Your session has ended: your account was disabled, locked, deleted or given another role. Sign in again.")
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, accessKey{}, access)))
	})
}

// requireResource answers 403 in the admin frame when the admin's role
// does not allow res.
func (s *Server) requireResource(res store.Resource) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !accessOf(r).Allowed(res) {
				s.render(w, r, http.StatusForbidden, views.Forbidden(s.page(r, "Access Denied", "")))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func accessOf(r *http.Request) store.Access {
	a, _ := r.Context().Value(accessKey{}).(store.Access)
	return a
}

// throttle counts failed sign-ins per key and locks a key out for a while
// after too many.
type throttle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newThrottle(max int, window time.Duration) *throttle {
	return &throttle{max: max, window: window, fails: map[string][]time.Time{}}
}

// blocked reports how long key must still wait, or 0.
func (t *throttle) blocked(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := t.recent(key, now)
	if len(fs) < t.max {
		return 0
	}
	return fs[0].Add(t.window).Sub(now)
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails[key] = append(t.recent(key, now), now)
}

func (t *throttle) recent(key string, now time.Time) []time.Time {
	var out []time.Time
	for _, f := range t.fails[key] {
		if now.Sub(f) < t.window {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		delete(t.fails, key)
	}
	return out
}
