package store_test

import (
	"context"
	"testing"
	"time"

	"magesync/store"
	"magesync/store/dbtest"
)

// TestQueueSamples: a sample a minute of the open entries and of those
// finished in the minute before; a day of them kept.
func TestQueueSamples(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Seeded(t, 6)
	if _, err := s.Enqueue(ctx, []uint32{1, 2, 3, 4}, store.ReasonManual); err != nil {
		t.Fatal(err)
	}
	// Two entries finished in the minute before this one.
	mustExec(t, s.DB().Exec, `UPDATE magesync_queue SET status = 'complete',
		updated_at = DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:00') - INTERVAL 30 SECOND WHERE order_id IN (1, 2)`)
	mustExec(t, s.DB().Exec, `INSERT INTO magesync_queue_stat (at, open_entries, done_entries) VALUES (NOW() - INTERVAL 2 DAY, 9, 9),
		(NOW() - INTERVAL 30 MINUTE, 7, 3)`)
	if err := s.SampleQueue(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.QueueSamples(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Open != 7 || got[1].Open != 2 || got[1].Done != 2 {
		t.Errorf("samples: %+v", got)
	}
	var old int
	s.DB().Get(&old, `SELECT COUNT(*) FROM magesync_queue_stat WHERE open_entries = 9`)
	if old != 0 {
		t.Error("a sample older than a day was kept")
	}
}
