package web

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"magesync/static"
	"magesync/store"
	"magesync/views"
)

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if s.sessions.GetString(r.Context(), "username") != "" {
		s.redirect(w, r, "/admin")
		return
	}
	v := views.LoginView{Static: static.URL, CSRF: s.csrfToken(r)}
	for _, m := range s.takeFlash(r) {
		if m.Kind == "error" {
			v.Error = m.Text
		} else {
			v.Notice = m.Text
		}
	}
	s.render(w, r, http.StatusOK, views.Login(v))
}

// clientIP is the address a request came from: the peer, or when the peer
// is one of the trusted proxies, the nearest untrusted address in
// X-Forwarded-For (the one the proxy itself saw).
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr.String() // a hop the proxies did not write: stop at the last proxy
		}
		addr = hop.Unmap()
		if !s.trusted(addr) {
			return addr.String()
		}
	}
	return addr.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	now := time.Now()
	ipKey := s.clientIP(r)
	fail := func(status int, msg string) {
		s.render(w, r, status, views.Login(views.LoginView{Static: static.URL, CSRF: s.csrfToken(r), Username: username, Error: msg}))
	}
	if wait := s.throttle.blocked(ipKey, now); wait > 0 {
		fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minutes.", int(math.Ceil(wait.Minutes()))))
		return
	}
	// Failures per account are counted and locked by the store, on the
	// account the name finds, with Magento's lockout policy.
	u, err := s.st.AuthenticateAdmin(r.Context(), username, password)
	var access store.Access
	if err == nil {
		access, err = s.st.AdminAccount(r.Context(), u.ID)
		if errors.Is(err, store.ErrAccountClosed) {
			err = store.ErrBadCredentials
		}
	}
	if errors.Is(err, store.ErrBadCredentials) {
		s.throttle.fail(ipKey, now)
		fail(http.StatusUnauthorized, "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// Sessions past their expiry are dead weight; sign-ins are rare enough
	// to sweep them here.
	if err := s.st.DeleteExpiredSessions(r.Context()); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	}
	// A new session token on sign-in: a token planted before cannot ride along.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "user_id", int64(u.ID))
	s.sessions.Put(r.Context(), "role_id", access.RoleID)
	s.sessions.Put(r.Context(), "username", u.Username)
	s.sessions.Remove(r.Context(), "csrf")
	next := s.sessions.PopString(r.Context(), "after_login")
	if !localAdminPath(next) {
		next = "/admin"
	}
	s.redirect(w, r, next)
}

// localAdminPath reports whether p is a path of this admin, safe to
// redirect to: under /admin, with nothing a browser could read as another
// host (//, /\, a scheme).
func localAdminPath(p string) bool {
	if p != "/admin" && !strings.HasPrefix(p, "/admin/") && !strings.HasPrefix(p, "/admin?") {
		return false
	}
	if strings.ContainsAny(p, "\\\x00\r\n") || strings.Contains(p, "//") {
		return false
	}
	u, err := url.Parse(p)
	// http.Redirect cleans the path: /admin/../x would leave the admin.
	return err == nil && u.Scheme == "" && u.Host == "" && !strings.Contains(u.Path, "/.")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "success", "You have signed out.")
	s.redirect(w, r, "/admin/login")
}
