package engine_test

import (
	"testing"

	"magesync/store"
	"magesync/sync/salesforce"
)

// A batch's graphs, with notes and customers who come back within it, go in
// as few calls as Salesforce's 500 nodes and 75 graphs a call allow.
func TestGraphsFillTheirCalls(t *testing.T) {
	v := newEnv(t, 400)
	v.set(store.Set(store.PathSyncNotes, "1"))
	v.takeGraphCalls()
	v.syncAll(store.ReasonManual)
	calls := v.takeGraphCalls()
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, c...)
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	least := max((total+salesforce.MaxGraphNodes-1)/salesforce.MaxGraphNodes, (len(sizes)+salesforce.MaxGraphs-1)/salesforce.MaxGraphs)
	if len(calls) < 3 || len(calls) != least {
		t.Errorf("%d graphs of %d nodes in all went in %d calls; %d calls hold them", len(sizes), total, len(calls), least)
	}
}
