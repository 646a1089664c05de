package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OrderStamp is what the change detector remembers of a sales_order row:
// when it was updated and a fingerprint of the columns a change shows in
// (two updates in one second leave updated_at alone).
type OrderStamp struct {
	ID   uint32    `db:"entity_id"`
	At   time.Time `db:"updated_at"`
	Hash string    `db:"fp"`
}

// orderFingerprint sums up the sales_order columns a change shows in.
const orderFingerprint = `MD5(CONCAT_WS('|', COALESCE(status, ''), COALESCE(state, ''), COALESCE(grand_total, ''),
	COALESCE(base_grand_total, ''), COALESCE(subtotal, ''), COALESCE(shipping_amount, ''), COALESCE(tax_amount, ''),
	COALESCE(discount_amount, ''), COALESCE(total_paid, ''), COALESCE(total_refunded, ''), COALESCE(total_canceled, ''),
	COALESCE(total_invoiced, ''), COALESCE(total_qty_ordered, ''), total_item_count, COALESCE(customer_id, ''),
	COALESCE(customer_email, ''), COALESCE(customer_firstname, ''), COALESCE(customer_lastname, ''),
	COALESCE(coupon_code, ''), COALESCE(shipping_method, ''), COALESCE(shipping_description, ''),
	COALESCE(billing_address_id, ''), COALESCE(shipping_address_id, ''), COALESCE(hold_before_status, ''),
	COALESCE(customer_note, ''), COALESCE(increment_id, ''), COALESCE(store_id, '')))`

// OrderStampsBetween returns the stamps of orders updated in [from, to].
func (s *Store) OrderStampsBetween(ctx context.Context, from, to time.Time) ([]OrderStamp, error) {
	var out []OrderStamp
	err := s.db.SelectContext(ctx, &out, `SELECT entity_id, updated_at, `+orderFingerprint+` AS fp FROM sales_order
		WHERE updated_at >= ? AND updated_at <= ?`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: orders updated between %s and %s: %w", from, to, err)
	}
	return out, nil
}

// OrdersUpdatedAfter returns up to limit stamps of orders after the
// position (at, id) in (updated_at, entity_id) order.
func (s *Store) OrdersUpdatedAfter(ctx context.Context, at time.Time, id uint32, limit int) ([]OrderStamp, error) {
	var out []OrderStamp
	err := s.db.SelectContext(ctx, &out, `SELECT entity_id, updated_at, `+orderFingerprint+` AS fp FROM sales_order
		WHERE updated_at > ? OR (updated_at = ? AND entity_id > ?)
		ORDER BY updated_at, entity_id LIMIT ?`, at, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: orders updated after %s: %w", at, err)
	}
	return out, nil
}

// CommentStamp is a sales_order_status_history row: a comment or status
// change, which does not touch sales_order.
type CommentStamp struct {
	ID      uint64 `db:"entity_id"`
	OrderID uint32 `db:"parent_id"`
}

// LastCommentID is the newest status-history id, 0 when there is none.
func (s *Store) LastCommentID(ctx context.Context) (uint64, error) {
	var id uint64
	if err := s.db.GetContext(ctx, &id, `SELECT COALESCE(MAX(entity_id), 0) FROM sales_order_status_history`); err != nil {
		return 0, fmt.Errorf("store: last comment id: %w", err)
	}
	return id, nil
}

// CommentsAfter returns up to limit status-history rows with ids above after.
func (s *Store) CommentsAfter(ctx context.Context, after uint64, limit int) ([]CommentStamp, error) {
	var out []CommentStamp
	err := s.db.SelectContext(ctx, &out, `SELECT entity_id, parent_id FROM sales_order_status_history
		WHERE entity_id > ? ORDER BY entity_id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: comments after %d: %w", after, err)
	}
	return out, nil
}

// Lock is a MySQL named lock, held by one connection until Release.
type Lock struct {
	conn *sql.Conn
	name string
}

// NamedLock takes the server-wide lock name (scoped to this database),
// waiting up to wait; ErrNotFound when another session holds it.
func (s *Store) NamedLock(ctx context.Context, name string, wait time.Duration) (*Lock, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	var got sql.NullInt64
	// Named locks are server-wide: the name carries the database's.
	err = conn.QueryRowContext(ctx, `SELECT GET_LOCK(CONCAT(?, '.', DATABASE()), ?)`, name, int(wait.Seconds())).Scan(&got)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	if got.Int64 != 1 {
		conn.Close()
		return nil, fmt.Errorf("store: lock %s is held by another process: %w", name, ErrNotFound)
	}
	return &Lock{conn: conn, name: name}, nil
}

// Alive reports whether the lock's connection (and so the lock) lives.
func (l *Lock) Alive(ctx context.Context) bool { return l.conn.PingContext(ctx) == nil }

// Release gives the lock up and returns its connection.
func (l *Lock) Release() {
	l.conn.ExecContext(context.Background(), `SELECT RELEASE_LOCK(CONCAT(?, '.', DATABASE()))`, l.name)
	l.conn.Close()
}
