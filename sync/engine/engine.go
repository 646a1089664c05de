package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"magesync/store"
	"magesync/sync/salesforce"
)

// ClientSource returns the Salesforce client to use now. Connection
// settings can change while the engine runs, so it is asked each batch.
type ClientSource func(ctx context.Context) (*salesforce.Client, error)

// Options tune the engine. Zero values take the defaults.
type Options struct {
	Workers     int           // concurrent workers; 2
	BatchSize   int           // queue entries a worker claims at once; 2000
	Lease       time.Duration // how long a claim lasts before others may take it; 2 min
	MaxAttempts int           // attempts before an entry fails; 8
	BackoffBase time.Duration // first retry delay, doubling each attempt; 5 s
	BackoffMax  time.Duration // 15 min
	// TransientWait is the first wait after a failure that was not the
	// order's own, doubling while they repeat; 2 s.
	TransientWait time.Duration
	LimitPause    time.Duration // longest pause after Salesforce's daily limit; 15 min
	LimitProbe    time.Duration // while paused, how often /limits is asked whether calls are back; 1 min
	RescueEvery   time.Duration // how often expired leases are handed back; a quarter of Lease
	PollInterval  time.Duration // change detector; 500 ms
	IdleWait      time.Duration // worker sleep when the queue is empty; 300 ms
	OrgTTL        time.Duration // how long org facts (price book, statuses) are trusted; 5 min
	WorkerID      string        // names this process's leases; host and pid
	Logger        *slog.Logger
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.BatchSize == 0 {
		o.BatchSize = 2000
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 8
	}
	def(&o.Lease, 2*time.Minute)
	def(&o.BackoffBase, 5*time.Second)
	def(&o.BackoffMax, 15*time.Minute)
	def(&o.TransientWait, 2*time.Second)
	def(&o.LimitPause, 15*time.Minute)
	def(&o.LimitProbe, time.Minute)
	def(&o.RescueEvery, o.Lease/4)
	def(&o.PollInterval, 500*time.Millisecond)
	def(&o.IdleWait, 300*time.Millisecond)
	def(&o.OrgTTL, 5*time.Minute)
	if o.WorkerID == "" {
		host, _ := os.Hostname()
		o.WorkerID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
}

// Engine syncs Magento orders to Salesforce.
type Engine struct {
	st   *store.Store
	sf   ClientSource
	opts Options
	log  *slog.Logger
	wake chan struct{}
	// mapHook, set by tests only, runs in each order's guarded mapping step.
	mapHook func(*store.Order)

	mu       sync.Mutex
	probedAt time.Time // last /limits probe during a pause
	rescued  time.Time // last rescue of expired leases
	orgCache *orgInfo
	stores   map[uint16]storeEntry
	labels   map[string]string
	labelsAt time.Time
}

type storeEntry struct {
	info    StoreInfo
	fetched time.Time
}

// New returns an engine; Run starts its detector and workers.
func New(st *store.Store, sf ClientSource, opts Options) *Engine {
	opts.defaults()
	return &Engine{st: st, sf: sf, opts: opts, log: opts.Logger, wake: make(chan struct{}, 1),
		stores: map[uint16]storeEntry{}}
}

// Run runs the change detector and the workers until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.RunDetector(ctx)
	}()
	e.RunWorkers(ctx, e.opts.Workers)
	wg.Wait()
	return nil
}

// RunWorkers runs n workers until ctx ends.
func (e *Engine) RunWorkers(ctx context.Context, n int) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.work(ctx, fmt.Sprintf("%s-w%d", e.opts.WorkerID, i+1))
		}()
	}
	wg.Wait()
}

func (e *Engine) work(ctx context.Context, worker string) {
	for ctx.Err() == nil {
		if wait := e.pausedFor(ctx); wait > 0 {
			e.probeLimit(ctx)
			sleep(ctx, min(wait, e.opts.LimitProbe, 5*time.Second))
			continue
		}
		n, err := e.ProcessBatch(ctx, worker)
		if err != nil && ctx.Err() == nil {
			e.log.Error("sync batch failed", "worker", worker, "err", err)
			sleep(ctx, e.opts.IdleWait*4)
			continue
		}
		if n == 0 {
			select {
			case <-ctx.Done():
			case <-e.wake:
			case <-time.After(e.opts.IdleWait):
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Enqueue queues orders and wakes this process's workers.
func (e *Engine) Enqueue(ctx context.Context, orderIDs []uint32, reason store.Reason) ([]uint64, error) {
	ids, err := e.st.Enqueue(ctx, orderIDs, reason)
	if err == nil {
		e.nudge()
	}
	return ids, err
}

// EnqueueGrid queues every order the grid's filters match (store.EnqueueGrid)
// and wakes this process's workers for them.
func (e *Engine) EnqueueGrid(ctx context.Context, q store.GridQuery, reason store.Reason) (int, error) {
	ids, err := e.st.EnqueueGrid(ctx, q, reason)
	if ids.Len() > 0 {
		e.nudge()
	}
	return ids.Len(), err
}

func (e *Engine) nudge() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Wait polls the queue until every entry is closed, then returns them
// (as they stand when ctx ends, with ctx's error).
func (e *Engine) Wait(ctx context.Context, entryIDs []uint64) ([]store.QueueEntry, error) {
	var set store.EntryIDs
	set.Add(entryIDs...)
	err := e.WaitClosed(ctx, set)
	entries, lerr := e.st.QueueEntries(context.WithoutCancel(ctx), entryIDs)
	if err != nil {
		return entries, err
	}
	return entries, lerr
}

// WaitClosed polls the queue until every entry is closed. A closed entry
// never opens again, so each poll asks about the lowest ids still open, a
// thousand at most: waiting on a million entries costs as little as a few.
func (e *Engine) WaitClosed(ctx context.Context, entryIDs store.EntryIDs) error {
	const window = 1000
	pause := 100 * time.Millisecond
	for next := uint64(0); ; {
		ids := entryIDs.Window(next, window)
		if len(ids) == 0 {
			return nil
		}
		open, err := e.st.OpenEntries(ctx, ids)
		if err != nil {
			return err
		}
		if len(open) == 0 {
			next = ids[len(ids)-1] + 1
			continue
		}
		next = slices.Min(open)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*3/2, time.Second)
	}
}

const pauseCursor = "limit_pause"

// Pause reports until when the workers are paused and why.
func (e *Engine) Pause(ctx context.Context) (time.Time, string, error) {
	c, ok, err := e.st.Cursor(ctx, pauseCursor)
	if err != nil || !ok {
		return time.Time{}, "", err
	}
	return c.At, c.Note, nil
}

func (e *Engine) pausedFor(ctx context.Context) time.Duration {
	until, _, err := e.Pause(ctx)
	if err != nil || until.IsZero() {
		return 0
	}
	now, err := e.st.DBNow(ctx)
	if err != nil {
		return 0
	}
	return until.Sub(now)
}

// due reports whether every has passed since *last and, if so, sets it to
// now: for what a process does on a timer once for all of its workers.
func (e *Engine) due(last *time.Time, every time.Duration) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(*last) < every {
		return false
	}
	*last = time.Now()
	return true
}

// rescue hands back expired leases, on a timer: at most every RescueEvery
// per process, so that busy workers do not contend over it on every claim.
func (e *Engine) rescue(ctx context.Context) {
	if !e.due(&e.rescued, e.opts.RescueEvery) {
		return
	}
	if n, err := e.st.RescueLeases(ctx, e.opts.MaxAttempts); err != nil {
		e.log.Warn("rescue expired leases", "err", err)
	} else if n > 0 {
		e.log.Info("handed back orders whose worker stopped", "orders", n)
	}
}

// probeLimit asks Salesforce (/limits, at most every LimitProbe) whether
// API calls are available again, as after the limit was raised or the
// rolling day moved on; if so the pause ends at once.
func (e *Engine) probeLimit(ctx context.Context) {
	if !e.due(&e.probedAt, e.opts.LimitProbe) {
		return
	}
	c, err := e.sf(ctx)
	if err != nil {
		return
	}
	lim, err := c.Limits(ctx)
	if err != nil {
		return // still refused, or unreachable: the pause holds
	}
	if d, ok := lim["DailyApiRequests"]; ok && d.Remaining > 0 {
		e.log.Info("Salesforce API calls are available again: sync resumes", "remaining", d.Remaining, "max", d.Max)
		if err := e.Resume(ctx); err != nil {
			e.log.Error("resume after the limit", "err", err)
		}
	}
}

// Resume ends a pause after Salesforce's limit now (if the limit still
// holds, the next call pauses again).
func (e *Engine) Resume(ctx context.Context) error {
	if err := e.st.SetCursor(ctx, pauseCursor, store.Cursor{}); err != nil {
		return err
	}
	e.nudge()
	return nil
}

func (e *Engine) pause(ctx context.Context, cause error) (time.Time, string) {
	now, err := e.st.DBNow(ctx)
	if err != nil {
		now = time.Now().UTC()
	}
	until := now.Add(e.opts.LimitPause)
	msg := fmt.Sprintf("Salesforce's API request limit is reached (%s); sync is paused until %s UTC at the latest, and resumes by itself as soon as Salesforce takes calls again",
		limitText(cause), until.Format("2006-01-02 15:04:05"))
	if err := e.st.SetCursor(ctx, pauseCursor, store.Cursor{At: until, Note: clip(msg, 255)}); err != nil {
		e.log.Error("record pause", "err", err)
	}
	e.log.Warn(msg)
	return until, msg
}

func limitText(err error) string {
	var api *salesforce.APIError
	if errors.As(err, &api) {
		return api.Message()
	}
	return err.Error()
}

// transientBackoff is the wait after the n-th transient failure in a row:
// from TransientWait, doubling, at most BackoffMax, jittered.
func (e *Engine) transientBackoff(n int) time.Duration {
	d := e.opts.TransientWait
	for i := 0; i < n && d < e.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, e.opts.BackoffMax)
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// backoff is the delay before attempt n+1: doubling from BackoffBase, at
// most BackoffMax, with ±20% jitter so that retries spread out.
func (e *Engine) backoff(attempts int) time.Duration {
	d := e.opts.BackoffBase
	for i := 1; i < attempts && d < e.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, e.opts.BackoffMax)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// orgInfo caches facts of the org a client talks to.
type orgInfo struct {
	client    *salesforce.Client
	stdBook   string
	statuses  map[string]string // ApiName → StatusCode
	list      []salesforce.OrderStatus
	picklists *picklists
	describes map[string]*salesforce.Describe // Order, OrderItem: the fields mappings write
	money     currencies
	books     []PriceBook // the active ones
	fetched   time.Time
}

// orgCurrencyAge is how old the org's currency facts may be when an order
// is mapped; every send reads them again after OrgTTL.
const orgCurrencyAge = 24 * time.Hour

func (o *orgInfo) field(sobject, name string) (salesforce.Field, bool) {
	if d := o.describes[sobject]; d != nil {
		return d.Field(name)
	}
	return salesforce.Field{}, false
}

func (o *orgInfo) standardBook() string { return o.stdBook }

func (o *orgInfo) activated(status string) bool {
	if code, ok := o.statuses[status]; ok {
		return code == "Activated"
	}
	return status == "Activated"
}

func (o *orgInfo) addresses() *picklists { return o.picklists }

func (o *orgInfo) entryKey(e entry) string { return o.money.entryKey(e, o.stdBook) }

// orgFor returns the client and its org's facts — the standard price book,
// the Order statuses and how Account takes addresses — fetching them in one
// composite call when the client changed or they are older than OrgTTL.
func (e *Engine) orgFor(ctx context.Context) (*orgInfo, error) { return e.org(ctx, e.opts.OrgTTL) }

// org is orgFor with the age a cached answer may have (0: ask now).
func (e *Engine) org(ctx context.Context, maxAge time.Duration) (*orgInfo, error) {
	c, err := e.sf(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	cached := e.orgCache
	e.mu.Unlock()
	if cached != nil && cached.client == c && time.Since(cached.fetched) < maxAge {
		return cached, nil
	}
	b := c.NewBuilder().
		Query("book", "SELECT Id, Name, IsStandard, IsActive FROM Pricebook2 WHERE IsStandard = true OR IsActive = true ORDER BY IsStandard DESC, Name LIMIT 200").
		Query("statuses", salesforce.OrderStatusQuery).
		Describe("account", "Account").
		Describe("order", "Order").
		Describe("orderitem", "OrderItem").
		Query("currencies", "SELECT IsoCode, IsCorporate FROM CurrencyType WHERE IsActive = true")
	resp, err := c.Composite(ctx, false, b.Requests())
	if err != nil {
		return nil, fmt.Errorf("read the org's price book, Order statuses and address fields: %w", err)
	}
	got := map[string]salesforce.SubResponse{}
	for _, r := range resp {
		got[r.ReferenceID] = r
	}
	var books, statuses salesforce.QueryResult
	var account, order, orderItem salesforce.Describe
	for ref, what := range map[string]any{"book": &books, "statuses": &statuses, "account": &account, "order": &order, "orderitem": &orderItem} {
		r := got[ref]
		if !r.OK() {
			return nil, fmt.Errorf("read the org's facts (%s): %w", ref, &salesforce.APIError{HTTPStatus: r.HTTPStatusCode, Errors: r.Errors()})
		}
		if err := json.Unmarshal(r.Body, what); err != nil {
			return nil, fmt.Errorf("read the org's facts (%s): %w", ref, err)
		}
	}
	if len(books.Records) == 0 || books.Records[0]["IsStandard"] != true {
		return nil, errors.New("the Salesforce org has no standard price book")
	}
	var active []PriceBook
	for _, r := range books.Records {
		if r["IsActive"] == true {
			active = append(active, PriceBook{ID: r.String("Id"), Name: r.String("Name"), Standard: r["IsStandard"] == true})
		}
	}
	money, err := readCurrencies(ctx, c, &order, got["currencies"])
	if err != nil {
		return nil, err
	}
	list := salesforce.ParseOrderStatuses(statuses.Records)
	info := &orgInfo{client: c, stdBook: books.Records[0].String("Id"), statuses: map[string]string{}, list: list,
		picklists: picklistsFrom(&account), describes: map[string]*salesforce.Describe{"Order": &order, "OrderItem": &orderItem},
		money: money, books: active, fetched: time.Now()}
	for _, s := range list {
		info.statuses[s.APIName] = s.StatusCode
	}
	e.mu.Lock()
	e.orgCache = info
	e.mu.Unlock()
	return info, nil
}

// OrgStatuses lists the org's Order statuses as Salesforce has them now
// (for the configuration page and its checks). When Salesforce does not
// answer, it returns the list last read, when there is one, with the
// error and the time of that list.
func (e *Engine) OrgStatuses(ctx context.Context) ([]salesforce.OrderStatus, time.Time, error) {
	org, err := e.org(ctx, 0)
	if err == nil {
		return org.list, org.fetched, nil
	}
	e.mu.Lock()
	cached := e.orgCache
	e.mu.Unlock()
	if cached != nil {
		return cached.list, cached.fetched, err
	}
	return nil, time.Time{}, err
}

// storeInfo is the store view's name and time zone, cached for a minute.
func (e *Engine) storeInfo(ctx context.Context, storeID uint16) StoreInfo {
	e.mu.Lock()
	ent, ok := e.stores[storeID]
	e.mu.Unlock()
	if ok && time.Since(ent.fetched) < time.Minute {
		return ent.info
	}
	info := StoreInfo{Location: time.UTC, BaseCurrency: "USD"}
	if cur, ok, err := e.st.ConfigValue(ctx, "currency/options/base", storeID); err == nil && ok && cur != "" {
		info.BaseCurrency = cur
	}
	if tz, ok, err := e.st.ConfigValue(ctx, "general/locale/timezone", storeID); err == nil && ok {
		if loc, err := time.LoadLocation(tz); err == nil {
			info.Location = loc
		}
	}
	if websites, err := e.st.Websites(ctx); err == nil {
		for _, w := range websites {
			for _, v := range w.Stores {
				if v.ID == storeID {
					info.Name, info.Website, info.WebsiteID = v.GroupName+" / "+v.Name, w.Name, w.ID
				}
			}
		}
	}
	e.mu.Lock()
	e.stores[storeID] = storeEntry{info: info, fetched: time.Now()}
	e.mu.Unlock()
	return info
}

// statusLabel is a Magento status's label, for skip reasons. Labels are
// read again after a minute: merchants add and rename statuses.
func (e *Engine) statusLabel(ctx context.Context) func(string) string {
	e.mu.Lock()
	labels, at := e.labels, e.labelsAt
	e.mu.Unlock()
	if labels == nil || time.Since(at) > time.Minute {
		if sts, err := e.st.OrderStatuses(ctx); err == nil {
			labels = map[string]string{}
			for _, s := range sts {
				labels[s.Code] = s.Label
			}
			e.mu.Lock()
			e.labels, e.labelsAt = labels, time.Now()
			e.mu.Unlock()
		}
	}
	return func(code string) string {
		if l := labels[code]; l != "" {
			return l
		}
		if code == "" {
			return "(none)"
		}
		return strings.ReplaceAll(code, "_", " ")
	}
}

// InstanceURL is the org's instance URL, where records open. It logs in
// (briefly) only when no token is at hand yet; "" when that fails.
func (e *Engine) InstanceURL(ctx context.Context) (string, error) {
	c, err := e.sf(ctx)
	if err != nil {
		return "", err
	}
	if t := c.CachedToken(); t != nil {
		return t.InstanceURL, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	t, err := c.Token(ctx)
	if err != nil {
		return "", err
	}
	return t.InstanceURL, nil
}

// ErrNotDraftStatus is a Default Status outside the Draft category.
var ErrNotDraftStatus = errors.New("not a Draft-category status")

// CheckDefaultStatus refuses a Default Status that the org puts in the
// Activated category: Salesforce creates orders only in a Draft-category
// status. It reports whether Salesforce could be asked; a status it cannot
// check is let through, and Salesforce's own error shows in the queue later.
func (e *Engine) CheckDefaultStatus(ctx context.Context, status string) (checked bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	sts, _, err := e.OrgStatuses(ctx)
	if err != nil {
		return false, nil
	}
	for _, st := range sts {
		if st.APIName == status && st.StatusCode != "Draft" {
			return true, fmt.Errorf("%w: %s is an %s-category status. Salesforce creates orders only in a Draft-category status; choose one of those",
				ErrNotDraftStatus, st.MasterLabel, st.StatusCode)
		}
	}
	if len(sts) > 0 && !slices.ContainsFunc(sts, func(st salesforce.OrderStatus) bool { return st.APIName == status }) {
		return true, fmt.Errorf("%w: Salesforce has no Order status %q (any more); choose one the org lists", ErrNotDraftStatus, status)
	}
	return true, nil
}

// PriceBook is one of the org's active price books, for the Price Book
// setting.
type PriceBook struct {
	ID, Name string
	Standard bool
}

// ErrNoPriceBook is a Price Book the org does not have, or has not active.
var ErrNoPriceBook = errors.New("no such active price book")

// PriceBooks lists the org's active price books, the standard one first,
// as read with its Order statuses (OrgStatuses), at most a minute ago;
// when Salesforce does not answer, the list last read, if any.
func (e *Engine) PriceBooks(ctx context.Context) ([]PriceBook, error) {
	org, err := e.org(ctx, time.Minute)
	if err == nil {
		return org.books, nil
	}
	e.mu.Lock()
	cached := e.orgCache
	e.mu.Unlock()
	if cached != nil {
		return cached.books, err
	}
	return nil, err
}

// CheckPriceBook refuses a Price Book the org does not have active. It
// reports whether Salesforce could be asked; one it cannot check is let
// through, and Salesforce's own error shows in the queue later.
func (e *Engine) CheckPriceBook(ctx context.Context, id string) (checked bool, err error) {
	if id == "" {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	org, err := e.org(ctx, 0)
	if err != nil {
		return false, nil
	}
	books := org.books
	id18, _ := salesforce.NormalizeID(id)
	for _, b := range books {
		if b.ID == id18 {
			return true, nil
		}
	}
	return true, fmt.Errorf("%w: the Salesforce org has no active price book %s; choose one it lists", ErrNoPriceBook, id)
}
