package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// magesync_grid is magesync's copy of Magento's orders grid with the sync
// columns beside it (migration 00006). Magento's columns are copied by
// CopyGrid, which follows sales_order_grid's new entity ids and its
// updated_at; the sync columns are written with magesync_object, in the
// same transaction (refreshGridSync).

// Cursors of the grid's copy: the highest entity id copied, and the
// (updated_at, entity_id) of the last change copied.
const (
	cursorGridNew     = "grid_copy"
	cursorGridChanged = "grid_copy_changed"
)

// gridCopyColumns are the columns CopyGrid takes from sales_order_grid g
// and magesync_object o.
const gridCopyColumns = `g.entity_id, g.increment_id, g.store_id, g.store_name, g.created_at, g.updated_at, g.billing_name,
	g.shipping_name, g.base_grand_total, g.grand_total, g.base_currency_code, g.order_currency_code, g.status,
	g.billing_address, g.shipping_address, g.customer_name, g.customer_email, COALESCE(o.state, 'not_in_sync'), o.sf_id`

// GridCopy says how current magesync's grid copy is.
type GridCopy struct {
	CaughtUp bool      // every order Magento's grid holds is copied as it is now
	Through  time.Time // Magento's grid changes up to this time are copied
}

type gridChange struct {
	ID uint32    `db:"entity_id"`
	At time.Time `db:"updated_at"`
}

// CopyGrid copies into magesync's grid the orders Magento's grid gained or
// changed since the last copy, at most limit of each, and moves its
// cursors past them. Copies are idempotent: several processes may copy at
// once, and a cursor never moves back.
func (s *Store) CopyGrid(ctx context.Context, limit int) (GridCopy, error) {
	newest, _, err := s.Cursor(ctx, cursorGridNew)
	if err != nil {
		return GridCopy{}, err
	}
	last, _, err := s.Cursor(ctx, cursorGridChanged)
	if err != nil {
		return GridCopy{}, err
	}
	if last.At.IsZero() {
		last.At, last.ID = newest.At, newest.ID // as the migration's first copy left it
	}
	var fresh []uint32
	if err := s.db.SelectContext(ctx, &fresh, s.bounded(`SELECT entity_id FROM sales_order_grid WHERE entity_id > ? ORDER BY entity_id LIMIT ?`),
		newest.ID, limit); err != nil {
		return GridCopy{}, fmt.Errorf("store: copy the orders grid: %w", err)
	}
	var changed []gridChange
	if err := s.db.SelectContext(ctx, &changed, s.bounded(`SELECT entity_id, updated_at FROM sales_order_grid
		WHERE updated_at > ? OR (updated_at = ? AND entity_id > ?) ORDER BY updated_at, entity_id LIMIT ?`),
		last.At, last.At, last.ID, limit); err != nil {
		return GridCopy{}, fmt.Errorf("store: copy the orders grid: %w", err)
	}
	ids := slices.Clone(fresh)
	for _, r := range changed {
		ids = append(ids, r.ID)
	}
	if err := s.copyGridRows(ctx, ids); err != nil {
		return GridCopy{}, err
	}
	if len(fresh) > 0 {
		if err := s.advanceCursor(ctx, cursorGridNew, time.Time{}, uint64(fresh[len(fresh)-1])); err != nil {
			return GridCopy{}, err
		}
	}
	if len(changed) > 0 {
		end := changed[len(changed)-1]
		if err := s.advanceCursor(ctx, cursorGridChanged, end.At, uint64(end.ID)); err != nil {
			return GridCopy{}, err
		}
		last.At = end.At
	}
	return GridCopy{CaughtUp: len(fresh) < limit && len(changed) < limit, Through: last.At}, nil
}

// advanceCursor moves a cursor forward to (at, id), never back: another
// process may have gone further.
func (s *Store) advanceCursor(ctx context.Context, name string, at time.Time, id uint64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO magesync_cursor (name, position_at, position_id) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE
			position_id = IF(VALUES(position_at) IS NULL, GREATEST(position_id, VALUES(position_id)),
				IF(position_at IS NULL OR VALUES(position_at) > position_at
					OR VALUES(position_at) = position_at AND VALUES(position_id) > position_id, VALUES(position_id), position_id)),
			position_at = IF(position_at IS NULL OR VALUES(position_at) > position_at, VALUES(position_at), position_at),
			updated_at = NOW(6)`, name, nullTime(at), id)
	if err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	return nil
}

// RecopyRecentGrid copies again the orders Magento's grid changed in the
// window before the copy's cursor, and copies the orders among the newest
// ids the copy lacks: a change or a grid row committed late (Magento's
// asynchronous grid indexing adds rows a minute after their orders), with
// an updated_at or an id the cursors had passed, is caught here. At most
// limit rows of each.
func (s *Store) RecopyRecentGrid(ctx context.Context, window time.Duration, limit int) error {
	last, ok, err := s.Cursor(ctx, cursorGridChanged)
	if err != nil || !ok {
		return err
	}
	newest, _, err := s.Cursor(ctx, cursorGridNew)
	if err != nil {
		return err
	}
	var ids, missing []uint32
	if err := s.db.SelectContext(ctx, &ids, s.bounded(`SELECT entity_id FROM sales_order_grid
		WHERE updated_at BETWEEN ? AND ? ORDER BY updated_at DESC, entity_id DESC LIMIT ?`), last.At.Add(-window), last.At, limit); err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	if err := s.db.SelectContext(ctx, &missing, s.bounded(`SELECT g.entity_id FROM sales_order_grid g
		LEFT JOIN magesync_grid m ON m.entity_id = g.entity_id
		WHERE g.entity_id > ? AND g.entity_id <= ? AND m.entity_id IS NULL LIMIT ?`), max(int64(newest.ID)-10000, 0), newest.ID, limit); err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	return s.copyGridRows(ctx, append(ids, missing...))
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// copyGridRows copies the given orders from Magento's grid, whole.
func (s *Store) copyGridRows(ctx context.Context, ids []uint32) error {
	if len(ids) == 0 {
		return nil
	}
	conn, unlock, err := s.lockGrid(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.copyGridRowsLocked(ctx, conn, ids)
}

// gridExec runs statements: the pool, a connection or a transaction.
type gridExec interface {
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// gridDB is the pool, or the connection that holds the copy lock.
type gridDB interface {
	beginner
	gridExec
}

// ErrGridBusy is returned when another process kept copying the orders
// grid for longer than a copy waits (gridLockWait): the copy is left to it.
var ErrGridBusy = errors.New("store: another process is copying the orders grid")

// gridLockWait is how long a copy waits for another to finish.
const gridLockWait = 2 * time.Second

// lockGrid holds the grid's copy lock (one copy at a time, across
// processes, so that each day's count is recounted after every change to
// it) on a connection the copy then runs on; unlock releases both.
func (s *Store) lockGrid(ctx context.Context) (conn *sqlx.Conn, unlock func(), err error) {
	conn, err = s.db.Connx(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("store: copy the orders grid: %w", err)
	}
	name := "magesync_grid_copy." + s.dbName
	name = name[:min(len(name), 64)]
	var got sql.NullInt64
	if err := conn.GetContext(ctx, &got, `SELECT GET_LOCK(?, ?)`, name, gridLockWait.Seconds()); err != nil || got.Int64 != 1 {
		conn.Close()
		if err == nil {
			return nil, nil, ErrGridBusy
		}
		return nil, nil, fmt.Errorf("store: copy the orders grid: %w", err)
	}
	return conn, func() {
		conn.ExecContext(context.Background(), `DO RELEASE_LOCK(?)`, name)
		conn.Close()
	}, nil
}

// copyGridRowsLocked copies the orders on db, which holds the copy lock: a
// chunk's rows, their days' bounds and their days' counts in one
// transaction, so that a copy that fails leaves no day counted for orders
// that left it; then the chunk's search words.
func (s *Store) copyGridRowsLocked(ctx context.Context, db gridDB, ids []uint32) error {
	for chunk := range slices.Chunk(ids, 1000) {
		err := inTxOn(ctx, db, func(tx *sqlx.Tx) error {
			// The days the orders leave, should their dates have changed.
			left, err := s.gridDaysOf(ctx, tx, chunk)
			if err != nil {
				return err
			}
			q, args, err := sqlx.In(`INSERT INTO magesync_grid (entity_id, increment_id, store_id, store_name, created_at, updated_at,
				billing_name, shipping_name, base_grand_total, grand_total, base_currency_code, order_currency_code, status,
				billing_address, shipping_address, customer_name, customer_email, sync_state, sf_id)
				SELECT `+gridCopyColumns+` FROM sales_order_grid g LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order'
				WHERE g.entity_id IN (?)
				ON DUPLICATE KEY UPDATE increment_id = VALUES(increment_id), store_id = VALUES(store_id), store_name = VALUES(store_name),
					created_at = VALUES(created_at), updated_at = VALUES(updated_at), billing_name = VALUES(billing_name),
					shipping_name = VALUES(shipping_name), base_grand_total = VALUES(base_grand_total), grand_total = VALUES(grand_total),
					base_currency_code = VALUES(base_currency_code), order_currency_code = VALUES(order_currency_code),
					status = VALUES(status), billing_address = VALUES(billing_address), shipping_address = VALUES(shipping_address),
					customer_name = VALUES(customer_name), customer_email = VALUES(customer_email),
					sync_state = VALUES(sync_state), sf_id = VALUES(sf_id)`, chunk)
			if err != nil {
				return fmt.Errorf("store: copy the orders grid: %w", err)
			}
			if _, err := tx.ExecContext(ctx, s.boundedWrite(q), args...); err != nil {
				return fmt.Errorf("store: copy the orders grid: %w", err)
			}
			if err := s.widenGridDays(ctx, tx, chunk); err != nil {
				return err
			}
			return s.recountGridDays(ctx, tx, chunk, left)
		})
		if err != nil {
			return err
		}
		if err := s.copyGridWords(ctx, db, chunk); err != nil {
			return err
		}
	}
	return nil
}

// widenGridDays widens the id and order number bounds of the orders' days
// (migration 00009) to take them in. A bound never narrows: an order that
// left a day leaves it wider than it need be, never wrong.
func (s *Store) widenGridDays(ctx context.Context, tx gridExec, ids []uint32) error {
	q, args, err := sqlx.In(`INSERT INTO magesync_grid_day (day, min_id, max_id, min_increment_id, max_increment_id)
		SELECT DATE(created_at), MIN(entity_id), MAX(entity_id), MIN(increment_id), MAX(increment_id)
		FROM magesync_grid WHERE entity_id IN (?) AND created_at IS NOT NULL GROUP BY DATE(created_at)
		ON DUPLICATE KEY UPDATE min_id = LEAST(min_id, VALUES(min_id)), max_id = GREATEST(max_id, VALUES(max_id)),
			min_increment_id = COALESCE(LEAST(min_increment_id, VALUES(min_increment_id)), min_increment_id, VALUES(min_increment_id)),
			max_increment_id = COALESCE(GREATEST(max_increment_id, VALUES(max_increment_id)), max_increment_id, VALUES(max_increment_id))`, ids)
	if err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.boundedWrite(q), args...); err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	return nil
}

// gridDaysOf is the purchase days of the given orders in magesync's grid.
func (s *Store) gridDaysOf(ctx context.Context, tx gridExec, ids []uint32) ([]time.Time, error) {
	q, args, err := sqlx.In(`SELECT DISTINCT DATE(created_at) FROM magesync_grid WHERE entity_id IN (?) AND created_at IS NOT NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: copy the orders grid: %w", err)
	}
	var days []time.Time
	if err := tx.SelectContext(ctx, &days, q, args...); err != nil {
		return nil, fmt.Errorf("store: copy the orders grid: %w", err)
	}
	return days, nil
}

// recountGridDays counts again, in tx, the orders of the days the given
// orders are on, and of the days they left (nil ids: every day).
func (s *Store) recountGridDays(ctx context.Context, tx gridExec, ids []uint32, left []time.Time) error {
	days := left
	if ids != nil {
		on, err := s.gridDaysOf(ctx, tx, ids)
		if err != nil {
			return err
		}
		if days = append(slices.Clip(left), on...); len(days) == 0 {
			return nil
		}
	}
	which, args := "", []any(nil)
	if ids != nil {
		var err error
		if which, args, err = sqlx.In(` WHERE d.day IN (?)`, days); err != nil {
			return fmt.Errorf("store: copy the orders grid: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE d FROM magesync_grid_day_count d`+which, args...); err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO magesync_grid_day_count (day, status, store_id, orders)
		SELECT d.day, COALESCE(g.status, ''), COALESCE(g.store_id, 0), COUNT(*) FROM magesync_grid_day d
		JOIN magesync_grid g ON g.created_at >= d.day AND g.created_at < d.day + INTERVAL 1 DAY`+which+`
		GROUP BY d.day, COALESCE(g.status, ''), COALESCE(g.store_id, 0)`, args...); err != nil {
		return fmt.Errorf("store: copy the orders grid: %w", err)
	}
	return nil
}

// CatchUpGrid copies until magesync's grid holds everything Magento's grid
// does now: for start-up, tests and tools; pages copy a bounded amount.
func (s *Store) CatchUpGrid(ctx context.Context) error {
	for {
		c, err := s.CopyGrid(ctx, 5000)
		if errors.Is(err, ErrGridBusy) && ctx.Err() == nil {
			continue // another copy is under way: wait for it, then copy what is left
		}
		if err != nil || c.CaughtUp {
			return err
		}
	}
}

// RebuildGrid copies the whole of Magento's grid and magesync's sync
// columns again: after magesync's tables were restored, or rows were
// written into them by hand.
func (s *Store) RebuildGrid(ctx context.Context) error {
	var ids []uint32
	if err := s.db.SelectContext(ctx, &ids, `SELECT entity_id FROM sales_order_grid`); err != nil {
		return fmt.Errorf("store: rebuild the orders grid: %w", err)
	}
	conn, unlock, err := s.lockGrid(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.copyGridRowsLocked(ctx, conn, ids); err != nil {
		return err
	}
	for _, table := range []string{"magesync_grid", "magesync_grid_word"} {
		_, err := conn.ExecContext(ctx, `DELETE FROM `+table+` WHERE entity_id NOT IN (SELECT entity_id FROM sales_order_grid)`)
		if err != nil {
			return fmt.Errorf("store: rebuild the orders grid: %w", err)
		}
	}
	return inTxOn(ctx, conn, func(tx *sqlx.Tx) error { return s.recountGridDays(ctx, tx, nil, nil) })
}

// refreshGridSync writes orders' sync state and Salesforce ID into
// magesync's grid, from magesync_object, in the caller's transaction.
func refreshGridSync(ctx context.Context, tx sqlx.ExecerContext, orderIDs []uint32) error {
	for chunk := range slices.Chunk(orderIDs, 1000) {
		q, args, err := sqlx.In(`UPDATE magesync_grid g LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order'
			SET g.sync_state = COALESCE(o.state, 'not_in_sync'), g.sf_id = o.sf_id WHERE g.entity_id IN (?)`, chunk)
		if err != nil {
			return fmt.Errorf("store: grid sync columns: %w", err)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: grid sync columns: %w", err)
		}
	}
	return nil
}
