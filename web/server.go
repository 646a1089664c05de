// Package web is the admin web app: a chi router, its middleware (sessions,
// login, CSRF, security headers, logging, recovery) and one file per page.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"magesync/metrics"
	"magesync/static"
	"magesync/store"
	"magesync/sync/engine"
	"magesync/views"
)

// Config is what the server needs besides its store and engine.
type Config struct {
	SecretKey []byte              // encrypts stored Salesforce secrets
	Getenv    func(string) string // MAGESYNC_SF_* overrides, shown on the connection page
	Logger    *slog.Logger
	// SyncWait is how long a sync click waits for its outcome before
	// saying the order is queued and finishes in the background; 2 s by
	// default, so that a slow Salesforce never holds the admin.
	SyncWait time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; from any other peer the header is ignored.
	TrustedProxies []netip.Prefix
}

// Server is the admin app: handlers are its methods.
type Server struct {
	st       *store.Store
	eng      *engine.Engine
	sessions *scs.SessionManager
	cfg      Config
	log      *slog.Logger
	throttle *throttle
}

// New returns the admin app for st, syncing through eng.
func New(st *store.Store, eng *engine.Engine, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.SyncWait == 0 {
		cfg.SyncWait = 2 * time.Second
	}
	sm := scs.New()
	sm.Store = st.Sessions()
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 2 * time.Hour
	sm.Cookie.Name = "magesync_admin"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	return &Server{st: st, eng: eng, sessions: sm, cfg: cfg, log: cfg.Logger, throttle: newThrottle(20, 15*time.Minute)}
}

// Handler routes every request.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanics, s.logRequests, securityHeaders, secureCookiesOverHTTPS)
	r.Handle("/static/*", static.Handler())
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", metrics.Handler(func(ctx context.Context) (map[string]int, error) {
		counts, err := s.st.QueueCounts(ctx)
		out := map[string]int{}
		for st, n := range counts {
			out[string(st)] = n
		}
		return out, err
	}))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/admin", http.StatusFound) })
	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave, s.csrf)
		r.Get("/admin/login", s.loginForm)
		r.Post("/admin/login", s.login)
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Post("/admin/logout", s.logout)
			r.Get("/admin", s.home)
			r.Group(func(r chi.Router) {
				r.Use(s.requireResource(store.ResourceSalesOrder))
				r.Get("/admin/sales/order", s.ordersGrid)
				r.Get("/admin/sales/order/marks", s.ordersMarks)
				r.Post("/admin/sales/order/columns", s.ordersColumns)
				r.Post("/admin/sales/order/sync", s.ordersSync)
				r.Get("/admin/sales/order/{id}", s.orderView)
				r.Post("/admin/sales/order/{id}/sync", s.orderSync)
				r.Post("/admin/sales/order/{id}/salesforce", s.orderSaveSalesforce)
			})
			r.Group(func(r chi.Router) {
				r.Use(s.requireResource(store.ResourceConfig))
				r.Get("/admin/salesforce/orders/config", s.configForm)
				r.Post("/admin/salesforce/orders/config", s.configSave)
				r.Get("/admin/salesforce/queue", s.queuePage)
				r.Post("/admin/salesforce/queue/mass", s.queueMass)
				r.Get("/admin/salesforce/queue/progress", s.queueProgress)
				r.Post("/admin/salesforce/queue/resume", s.queueResume)
				r.Get("/admin/salesforce/connection", s.connectionForm)
				r.Post("/admin/salesforce/connection", s.connectionSave)
				r.Post("/admin/salesforce/connection/test", s.connectionTest)
				r.Get("/admin/salesforce/mapping/{object}", s.mappingPage)
				r.Post("/admin/salesforce/mapping/{object}", s.mappingSave)
				r.Post("/admin/salesforce/mapping/{object}/{id}/delete", s.mappingDelete)
			})
		})
	})
	r.NotFound(s.sessions.LoadAndSave(http.HandlerFunc(s.notFound)).ServeHTTP)
	return r
}

// page fills the chrome every page shares, taking the flash messages.
func (s *Server) page(r *http.Request, title, menu string) views.Page {
	a := accessOf(r)
	return views.Page{Title: title, Menu: menu, User: s.sessions.GetString(r.Context(), "username"),
		CSRF: s.csrfToken(r), Messages: s.takeFlash(r), Static: static.URL,
		CanSales: a.Allowed(store.ResourceSalesOrder), CanConfig: a.Allowed(store.ResourceConfig)}
}

// home sends the admin to the first page the role allows.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	switch {
	case a.Allowed(store.ResourceSalesOrder):
		http.Redirect(w, r, "/admin/sales/order", http.StatusFound)
	case a.Allowed(store.ResourceConfig):
		http.Redirect(w, r, "/admin/salesforce/orders/config", http.StatusFound)
	default:
		s.render(w, r, http.StatusForbidden, views.Forbidden(s.page(r, "Access Denied", "")))
	}
}

// render writes a component, or a server error if it fails.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.log.Error("render", "path", r.URL.Path, "err", err)
	}
}

// serverError logs err and tells the admin plainly that something failed,
// in the admin frame for a signed-in admin.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	// The error's text is the log's: a page never shows Go's or SQL's words.
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.problem(w, r, http.StatusInternalServerError, "Something Went Wrong",
		"magesync could not complete this request. The error is in magesync's log; try again, and if it persists, "+
			"tell whoever runs magesync the time: "+time.Now().UTC().Format("2006-01-02 15:04:05 UTC")+".")
}

// notFound is the 404 page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.problem(w, r, http.StatusNotFound, "Page Not Found",
		"There is no page at this address: it may have been typed wrong, or the order it named does not exist.")
}

// problem answers status with text: in the admin frame for a signed-in
// admin whose account still holds, in plain text for anyone else.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	ctx := r.Context()
	if _, ok := ctx.Value(accessKey{}).(store.Access); !ok {
		if id := s.sessionUser(r); id != 0 {
			if a, err := s.st.AdminAccount(ctx, uint32(id)); err == nil && a.RoleID == s.sessions.GetInt64(ctx, "role_id") {
				r = r.WithContext(context.WithValue(ctx, accessKey{}, a))
			}
		}
	}
	if _, ok := r.Context().Value(accessKey{}).(store.Access); !ok {
		http.Error(w, title+": "+text, status)
		return
	}
	s.render(w, r, status, views.Problem(s.page(r, title, ""), text))
}

// sessionUser is the signed-in admin's id, 0 when there is none or no
// session was loaded for this request.
func (s *Server) sessionUser(r *http.Request) (id int64) {
	defer func() {
		if recover() != nil { // no session in this request's context
			id = 0
		}
	}()
	return s.sessions.GetInt64(r.Context(), "user_id")
}

// flash keeps a message for the next page (POST-redirect-GET).
func (s *Server) flash(r *http.Request, kind, text string) {
	var ms []views.Message
	if raw := s.sessions.GetString(r.Context(), "flash"); raw != "" {
		json.Unmarshal([]byte(raw), &ms)
	}
	ms = append(ms, views.Message{Kind: kind, Text: text})
	b, _ := json.Marshal(ms)
	s.sessions.Put(r.Context(), "flash", string(b))
}

func (s *Server) takeFlash(r *http.Request) []views.Message {
	raw := s.sessions.PopString(r.Context(), "flash")
	if raw == "" {
		return nil
	}
	var ms []views.Message
	json.Unmarshal([]byte(raw), &ms)
	return ms
}

func (s *Server) redirect(w http.ResponseWriter, r *http.Request, url string) {
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// location is the store's display time zone (general/locale/timezone).
func (s *Server) location(ctx context.Context) *time.Location {
	if tz, ok, err := s.st.ConfigValue(ctx, "general/locale/timezone", 0); err == nil && ok {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.UTC
}

// formatTime shows a UTC time in the store's zone as Magento's admin does.
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("Jan 2, 2006 3:04:05 PM")
}

// plural says n things in words: "1 order is", "3 orders are".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// readyz answers 200 when the store can serve (see store.Readiness) and
// 503 with the reason otherwise; it needs no login and shows no secret.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.st.Readiness(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + engine.ErrorText(err) + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
