package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrBadCredentials is returned for a wrong username or password, an
// inactive account, or a locked one; callers show one message for all.
var ErrBadCredentials = errors.New("the account sign-in was incorrect or your account is disabled temporarily")

// AdminUser is a Magento admin account.
type AdminUser struct {
	ID        uint32 `db:"user_id"`
	Username  string `db:"username"`
	Firstname string `db:"firstname"`
	Lastname  string `db:"lastname"`
	Email     string `db:"email"`
}

// AuthenticateAdmin checks a username and password against admin_user, as
// Magento does: the hash must match, the account must be active, and any
// lock must have expired. Every failure is ErrBadCredentials.
func (s *Store) AuthenticateAdmin(ctx context.Context, username, password string) (*AdminUser, error) {
	var row struct {
		AdminUser
		Password    string       `db:"password"`
		IsActive    int          `db:"is_active"`
		LockExpires sql.NullTime `db:"lock_expires"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT user_id, COALESCE(username, '') AS username,
		COALESCE(firstname, '') AS firstname, COALESCE(lastname, '') AS lastname, COALESCE(email, '') AS email,
		password, is_active, lock_expires FROM admin_user WHERE username = ?`, username)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same work as a real check so timing does not reveal
		// which usernames exist.
		VerifyMagentoPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("store: load admin user: %w", err)
	}
	ok := VerifyMagentoPassword(row.Password, password)
	if !ok || row.IsActive != 1 || (row.LockExpires.Valid && row.LockExpires.Time.After(time.Now())) {
		return nil, ErrBadCredentials
	}
	u := row.AdminUser
	return &u, nil
}

// dummyHash has the cost of a real 2.4 hash and matches no password.
const dummyHash = "0000000000000000000000000000000000000000000000000000000000000000:abcdefghijklmnopabcdefghijklmnop:" + MagentoHashVersion
