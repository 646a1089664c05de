package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
	"magesync/store/magentodb"
)

// TestGridMatchesMagento checks every sort, in both directions, under
// several filters, page by page and the last page, against plain SQL over
// Magento's grid joined with magesync's objects: the copy never differs.
func TestGridMatchesMagento(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 70)
	// Orders in every state, some with Salesforce IDs, some without rows,
	// written by hand: the grid's copy is rebuilt, as after a restore.
	if _, err := s.DB().Exec(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state)
		SELECT 'order', entity_id, entity_id,
			IF(entity_id % 5 = 0, NULL, CONCAT('8015g', LPAD(1000 - entity_id * 7 % 97, 13, '0'))),
			ELT(entity_id % 4 + 1, 'in_sync', 'error', 'pending', 'not_in_sync')
		FROM sales_order WHERE entity_id % 3 <> 0`); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildGrid(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("walks", func(t *testing.T) { gridMatchesMagento(t, s) })
	// Every walk along the sort's index stopped at its first row: each page
	// is then read by the filters, and must be the same.
	// Every page of the purchase-date sort found from the orders counted
	// per day, however near the start.
	old := store.SetJumpFrom(0)
	t.Run("pages found by days", func(t *testing.T) { gridMatchesMagento(t, s) })
	store.SetJumpFrom(old)
	restore := store.SetWalkLimits(0, 1, 0)
	defer restore()
	t.Run("walks stopped", func(t *testing.T) { gridMatchesMagento(t, s) })
}

// checkDayCounts fails t unless magesync_grid_day_count counts every
// day's orders by status and store exactly, and magesync_grid_day's
// bounds hold them.
func checkDayCounts(t *testing.T, s *store.Store) {
	t.Helper()
	var wrong, stray, unbounded int
	if err := s.DB().Get(&wrong, `SELECT COUNT(*) FROM (SELECT DATE(created_at) AS day, COALESCE(status, '') AS st,
			COALESCE(store_id, 0) AS sid, COUNT(*) AS n FROM magesync_grid WHERE created_at IS NOT NULL GROUP BY 1, 2, 3) g
		LEFT JOIN magesync_grid_day_count c ON c.day = g.day AND c.status = g.st AND c.store_id = g.sid
		WHERE c.day IS NULL OR c.orders <> g.n`); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&stray, `SELECT COUNT(*) FROM magesync_grid_day_count c WHERE c.orders <> (SELECT COUNT(*) FROM magesync_grid g
		WHERE g.created_at >= c.day AND g.created_at < c.day + INTERVAL 1 DAY AND COALESCE(g.status, '') = c.status
			AND COALESCE(g.store_id, 0) = c.store_id)`); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&unbounded, `SELECT COUNT(*) FROM (SELECT DATE(created_at) AS day, MIN(entity_id) AS lo, MAX(entity_id) AS hi
		FROM magesync_grid WHERE created_at IS NOT NULL GROUP BY DATE(created_at)) g
		LEFT JOIN magesync_grid_day d ON d.day = g.day WHERE d.day IS NULL OR d.min_id > g.lo OR d.max_id < g.hi`); err != nil {
		t.Fatal(err)
	}
	if wrong+stray+unbounded > 0 {
		t.Errorf("%d day counts wrong or missing, %d counted for orders no longer there, %d days unbounded", wrong, stray, unbounded)
	}
}

func gridMatchesMagento(t *testing.T, s *store.Store) {
	ctx := context.Background()
	naiveCol := map[string]string{"sync": "COALESCE(o.state, 'not_in_sync')", "sf_id": "o.sf_id"}
	// A date range from the 20th purchase to the 50th.
	var days []time.Time
	if err := s.DB().Select(&days, `SELECT created_at FROM sales_order_grid ORDER BY created_at LIMIT 2 OFFSET 19`); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	if err := s.DB().Get(&last, `SELECT created_at FROM sales_order_grid ORDER BY created_at LIMIT 1 OFFSET 49`); err != nil {
		t.Fatal(err)
	}
	from, to := days[0].Add(time.Second), last
	dates := fmt.Sprintf(" g.created_at >= '%s' AND g.created_at < '%s'", from.Format(time.DateTime), to.Format(time.DateTime))
	filters := []struct {
		q     store.GridQuery
		where string
	}{
		{store.GridQuery{From: from, To: to}, " WHERE" + dates},
		{store.GridQuery{From: from, To: to, Sync: store.StateNotInSync}, " WHERE COALESCE(o.state, 'not_in_sync') = 'not_in_sync' AND" + dates},
		{store.GridQuery{From: from}, " WHERE g.created_at >= '" + from.Format(time.DateTime) + "'"},
		{store.GridQuery{To: to}, " WHERE g.created_at < '" + to.Format(time.DateTime) + "'"},
		{store.GridQuery{}, ""},
		{store.GridQuery{Statuses: []string{"complete", "processing", "pending"}}, " WHERE g.status IN ('complete', 'processing', 'pending')"},
		{store.GridQuery{Sync: store.StateNotInSync}, " WHERE COALESCE(o.state, 'not_in_sync') = 'not_in_sync'"},
		{store.GridQuery{Sync: store.StateError, StoreID: 1}, " WHERE o.state = 'error' AND g.store_id = 1"},
	}
	for _, f := range filters {
		for key, col := range store.GridSortColumns {
			if c, ok := naiveCol[key]; ok {
				col = c
			}
			for _, desc := range []bool{false, true} {
				dir := "ASC"
				if desc {
					dir = "DESC"
				}
				var want []uint32
				if err := s.DB().Select(&want, `SELECT g.entity_id FROM sales_order_grid g
					LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order'`+f.where+
					` ORDER BY `+col+` `+dir+`, g.entity_id `+dir); err != nil {
					t.Fatal(err)
				}
				q := f.q
				q.Sort, q.Desc, q.Size = key, desc, 20
				var all []uint32
				for page := 1; page <= (len(want)+19)/20; page++ {
					q.Page = page
					p, err := s.OrderGrid(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if p.Total != len(want) || !p.Exact {
						t.Errorf("sort %s %s %+v: total %d (exact %v), want %d", key, dir, f.q, p.Total, p.Exact, len(want))
					}
					for _, r := range p.Rows {
						all = append(all, r.EntityID)
					}
				}
				if !slices.Equal(all, want) {
					t.Errorf("sort %s %s %+v:\n got %v\nwant %v", key, dir, f.q, all, want)
				}
				// Next from each page's last order, then Previous from each
				// page's first: the same pages, read from where they start.
				var pages [][]uint32
				q.Page = 1
				for {
					p, err := s.OrderGrid(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Rows) == 0 || len(pages) > len(want)/20+1 {
						break
					}
					var ids []uint32
					for _, r := range p.Rows {
						ids = append(ids, r.EntityID)
					}
					pages = append(pages, ids)
					q.Page, q.After, q.Before = q.Page+1, ids[len(ids)-1], 0
				}
				if got := slices.Concat(pages...); !slices.Equal(got, want) {
					t.Errorf("sort %s %s %+v, Next after Next:\n got %v\nwant %v", key, dir, f.q, got, want)
				}
				for i := len(pages) - 1; i > 0; i-- {
					q.Page, q.After, q.Before = i, 0, pages[i][0]
					p, err := s.OrderGrid(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					var ids []uint32
					for _, r := range p.Rows {
						ids = append(ids, r.EntityID)
					}
					if !slices.Equal(ids, pages[i-1]) {
						t.Errorf("sort %s %s %+v, Previous from page %d: %v, want %v", key, dir, f.q, i+1, ids, pages[i-1])
					}
				}
				q.After, q.Before = 0, 0
				q.Page, q.Last = 99, true
				p, err := s.OrderGrid(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var last []uint32
				for _, r := range p.Rows {
					last = append(last, r.EntityID)
				}
				if from := (max(len(want)-1, 0) / 20) * 20; !slices.Equal(last, want[from:]) || p.Page != from/20+1 {
					t.Errorf("sort %s %s %+v: last page %d %v, want %d %v", key, dir, f.q, p.Page, last, from/20+1, want[from:])
				}
			}
		}
	}
}

// TestGridCopyFollowsMagentoAndSyncs: a changed order, a new one, and a
// sync state change show in the grid at the next page.
func TestGridCopyFollowsMagentoAndSyncs(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 5)
	find := func(q store.GridQuery) []store.GridRow {
		t.Helper()
		q.Size = 20
		p, err := s.OrderGrid(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return p.Rows
	}
	if rows := find(store.GridQuery{Keyword: "Zanzibarova"}); len(rows) != 0 {
		t.Fatalf("a name no order has: %v", rows)
	}
	// Magento renames the billing of order 2 (its grid row stamped now)
	// and places order 6.
	mustExec(t, s.DB().Exec, `UPDATE sales_order_grid SET billing_name = 'Ana Zanzibarova', updated_at = NOW() + INTERVAL 1 SECOND WHERE entity_id = 2`)
	mustExec(t, s.DB().Exec, `INSERT INTO sales_order_grid (entity_id, status, store_id, increment_id, billing_name, created_at, updated_at, grand_total, base_grand_total)
		VALUES (6, 'pending', 1, '000000006', 'Bo Zanzibarova', NOW(), NULL, 5, 5)`)
	rows := find(store.GridQuery{Keyword: "Zanzibarova", Sort: "created_at"})
	if len(rows) != 2 || rows[0].EntityID != 2 || rows[1].EntityID != 6 {
		t.Errorf("after Magento's changes: %+v", rows)
	}
	// A sync state written by magesync shows at once.
	if _, err := s.Enqueue(ctx, []uint32{3}, store.ReasonManual); err != nil {
		t.Fatal(err)
	}
	if rows := find(store.GridQuery{Sync: store.StatePending}); len(rows) != 1 || rows[0].EntityID != 3 {
		t.Errorf("pending after Enqueue: %+v", rows)
	}
	if err := s.InTx(ctx, "w", func(tx *store.Tx) error {
		return tx.SaveOrders(ctx, []store.OrderSync{{OrderID: 3, Synced: true, SFID: "8015g000000000AAAA", State: store.StateInSync}})
	}); err != nil {
		t.Fatal(err)
	}
	if rows := find(store.GridQuery{Sync: store.StateInSync}); len(rows) != 1 || rows[0].SFID != "8015g000000000AAAA" {
		t.Errorf("in sync after the sync: %+v", rows)
	}
	if err := s.MarkChanged(ctx, []uint32{3}); err != nil {
		t.Fatal(err)
	}
	if rows := find(store.GridQuery{Sync: store.StateNotInSync, Sort: "sf_id", Desc: true}); len(rows) != 6 || rows[0].EntityID != 3 {
		t.Errorf("not in sync after a change: %+v", rows)
	}
	// Magento moves order 1 to another day (an import fixing dates): both
	// days are counted again.
	mustExec(t, s.DB().Exec, `UPDATE sales_order_grid SET created_at = created_at - INTERVAL 3 DAY, updated_at = NOW() + INTERVAL 2 SECOND WHERE entity_id = 1`)
	find(store.GridQuery{})
	checkDayCounts(t, s)
	if err := s.RebuildGrid(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s.DB().Exec, `DELETE FROM sales_order_grid WHERE entity_id = 4`)
	if err := s.RebuildGrid(ctx); err != nil {
		t.Fatal(err)
	}
	checkDayCounts(t, s)
	// An order without a purchase date is counted, and sorts first.
	mustExec(t, s.DB().Exec, `INSERT INTO sales_order_grid (entity_id, status, store_id, increment_id, created_at, updated_at)
		VALUES (7, 'pending', 1, '000000007', NULL, NULL)`)
	p, err := s.OrderGrid(ctx, store.GridQuery{Sort: "created_at", Size: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 6 || !p.Exact || len(p.Rows) != 6 || p.Rows[0].EntityID != 7 {
		t.Errorf("with an undated order: %d orders (exact %v), rows %+v; want 6 exactly, order 7 first", p.Total, p.Exact, p.Rows)
	}
}

// TestGridCopyThatFailsCountsNothingWrong: a copy that fails after writing
// an order's new purchase day leaves nothing behind, so the next copy still
// counts again the day the order left.
func TestGridCopyThatFailsCountsNothingWrong(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 5)
	if err := s.CatchUpGrid(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s.DB().Exec, `UPDATE sales_order_grid SET created_at = created_at - INTERVAL 3 DAY, updated_at = NOW() + INTERVAL 1 SECOND WHERE entity_id = 1`)
	// The days' counts cannot be written: the copy fails at its recount.
	mustExec(t, s.DB().Exec, `CREATE TRIGGER magesync_test_no_counts BEFORE INSERT ON magesync_grid_day_count
		FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no counts'`)
	if _, err := s.CopyGrid(ctx, 100); err == nil {
		t.Fatal("the copy succeeded without writing its counts")
	}
	mustExec(t, s.DB().Exec, `DROP TRIGGER magesync_test_no_counts`)
	if err := s.CatchUpGrid(ctx); err != nil {
		t.Fatal(err)
	}
	checkDayCounts(t, s)
}

func TestGridKeywordSearch(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 50)
	var name string
	if err := s.DB().Get(&name, `SELECT SUBSTRING_INDEX(billing_name, ' ', -1) FROM sales_order_grid WHERE entity_id = 3`); err != nil {
		t.Fatal(err)
	}
	var want []uint32
	if err := s.DB().Select(&want, `SELECT entity_id FROM sales_order_grid WHERE billing_name LIKE CONCAT('%', ?, '%')
		OR shipping_name LIKE CONCAT('%', ?, '%') OR customer_name LIKE CONCAT('%', ?, '%') ORDER BY created_at DESC, entity_id DESC`, name, name, name); err != nil {
		t.Fatal(err)
	}
	p, err := s.OrderGrid(ctx, store.GridQuery{Keyword: name + " @+-", Sort: "created_at", Desc: true, Size: 20, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total < len(want) || len(p.Rows) == 0 || p.Rows[0].EntityID != want[0] {
		t.Errorf("search %q: %d rows of %d, first %v; want %d matches starting %d", name, len(p.Rows), p.Total, p.Rows, len(want), want[0])
	}
	// Past the last page: the last page, and the count still right.
	p2, err := s.OrderGrid(ctx, store.GridQuery{Keyword: name, Sort: "created_at", Desc: true, Size: 20, Page: 99})
	if err != nil || p2.Page != (p.Total+19)/20 || p2.Total != p.Total || len(p2.Rows) == 0 || p2.Rows[len(p2.Rows)-1].EntityID != want[len(want)-1] {
		t.Errorf("page 99: page %d, %d rows, total %d (want %d), %v", p2.Page, len(p2.Rows), p2.Total, p.Total, err)
	}
}

func TestEnqueueManyOrders(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 4500)
	ids, err := s.OrderGridIDs(ctx, store.GridQuery{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := s.Enqueue(ctx, ids, store.ReasonBulk)
	if err != nil || len(entries) != 4500 {
		t.Fatalf("enqueued %d of 4500: %v", len(entries), err)
	}
	// Again: every order keeps its one open entry.
	again, err := s.Enqueue(ctx, ids, store.ReasonManual)
	if err != nil || !slices.Equal(again, entries) {
		t.Errorf("second enqueue: %d entries, %v", len(again), err)
	}
}

// TestEnqueueGridAChunkAtATime: "select all matching" queues exactly the
// orders the grid's filters match, a chunk at a time, and so does
// sync --all's EnqueueMatching.
func TestEnqueueGridAChunkAtATime(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 120)
	defer store.SetEnqueueChunk(store.SetEnqueueChunk(7))
	q := store.GridQuery{Statuses: []string{"complete", "processing"}}
	want, err := s.OrderGridIDs(ctx, q)
	if err != nil || len(want) < 15 {
		t.Fatalf("%d orders complete or processing: %v", len(want), err)
	}
	set, err := s.EnqueueGrid(ctx, q, store.ReasonBulk)
	if err != nil {
		t.Fatal(err)
	}
	var queued []uint32
	if err := s.DB().Select(&queued, `SELECT order_id FROM magesync_queue ORDER BY order_id`); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(queued, want) || set.Len() != len(want) {
		t.Errorf("queued %v (%d entries), want %v", queued, set.Len(), want)
	}
	all, err := s.EnqueueMatching(ctx, store.OrderFilter{}, store.ReasonBulk)
	if err != nil || all.Len() != 120 {
		t.Errorf("every order: %d entries, %v", all.Len(), err)
	}
}

func TestLeases(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 3)
	if _, err := s.Enqueue(ctx, []uint32{1, 2}, store.ReasonManual); err != nil {
		t.Fatal(err)
	}
	a, err := s.ClaimQueue(ctx, "a", 10, time.Minute)
	if err != nil || len(a) != 2 || a[0].Attempts != 1 {
		t.Fatalf("claim a: %+v %v", a, err)
	}
	if b, _ := s.ClaimQueue(ctx, "b", 10, time.Minute); len(b) != 0 {
		t.Fatalf("b claimed leased entries: %+v", b)
	}
	// a's lease on entry 1 runs out (a stalled); the rescue hands it back and b takes it over.
	s.DB().Exec(`UPDATE magesync_queue SET lease_until = NOW(6) - INTERVAL 1 SECOND WHERE id = ?`, a[0].ID)
	if n, err := s.RescueLeases(ctx, 8); n != 1 || err != nil {
		t.Fatalf("rescued %d: %v", n, err)
	}
	b, err := s.ClaimQueue(ctx, "b", 10, time.Minute)
	if err != nil || len(b) != 1 || b[0].ID != a[0].ID || b[0].Attempts != 2 {
		t.Fatalf("claim b: %+v %v", b, err)
	}
	held, err := s.RenewLeases(ctx, "a", []uint64{a[0].ID, a[1].ID}, time.Minute)
	if err != nil || !slices.Equal(held, []uint64{a[1].ID}) {
		t.Errorf("a still holds %v, want only %d", held, a[1].ID)
	}
	// a's late outcome for the entry b holds changes nothing.
	if err := s.InTx(ctx, "a", func(tx *store.Tx) error {
		return tx.Finish(ctx, store.Outcome{EntryID: a[0].ID, Status: store.QueueComplete, Message: "late"})
	}); err != nil {
		t.Fatal(err)
	}
	e, _ := s.QueueEntries(ctx, []uint64{a[0].ID})
	if e[0].Status != store.QueueProcessing || e[0].LeaseOwner != "b" {
		t.Errorf("entry after a's late outcome: %+v", e[0])
	}
}

// TestGridCopyPages: a mass update in one second, more rows than a copy
// takes, is copied over a few calls; a change committed late, stamped
// before the cursor, is caught by the look back.
func TestGridCopyPages(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 30)
	if err := s.CatchUpGrid(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s.DB().Exec, `UPDATE sales_order_grid SET status = 'holded', updated_at = NOW() + INTERVAL 2 SECOND`)
	calls := 0
	for c := (store.GridCopy{}); !c.CaughtUp; calls++ {
		if calls > 6 {
			t.Fatal("the copy does not get past a mass update in one second")
		}
		var err error
		if c, err = s.CopyGrid(ctx, 7); err != nil {
			t.Fatal(err)
		}
	}
	var held int
	s.DB().Get(&held, `SELECT COUNT(*) FROM magesync_grid WHERE status = 'holded'`)
	if held != 30 || calls != 5 {
		t.Errorf("%d of 30 copied in %d calls, want all in 5", held, calls)
	}
	mustExec(t, s.DB().Exec, `UPDATE sales_order_grid SET billing_name = 'Late Commit', updated_at = NOW() WHERE entity_id = 4`)
	if _, err := s.CopyGrid(ctx, 100); err != nil {
		t.Fatal(err)
	}
	var name string
	s.DB().Get(&name, `SELECT billing_name FROM magesync_grid WHERE entity_id = 4`)
	if name == "Late Commit" {
		t.Fatal("the test's change was not behind the cursor")
	}
	if err := s.RecopyRecentGrid(ctx, 10*time.Second, 100); err != nil {
		t.Fatal(err)
	}
	s.DB().Get(&name, `SELECT billing_name FROM magesync_grid WHERE entity_id = 4`)
	if name != "Late Commit" {
		t.Errorf("the look back missed a late change: %q", name)
	}
	// A grid row Magento's indexer adds late, below the newest id copied
	// and stamped long ago, is found by the look back too.
	mustExec(t, s.DB().Exec, `DELETE FROM magesync_grid WHERE entity_id = 17`)
	if err := s.RecopyRecentGrid(ctx, 10*time.Second, 100); err != nil {
		t.Fatal(err)
	}
	var n int
	s.DB().Get(&n, `SELECT COUNT(*) FROM magesync_grid WHERE entity_id = 17`)
	if n != 1 {
		t.Error("the look back missed a grid row added late")
	}
}

// TestKeywordPlans: read by the rarest word's matches, or walking the sort
// and checking each row's words, a keyword search finds the same orders as
// a plain scan of Magento's grid, prefixes and accents as Magento's search.
func TestKeywordPlans(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 80)
	mustExec(t, s.DB().Exec, `UPDATE sales_order_grid SET billing_name = 'Zoë Müller-Lüdenscheidt', updated_at = NOW() + INTERVAL 1 SECOND WHERE entity_id IN (5, 9)`)
	var city string
	if err := s.DB().Get(&city, `SELECT SUBSTRING_INDEX(SUBSTRING_INDEX(billing_address, ',', 2), ',', -1) FROM sales_order_grid WHERE entity_id = 7`); err != nil {
		t.Fatal(err)
	}
	city = strings.TrimSpace(city)
	cases := []struct{ keyword, like string }{
		{"muller", "%müller%"},
		{"MÜLL lüden", "%müller-lüdenscheidt%"},
		{city, "%" + city + "%"},
	}
	for _, c := range cases {
		var want []uint32
		if err := s.DB().Select(&want, `SELECT entity_id FROM sales_order_grid WHERE CONCAT_WS(' ', billing_name, shipping_name,
			billing_address, shipping_address, customer_name, customer_email) LIKE ? ORDER BY created_at DESC, entity_id DESC`, c.like); err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("%q matches nothing in the test store", c.keyword)
		}
		for _, drive := range []int{1 << 30, 0} {
			old := store.SetDriveBelow(drive)
			p, err := s.OrderGrid(ctx, store.GridQuery{Keyword: c.keyword, Sort: "created_at", Desc: true, Size: 200, Page: 1})
			store.SetDriveBelow(old)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint32
			for _, r := range p.Rows {
				got = append(got, r.EntityID)
			}
			if !slices.Equal(got, want) || p.Total != len(want) {
				t.Errorf("%q (read first below %d): %v (total %d), want %v", c.keyword, drive, got, p.Total, want)
			}
		}
	}
}

// TestGridReadsItsIndexes: the first page, Next and Previous of every sort,
// in both directions, alone and filtered by sync state, read the sort's
// index in order; none sorts the orders it finds (the server's Sort_rows
// stays put). A sort there would grow with the store.
func TestGridReadsItsIndexes(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 300)
	if _, err := s.DB().Exec(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state)
		SELECT 'order', entity_id, entity_id, IF(entity_id % 5 = 0, NULL, CONCAT('8015g', LPAD(entity_id, 13, '0'))),
			IF(entity_id % 5 = 0, 'error', 'in_sync')
		FROM sales_order WHERE entity_id % 3 = 0`); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildGrid(ctx); err != nil {
		t.Fatal(err)
	}
	s.DB().SetMaxOpenConns(1) // the session whose counters are read
	sorted := func() int {
		var name string
		var n int
		if err := s.DB().QueryRow(`SHOW SESSION STATUS LIKE 'Sort_rows'`).Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, sync := range []store.SyncState{"", store.StateNotInSync} {
		for key := range store.GridSortColumns {
			for _, desc := range []bool{false, true} {
				q := store.GridQuery{Sync: sync, Sort: key, Desc: desc, Size: 20}
				// Pages deep enough to reach the orders without a
				// Salesforce ID, where the sort column is NULL.
				for _, page := range []int{1, 8} {
					q.Page, q.After, q.Before = page, 0, 0
					before := sorted()
					p, err := s.OrderGrid(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Rows) < 2 {
						t.Fatalf("%+v: %d rows", q, len(p.Rows))
					}
					next, prev := q, q
					next.Page, next.After = page+1, p.Rows[len(p.Rows)-1].EntityID
					prev.Page, prev.Before = page, p.Rows[1].EntityID
					for _, q := range []store.GridQuery{q, next, prev} {
						before = sorted()
						if _, err := s.OrderGrid(ctx, q); err != nil {
							t.Fatal(err)
						}
						if n := sorted() - before; n > 0 {
							t.Errorf("sort %s desc %v sync %q page %d after %d before %d: %d orders sorted",
								q.Sort, q.Desc, q.Sync, q.Page, q.After, q.Before, n)
						}
					}
				}
			}
		}
	}
}

// TestGridWalksWhenFiltersKeepMostOrders: a deep page under a filter that
// keeps most orders walks the sort's index, however far, rather than
// reading every order the filter keeps and sorting them all.
func TestGridWalksWhenFiltersKeepMostOrders(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 300)
	if _, err := s.DB().Exec(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state)
		SELECT 'order', entity_id, entity_id, CONCAT('8015g', LPAD(entity_id, 13, '0')), 'in_sync'
		FROM sales_order WHERE entity_id % 10 = 0`); err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildGrid(ctx); err != nil {
		t.Fatal(err)
	}
	// A budget of 10 entries: only the orders kept make a walk worth it.
	defer store.SetWalkBudget(10, 10)()
	s.DB().SetMaxOpenConns(1) // the session whose counters are read
	// The grid's first copy sorts: it goes before the pages measured.
	if _, err := s.OrderGrid(ctx, store.GridQuery{}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"billing_name", "grand_total", "status", "id"} {
		q := store.GridQuery{Sync: store.StateNotInSync, Sort: key, Size: 20, Page: 6}
		var name string
		var before, after int
		s.DB().QueryRow(`SHOW SESSION STATUS LIKE 'Sort_rows'`).Scan(&name, &before)
		p, err := s.OrderGrid(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		s.DB().QueryRow(`SHOW SESSION STATUS LIKE 'Sort_rows'`).Scan(&name, &after)
		if len(p.Rows) != 20 || p.Total != 270 {
			t.Fatalf("sort %s: %d rows of %d", key, len(p.Rows), p.Total)
		}
		if after > before {
			t.Errorf("sort %s, page 6 of the orders not in sync: %d orders sorted, want a walk along the index", key, after-before)
		}
	}
}

// TestGridReadsDeepPagesFromTheNearerEnd: a page near the end of a sort is
// read backwards from the end, passing as few orders as the same page
// counted from the start.
func TestGridReadsDeepPagesFromTheNearerEnd(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 300)
	if err := s.RebuildGrid(ctx); err != nil {
		t.Fatal(err)
	}
	s.DB().SetMaxOpenConns(1) // the session whose counters are read
	read := func(q store.GridQuery) int {
		before := rowsRead(t, s.DB())
		p, err := s.OrderGrid(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Rows) != 20 || p.Total != 300 {
			t.Fatalf("%+v: %d rows of %d", q, len(p.Rows), p.Total)
		}
		return rowsRead(t, s.DB()) - before
	}
	for key := range store.GridSortColumns {
		for _, desc := range []bool{false, true} {
			q := store.GridQuery{Sort: key, Desc: desc, Size: 20, Page: 2}
			second := read(q)
			q.Page = 14 // of 15
			if n := read(q); n > second+50 {
				t.Errorf("sort %s desc %v: page 14 of 15 read %d rows, page 2 %d", key, desc, n, second)
			}
		}
	}
}

// TestGridDatesUnderStrictModes: a range open at either end keeps every
// order on a server whose sql_mode refuses zero dates (MySQL 8's default).
func TestGridDatesUnderStrictModes(t *testing.T) {
	ctx := context.Background()
	dsn, _ := dbtest.NewDatabase(t)
	cfg, err := store.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params["sql_mode"] = "'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'"
	s := dbtest.Open(t, cfg.FormatDSN())
	if _, err := magentodb.Generate(ctx, s.DB().DB, magentodb.Options{Orders: 30, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.CatchUpGrid(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.GridQuery{{To: time.Now().AddDate(1, 0, 0)}, {From: time.Unix(0, 0)}} {
		q.Size = 50
		p, err := s.OrderGrid(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 30 || len(p.Rows) != 30 {
			t.Errorf("from %v to %v: %d orders (%d rows), want all 30", q.From, q.To, p.Total, len(p.Rows))
		}
	}
}

// TestGridCopyWaitsForAnotherCopy: while another process holds the grid's
// copy lock, a page shows the copy it has and says it may lag, and a
// catch-up (select all matching) waits for the other copy, then copies.
func TestGridCopyWaitsForAnotherCopy(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 3)
	if err := s.CatchUpGrid(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s.DB().Exec, `INSERT INTO sales_order_grid (entity_id, status, store_id, increment_id, created_at, updated_at)
		VALUES (4, 'pending', 1, '000000004', NOW(), NULL)`)
	other, err := s.DB().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var got int
	if err := other.GetContext(ctx, &got, `SELECT GET_LOCK(CONCAT('magesync_grid_copy.', DATABASE()), 0)`); err != nil || got != 1 {
		t.Fatalf("the other copy's lock: %d, %v", got, err)
	}
	p, err := s.OrderGrid(ctx, store.GridQuery{Size: 20})
	if err != nil {
		t.Fatalf("a page while another process copies: %v", err)
	}
	if p.Copy.CaughtUp || p.Total != 3 {
		t.Errorf("while another copies: caught up %v, %d orders; want the copy as it was (3) and a lag", p.Copy.CaughtUp, p.Total)
	}
	go func() {
		time.Sleep(2500 * time.Millisecond) // longer than a copy waits at once
		other.ExecContext(ctx, `DO RELEASE_LOCK(CONCAT('magesync_grid_copy.', DATABASE()))`)
	}()
	if err := s.CatchUpGrid(ctx); err != nil {
		t.Fatalf("catching up after the other copy: %v", err)
	}
	if p, err = s.OrderGrid(ctx, store.GridQuery{Size: 20}); err != nil || p.Total != 4 || !p.Copy.CaughtUp {
		t.Errorf("after the other copy: %d orders, caught up %v, %v; want 4", p.Total, p.Copy.CaughtUp, err)
	}
}
