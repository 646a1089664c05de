package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SessionStore keeps admin sessions (scs) in magesync_sessions.
type SessionStore struct{ db *sql.DB }

// Sessions returns the store's session store.
func (s *Store) Sessions() *SessionStore { return &SessionStore{db: s.db.DB} }

// FindCtx returns a live session's data.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM magesync_sessions WHERE token = ? AND expiry > UTC_TIMESTAMP(6)`, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitCtx saves a session.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO magesync_sessions (token, data, expiry) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE data = VALUES(data), expiry = VALUES(expiry)`, token, b, expiry.UTC())
	return err
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM magesync_sessions WHERE token = ?`, token)
	return err
}

// AllCtx returns every live session.
func (s *SessionStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token, data FROM magesync_sessions WHERE expiry > UTC_TIMESTAMP(6)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var t string
		var b []byte
		if err := rows.Scan(&t, &b); err != nil {
			return nil, err
		}
		out[t] = b
	}
	return out, rows.Err()
}

// Find, Commit and Delete satisfy scs.Store for callers without a context.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit saves a session.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM magesync_sessions WHERE expiry < UTC_TIMESTAMP(6)`)
	return err
}
