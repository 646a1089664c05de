package engine

import (
	"context"
	"errors"
	"maps"
	"time"

	"magesync/metrics"
	"magesync/store"
)

// The change detector polls Magento for new and changed orders (by
// sales_order.updated_at) and new comments (by status history id). Magento
// stamps updated_at in whole seconds and a transaction may commit after a
// later one, so each poll looks back a little (overlap) and remembers what
// it has seen there (store.OrderStamp), rather than trusting a strict
// watermark.
const (
	cursorOrders   = "detector_orders"
	cursorComments = "detector_comments"
	orderOverlap   = 3 * time.Second
	commentOverlap = 500 // history ids
	detectPage     = 2000
	gridOverlap    = 10 * time.Second
)

type detector struct {
	loaded       bool
	ordersAt     time.Time
	seenOrders   map[uint32]store.OrderStamp
	commentsID   uint64
	seenComments map[uint64]bool
}

// RunDetector polls for changes until ctx ends. Of several processes
// running it against one database, one detects at a time (a MySQL named
// lock); the others wait to take over.
func (e *Engine) RunDetector(ctx context.Context) {
	for ctx.Err() == nil {
		lock, err := e.st.NamedLock(ctx, "magesync_detector", 0)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
				e.log.Warn("change detector waits for the database", "err", err)
			}
			sleep(ctx, 2*time.Second)
			continue
		}
		d := &detector{}
		var sampled time.Time
		tick := time.NewTicker(e.opts.PollInterval)
		for ctx.Err() == nil {
			if _, err := e.detect(ctx, d); err != nil && ctx.Err() == nil {
				e.log.Error("change detection failed", "err", err)
			}
			// The orders grid's copy follows Magento's grid here too (pages
			// copy what is new), and looks back for changes committed late.
			// While another process copies (ErrGridBusy), this tick's copy
			// is left to it.
			_, err := e.st.CopyGrid(ctx, 5000)
			if err == nil {
				err = e.st.RecopyRecentGrid(ctx, gridOverlap, 5000)
			}
			if err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrGridBusy) {
				e.log.Error("copying the orders grid failed", "err", err)
			}
			// The queue page's chart: a sample a minute.
			if time.Since(sampled) >= time.Minute {
				if err := e.st.SampleQueue(ctx); err != nil && ctx.Err() == nil {
					e.log.Error("sampling the queue failed", "err", err)
				} else {
					sampled = time.Now()
				}
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
			// Lose leadership if the lock's connection died.
			if !lock.Alive(ctx) {
				break
			}
		}
		tick.Stop()
		lock.Release()
	}
}

// load reads the watermarks and what the overlap windows held before.
func (e *Engine) load(ctx context.Context, d *detector) error {
	d.seenOrders, d.seenComments = map[uint32]store.OrderStamp{}, map[uint64]bool{}
	c, ok, err := e.st.Cursor(ctx, cursorOrders)
	if err != nil {
		return err
	}
	if ok {
		d.ordersAt = c.At
	} else if d.ordersAt, err = e.st.DBNow(ctx); err != nil {
		return err
	}
	c, ok, err = e.st.Cursor(ctx, cursorComments)
	if err != nil {
		return err
	}
	if ok {
		d.commentsID = c.ID
	} else if d.commentsID, err = e.st.LastCommentID(ctx); err != nil {
		return err
	}
	orders, err := e.st.OrderStampsBetween(ctx, d.ordersAt.Add(-orderOverlap), d.ordersAt)
	if err != nil {
		return err
	}
	for _, o := range orders {
		d.seenOrders[o.ID] = o
	}
	from := d.commentsID - min(d.commentsID, commentOverlap)
	for {
		rows, err := e.st.CommentsAfter(ctx, from, detectPage)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.ID <= d.commentsID {
				d.seenComments[r.ID] = true
			}
		}
		if len(rows) < detectPage || rows[len(rows)-1].ID >= d.commentsID {
			break
		}
		from = rows[len(rows)-1].ID
	}
	d.loaded = true
	return nil
}

// detect runs one poll: it returns the ids of orders that changed since the
// last one and, with Automatic Synchronization = Yes, queues them; with No,
// it marks synced ones as not in sync. What it saw is remembered only once
// the queue and the watermarks are written: a poll that fails is repeated
// whole by the next one.
func (e *Engine) detect(ctx context.Context, d *detector) ([]uint32, error) {
	if !d.loaded {
		if err := e.load(ctx, d); err != nil {
			return nil, err
		}
	}
	seenOrders, seenComments := maps.Clone(d.seenOrders), maps.Clone(d.seenComments)
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
		rows, err := e.st.OrdersUpdatedAfter(ctx, fromAt, fromID, detectPage)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if seen, ok := seenOrders[r.ID]; !ok || !seen.At.Equal(r.At) || seen.Hash != r.Hash {
				seenOrders[r.ID] = r
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
	for id, seen := range seenOrders {
		if seen.At.Before(newest.Add(-orderOverlap)) {
			delete(seenOrders, id)
		}
	}

	// Comments: a new status history row does not touch sales_order.
	from := d.commentsID - min(d.commentsID, commentOverlap)
	maxID := d.commentsID
	for {
		rows, err := e.st.CommentsAfter(ctx, from, detectPage)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !seenComments[r.ID] {
				seenComments[r.ID] = true
				mark(r.OrderID)
			}
			maxID = max(maxID, r.ID)
		}
		if len(rows) < detectPage {
			break
		}
		from = rows[len(rows)-1].ID
	}
	for id := range seenComments {
		if id+commentOverlap < maxID {
			delete(seenComments, id)
		}
	}

	if len(order) > 0 {
		// Automatic Synchronization is the order's website's.
		all, err := e.st.WebsiteSettings(ctx)
		if err != nil {
			return nil, err
		}
		websites, err := e.st.OrderWebsites(ctx, order)
		if err != nil {
			return nil, err
		}
		var auto, marked []uint32
		for _, id := range order {
			s, err := all.For(websites[id])
			if err != nil {
				return nil, err
			}
			if s.AutomaticSync {
				auto = append(auto, id)
			} else {
				marked = append(marked, id)
			}
		}
		if len(auto) > 0 {
			if _, err := e.Enqueue(ctx, auto, store.ReasonAuto); err != nil {
				return nil, err
			}
		}
		if len(marked) > 0 {
			if err := e.st.MarkChanged(ctx, marked); err != nil {
				return nil, err
			}
		}
	}
	if err := e.st.SetCursor(ctx, cursorOrders, store.Cursor{At: newest}); err != nil {
		return nil, err
	}
	if err := e.st.SetCursor(ctx, cursorComments, store.Cursor{ID: maxID}); err != nil {
		return nil, err
	}
	d.seenOrders, d.seenComments, d.ordersAt, d.commentsID = seenOrders, seenComments, newest, maxID
	metrics.DetectorPoll.SetToCurrentTime()
	return order, nil
}
