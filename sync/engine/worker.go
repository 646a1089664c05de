package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"magesync/metrics"
	"magesync/store"
	"magesync/sync/salesforce"
)

// job is one claimed queue entry on its way through a batch.
type job struct {
	entry    store.QueueEntry
	order    *store.Order
	settings store.OrderSettings // of the order's website
	mapped   *Mapped
	known    *known
	plan     *plan

	result     *salesforce.GraphResult // the graph succeeded
	lostStatus bool                    // Salesforce has the order in a status we did not send
	lostLease  bool                    // another worker took the entry: record nothing
	unsure     bool                    // its call failed as a whole: Salesforce may have saved it
	staleItems []string                // order products magesync remembered that Salesforce lacks

	outcome *store.Outcome  // set once the job's fate is decided
	state   store.SyncState // order sync state to record with it ("" = leave)
	detail  string          // shown with the state (hover text)
}

func (j *job) finish(status store.QueueStatus, msg string, state store.SyncState) {
	j.outcome = &store.Outcome{EntryID: j.entry.ID, Status: status, Message: msg}
	j.state, j.detail = state, ""
	if state != store.StateInSync {
		j.detail = msg
	}
}

// batch is one worker's claimed entries and what it knows while syncing them.
type batch struct {
	e        *Engine
	worker   string
	settings store.OrderSettings
	jobs     []*job
	deadline time.Time
	entries  map[string]string // price book entry key → PricebookEntry ID, for planning
}

// ProcessBatch claims due queue entries and syncs their orders. It returns
// how many entries it handled.
// While Salesforce's limit pauses sync, it claims nothing.
func (e *Engine) ProcessBatch(ctx context.Context, worker string) (int, error) {
	if e.pausedFor(ctx) > 0 {
		return 0, nil
	}
	e.rescue(ctx)
	entries, err := e.st.ClaimQueue(ctx, worker, e.opts.BatchSize, e.opts.Lease)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	b := &batch{e: e, worker: worker, deadline: time.Now().Add(e.opts.Lease * 3 / 4)}
	for _, en := range entries {
		b.jobs = append(b.jobs, &job{entry: en})
	}
	err = b.run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: hand the unfinished entries back at once, so
			// that another worker need not wait for the leases to expire.
			// What was sent is safe: the next attempt reads it back.
			if err := e.st.ReleaseLeases(context.WithoutCancel(ctx), worker, b.unfinished()); err != nil {
				e.log.Warn("release leases on shutdown", "err", err)
			}
			return len(b.jobs), ctx.Err()
		}
		b.callFailed(ctx, b.open(), err)
	}
	if err := b.record(context.WithoutCancel(ctx)); err != nil {
		if store.IsTransient(err) {
			return len(b.jobs), err // the leases run out and the batch goes again
		}
		// The database refused something of one order: record each order
		// alone, so that the refusal stays with the order it belongs to.
		b.e.log.Error("recording a batch failed; recording its orders one by one", "worker", b.worker, "err", err)
		b.recordEach(context.WithoutCancel(ctx))
	}
	b.logOutcomes()
	return len(b.jobs), nil
}

// recordEach records every job alone; a job the database refuses is
// recorded as that order's error, without what it learnt.
func (b *batch) recordEach(ctx context.Context) {
	for _, j := range b.jobs {
		one := &batch{e: b.e, worker: b.worker, settings: b.settings, jobs: []*job{j}}
		err := one.record(ctx)
		if err == nil {
			continue
		}
		b.e.log.Error("recording an order's sync failed", "order", j.entry.OrderID, "err", err)
		j.result, j.lostStatus = nil, false
		j.finish(store.QueueError, "magesync could not store the outcome of this order's sync in its tables; "+
			"the log has the database's error. Salesforce may hold part of it: the next sync finds it by its external id.", store.StateError)
		if err := one.record(ctx); err != nil {
			b.e.log.Error("recording an order's error failed", "order", j.entry.OrderID, "err", err)
		}
	}
}

// run prepares and sends the batch. A panic that escapes the per-order
// guards (in a step shared by the batch) becomes an error: the batch's
// open orders use an attempt, and the process lives on.
func (b *batch) run(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.e.log.Error("panic in sync batch", "worker", b.worker, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("magesync failed while syncing this batch: %v (a bug; the log has the details)", p)
		}
	}()
	if err := b.prepare(ctx); err != nil {
		return err
	}
	return b.send(ctx)
}

// guard runs one order's step; a panic becomes that order's error, not the
// batch's or the process's.
func (b *batch) guard(j *job, step func()) {
	defer func() {
		if p := recover(); p != nil {
			b.e.log.Error("panic syncing order", "order", j.entry.OrderID, "panic", p, "stack", string(debug.Stack()))
			j.finish(store.QueueError, fmt.Sprintf("magesync failed on order #%s: %v (a bug; the log has the details)",
				j.entry.IncrementID, p), store.StateError)
		}
	}()
	step()
}

// unfinished are the ids of the entries whose fate is not decided.
func (b *batch) unfinished() []uint64 {
	var ids []uint64
	for _, j := range b.open() {
		ids = append(ids, j.entry.ID)
	}
	return ids
}

// logOutcomes says in one line what a batch did.
func (b *batch) logOutcomes() {
	counts := map[store.QueueStatus]int{}
	for _, j := range b.jobs {
		if j.outcome == nil || j.lostLease {
			continue
		}
		counts[j.outcome.Status]++
		if j.outcome.Status == store.QueueComplete && j.entry.Reason == store.ReasonAuto && j.order != nil {
			metrics.SyncLatency.Observe(time.Since(j.order.UpdatedAt).Seconds())
		}
	}
	for status, n := range counts {
		label := string(status)
		if status == store.QueueNew {
			label = "retry"
		}
		metrics.Outcomes.WithLabelValues(label).Add(float64(n))
	}
	b.e.log.Info("sync batch", "worker", b.worker, "orders", len(b.jobs), "complete", counts[store.QueueComplete],
		"skipped", counts[store.QueueSkipped], "error", counts[store.QueueError], "failed", counts[store.QueueFailed],
		"retry", counts[store.QueueNew])
}

// open returns the jobs whose fate is not decided yet.
func (b *batch) open() []*job {
	var out []*job
	for _, j := range b.jobs {
		if j.outcome == nil {
			out = append(out, j)
		}
	}
	return out
}

// prepare loads, checks and maps every job's order.
func (b *batch) prepare(ctx context.Context) error {
	st := b.e.st
	all, err := st.WebsiteSettings(ctx)
	if err != nil {
		return err
	}
	if b.settings, err = all.For(0); err != nil {
		return err
	}
	// The org's currencies decide the amounts sent; they seldom change, so
	// a day-old answer serves and an unchanged order costs no call.
	org, err := b.e.org(ctx, orgCurrencyAge)
	if err != nil {
		return err
	}
	ids := make([]uint32, len(b.jobs))
	for i, j := range b.jobs {
		ids[i] = j.entry.OrderID
	}
	orders, err := st.Orders(ctx, ids)
	if err != nil {
		return err
	}
	byID := map[uint32]*store.Order{}
	for _, o := range orders {
		byID[o.EntityID] = o
	}
	objects, err := st.OrderObjects(ctx, ids)
	if err != nil {
		return err
	}
	label := b.e.statusLabel(ctx)
	sources, err := b.e.mapSources(ctx, ids)
	if err != nil {
		return err
	}
	var customerKeys []string
	for _, j := range b.jobs {
		if j.order = byID[j.entry.OrderID]; j.order == nil {
			j.finish(store.QueueError, "Order no longer exists in Magento", store.StateError)
			continue
		}
		b.guard(j, func() {
			if b.e.mapHook != nil {
				b.e.mapHook(j.order)
			}
			info := b.e.storeInfo(ctx, j.order.StoreID)
			var err error
			if j.settings, err = all.For(info.WebsiteID); err != nil {
				j.finish(store.QueueError, err.Error(), store.StateError)
				return
			}
			if reason := Skip(j.settings, j.order, label); reason != "" {
				j.finish(store.QueueSkipped, "Skipped: "+reason, store.StateNotInSync)
				return
			}
			pr, err := org.money.pricingFor(j.order, j.settings, info.BaseCurrency)
			if err != nil {
				j.finish(store.QueueError, err.Error(), store.StateError)
				return
			}
			m, err := Map(j.order, j.settings, info, pr)
			if err != nil {
				j.finish(store.QueueError, err.Error(), store.StateError)
				return
			}
			sources.attach(m, j.order, info)
			j.mapped, j.known = m, knownFrom(objects[j.entry.OrderID])
			customerKeys = append(customerKeys, m.CustomerKey)
		})
	}
	accounts, err := st.ObjectsByKey(ctx, store.KindAccount, customerKeys)
	if err != nil {
		return err
	}
	contacts, err := st.ObjectsByKey(ctx, store.KindContact, customerKeys)
	if err != nil {
		return err
	}
	for _, j := range b.open() {
		a, c := accounts[j.mapped.CustomerKey], contacts[j.mapped.CustomerKey]
		j.known.accountID, j.known.accountHash = a.SFID, a.SentHash
		j.known.contactID, j.known.contactHash = c.SFID, c.SentHash
	}
	return nil
}

func knownFrom(objs []store.Object) *known {
	k := &known{items: map[string]string{}, notes: map[string]string{}}
	for _, o := range objs {
		switch o.Kind {
		case store.KindOrder:
			k.orderID, k.orderStatus, k.sentHash, k.sending = o.SFID, o.SFStatus, o.SentHash, o.Sending
		case store.KindItem:
			k.items[o.Key] = o.SFID
		case store.KindNote:
			k.notes[o.Key] = o.SFID
		}
	}
	return k
}

// needsSend reports whether Salesforce lacks anything of a synced order:
// its header and lines (when Update Order Info = Yes), its status, a note.
// It asks Salesforce nothing, so an unchanged order costs no API call.
func needsSend(m *Mapped, k *known, s store.OrderSettings) bool {
	if k.orderID == "" || k.accountID == "" || k.contactID == "" || k.sending || k.uncertain() || m.FinalStatus != k.orderStatus {
		return true
	}
	if s.UpdateOrderInfo && headerHash(m, s.DefaultStatus) != k.sentHash {
		return true
	}
	for _, n := range m.Notes {
		if k.notes[n.Key] == "" {
			return true
		}
	}
	return false
}

// upToDate finishes a job Salesforce already has, as far as the settings
// ask: with Update Order Info = No a changed header stays unsent, and the
// order is honestly not in sync.
func (b *batch) upToDate(j *job, sentHash string) {
	if !j.settings.UpdateOrderInfo && headerHash(j.mapped, j.settings.DefaultStatus) != sentHash {
		j.finish(store.QueueComplete, "Status and notes are up to date in Salesforce; other changes are not sent because Update Order Info is set to No", store.StateNotInSync)
		return
	}
	j.finish(store.QueueComplete, "Already up to date in Salesforce", store.StateInSync)
}

// send plans and writes the jobs' orders to Salesforce.
func (b *batch) send(ctx context.Context) error {
	var todo []*job
	for _, j := range b.open() {
		if !needsSend(j.mapped, j.known, j.settings) {
			b.upToDate(j, j.known.sentHash)
			continue
		}
		todo = append(todo, j)
	}
	if len(todo) == 0 {
		return nil
	}
	org, err := b.e.orgFor(ctx)
	if err != nil {
		return err
	}
	if err := b.resolve(ctx, org, todo); err != nil {
		return err
	}
	entries, err := b.ensureProducts(ctx, org, todo)
	if err != nil {
		return err
	}
	b.entries = entries
	var graphs []*job
	for _, j := range b.open() {
		b.guard(j, func() {
			j.plan = buildPlan(org.client.NewBuilder(), j.mapped, j.known, j.settings, org, org.bookOf(j), entries)
		})
		if j.outcome != nil {
			continue
		}
		if j.plan.empty() {
			b.upToDate(j, j.known.sentHash)
			continue
		}
		if n := j.plan.builder.Len(); n > salesforce.MaxGraphNodes {
			j.finish(store.QueueError, fmt.Sprintf("Order #%s needs %d Salesforce records in one request; Salesforce takes at most %d",
				j.order.IncrementID, n, salesforce.MaxGraphNodes), store.StateError)
			continue
		}
		graphs = append(graphs, j)
	}
	// Renew the leases for the sending: an entry this worker no longer holds
	// belongs to another, which will send it; sending it here too could
	// create its notes twice.
	if graphs, err = b.holdLeases(ctx, graphs); err != nil {
		return err
	}
	// If this process dies after Salesforce saved the records but before
	// we did, the next attempt must read back what is there. An order
	// magesync has no complete send of is read back anyway (resolve).
	var sending []uint32
	for _, j := range graphs {
		if j.known.sentHash != "" && !j.known.sending {
			sending = append(sending, j.entry.OrderID)
			j.known.sending = true
		}
	}
	if err := b.e.st.MarkSending(ctx, sending); err != nil {
		return err
	}
	defer func() {
		if u, ok := org.client.Usage(); ok {
			metrics.APIUsed.Set(float64(u.Used))
			metrics.APILimit.Set(float64(u.Max))
		}
	}()
	perCall := salesforce.MaxGraphs // halved while Salesforce refuses a payload as too large
	var again []*job                // graphs Salesforce rolled back for a lock or halted: sent again here
	for round := 0; len(graphs) > 0; round++ {
		if round > 0 {
			// A short random pause lets the lock holder finish.
			if sleep(ctx, time.Duration(100<<round)*time.Millisecond+rand.N(200*time.Millisecond)); ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if err := b.sendGraphs(ctx, org, graphs, &perCall, &again, round < inPlaceRounds); err != nil {
			return err
		}
		graphs, again = again, nil
	}
	return nil
}

// inPlaceRounds is how often a batch sends again, itself, the graphs that
// failed for a reason not their own before leaving them to the queue.
const inPlaceRounds = 3

// sendGraphs sends the jobs' graphs in as few calls as Salesforce takes.
// With resend, graphs that failed only for a lock or a halt go to *again.
func (b *batch) sendGraphs(ctx context.Context, org *orgInfo, graphs []*job, perCall *int, again *[]*job, resend bool) error {
	q := newCallQueue(graphs)
	follow := func(f, l *job) { b.guard(f, func() { b.follow(org, f, l) }) }
	for !q.empty() {
		if time.Now().After(b.deadline) {
			// Sending outlasts the lease (a slow org, a large batch): hold
			// what is left for another lease, as before the first call.
			if err := q.keep(func(jobs []*job) ([]*job, error) { return b.holdLeases(ctx, jobs) }); err != nil {
				return err
			}
			continue
		}
		call := q.next(*perCall)
		n := len(call)
		gs := make([]salesforce.Graph, len(call))
		for i, j := range call {
			gs[i] = j.plan.builder.Graph(strconv.FormatUint(uint64(j.entry.OrderID), 10))
		}
		results, err := org.client.Graph(ctx, gs)
		if payloadLimit(err) && n > 1 {
			// Too many nodes, or too many different ones, for one request:
			// send the same graphs in smaller calls.
			*perCall = n / 2
			q.putBack(call)
			continue
		}
		if err != nil {
			b.callFailed(ctx, call, err)
			q.answered(call, follow, false)
			continue
		}
		for i, j := range call {
			if i < len(results) {
				if resend && !results[i].IsSuccessful && notItsOwn(results[i]) {
					*again = append(*again, j)
					continue
				}
				b.guard(j, func() { b.graphDone(j, results[i]) })
			} else {
				b.retry(j, errors.New("the answer held fewer graphs than were sent"))
			}
		}
		q.answered(call, follow, false)
	}
	return nil
}

// payloadLimit reports whether Salesforce refused a whole composite graph
// request for its size (REST API Developer Guide, "Composite Graph Limits").
func payloadLimit(err error) bool {
	var api *salesforce.APIError
	return errors.As(err, &api) && api.HTTPStatus == 400 && api.HasCode("LIMIT_EXCEEDED")
}

// holdLeases keeps the jobs whose leases this worker still holds, renewed
// for a full lease; the others are left to the worker that took them.
func (b *batch) holdLeases(ctx context.Context, jobs []*job) ([]*job, error) {
	ids := make([]uint64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.entry.ID
	}
	held, err := b.e.st.RenewLeases(ctx, b.worker, ids, b.e.opts.Lease)
	if err != nil {
		return nil, err
	}
	var out []*job
	for _, j := range jobs {
		if slices.Contains(held, j.entry.ID) {
			out = append(out, j)
			continue
		}
		// Not ours any more: record nothing for it.
		j.outcome = &store.Outcome{EntryID: j.entry.ID}
		j.state, j.plan = "", nil
		j.lostLease = true
	}
	b.deadline = time.Now().Add(b.e.opts.Lease * 3 / 4)
	return out, nil
}

// transient reports whether a failure was not the order's own: Salesforce
// unavailable, a lock, the network, a request halted. Such failures use no
// attempt; the order goes again soon.
func transient(err error) bool {
	return salesforce.IsRetryable(err) || store.IsTransient(err)
}

// retry puts a job back in the queue. A transient failure keeps the
// order's attempts and comes back after a short jittered backoff; any
// other failure uses an attempt, and the last attempt fails the entry.
func (b *batch) retry(j *job, cause error) {
	if transient(cause) {
		j.outcome = &store.Outcome{EntryID: j.entry.ID, Status: store.QueueNew, Transient: true,
			Message: "Will retry (not counted as an attempt): " + ErrorText(cause),
			RetryAt: time.Now().Add(b.e.transientBackoff(j.entry.Retries))}
		return
	}
	if j.entry.Attempts >= b.e.opts.MaxAttempts {
		j.finish(store.QueueFailed, fmt.Sprintf("Gave up after %d attempts. Last error: %s", j.entry.Attempts, ErrorText(cause)), store.StateError)
		return
	}
	j.outcome = &store.Outcome{EntryID: j.entry.ID, Status: store.QueueNew, Message: "Will retry: " + ErrorText(cause),
		RetryAt: time.Now().Add(b.e.backoff(j.entry.Attempts))}
}

// callFailed handles a call that failed as a whole. Its outcome is unknown
// (it may have been saved before the answer was lost), so the next attempt
// reads back what Salesforce has. Past Salesforce's request limit the workers
// pause and the attempt is given back; anything else is tried again later,
// until the attempts run out.
func (b *batch) callFailed(ctx context.Context, jobs []*job, err error) {
	b.e.log.Warn("sync failed for a whole call", "worker", b.worker, "orders", len(jobs), "err", err)
	if salesforce.IsLimit(err) {
		// The entries stay due: no worker claims while the pause holds,
		// and the moment it ends they go, whichever process ends it.
		_, msg := b.e.pause(ctx, err)
		for _, j := range jobs {
			j.outcome = &store.Outcome{EntryID: j.entry.ID, Status: store.QueueNew, Message: msg, Refund: true}
		}
		return
	}
	for _, j := range jobs {
		j.unsure = true
		b.retry(j, err)
	}
}

// graphDone takes one order's graph result.
func (b *batch) graphDone(j *job, r salesforce.GraphResult) {
	if r.IsSuccessful {
		j.result = &r
		state, msg := store.StateInSync, ""
		if !j.plan.full && !j.settings.UpdateOrderInfo && j.plan.hdrHash != j.known.sentHash {
			state = store.StateNotInSync
			msg = "; other changes are not sent because Update Order Info is set to No"
		}
		if len(j.plan.problems) > 0 {
			// The order is in Salesforce; what a mapping could not send is
			// the admin's to fix, and says which mapping and field.
			j.finish(store.QueueError, fmt.Sprintf("Synced to Salesforce Order %s (%s), but %s%s", b.orderSFID(j), describeLinks(j.plan),
				strings.Join(j.plan.problems, "; "), noticeText(j.plan)), store.StateError)
			return
		}
		j.finish(store.QueueComplete, fmt.Sprintf("Synced to Salesforce Order %s (%s)%s%s", b.orderSFID(j), describeLinks(j.plan), msg, noticeText(j.plan)), state)
		return
	}
	fail := &salesforce.APIError{HTTPStatus: 400, Errors: r.Failure()}
	if len(fail.Errors) == 0 && halted(r) {
		// Salesforce stopped after 14 other graphs of the call failed:
		// nothing was wrong with this order, so it goes again at once and
		// keeps its attempt.
		j.outcome = &store.Outcome{EntryID: j.entry.ID, Status: store.QueueNew, Refund: true, RetryAt: time.Now(),
			Message: "Will retry: Salesforce did not process this order because 14 other orders in the same request failed"}
		return
	}
	if len(fail.Errors) == 0 {
		fail.Errors = []salesforce.ErrorDetail{{ErrorCode: "UNKNOWN_EXCEPTION", Message: "the graph failed without saying why"}}
	}
	switch {
	case refusesMapping(j.mapped, fail):
		// A mapped field the org changed since magesync read it (deleted,
		// made read-only): read the org again, and the next attempt sends
		// the order without it, saying so.
		b.e.forgetOrg()
		j.outcome = &store.Outcome{EntryID: j.entry.ID, Status: store.QueueNew, Transient: true, RetryAt: time.Now(),
			Message: "Will retry: Salesforce refused a mapped field (" + fail.Message() + "); the org's fields are read again"}
	case fail.HasCode("ENTITY_IS_LOCKED") && j.known.orderID != "" && j.known.orderStatus != "":
		// Someone activated the order in Salesforce: next time it goes
		// back to the Default Status before its items change.
		j.lostStatus = true
		b.retry(j, fail)
	case salesforce.IsRetryable(fail):
		b.retry(j, fail)
	default:
		j.finish(store.QueueError, "Salesforce refused order #"+j.order.IncrementID+": "+fail.Message(), store.StateError)
	}
}

// notItsOwn reports whether a failed graph was rolled back for a reason
// that is not the order's: a halted request or a retryable error (a row
// lock). Sending the same graph again can succeed.
func notItsOwn(r salesforce.GraphResult) bool {
	fail := r.Failure()
	return (len(fail) == 0 && halted(r)) || (len(fail) > 0 && salesforce.IsRetryable(&salesforce.APIError{HTTPStatus: 400, Errors: fail}))
}

// halted reports whether a graph failed only because Salesforce halted the
// request (PROCESSING_HALTED on its nodes), not for an error of its own.
func halted(r salesforce.GraphResult) bool {
	for _, resp := range r.Responses() {
		for _, d := range resp.Errors() {
			if d.Code() == "PROCESSING_HALTED" {
				return true
			}
		}
	}
	return false
}

func (b *batch) orderSFID(j *job) string {
	if j.known.orderID != "" {
		return j.known.orderID
	}
	if j.result != nil {
		if resp, ok := j.result.Response("ord"); ok {
			return resp.Result().ID
		}
	}
	return ""
}

// record writes every job's outcome, its links and its order's state in
// one transaction.
func (b *batch) record(ctx context.Context) error {
	var links []store.Link
	var orders []store.OrderSync
	for _, j := range b.jobs {
		if j.order == nil || j.lostLease {
			continue
		}
		row := store.OrderSync{OrderID: j.entry.OrderID, State: j.state, LastError: j.detail}
		if j.result != nil {
			for _, l := range j.plan.links {
				if resp, ok := j.result.Response(l.ref); ok {
					// An update's answer carries no id: its link keeps the
					// id stored and records what was sent.
					if sfID := resp.Result().ID; sfID != "" || l.hash != "" {
						links = append(links, store.Link{Kind: l.kind, Key: l.key, OrderID: l.orderID, SFID: sfID, Hash: l.hash})
					}
				}
			}
			row.Synced, row.SFID, row.SFStatus, row.Hash = true, b.orderSFID(j), j.plan.final, j.known.sentHash
			if j.plan.full {
				row.Hash = j.plan.hdrHash
			}
		}
		if row.Synced || row.State != "" {
			orders = append(orders, row)
		}
	}
	var outcomes []store.Outcome
	var settled []uint32
	for _, j := range b.jobs {
		if !j.lostLease && j.outcome != nil {
			outcomes = append(outcomes, *j.outcome)
		}
		if !j.lostLease && !j.unsure && j.known != nil && j.known.sending {
			settled = append(settled, j.entry.OrderID)
		}
	}
	return b.e.st.InTx(ctx, b.worker, func(tx *store.Tx) error {
		if err := tx.SaveLinks(ctx, links); err != nil {
			return err
		}
		if err := tx.SaveOrders(ctx, orders); err != nil {
			return err
		}
		for _, j := range b.jobs {
			if j.lostLease {
				continue
			}
			if j.result != nil {
				if err := tx.ForgetItems(ctx, j.entry.OrderID, j.plan.dropped); err != nil {
					return err
				}
			}
			if j.lostStatus {
				if err := tx.ForgetSFStatus(ctx, j.entry.OrderID); err != nil {
					return err
				}
			}
		}
		if err := tx.Settle(ctx, settled); err != nil {
			return err
		}
		return tx.Finish(ctx, outcomes...)
	})
}

// ErrorText says in words what went wrong, for the queue and the admin:
// Salesforce's own message, or what failed where the error is the
// database's or the network's (those details belong in the log).
func ErrorText(err error) string {
	var api *salesforce.APIError
	if errors.As(err, &api) {
		return api.Message()
	}
	var auth *salesforce.AuthError
	if errors.As(err, &auth) {
		return "Salesforce login failed: " + auth.Code + ": " + auth.Description
	}
	// Errors of the database and the network are the log's; the queue
	// says what happened in words.
	if store.IsDatabaseError(err) {
		return "the Magento database could not be read or written (the log has its error)"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return "Salesforce did not answer in time"
		}
		return "Salesforce could not be reached (the log has the network's error)"
	}
	return err.Error()
}
