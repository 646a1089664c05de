package engine

import (
	"context"
	"fmt"
	"time"

	"magesync/store"
)

// The change detector polls Magento for new and changed orders (by
// sales_order.updated_at) and new comments (by status history id). Magento
// stamps updated_at in whole seconds and a transaction may commit after a
// later one, so each poll looks back a little (overlap) and remembers what
// it has seen there, rather than trusting a strict watermark. Two updates in
// one second leave updated_at alone, so what is remembered is a fingerprint
// of the row's columns, not only its time.
const (
	cursorOrders   = "detector_orders"
	cursorComments = "detector_comments"
	orderOverlap   = 3 * time.Second
	commentOverlap = 500 // history ids
	detectPage     = 2000
)

type seenRow struct {
	at   time.Time
	hash string
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

type detector struct {
	loaded       bool
	ordersAt     time.Time
	seenOrders   map[uint32]seenRow
	commentsID   uint64
	seenComments map[uint64]bool
}

// RunDetector polls for changes until ctx ends. Of several processes
// running it against one database, one detects at a time (a MySQL named
// lock); the others wait to take over.
func (e *Engine) RunDetector(ctx context.Context) {
	for ctx.Err() == nil {
		conn, err := e.st.DB().Conn(ctx)
		if err != nil {
			sleep(ctx, 2*time.Second)
			continue
		}
		var got int
		// Named locks are server-wide: the name carries the database's.
		err = conn.QueryRowContext(ctx, `SELECT GET_LOCK(CONCAT('magesync_detector.', DATABASE()), 0)`).Scan(&got)
		if err != nil || got != 1 {
			conn.Close()
			sleep(ctx, 2*time.Second)
			continue
		}
		d := &detector{}
		tick := time.NewTicker(e.opts.PollInterval)
		for ctx.Err() == nil {
			if _, err := e.detect(ctx, d); err != nil && ctx.Err() == nil {
				e.log.Error("change detection failed", "err", err)
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
			// Keep the lock's connection alive; lose leadership if it died.
			if err := conn.PingContext(ctx); err != nil {
				break
			}
		}
		tick.Stop()
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(CONCAT('magesync_detector.', DATABASE()))`)
		conn.Close()
	}
}

// detect runs one poll: it returns the ids of orders that changed since the
// last one and, with Automatic Synchronization = Yes, queues them; with No,
// it marks synced ones as not in sync.
func (e *Engine) detect(ctx context.Context, d *detector) ([]uint32, error) {
	db := e.st.DB()
	if !d.loaded {
		d.seenOrders, d.seenComments = map[uint32]seenRow{}, map[uint64]bool{}
		c, ok, err := e.st.Cursor(ctx, cursorOrders)
		if err != nil {
			return nil, err
		}
		if ok {
			d.ordersAt = c.At
		} else if d.ordersAt, err = e.st.DBNow(ctx); err != nil {
			return nil, err
		}
		c, ok, err = e.st.Cursor(ctx, cursorComments)
		if err != nil {
			return nil, err
		}
		if ok {
			d.commentsID = c.ID
		} else if err := db.GetContext(ctx, &d.commentsID, `SELECT COALESCE(MAX(entity_id), 0) FROM sales_order_status_history`); err != nil {
			return nil, fmt.Errorf("engine: detect: %w", err)
		}
		// What lies in the overlap windows was seen before the restart.
		var orders []struct {
			ID   uint32    `db:"entity_id"`
			At   time.Time `db:"updated_at"`
			Hash string    `db:"fp"`
		}
		if err := db.SelectContext(ctx, &orders, `SELECT entity_id, updated_at, `+orderFingerprint+` AS fp FROM sales_order
			WHERE updated_at >= ? AND updated_at <= ?`, d.ordersAt.Add(-orderOverlap), d.ordersAt); err != nil {
			return nil, fmt.Errorf("engine: detect: %w", err)
		}
		for _, o := range orders {
			d.seenOrders[o.ID] = seenRow{o.At, o.Hash}
		}
		var comments []uint64
		if err := db.SelectContext(ctx, &comments, `SELECT entity_id FROM sales_order_status_history
			WHERE entity_id > ? AND entity_id <= ?`, d.commentsID-min(d.commentsID, commentOverlap), d.commentsID); err != nil {
			return nil, fmt.Errorf("engine: detect: %w", err)
		}
		for _, id := range comments {
			d.seenComments[id] = true
		}
		d.loaded = true
	}

	changed := map[uint32]bool{}
	var order []uint32
	mark := func(id uint32) {
		if !changed[id] {
			changed[id] = true
			order = append(order, id)
		}
	}

	// Orders, page by page in (updated_at, entity_id) order.
	fromAt, fromID := d.ordersAt.Add(-orderOverlap), uint32(0)
	newest := d.ordersAt
	for {
		var rows []struct {
			ID   uint32    `db:"entity_id"`
			At   time.Time `db:"updated_at"`
			Hash string    `db:"fp"`
		}
		err := db.SelectContext(ctx, &rows, `SELECT entity_id, updated_at, `+orderFingerprint+` AS fp FROM sales_order
			WHERE updated_at > ? OR (updated_at = ? AND entity_id > ?)
			ORDER BY updated_at, entity_id LIMIT ?`, fromAt, fromAt, fromID, detectPage)
		if err != nil {
			return nil, fmt.Errorf("engine: detect changed orders: %w", err)
		}
		for _, r := range rows {
			if seen, ok := d.seenOrders[r.ID]; !ok || !seen.at.Equal(r.At) || seen.hash != r.Hash {
				d.seenOrders[r.ID] = seenRow{r.At, r.Hash}
				mark(r.ID)
			}
			if r.At.After(newest) {
				newest = r.At
			}
		}
		if len(rows) < detectPage {
			break
		}
		fromAt, fromID = rows[len(rows)-1].At, rows[len(rows)-1].ID
	}
	d.ordersAt = newest
	for id, seen := range d.seenOrders {
		if seen.at.Before(newest.Add(-orderOverlap)) {
			delete(d.seenOrders, id)
		}
	}

	// Comments: a new status history row does not touch sales_order.
	from := uint64(0)
	if d.commentsID > commentOverlap {
		from = d.commentsID - commentOverlap
	}
	maxID := d.commentsID
	for {
		var rows []struct {
			ID     uint64 `db:"entity_id"`
			Parent uint32 `db:"parent_id"`
		}
		err := db.SelectContext(ctx, &rows, `SELECT entity_id, parent_id FROM sales_order_status_history
			WHERE entity_id > ? ORDER BY entity_id LIMIT ?`, from, detectPage)
		if err != nil {
			return nil, fmt.Errorf("engine: detect new comments: %w", err)
		}
		for _, r := range rows {
			if !d.seenComments[r.ID] {
				d.seenComments[r.ID] = true
				mark(r.Parent)
			}
			maxID = max(maxID, r.ID)
		}
		if len(rows) < detectPage {
			break
		}
		from = rows[len(rows)-1].ID
	}
	d.commentsID = maxID
	for id := range d.seenComments {
		if id+commentOverlap < maxID {
			delete(d.seenComments, id)
		}
	}

	if len(order) > 0 {
		s, err := e.st.OrderSettings(ctx)
		if err != nil {
			return nil, err
		}
		if s.AutomaticSync {
			if _, err := e.Enqueue(ctx, order, store.ReasonAuto); err != nil {
				return nil, err
			}
		} else if err := e.st.MarkChanged(ctx, order); err != nil {
			return nil, err
		}
	}
	if err := e.st.SetCursor(ctx, cursorOrders, store.Cursor{At: d.ordersAt}); err != nil {
		return nil, err
	}
	if err := e.st.SetCursor(ctx, cursorComments, store.Cursor{ID: d.commentsID}); err != nil {
		return nil, err
	}
	return order, nil
}
