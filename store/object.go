package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of objects magesync keeps in Salesforce.
const (
	KindOrder   = "order"
	KindItem    = "order_item" // key: "<item_id>", or "<order_id>-shipping" etc. for order lines
	KindNote    = "note"       // key: status history entity_id
	KindAccount = "account"    // key: customer key ("c:12", "g:ana@example.com")
	KindContact = "contact"
	KindProduct = "product"         // key: SKU
	KindEntry   = "pricebook_entry" // key: SKU (standard price book)
)

// SyncState is an order's state in Salesforce as the grid shows it
// (magesync_object.state).
type SyncState string

// Sync states of an order.
const (
	StateInSync    SyncState = "in_sync"
	StateNotInSync SyncState = "not_in_sync"
	StatePending   SyncState = "pending"
	StateError     SyncState = "error"
)

// Object is one Magento thing's link to Salesforce.
type Object struct {
	Kind      string        `db:"kind"`
	Key       string        `db:"magento_key"`
	OrderID   sql.NullInt64 `db:"order_id"`
	SFID      string        `db:"sf_id"`
	SentHash  string        `db:"sent_hash"`
	SFStatus  string        `db:"sf_status"`
	State     SyncState     `db:"state"`
	LastError string        `db:"last_error"`
	SyncedAt  sql.NullTime  `db:"synced_at"`
	UpdatedAt time.Time     `db:"updated_at"`
	// Sending: the order was sent and the answer not recorded (MarkSending).
	Sending bool `db:"sending"`
}

const objectColumns = `kind, magento_key, order_id, COALESCE(sf_id, '') AS sf_id, COALESCE(sent_hash, '') AS sent_hash,
	COALESCE(sf_status, '') AS sf_status, state, COALESCE(last_error, '') AS last_error, synced_at, updated_at, sending`

// OrderKey is the magento_key of an order's object row.
func OrderKey(orderID uint32) string { return strconv.FormatUint(uint64(orderID), 10) }

// OrderObjects loads the objects of orders (the order, its items and notes),
// grouped by order id.
func (s *Store) OrderObjects(ctx context.Context, orderIDs []uint32) (map[uint32][]Object, error) {
	out := map[uint32][]Object{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT `+objectColumns+` FROM magesync_object FORCE INDEX (magesync_object_order) WHERE order_id IN (?)`, orderIDs)
	if err != nil {
		return nil, fmt.Errorf("store: load objects: %w", err)
	}
	var rows []Object
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("store: load objects: %w", err)
	}
	for _, r := range rows {
		id := uint32(r.OrderID.Int64)
		out[id] = append(out[id], r)
	}
	return out, nil
}

// ObjectsByKey loads objects of one kind by their keys.
func (s *Store) ObjectsByKey(ctx context.Context, kind string, keys []string) (map[string]Object, error) {
	out := map[string]Object{}
	if len(keys) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT `+objectColumns+` FROM magesync_object WHERE kind = ? AND magento_key IN (?)`, kind, keys)
	if err != nil {
		return nil, fmt.Errorf("store: load %s objects: %w", kind, err)
	}
	var rows []Object
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("store: load %s objects: %w", kind, err)
	}
	for _, r := range rows {
		out[r.Key] = r
	}
	return out, nil
}

// Link is what a sync learnt or intends about one object.
type Link struct {
	Kind, Key string
	OrderID   uint32 // 0: not tied to an order
	SFID      string // "" keeps what is stored
	// Hash is what was last sent of a customer's Account or Contact, so an
	// unchanged one is not sent again; "" keeps what is stored.
	Hash string
}

// Tx is a unit of work on magesync's own tables.
type Tx struct {
	tx     *sqlx.Tx
	worker string
}

// InTx runs f in a transaction on behalf of worker (the queue lease holder).
func (s *Store) InTx(ctx context.Context, worker string, f func(*Tx) error) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return f(&Tx{tx: tx, worker: worker}) })
}

// Finish records queue entries' outcomes.
func (t *Tx) Finish(ctx context.Context, outcomes ...Outcome) error {
	return finishEntries(ctx, t.tx, t.worker, outcomes)
}

// SaveLinks stores Salesforce IDs of objects (creating rows as needed).
// A blank SFID keeps the stored one.
func (t *Tx) SaveLinks(ctx context.Context, links []Link) error {
	for chunk := range slices.Chunk(links, 500) {
		var q strings.Builder
		q.WriteString(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, sent_hash, state, synced_at) VALUES `)
		args := make([]any, 0, len(chunk)*5)
		for i, l := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			var orderID, sfID, hash any
			if l.OrderID != 0 {
				orderID = l.OrderID
			}
			if l.Hash != "" {
				hash = l.Hash
			}
			if l.SFID != "" {
				sfID = l.SFID
				q.WriteString(`(?, ?, ?, ?, ?, 'in_sync', NOW(6))`)
			} else {
				q.WriteString(`(?, ?, ?, ?, ?, 'pending', NULL)`)
			}
			args = append(args, l.Kind, l.Key, orderID, sfID, hash)
		}
		q.WriteString(` ON DUPLICATE KEY UPDATE sf_id = COALESCE(VALUES(sf_id), sf_id), sent_hash = COALESCE(VALUES(sent_hash), sent_hash),
			state = IF(VALUES(sf_id) IS NULL, state, 'in_sync'),
			synced_at = COALESCE(VALUES(synced_at), synced_at), updated_at = NOW(6)`)
		if _, err := t.tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store: save links: %w", err)
		}
	}
	var orders []uint32
	for _, l := range links {
		if l.Kind == KindOrder && l.OrderID != 0 {
			orders = append(orders, l.OrderID)
		}
	}
	return refreshGridSync(ctx, t.tx, orders)
}

// OrderSync is what a sync attempt learnt of one order.
type OrderSync struct {
	OrderID   uint32
	Synced    bool      // Salesforce took the order: SFID, Hash and SFStatus are set
	SFID      string    // Salesforce Order ID
	Hash      string    // hash of the header last sent in full
	SFStatus  string    // status last sent
	State     SyncState // sync state to show
	LastError string    // shown with the state; "" when in sync
}

// SaveOrders records sync attempts' results on the orders' rows.
func (t *Tx) SaveOrders(ctx context.Context, rows []OrderSync) error {
	for chunk := range slices.Chunk(rows, 500) {
		var q strings.Builder
		q.WriteString(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, sent_hash, sf_status, state, last_error, synced_at) VALUES `)
		args := make([]any, 0, len(chunk)*8)
		for i, r := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			var sfID, hash, status, lastErr any
			if r.Synced {
				sfID, hash, status = r.SFID, r.Hash, r.SFStatus
				q.WriteString(`('order', ?, ?, ?, ?, ?, ?, ?, NOW(6))`)
			} else {
				q.WriteString(`('order', ?, ?, ?, ?, ?, ?, ?, NULL)`)
			}
			if r.LastError != "" {
				lastErr = truncateText(r.LastError)
			}
			args = append(args, OrderKey(r.OrderID), r.OrderID, sfID, hash, status, r.State, lastErr)
		}
		// A row without synced_at only changes the state shown.
		q.WriteString(` ON DUPLICATE KEY UPDATE
			sf_id = IF(VALUES(synced_at) IS NULL, sf_id, VALUES(sf_id)),
			sent_hash = IF(VALUES(synced_at) IS NULL, sent_hash, VALUES(sent_hash)),
			sf_status = IF(VALUES(synced_at) IS NULL, sf_status, VALUES(sf_status)),
			state = VALUES(state), last_error = VALUES(last_error),
			synced_at = COALESCE(VALUES(synced_at), synced_at), updated_at = NOW(6)`)
		if _, err := t.tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store: save order states: %w", err)
		}
	}
	orders := make([]uint32, len(rows))
	for i, r := range rows {
		orders[i] = r.OrderID
	}
	return refreshGridSync(ctx, t.tx, orders)
}

// ForgetItems removes the rows of an order's order products that
// Salesforce no longer has.
func (t *Tx) ForgetItems(ctx context.Context, orderID uint32, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`DELETE FROM magesync_object WHERE kind = ? AND order_id = ? AND magento_key IN (?)`, KindItem, orderID, keys)
	if err != nil {
		return fmt.Errorf("store: forget items of order %d: %w", orderID, err)
	}
	if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: forget items of order %d: %w", orderID, err)
	}
	return nil
}

// DropIntents removes the rows of orders' lines and notes that have no
// Salesforce ID: Salesforce was asked and has none of them. (Earlier
// versions wrote such rows before sending.)
func (t *Tx) DropIntents(ctx context.Context, orderIDs []uint32) error {
	if len(orderIDs) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`DELETE FROM magesync_object WHERE order_id IN (?) AND sf_id IS NULL AND kind <> 'order'`, orderIDs)
	if err != nil {
		return fmt.Errorf("store: drop intents: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: drop intents: %w", err)
	}
	return nil
}

// MarkSending marks orders magesync synced before as being sent again:
// until the outcome is recorded (Settle), it cannot vouch for what
// Salesforce holds of them, and an attempt after a crash reads it back.
func (s *Store) MarkSending(ctx context.Context, orderIDs []uint32) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return setSending(ctx, tx, orderIDs, 1) })
}

// Settle clears MarkSending's mark of orders whose outcome is known.
func (t *Tx) Settle(ctx context.Context, orderIDs []uint32) error {
	return setSending(ctx, t.tx, orderIDs, 0)
}

func setSending(ctx context.Context, tx *sqlx.Tx, orderIDs []uint32, v int) error {
	if len(orderIDs) == 0 {
		return nil
	}
	keys := make([]string, len(orderIDs))
	for i, id := range orderIDs {
		keys[i] = OrderKey(id)
	}
	q, args, err := sqlx.In(`UPDATE magesync_object SET sending = ? WHERE kind = 'order' AND magento_key IN (?)`, v, keys)
	if err != nil {
		return fmt.Errorf("store: mark orders sending: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: mark orders sending: %w", err)
	}
	return nil
}

// MarkChanged flags in-sync orders as not in sync: Magento changed them
// and nothing will send the change by itself.
func (s *Store) MarkChanged(ctx context.Context, orderIDs []uint32) error {
	if len(orderIDs) == 0 {
		return nil
	}
	keys := make([]string, len(orderIDs))
	for i, id := range orderIDs {
		keys[i] = OrderKey(id)
	}
	q, args, err := sqlx.In(`UPDATE magesync_object SET state = 'not_in_sync', last_error = 'Changed in Magento since the last sync',
		updated_at = NOW(6) WHERE kind = 'order' AND magento_key IN (?) AND state = 'in_sync'`, keys)
	if err != nil {
		return fmt.Errorf("store: mark orders changed: %w", err)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: mark orders changed: %w", err)
		}
		return refreshGridSync(ctx, tx, orderIDs)
	})
}

// SetObjectSFID links an object to a Salesforce ID chosen by an admin, or
// unlinks it with "". For an order, its items' and notes' links go too and
// the next sync sends everything to the newly linked record.
func (s *Store) SetObjectSFID(ctx context.Context, kind, key string, orderID uint32, sfID string) error {
	var orderArg, sfArg any
	if orderID != 0 {
		orderArg = orderID
	}
	if sfID != "" {
		sfArg = sfID
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state)
			VALUES (?, ?, ?, ?, 'not_in_sync')
			ON DUPLICATE KEY UPDATE sf_id = VALUES(sf_id), updated_at = NOW(6)`, kind, key, orderArg, sfArg)
		if err != nil {
			return fmt.Errorf("store: link %s %s: %w", kind, key, err)
		}
		if orderID == 0 {
			return nil
		}
		if kind == KindOrder {
			if err := refreshGridSync(ctx, tx, []uint32{orderID}); err != nil {
				return err
			}
		}
		// Another Salesforce order: what was linked to the old one goes, and
		// the next sync sends everything, starting from an unknown status.
		if _, err := tx.ExecContext(ctx, `DELETE FROM magesync_object WHERE order_id = ? AND kind IN ('order_item', 'note')`, orderID); err != nil {
			return fmt.Errorf("store: link order %d: %w", orderID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE magesync_object SET sent_hash = NULL, sf_status = NULL WHERE kind = 'order' AND magento_key = ?`, OrderKey(orderID))
		return err
	})
}

// Cursor is a change detector's watermark.
type Cursor struct {
	At   time.Time
	ID   uint64
	Note string
}

// Cursor reads a named watermark; ok is false when none is stored.
func (s *Store) Cursor(ctx context.Context, name string) (c Cursor, ok bool, err error) {
	var row struct {
		At   sql.NullTime `db:"position_at"`
		ID   uint64       `db:"position_id"`
		Note string       `db:"note"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT position_at, position_id, note FROM magesync_cursor WHERE name = ?`, name)
	if err == sql.ErrNoRows {
		return Cursor{}, false, nil
	}
	if err != nil {
		return Cursor{}, false, fmt.Errorf("store: read cursor %s: %w", name, err)
	}
	return Cursor{At: row.At.Time, ID: row.ID, Note: row.Note}, true, nil
}

// SetCursor stores a named watermark.
func (s *Store) SetCursor(ctx context.Context, name string, c Cursor) error {
	var at any
	if !c.At.IsZero() {
		at = c.At.UTC()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO magesync_cursor (name, position_at, position_id, note) VALUES (?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE position_at = VALUES(position_at), position_id = VALUES(position_id),
			note = VALUES(note), updated_at = NOW(6)`, name, at, c.ID, c.Note)
	if err != nil {
		return fmt.Errorf("store: write cursor %s: %w", name, err)
	}
	return nil
}

// DBNow is the database's clock, which the queue's times are in.
func (s *Store) DBNow(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := s.db.GetContext(ctx, &t, `SELECT NOW(6)`); err != nil {
		return time.Time{}, fmt.Errorf("store: read clock: %w", err)
	}
	return t, nil
}

// ForgetSFStatus marks an order's Salesforce status as unknown, so that the
// next full sync first puts it back in the Default Status.
func (t *Tx) ForgetSFStatus(ctx context.Context, orderID uint32) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE magesync_object SET sf_status = NULL WHERE kind = 'order' AND magento_key = ?`, OrderKey(orderID))
	if err != nil {
		return fmt.Errorf("store: forget status of order %d: %w", orderID, err)
	}
	return nil
}
