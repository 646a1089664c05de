package engine

import (
	"cmp"
	"maps"
	"slices"

	"magesync/store"
	"magesync/sync/salesforce"
)

// callQueue orders a batch's graphs into as few graph calls as it can.
//
// Orders of one customer that would each send the customer's Account or
// Contact wait for the first of them (their leader): once it is answered,
// they are planned again knowing those records, and send them only where
// their own data differ. A returning customer's second order in a batch
// then costs the same nodes as in the next batch.
type callQueue struct {
	ready   []*job
	waiting map[*job]*job // follower → leader
}

func newCallQueue(graphs []*job) *callQueue {
	q := &callQueue{waiting: map[*job]*job{}}
	leaders := map[string]*job{}
	for _, j := range graphs {
		if !sendsCustomer(j.plan) {
			q.ready = append(q.ready, j)
			continue
		}
		key := j.settings.KeyPrefix + "\x00" + j.mapped.CustomerKey
		if l := leaders[key]; l != nil {
			q.waiting[j] = l
			continue
		}
		leaders[key] = j
		q.ready = append(q.ready, j)
	}
	q.sort()
	return q
}

func sendsCustomer(p *plan) bool {
	return slices.ContainsFunc(p.links, func(l link) bool { return l.kind == store.KindAccount || l.kind == store.KindContact })
}

func size(j *job) int { return j.plan.builder.Len() }

// sort puts the ready graphs smallest first, leaders before others of a
// size (so that their followers can fill later calls).
func (q *callQueue) sort() {
	leads := map[*job]bool{}
	for _, l := range q.waiting {
		leads[l] = true
	}
	slices.SortStableFunc(q.ready, func(a, b *job) int {
		if c := cmp.Compare(size(a), size(b)); c != 0 {
			return c
		}
		switch {
		case leads[a] && !leads[b]:
			return -1
		case leads[b] && !leads[a]:
			return 1
		}
		return 0
	})
}

func (q *callQueue) empty() bool { return len(q.ready) == 0 && len(q.waiting) == 0 }

// next takes the graphs of the next call: at most perCall graphs and
// Salesforce's 500 nodes. A call is full when either runs out, so each call
// aims at its share of the graphs left (of the fewest calls that could hold
// them) and picks, each time, the smallest graph that, repeated, would fill
// the room in the share's slots left; failing that, the largest that fits.
// Large graphs then go with small ones: the last calls are neither left
// with small graphs only, that use up the slots long before the nodes, nor
// with large ones that leave gaps.
func (q *callQueue) next(perCall int) []*job {
	if len(q.ready) == 0 {
		// Only followers left, their leaders gone from the batch (their
		// leases lost on renewal, keep): they send the customer themselves.
		q.answered(nil, nil, true)
	}
	nodes := 0
	for _, j := range q.ready {
		nodes += size(j)
	}
	calls := max(ceilDiv(nodes, salesforce.MaxGraphNodes), ceilDiv(len(q.ready), perCall))
	share := ceilDiv(len(q.ready), max(calls, 1))
	var call []*job
	room := salesforce.MaxGraphNodes
	bySize := func(j *job, n int) int { return cmp.Compare(size(j), n) }
	for len(call) < perCall && len(q.ready) > 0 {
		slots := share - len(call)
		if slots <= 0 {
			slots = perCall - len(call)
		}
		i, _ := slices.BinarySearchFunc(q.ready, ceilDiv(room, slots), bySize)
		if i == len(q.ready) || size(q.ready[i]) > room {
			i, _ = slices.BinarySearchFunc(q.ready, room+1, bySize)
			if i--; i < 0 {
				break
			}
		}
		call = append(call, q.ready[i])
		room -= size(q.ready[i])
		q.ready = slices.Delete(q.ready, i, i+1)
	}
	return call
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// keep keeps the graphs hold returns of those not yet sent (the leases
// still held); the others leave the queue.
func (q *callQueue) keep(hold func([]*job) ([]*job, error)) error {
	left := slices.Concat(q.ready, slices.Collect(maps.Keys(q.waiting)))
	kept, err := hold(left)
	if err != nil {
		return err
	}
	held := map[*job]bool{}
	for _, j := range kept {
		held[j] = true
	}
	q.ready = slices.DeleteFunc(q.ready, func(j *job) bool { return !held[j] })
	maps.DeleteFunc(q.waiting, func(f, _ *job) bool { return !held[f] })
	return nil
}

// putBack returns a call's graphs unsent, to go in smaller calls.
func (q *callQueue) putBack(call []*job) {
	q.ready = append(q.ready, call...)
	q.sort()
}

// answered readies the followers of the call's leaders (of every leader
// with all), replanned by replan when their leader succeeded.
func (q *callQueue) answered(call []*job, replan func(follower, leader *job), all bool) {
	released := false
	for f, l := range q.waiting {
		if !all && !slices.Contains(call, l) {
			continue
		}
		delete(q.waiting, f)
		if replan != nil && l.result != nil {
			replan(f, l)
		}
		if f.outcome == nil {
			q.ready, released = append(q.ready, f), true
		}
	}
	if released {
		q.sort()
	}
}

// follow plans a follower again with what its leader's graph created or
// updated of their customer.
func (b *batch) follow(org *orgInfo, f, l *job) {
	k := *f.known
	for _, ln := range l.plan.links {
		if ln.kind != store.KindAccount && ln.kind != store.KindContact {
			continue
		}
		// An upsert answers with the record's Id; an update (of an Id the
		// leader knew) with no body.
		resp, _ := l.result.Response(ln.ref)
		id := resp.Result().ID
		if ln.kind == store.KindAccount {
			k.accountID, k.accountHash = cmp.Or(id, l.known.accountID), ln.hash
		} else {
			k.contactID, k.contactHash = cmp.Or(id, l.known.contactID), ln.hash
		}
	}
	if k.accountID == "" || k.contactID == "" {
		return // the follower sends the customer itself
	}
	*f.known = k
	f.plan = buildPlan(org.client.NewBuilder(), f.mapped, f.known, f.settings, org, org.bookOf(f), b.entries)
}
