package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
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

// Magento's lockout policy when core_config_data says nothing
// (Magento_User's config.xml: admin/security/lockout_failures and
// lockout_threshold, in minutes).
const (
	defaultLockoutFailures  = 6
	defaultLockoutThreshold = 30 * time.Minute
)

// lockoutPolicy reads admin/security/lockout_failures and
// lockout_threshold as Magento does; 0 failures turns locking off.
func (s *Store) lockoutPolicy(ctx context.Context) (int, time.Duration, error) {
	failures, threshold := defaultLockoutFailures, defaultLockoutThreshold
	if v, ok, err := s.ConfigValue(ctx, "admin/security/lockout_failures", 0); err != nil {
		return 0, 0, err
	} else if n, perr := strconv.Atoi(v); ok && perr == nil && n >= 0 {
		failures = n
	}
	if v, ok, err := s.ConfigValue(ctx, "admin/security/lockout_threshold", 0); err != nil {
		return 0, 0, err
	} else if n, perr := strconv.Atoi(v); ok && perr == nil && n > 0 {
		threshold = time.Duration(n) * time.Minute
	}
	return failures, threshold, nil
}

// AuthenticateAdmin checks a username and password against admin_user, as
// Magento does: the hash must match, the account must be active, and
// neither Magento's lock nor magesync's may hold. The username matches by
// the table's collation (ÄDMIN finds admin), and failures count against
// the account found, locking it by Magento's policy. Every failure is
// ErrBadCredentials.
func (s *Store) AuthenticateAdmin(ctx context.Context, username, password string) (*AdminUser, error) {
	var row struct {
		AdminUser
		Password    string       `db:"password"`
		IsActive    int          `db:"is_active"`
		LockExpires sql.NullTime `db:"lock_expires"`
		OwnLock     sql.NullTime `db:"own_lock"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT u.user_id, COALESCE(u.username, '') AS username,
		COALESCE(u.firstname, '') AS firstname, COALESCE(u.lastname, '') AS lastname, COALESCE(u.email, '') AS email,
		u.password, u.is_active, u.lock_expires, f.lock_expires AS own_lock
		FROM admin_user u LEFT JOIN magesync_login_failure f ON f.user_id = u.user_id
		WHERE u.username = ?`, username)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same work as a real check so timing does not reveal
		// which usernames exist.
		VerifyMagentoPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("store: load admin user: %w", err)
	}
	now := time.Now()
	if (row.LockExpires.Valid && row.LockExpires.Time.After(now)) || (row.OwnLock.Valid && row.OwnLock.Time.After(now)) {
		VerifyMagentoPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if !VerifyMagentoPassword(row.Password, password) {
		if err := s.recordLoginFailure(ctx, row.ID, now); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if row.IsActive != 1 {
		return nil, ErrBadCredentials
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM magesync_login_failure WHERE user_id = ?`, row.ID); err != nil {
		return nil, fmt.Errorf("store: clear sign-in failures of admin %d: %w", row.ID, err)
	}
	u := row.AdminUser
	return &u, nil
}

// recordLoginFailure counts a failed sign-in as Magento does: failures
// within the threshold since the first one add up, and reaching
// lockout_failures locks the account for the threshold.
func (s *Store) recordLoginFailure(ctx context.Context, userID uint32, now time.Time) error {
	max, threshold, err := s.lockoutPolicy(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var f struct {
			Num   int          `db:"failures_num"`
			First sql.NullTime `db:"first_failure"`
		}
		err := tx.GetContext(ctx, &f, `SELECT failures_num, first_failure FROM magesync_login_failure WHERE user_id = ? FOR UPDATE`, userID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !f.First.Valid || now.Sub(f.First.Time) > threshold {
			f.Num, f.First = 0, sql.NullTime{Time: now, Valid: true}
		}
		f.Num++
		var lock sql.NullTime
		if max > 0 && f.Num >= max {
			lock = sql.NullTime{Time: now.Add(threshold).UTC(), Valid: true}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO magesync_login_failure (user_id, failures_num, first_failure, lock_expires)
			VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE failures_num = VALUES(failures_num),
			first_failure = VALUES(first_failure), lock_expires = VALUES(lock_expires)`,
			userID, f.Num, f.First.Time.UTC(), lock)
		return err
	})
}

// dummyHash has the cost of a real 2.4 hash and matches no password.
const dummyHash = "0000000000000000000000000000000000000000000000000000000000000000:abcdefghijklmnopabcdefghijklmnop:" + MagentoHashVersion
