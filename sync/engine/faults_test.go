package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"magesync/store"
	"magesync/sync/engine"
)

func TestFaultsEndInSyncWithoutDuplicates(t *testing.T) {
	v := newEnv(t, 200)
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.control("PUT", "/faults", `{"rate503":0.1,"rateLockRow":0.02,"expireTokensEvery":50}`)
	v.syncAll(store.ReasonBulk)
	requeued := 0
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
		// Faults are not the order's: they use no attempt.
		if en.Attempts != 1 {
			t.Errorf("order %s used %d attempts on faults", en.IncrementID, en.Attempts)
		}
		requeued += en.Retries
	}
	if v.sim.Faulted() == 0 {
		t.Error("no fault was injected")
	}
	v.control("PUT", "/faults", `{}`)
	v.checkOrders(200, true)
	t.Logf("%d faults injected, retried in place; %d re-queues; %d API calls", v.sim.Faulted(), requeued, v.sim.APICalls())
}

func TestDailyLimitPausesAndResumes(t *testing.T) {
	v := newEnv(t, 150)
	if _, err := v.sf.Limits(context.Background()); err != nil {
		t.Fatal(err)
	}
	used := v.sim.APICalls()
	v.control("PUT", "/faults", fmt.Sprintf(`{"dailyLimit":%d}`, used+6))
	v.e = newEngineWithBatch(v, 20)
	if _, err := v.st.EnqueueMatching(context.Background(), store.OrderFilter{}, store.ReasonBulk); err != nil {
		t.Fatal(err)
	}
	// Work until the limit stops the workers.
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		if _, err := v.e.ProcessBatch(ctx, "w"); err != nil {
			t.Fatal(err)
		}
		if until, _, _ := v.e.Pause(ctx); !until.IsZero() {
			break
		}
	}
	until, msg, _ := v.e.Pause(ctx)
	if until.IsZero() || !strings.Contains(msg, "TotalRequests Limit exceeded") || !strings.Contains(msg, "paused until") {
		t.Fatalf("pause = %v %q", until, msg)
	}
	paused := 0
	for _, en := range v.entries() {
		if en.Status == store.QueueNew && strings.Contains(en.Message, "paused until") {
			paused++
		}
		if en.Status == store.QueueFailed || en.Status == store.QueueError {
			t.Errorf("order %s lost to the limit: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	if paused == 0 {
		t.Error("no queue entry tells the admin about the pause")
	}
	// The limit resets; the pause ends; everything arrives.
	v.control("PUT", "/faults", `{"dailyLimit":1000000}`)
	time.Sleep(350 * time.Millisecond)
	v.drain()
	for _, en := range v.entries() {
		if en.Status != store.QueueComplete {
			t.Errorf("order %s: %s %q", en.IncrementID, en.Status, en.Message)
		}
	}
	v.checkOrders(150, false)
}

// TestLimitPauseEndsWhenCallsAreBack: the pause after the daily limit
// lasts as long as Salesforce refuses calls, not a fixed time: once the
// limit is raised, the workers see it on /limits and carry on.
func TestLimitPauseEndsWhenCallsAreBack(t *testing.T) {
	v := newEnv(t, 60)
	if _, err := v.sf.Limits(context.Background()); err != nil {
		t.Fatal(err)
	}
	v.control("PUT", "/faults", fmt.Sprintf(`{"dailyLimit":%d}`, v.sim.APICalls()+4))
	o := fastOptions()
	o.LimitPause, o.LimitProbe, o.BatchSize = time.Hour, 50*time.Millisecond, 10
	v.e = engine.New(v.st, engine.StaticClient(v.sf), o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { v.e.RunWorkers(ctx, 2); close(done) }()
	if _, err := v.st.EnqueueMatching(ctx, store.OrderFilter{}, store.ReasonBulk); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for until, _, _ := v.e.Pause(ctx); until.IsZero(); until, _, _ = v.e.Pause(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("the limit never paused the workers")
		}
		time.Sleep(10 * time.Millisecond)
	}
	v.control("PUT", "/faults", `{"dailyLimit":1000000}`)
	for {
		c, _ := v.st.QueueCounts(ctx)
		if c[store.QueueNew]+c[store.QueueProcessing] == 0 {
			break
		}
		if time.Now().After(deadline) {
			until, msg, _ := v.e.Pause(ctx)
			var next []string
			v.st.DB().Select(&next, `SELECT CONCAT(next_attempt_at, ' ', LEFT(message, 60)) FROM magesync_queue WHERE status = 'new' LIMIT 3`)
			lim, err := v.sf.Limits(ctx)
			t.Fatalf("an hour's pause was not cut short once calls were back: %v; pause %v %q; %q; limits %v %v", c, until, msg, next, lim["DailyApiRequests"], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	v.checkOrders(60, false)
}
