package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"magesync/store"
	"magesync/store/dbtest"
)

// BenchmarkQueuePage measures what the queue page and its progress poll
// ask of the database, over a queue of MAGESYNC_BENCH_QUEUE entries
// (20,000 by default; the closing notes give 1,000,000): 1% open, the rest
// finished, as after a large backfill.
func BenchmarkQueuePage(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("MAGESYNC_BENCH_QUEUE")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	s := dbtest.New(b)
	// One entry per order id; the orders themselves are not needed here.
	_, err := s.DB().ExecContext(ctx, fmt.Sprintf(`INSERT INTO magesync_queue (order_id, increment_id, reason, status, created_at, updated_at)
		SELECT seq, LPAD(seq, 9, '0'), IF(seq %% 3 = 0, 'auto', 'bulk'),
			CASE WHEN seq %% 100 = 0 THEN 'new' WHEN seq %% 37 = 0 THEN 'error' ELSE 'complete' END,
			NOW(6) - INTERVAL (%d - seq) SECOND, NOW(6) - INTERVAL (%d - seq) SECOND
		FROM seq_1_to_%d`, n, n, n))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"list first page", func() error { _, err := s.QueueList(ctx, store.QueueQuery{Page: 1, Size: 20}); return err }},
		{"list errors", func() error {
			_, err := s.QueueList(ctx, store.QueueQuery{Status: store.QueueError, Page: 1, Size: 20})
			return err
		}},
		{"list page 1000", func() error { _, err := s.QueueList(ctx, store.QueueQuery{Page: 1000, Size: 20}); return err }},
		{"progress poll", func() error { _, err := s.QueueProgress(ctx); return err }},
		{"counts", func() error { _, err := s.QueueCounts(ctx); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
