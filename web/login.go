package web

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
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

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	now := time.Now()
	keys := []string{"ip:" + clientIP(r), "user:" + strings.ToLower(username)}
	fail := func(status int, msg string) {
		s.render(w, r, status, views.Login(views.LoginView{Static: static.URL, CSRF: s.csrfToken(r), Username: username, Error: msg}))
	}
	for _, k := range keys {
		if wait := s.throttle.blocked(k, now); wait > 0 {
			fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minutes.", int(math.Ceil(wait.Minutes()))))
			return
		}
	}
	u, err := s.st.AuthenticateAdmin(r.Context(), username, password)
	if errors.Is(err, store.ErrBadCredentials) {
		for _, k := range keys {
			s.throttle.fail(k, now)
		}
		fail(http.StatusUnauthorized, "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.throttle.reset("user:" + strings.ToLower(username))
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
	s.sessions.Put(r.Context(), "username", u.Username)
	s.sessions.Remove(r.Context(), "csrf")
	next := s.sessions.PopString(r.Context(), "after_login")
	if !strings.HasPrefix(next, "/admin") {
		next = "/admin/sales/order"
	}
	s.redirect(w, r, next)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "success", "You have signed out.")
	s.redirect(w, r, "/admin/login")
}
