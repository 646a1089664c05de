package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"magesync/sync/salesforce"
)

// graphsOf makes jobs whose graphs have the given node counts, each of its
// own customer.
func graphsOf(t *testing.T, sizes ...int) []*job {
	c, err := salesforce.New(salesforce.Config{LoginURL: "http://127.0.0.1:1", Flow: "client_credentials", ClientID: "x", ClientSecret: "y"})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([]*job, len(sizes))
	for i, n := range sizes {
		b := c.NewBuilder()
		for k := range n {
			b.Delete(fmt.Sprint("n", k), "Note", "002000000000001AAA")
		}
		jobs[i] = &job{mapped: &Mapped{CustomerKey: fmt.Sprint(i)}, plan: &plan{builder: b}}
	}
	return jobs
}

// calls packs the graphs and returns each call's graph sizes.
func calls(graphs []*job, perCall int) [][]int {
	q := newCallQueue(graphs)
	var out [][]int
	for !q.empty() {
		var sizes []int
		for _, j := range q.next(perCall) {
			sizes = append(sizes, size(j))
		}
		out = append(out, sizes)
	}
	return out
}

func repeat(n, size int) []int { return slices.Repeat([]int{size}, n) }

func TestCallsAreFull(t *testing.T) {
	for _, c := range []struct {
		name  string
		sizes []int
		calls int
	}{
		// Taken in queue order, the 200s would each start a call.
		{"large ones that pair up", []int{300, 300, 200, 200}, 2},
		// 20 graphs of 14 nodes and 200 of 5: 1,280 nodes. Largest first
		// fills one call with the 14s and 44 of the 5s, and leaves 156
		// small graphs for three more calls of at most 75 graphs.
		{"small ones that run out of slots", append(repeat(20, 14), repeat(200, 5)...), 3},
		{"one", []int{9}, 1},
		{"exactly full", repeat(50, 10), 1},
		{"one node over", append(repeat(50, 10), 1), 2},
		{"75 graphs a call", repeat(151, 1), 3},
	} {
		got := calls(graphsOf(t, c.sizes...), salesforce.MaxGraphs)
		sent := 0
		for _, call := range got {
			nodes := 0
			for _, n := range call {
				nodes += n
			}
			if nodes > salesforce.MaxGraphNodes || len(call) > salesforce.MaxGraphs || len(call) == 0 {
				t.Errorf("%s: a call of %d graphs and %d nodes", c.name, len(call), nodes)
			}
			sent += len(call)
		}
		if len(got) != c.calls || sent != len(c.sizes) {
			t.Errorf("%s: %d graphs in %d calls; want all %d in %d", c.name, sent, len(got), len(c.sizes), c.calls)
		}
	}
}

// Batches shaped like a store's (most orders 5–15 nodes, a few up to 60)
// go in as few calls as their nodes and graphs need.
func TestCallsAreFewForAnyMix(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		sizes := make([]int, 1+r.IntN(2000))
		nodes := 0
		for i := range sizes {
			sizes[i] = 4 + r.IntN(12)
			if r.IntN(20) == 0 {
				sizes[i] = 16 + r.IntN(45)
			}
			nodes += sizes[i]
		}
		least := max(ceilDiv(nodes, salesforce.MaxGraphNodes), ceilDiv(len(sizes), salesforce.MaxGraphs))
		if got := len(calls(graphsOf(t, sizes...), salesforce.MaxGraphs)); got > least {
			t.Errorf("round %d: %d graphs of %d nodes in %d calls; %d could hold them", round, len(sizes), nodes, got, least)
		}
	}
}
