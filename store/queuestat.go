package store

import (
	"context"
	"fmt"
	"time"
)

// QueueSample is the queue at one minute: the entries open then, and the
// entries finished during the minute before.
type QueueSample struct {
	At   time.Time `db:"at"`
	Open int       `db:"open_entries"`
	Done int       `db:"done_entries"`
}

// SampleQueue records the queue as it is this minute (once a minute is
// enough; a second sample in a minute replaces the first) and forgets
// samples older than a day.
func (s *Store) SampleQueue(ctx context.Context) error {
	now, err := s.DBNow(ctx)
	if err != nil {
		return err
	}
	at := now.Truncate(time.Minute)
	var smp QueueSample
	if err := s.db.GetContext(ctx, &smp.Open, `SELECT COUNT(*) FROM magesync_queue WHERE status IN ('new', 'processing')`); err != nil {
		return fmt.Errorf("store: sample the queue: %w", err)
	}
	if err := s.db.GetContext(ctx, &smp.Done, `SELECT COUNT(*) FROM magesync_queue WHERE updated_at >= ? AND updated_at < ?
		AND status IN ('complete', 'skipped', 'error', 'failed')`, at.Add(-time.Minute), at); err != nil {
		return fmt.Errorf("store: sample the queue: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO magesync_queue_stat (at, open_entries, done_entries) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE open_entries = VALUES(open_entries), done_entries = VALUES(done_entries)`, at, smp.Open, smp.Done)
	if err != nil {
		return fmt.Errorf("store: sample the queue: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM magesync_queue_stat WHERE at < ?`, at.Add(-24*time.Hour)); err != nil {
		return fmt.Errorf("store: sample the queue: %w", err)
	}
	return nil
}

// QueueSamples returns the samples of the last span, oldest first.
func (s *Store) QueueSamples(ctx context.Context, span time.Duration) ([]QueueSample, error) {
	now, err := s.DBNow(ctx)
	if err != nil {
		return nil, err
	}
	var out []QueueSample
	if err := s.db.SelectContext(ctx, &out, `SELECT at, open_entries, done_entries FROM magesync_queue_stat WHERE at > ? ORDER BY at`,
		now.Add(-span)); err != nil {
		return nil, fmt.Errorf("store: queue history: %w", err)
	}
	return out, nil
}
