package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Resource is a Magento ACL resource id.
type Resource string

// The resources magesync checks, and the roots of Magento's tree.
const (
	ResourceAll        Resource = "Magento_Backend::all"
	ResourceAdmin      Resource = "Magento_Backend::admin"
	ResourceSalesOrder Resource = "Magento_Sales::sales_order"
	ResourceConfig     Resource = "Magento_Config::config"
)

// aclParent is the part of Magento's resource tree (each module's acl.xml)
// above the resources magesync checks: a resource with no rule of its own
// takes its parent's.
var aclParent = map[Resource]Resource{
	ResourceSalesOrder:                 "Magento_Sales::sales_operation",
	"Magento_Sales::sales_operation":   "Magento_Sales::sales",
	"Magento_Sales::sales":             ResourceAdmin,
	ResourceConfig:                     "Magento_Backend::stores_settings",
	"Magento_Backend::stores_settings": "Magento_Backend::stores",
	"Magento_Backend::stores":          ResourceAdmin,
}

// ErrAccountClosed is returned by AdminAccount when the account no longer
// exists, is inactive or is locked.
var ErrAccountClosed = errors.New("the admin account is inactive, locked or deleted")

// Access is what an admin's role allows: Magento's authorization_rule rows
// of the role, read as Magento's ACL reads them.
type Access struct {
	RoleID int64
	rules  map[Resource]bool // true = allow, false = deny
}

// Allowed reports whether the role may use res. Magento_Backend::all allows
// everything; otherwise the nearest rule on res or an ancestor decides, and
// no rule at all denies.
func (a Access) Allowed(res Resource) bool {
	if a.rules[ResourceAll] {
		return true
	}
	for r := res; r != ""; r = aclParent[r] {
		if allow, ok := a.rules[r]; ok {
			return allow
		}
	}
	return false
}

// AdminAccount reads an admin's account state and role: ErrAccountClosed
// when the row is gone, inactive or locked (by Magento or by magesync's
// own lockout). An account without a role gets an Access that allows nothing.
func (s *Store) AdminAccount(ctx context.Context, userID uint32) (Access, error) {
	var row struct {
		IsActive    int           `db:"is_active"`
		LockExpires sql.NullTime  `db:"lock_expires"`
		OwnLock     sql.NullTime  `db:"own_lock"`
		RoleID      sql.NullInt64 `db:"role_id"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT u.is_active, u.lock_expires, f.lock_expires AS own_lock,
		(SELECT r.parent_id FROM authorization_role r WHERE r.role_type = 'U' AND r.user_id = u.user_id
			ORDER BY r.role_id LIMIT 1) AS role_id
		FROM admin_user u LEFT JOIN magesync_login_failure f ON f.user_id = u.user_id
		WHERE u.user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Access{}, ErrAccountClosed
	}
	if err != nil {
		return Access{}, fmt.Errorf("store: load admin account %d: %w", userID, err)
	}
	now := time.Now()
	if row.IsActive != 1 || (row.LockExpires.Valid && row.LockExpires.Time.After(now)) ||
		(row.OwnLock.Valid && row.OwnLock.Time.After(now)) {
		return Access{}, ErrAccountClosed
	}
	a := Access{RoleID: row.RoleID.Int64, rules: map[Resource]bool{}}
	if !row.RoleID.Valid {
		return a, nil
	}
	var rules []struct {
		Resource   string `db:"resource_id"`
		Permission string `db:"permission"`
	}
	err = s.db.SelectContext(ctx, &rules, `SELECT COALESCE(resource_id, '') AS resource_id, COALESCE(permission, '') AS permission
		FROM authorization_rule WHERE role_id = ?`, row.RoleID.Int64)
	if err != nil {
		return Access{}, fmt.Errorf("store: load rules of role %d: %w", row.RoleID.Int64, err)
	}
	for _, r := range rules {
		a.rules[Resource(r.Resource)] = r.Permission == "allow"
	}
	return a, nil
}

// AdminPref reads one of an admin's own choices ("" when never made).
func (s *Store) AdminPref(ctx context.Context, userID uint32, name string) (string, error) {
	var v string
	err := s.db.GetContext(ctx, &v, `SELECT value FROM magesync_admin_pref WHERE user_id = ? AND name = ?`, userID, name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: read %s of admin %d: %w", name, userID, err)
	}
	return v, nil
}

// SetAdminPref keeps one of an admin's own choices.
func (s *Store) SetAdminPref(ctx context.Context, userID uint32, name, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO magesync_admin_pref (user_id, name, value) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE value = VALUES(value)`, userID, name, value)
	if err != nil {
		return fmt.Errorf("store: keep %s of admin %d: %w", name, userID, err)
	}
	return nil
}
