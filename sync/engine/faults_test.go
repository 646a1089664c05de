package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"magesync/store"
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
