package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
)

// TestGridSortsBySyncColumns checks the segmented sorts against plain SQL
// sorts over the whole join.
func TestGridSortsBySyncColumns(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 70)
	// Orders in every state, some with Salesforce IDs, some without rows.
	if _, err := s.DB().Exec(`INSERT INTO magesync_object (kind, magento_key, order_id, sf_id, state)
		SELECT 'order', entity_id, entity_id,
			IF(entity_id % 5 = 0, NULL, CONCAT('8015g', LPAD(1000 - entity_id * 7 % 97, 13, '0'))),
			ELT(entity_id % 4 + 1, 'in_sync', 'error', 'pending', 'not_in_sync')
		FROM sales_order WHERE entity_id % 3 <> 0`); err != nil {
		t.Fatal(err)
	}
	naive := map[string]string{
		"sf_id": `o.sf_id %[1]s, g.entity_id %[1]s`,
		"sync": `CASE COALESCE(o.state, 'not_in_sync') WHEN 'error' THEN 1 WHEN 'in_sync' THEN 2 WHEN 'not_in_sync' THEN 3 ELSE 4 END %[1]s,
			g.created_at DESC, g.entity_id DESC`,
	}
	for _, filter := range []store.GridQuery{{}, {Statuses: []string{"complete", "processing", "pending"}}, {Sync: store.StateNotInSync}, {Sync: store.StateError}} {
		for sortKey, order := range naive {
			for _, desc := range []bool{false, true} {
				dir := "ASC"
				if desc {
					dir = "DESC"
				}
				q := filter
				q.Sort, q.Desc, q.Size = sortKey, desc, 20
				var all []uint32
				for page := 1; page <= 4; page++ {
					q.Page = page
					rows, total, err := s.OrderGrid(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want, _ := s.OrderGridIDs(ctx, filter)
					if total != len(want) {
						t.Errorf("%s %s %+v: total %d, want %d", sortKey, dir, filter, total, len(want))
					}
					for _, r := range rows {
						all = append(all, r.EntityID)
					}
				}
				var want []uint32
				where, args := "", []any{}
				if len(filter.Statuses) > 0 {
					where = " WHERE g.status IN ('complete', 'processing', 'pending')"
				}
				switch filter.Sync {
				case store.StateNotInSync:
					where = " WHERE COALESCE(o.state, 'not_in_sync') = 'not_in_sync'"
				case store.StateError:
					where = " WHERE o.state = 'error'"
				}
				if err := s.DB().Select(&want, `SELECT g.entity_id FROM sales_order_grid g
					LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order'`+where+
					` ORDER BY `+fmt.Sprintf(order, dir), args...); err != nil {
					t.Fatal(err)
				}
				if len(want) > 80 {
					want = want[:80]
				}
				if !slices.Equal(all, want) {
					t.Errorf("sort %s %s %+v:\n got %v\nwant %v", sortKey, dir, filter, all, want)
				}
			}
		}
	}
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
	rows, total, err := s.OrderGrid(ctx, store.GridQuery{Keyword: name + " @+-", Sort: "created_at", Desc: true, Size: 20, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if total < len(want) || len(rows) == 0 || rows[0].EntityID != want[0] {
		t.Errorf("search %q: %d rows of %d, first %v; want %d matches starting %d", name, len(rows), total, rows, len(want), want[0])
	}
	// Past the last page: no rows, and the count still right.
	rows, total2, err := s.OrderGrid(ctx, store.GridQuery{Keyword: name, Size: 20, Page: 99})
	if err != nil || len(rows) != 0 || total2 != total {
		t.Errorf("page 99: %d rows, total %d (want %d), %v", len(rows), total2, total, err)
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
