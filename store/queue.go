package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Reason is why an order was queued.
type Reason string

// Reasons, as magesync_queue.reason holds them.
const (
	ReasonAuto   Reason = "auto"
	ReasonManual Reason = "manual"
	ReasonBulk   Reason = "bulk"
)

// QueueStatus is a queue entry's state, as magesync_queue.status holds it.
type QueueStatus string

// Queue entry statuses. new and processing are open; the rest are closed.
const (
	QueueNew        QueueStatus = "new"
	QueueProcessing QueueStatus = "processing"
	QueueComplete   QueueStatus = "complete"
	QueueSkipped    QueueStatus = "skipped"
	QueueError      QueueStatus = "error"  // the order's own problem: fix data or settings, then re-sync
	QueueFailed     QueueStatus = "failed" // gave up after the attempts ran out
)

// Open reports whether an entry in this status is still to be done.
func (s QueueStatus) Open() bool { return s == QueueNew || s == QueueProcessing }

// QueueEntry is one row of the "From Magento" queue.
type QueueEntry struct {
	ID            uint64       `db:"id"`
	OrderID       uint32       `db:"order_id"`
	IncrementID   string       `db:"increment_id"`
	Reason        Reason       `db:"reason"`
	Status        QueueStatus  `db:"status"`
	Message       string       `db:"message"`
	Attempts      int          `db:"attempts"` // the order's own failures count
	Retries       int          `db:"retries"`  // transient failures, which use no attempt
	NextAttemptAt time.Time    `db:"next_attempt_at"`
	LeaseOwner    string       `db:"lease_owner"`
	LeaseUntil    sql.NullTime `db:"lease_until"`
	CreatedAt     time.Time    `db:"created_at"`
	UpdatedAt     time.Time    `db:"updated_at"`
}

const queueColumns = `id, order_id, increment_id, reason, status, COALESCE(message, '') AS message, attempts, retries,
	next_attempt_at, COALESCE(lease_owner, '') AS lease_owner, lease_until, created_at, updated_at`

// Enqueue queues orders. An order with an open entry keeps that one: a
// manual or bulk request makes it due now, and an entry being processed is
// marked to run again, so a change made meanwhile is not lost. Unknown order
// ids are ignored. It returns the ids of the orders' open entries.
func (s *Store) Enqueue(ctx context.Context, orderIDs []uint32, reason Reason) ([]uint64, error) {
	if len(orderIDs) == 0 {
		return nil, nil
	}
	// Chunks keep statements and transactions small when a bulk action
	// selects every order of a large store.
	var ids []uint64
	for chunk := range slices.Chunk(orderIDs, 2000) {
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			got, err := enqueue(ctx, tx, chunk, reason)
			ids = append(ids, got...)
			return err
		})
		if err != nil {
			return ids, err
		}
	}
	return ids, nil
}

func enqueue(ctx context.Context, tx *sqlx.Tx, orderIDs []uint32, reason Reason) ([]uint64, error) {
	byHand := reason != ReasonAuto
	q, args, err := sqlx.In(`INSERT INTO magesync_queue (order_id, increment_id, reason, status, next_attempt_at)
		SELECT entity_id, COALESCE(increment_id, ''), ?, 'new', NOW(6) FROM sales_order WHERE entity_id IN (?)
		ON DUPLICATE KEY UPDATE
			dirty = IF(magesync_queue.status = 'processing', 1, magesync_queue.dirty),
			next_attempt_at = IF(? AND magesync_queue.status = 'new', NOW(6), magesync_queue.next_attempt_at),
			reason = IF(?, VALUES(reason), magesync_queue.reason),
			updated_at = NOW(6)`, reason, orderIDs, byHand, byHand)
	if err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	q, args, err = sqlx.In(`INSERT INTO magesync_object (kind, magento_key, order_id, state)
		SELECT 'order', entity_id, entity_id, 'pending' FROM sales_order WHERE entity_id IN (?)
		ON DUPLICATE KEY UPDATE state = 'pending', last_error = NULL, magesync_object.updated_at = NOW(6)`, orderIDs)
	if err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	if err := refreshGridSync(ctx, tx, orderIDs); err != nil {
		return nil, err
	}
	q, args, err = sqlx.In(`SELECT id FROM magesync_queue WHERE open_order_id IN (?) ORDER BY id`, orderIDs)
	if err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	var ids []uint64
	if err := tx.SelectContext(ctx, &ids, q, args...); err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	return ids, nil
}

// OrderFilter selects orders for a bulk action; empty fields match all.
type OrderFilter struct {
	Statuses []string
}

// EnqueueMatching queues every order the filter matches, in chunks so that no
// transaction grows large, and returns the ids of the orders' open entries.
func (s *Store) EnqueueMatching(ctx context.Context, f OrderFilter, reason Reason) (EntryIDs, error) {
	return s.enqueueEach(ctx, reason, func(after uint32) ([]uint32, error) {
		where, args := "entity_id > ?", []any{after}
		if len(f.Statuses) > 0 {
			w, a, err := sqlx.In(" AND status IN (?)", f.Statuses)
			if err != nil {
				return nil, fmt.Errorf("store: enqueue: %w", err)
			}
			where += w
			args = append(args, a...)
		}
		var ids []uint32
		if err := s.db.SelectContext(ctx, &ids, `SELECT entity_id FROM sales_order WHERE `+where+` ORDER BY entity_id LIMIT ?`, append(args, enqueueChunk)...); err != nil {
			return nil, fmt.Errorf("store: enqueue: %w", err)
		}
		return ids, nil
	})
}

// enqueueChunk is how many orders a bulk action reads and queues at a time.
var enqueueChunk = 2000

// enqueueEach queues the orders next gives, a chunk at a time, each chunk
// those after the last order of the one before (0 first), until next gives
// none: a bulk action over a million orders holds one chunk at a time.
func (s *Store) enqueueEach(ctx context.Context, reason Reason, next func(after uint32) ([]uint32, error)) (EntryIDs, error) {
	var total EntryIDs
	var last uint32
	for {
		ids, err := next(last)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		got, err := s.Enqueue(ctx, ids, reason)
		total.Add(got...)
		if err != nil {
			return total, err
		}
		last = ids[len(ids)-1]
	}
}

// RescueLeases hands back entries whose lease expired (their worker died):
// due again, or failed once they have used maxAttempts, so that an order
// that kills its worker each time is not tried forever. It locks only the
// expired rows (SKIP LOCKED), so running it beside busy workers costs them
// nothing. It returns how many entries it rescued.
func (s *Store) RescueLeases(ctx context.Context, maxAttempts int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var expired []struct {
			ID       uint64 `db:"id"`
			OrderID  uint32 `db:"order_id"`
			Attempts int    `db:"attempts"`
		}
		if err := tx.SelectContext(ctx, &expired, `SELECT id, order_id, attempts FROM magesync_queue
			WHERE status = 'processing' AND lease_until < NOW(6) LIMIT 1000 FOR UPDATE SKIP LOCKED`); err != nil {
			return err
		}
		var ids []uint64
		var spent []uint32
		for _, e := range expired {
			ids = append(ids, e.ID)
			if e.Attempts >= maxAttempts {
				spent = append(spent, e.OrderID)
			}
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		q, args, err := sqlx.In(`UPDATE magesync_queue SET
			status = IF(attempts >= ?, 'failed', 'new'),
			message = IF(attempts >= ?, CONCAT('Gave up after ', attempts,
				' attempts: the worker syncing this order stopped before it finished each time (it crashed, was killed or ran out of time).'), message),
			lease_owner = NULL, lease_until = NULL, next_attempt_at = NOW(6), updated_at = NOW(6)
			WHERE id IN (?)`, maxAttempts, maxAttempts, ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if len(spent) == 0 {
			return nil
		}
		// The orders given up on show the error in the grid.
		q, args, err = sqlx.In(`UPDATE magesync_object SET state = 'error', updated_at = NOW(6),
			last_error = 'Gave up: the worker syncing this order stopped before it finished each time'
			WHERE kind = 'order' AND order_id IN (?)`, spent)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		return refreshGridSync(ctx, tx, spent)
	})
	if err != nil {
		return 0, fmt.Errorf("store: rescue expired leases: %w", err)
	}
	return n, nil
}

// ClaimQueue leases up to limit due entries to worker. Several workers, on
// several machines, can claim from one queue.
func (s *Store) ClaimQueue(ctx context.Context, worker string, limit int, lease time.Duration) ([]QueueEntry, error) {
	var out []QueueEntry
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var ids []uint64
		err := tx.SelectContext(ctx, &ids, `SELECT id FROM magesync_queue
			WHERE status = 'new' AND next_attempt_at <= NOW(6) ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED`, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		q, args, err := sqlx.In(`UPDATE magesync_queue SET status = 'processing', lease_owner = ?,
			lease_until = NOW(6) + INTERVAL ? MICROSECOND, attempts = attempts + 1, updated_at = NOW(6)
			WHERE id IN (?)`, worker, lease.Microseconds(), ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		q, args, err = sqlx.In(`SELECT `+queueColumns+` FROM magesync_queue WHERE id IN (?) ORDER BY id`, ids)
		if err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, q, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim queue entries: %w", err)
	}
	return out, nil
}

// RenewLeases extends worker's leases on entries and returns the ids it
// still holds: an entry whose lease expired may be another worker's now.
func (s *Store) RenewLeases(ctx context.Context, worker string, ids []uint64, lease time.Duration) ([]uint64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var held []uint64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		q, args, err := sqlx.In(`UPDATE magesync_queue SET lease_until = NOW(6) + INTERVAL ? MICROSECOND
			WHERE id IN (?) AND status = 'processing' AND lease_owner = ?`, lease.Microseconds(), ids, worker)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		q, args, err = sqlx.In(`SELECT id FROM magesync_queue WHERE id IN (?) AND status = 'processing' AND lease_owner = ?`, ids, worker)
		if err != nil {
			return err
		}
		held = held[:0]
		return tx.SelectContext(ctx, &held, q, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("store: renew leases: %w", err)
	}
	return held, nil
}

// QueueEntries loads entries by id.
func (s *Store) QueueEntries(ctx context.Context, ids []uint64) ([]QueueEntry, error) {
	var out []QueueEntry
	for chunk := range slices.Chunk(ids, 5000) {
		q, args, err := sqlx.In(`SELECT `+queueColumns+` FROM magesync_queue WHERE id IN (?) ORDER BY id`, chunk)
		if err != nil {
			return nil, fmt.Errorf("store: load queue entries: %w", err)
		}
		var part []QueueEntry
		if err := s.db.SelectContext(ctx, &part, q, args...); err != nil {
			return nil, fmt.Errorf("store: load queue entries: %w", err)
		}
		out = append(out, part...)
	}
	return out, nil
}

// ReleaseLeases hands entries back to the queue, due now and with their
// attempt given back: worker stops before finishing them.
func (s *Store) ReleaseLeases(ctx context.Context, worker string, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`UPDATE magesync_queue SET status = 'new', lease_owner = NULL, lease_until = NULL,
		attempts = GREATEST(attempts - 1, 0), next_attempt_at = NOW(6), updated_at = NOW(6)
		WHERE id IN (?) AND status = 'processing' AND lease_owner = ?`, ids, worker)
	if err != nil {
		return fmt.Errorf("store: release leases: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: release leases: %w", err)
	}
	return nil
}

// OpenEntries returns which of ids are still open (new or processing).
func (s *Store) OpenEntries(ctx context.Context, ids []uint64) ([]uint64, error) {
	var out []uint64
	for chunk := range slices.Chunk(ids, 5000) {
		q, args, err := sqlx.In(`SELECT id FROM magesync_queue WHERE id IN (?) AND status IN ('new', 'processing')`, chunk)
		if err != nil {
			return nil, fmt.Errorf("store: open queue entries: %w", err)
		}
		var part []uint64
		if err := s.db.SelectContext(ctx, &part, q, args...); err != nil {
			return nil, fmt.Errorf("store: open queue entries: %w", err)
		}
		out = append(out, part...)
	}
	return out, nil
}

// LatestQueueEntry returns the newest entry of an order.
func (s *Store) LatestQueueEntry(ctx context.Context, orderID uint32) (*QueueEntry, error) {
	var e QueueEntry
	err := s.db.GetContext(ctx, &e, `SELECT `+queueColumns+` FROM magesync_queue WHERE order_id = ? ORDER BY id DESC LIMIT 1`, orderID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: queue entry of order %d: %w", orderID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: queue entry of order %d: %w", orderID, err)
	}
	return &e, nil
}

// QueueCounts counts entries by status.
func (s *Store) QueueCounts(ctx context.Context) (map[QueueStatus]int, error) {
	var rows []struct {
		Status QueueStatus `db:"status"`
		N      int         `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT status, COUNT(*) AS n FROM magesync_queue GROUP BY status`); err != nil {
		return nil, fmt.Errorf("store: count queue: %w", err)
	}
	out := map[QueueStatus]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// Outcome is how a worker's attempt at a queue entry ended.
type Outcome struct {
	EntryID uint64
	Status  QueueStatus // complete, skipped, error, failed, or new (retry later)
	Message string
	// RetryAt is when a retried entry is due again.
	RetryAt time.Time
	// Refund gives the attempt back: the work was postponed, not tried
	// (Salesforce's daily limit, or a request Salesforce halted).
	Refund bool
	// Transient gives the attempt back and counts a retry: the failure
	// was not the order's own (Salesforce unavailable, a lock, the network).
	Transient bool
}

// finishEntries records outcomes of the entries worker still holds, in one
// statement. An entry whose order changed meanwhile goes back to new.
func finishEntries(ctx context.Context, tx *sqlx.Tx, worker string, outcomes []Outcome) error {
	for chunk := range slices.Chunk(outcomes, 500) {
		var rows strings.Builder
		args := make([]any, 0, len(chunk)*6+1)
		for i, o := range chunk {
			next := o.RetryAt
			if o.Status != QueueNew || next.IsZero() {
				next = time.Now()
			}
			refund, retried := 0, 0
			if o.Refund || o.Transient {
				refund = 1
			}
			if o.Transient {
				retried = 1
			}
			if i == 0 {
				rows.WriteString(`SELECT ? AS id, ? AS status, ? AS message, ? AS refund, ? AS retried, ? AS next_at`)
			} else {
				rows.WriteString(` UNION ALL SELECT ?, ?, ?, ?, ?, ?`)
			}
			args = append(args, o.EntryID, string(o.Status), truncateText(o.Message), refund, retried, next.UTC())
		}
		args = append(args, worker)
		_, err := tx.ExecContext(ctx, `UPDATE magesync_queue q JOIN (`+rows.String()+`) o ON q.id = o.id SET
				q.status = IF(q.dirty, 'new', o.status), q.message = o.message,
				q.attempts = IF(q.dirty AND o.status <> 'new', 0, GREATEST(CAST(q.attempts AS SIGNED) - o.refund, 0)),
				q.retries = q.retries + o.retried,
				q.next_attempt_at = IF(q.dirty, NOW(6), o.next_at), q.dirty = 0,
				q.lease_owner = NULL, q.lease_until = NULL, q.updated_at = NOW(6)
			WHERE q.status = 'processing' AND q.lease_owner = ?`, args...)
		if err != nil {
			return fmt.Errorf("store: finish %d queue entries: %w", len(chunk), err)
		}
	}
	return nil
}

// DeleteQueueEntries removes entries that are not being processed.
func (s *Store) DeleteQueueEntries(ctx context.Context, ids []uint64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	q, args, err := sqlx.In(`DELETE FROM magesync_queue WHERE id IN (?) AND status <> 'processing'`, ids)
	if err != nil {
		return 0, fmt.Errorf("store: delete queue entries: %w", err)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: delete queue entries: %w", err)
	}
	return res.RowsAffected()
}

// truncateText keeps a message within a TEXT column (64 KiB).
func truncateText(s string) string {
	const max = 60000
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// inTx runs f in a transaction. A deadlock or lock wait timeout rolls the
// whole transaction back on the server, so f runs again from the start, a
// few times, after a short random pause.
func (s *Store) inTx(ctx context.Context, f func(tx *sqlx.Tx) error) error {
	return inTxOn(ctx, s.db, f)
}

// beginner is the pool, or one connection of it.
type beginner interface {
	BeginTxx(ctx context.Context, opts *sql.TxOptions) (*sqlx.Tx, error)
}

// inTxOn is inTx on db.
func inTxOn(ctx context.Context, db beginner, f func(tx *sqlx.Tx) error) error {
	for try := 1; ; try++ {
		err := tryTx(ctx, db, f)
		if !retryableLock(err) || try == 5 {
			return err
		}
		if err := sleepCtx(ctx, time.Duration(try)*(10*time.Millisecond+rand.N(40*time.Millisecond))); err != nil {
			return err
		}
	}
}

func tryTx(ctx context.Context, db beginner, f func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// retryableLock reports a deadlock (1213) or lock wait timeout (1205): the
// server gave up on the transaction, and running it again can succeed.
func retryableLock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// QueueQuery filters and pages the queue page.
type QueueQuery struct {
	Status QueueStatus // "" = all
	Reason Reason      // "" = all
	Order  string      // increment id contains
	Page   int
	Size   int
}

// QueueList returns a page of queue entries, newest first, and how many match.
// QueuePage is one page of the queue.
type QueuePage struct {
	Entries []QueueEntry
	Total   int
	Exact   bool // false: Total is the database's estimate ("about")
}

// QueueList returns a page of the queue, newest first, and how many entries
// match: exactly when that is quick, else the database's estimate.
func (s *Store) QueueList(ctx context.Context, q QueueQuery) (QueuePage, error) {
	var conds []string
	var args []any
	if q.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, q.Status)
	}
	if q.Reason != "" {
		conds, args = append(conds, "reason = ?"), append(args, q.Reason)
	}
	if q.Order != "" {
		conds, args = append(conds, "increment_id LIKE CONCAT('%', ?, '%')"), append(args, q.Order)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var p QueuePage
	var err error
	if p.Total, p.Exact, err = s.countOrEstimate(ctx, "magesync_queue", where, args, nil); err != nil {
		return p, fmt.Errorf("store: count queue: %w", err)
	}
	size := q.Size
	if size <= 0 {
		size = 20
	}
	err = s.db.SelectContext(ctx, &p.Entries, `SELECT `+queueColumns+` FROM magesync_queue`+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, size, (max(q.Page, 1)-1)*size)...)
	if err != nil {
		return p, fmt.Errorf("store: list queue: %w", err)
	}
	return p, nil
}

// Progress is how far the current run of the queue has come: the entries
// created since the oldest one still open.
type Progress struct {
	Running bool
	Total   int
	Done    int
	Counts  map[QueueStatus]int
	Exact   bool // false: the counts are the database's estimates
}

// QueueProgress reports the current run's progress.
func (s *Store) QueueProgress(ctx context.Context) (Progress, error) {
	p := Progress{Counts: map[QueueStatus]int{}}
	var since sql.NullTime
	if err := s.db.GetContext(ctx, &since, `SELECT MIN(created_at) FROM magesync_queue WHERE status IN ('new', 'processing')`); err != nil {
		return p, fmt.Errorf("store: queue progress: %w", err)
	}
	if !since.Valid {
		return p, nil
	}
	p.Running, p.Exact = true, true
	var rows []struct {
		Status QueueStatus `db:"status"`
		N      int         `db:"n"`
	}
	err := s.db.SelectContext(ctx, &rows, s.boundedBy(2*exactCountLimit,
		`SELECT status, COUNT(*) AS n FROM magesync_queue WHERE created_at >= ? GROUP BY status`), since.Time)
	if errors.Is(tooSlow(err), ErrTooSlow) {
		// A long run: each status's share as the optimizer estimates it,
		// from the (status, created_at) index.
		p.Exact, rows = false, rows[:0]
		for _, st := range []QueueStatus{QueueNew, QueueProcessing, QueueComplete, QueueSkipped, QueueError, QueueFailed} {
			n, err := s.estimateRows(ctx, `SELECT 1 FROM magesync_queue WHERE status = ? AND created_at >= ?`, []any{st, since.Time})
			if err != nil {
				return p, fmt.Errorf("store: queue progress: %w", err)
			}
			rows = append(rows, struct {
				Status QueueStatus `db:"status"`
				N      int         `db:"n"`
			}{st, n})
		}
	} else if err != nil {
		return p, fmt.Errorf("store: queue progress: %w", err)
	}
	for _, r := range rows {
		if r.N > 0 {
			p.Counts[r.Status] = r.N
		}
		p.Total += r.N
		if !r.Status.Open() {
			p.Done += r.N
		}
	}
	return p, nil
}
