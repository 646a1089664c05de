package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
)

// GridQuery is the orders grid's state: filters, sort and page. Every field
// comes from the URL; only whitelisted columns ever reach SQL.
type GridQuery struct {
	Keyword  string
	Statuses []string
	From, To time.Time // purchase date range, UTC; zero = open
	Sync     SyncState // "" = any
	// Grand Total (Base) and (Purchased) ranges, and the Purchase Point
	// (store view; 0 = any), as Magento's grid filters them.
	BaseTotal, Total AmountRange
	StoreID          uint16
	Sort             string // a key of GridSortColumns
	Desc             bool
	Page             int // from 1
	Size             int

	dense bool // the Sync state holds a good share of all orders
}

// GridSortColumns maps the grid's sortable columns to SQL.
var GridSortColumns = map[string]string{
	"id":               "g.increment_id",
	"purchase_point":   "g.store_id",
	"created_at":       "g.created_at",
	"billing_name":     "g.billing_name",
	"shipping_name":    "g.shipping_name",
	"base_grand_total": "g.base_grand_total",
	"grand_total":      "g.grand_total",
	"status":           "g.status",
	"sync":             "o.state",
	"sf_id":            "o.sf_id",
}

// SyncStates are the values of GridQuery.Sync.
var SyncStates = []SyncState{StateInSync, StateNotInSync, StatePending, StateError}

// GridRow is one row of the orders grid.
type GridRow struct {
	EntityID       uint32       `db:"entity_id"`
	IncrementID    string       `db:"increment_id"`
	StoreID        uint16       `db:"store_id"`
	StoreName      string       `db:"store_name"`
	CreatedAt      sql.NullTime `db:"created_at"`
	BillingName    string       `db:"billing_name"`
	ShippingName   string       `db:"shipping_name"`
	BaseGrandTotal Decimal      `db:"base_grand_total"`
	GrandTotal     Decimal      `db:"grand_total"`
	BaseCurrency   string       `db:"base_currency_code"`
	OrderCurrency  string       `db:"order_currency_code"`
	Status         string       `db:"status"`
	SyncState      SyncState    `db:"sync_state"`
	SyncError      string       `db:"sync_error"`
	SFID           string       `db:"sf_id"`
}

// filtered reports whether any filter other than sync status is set.
func (q GridQuery) filtered() bool {
	return strings.TrimSpace(q.Keyword) != "" || len(q.Statuses) > 0 || !q.From.IsZero() || !q.To.IsZero() ||
		q.BaseTotal.set() || q.Total.set() || q.StoreID != 0
}

// AmountRange is an amount filter; either end may be open.
type AmountRange struct {
	Min, Max       Decimal
	HasMin, HasMax bool
}

func (r AmountRange) set() bool { return r.HasMin || r.HasMax }

func (r AmountRange) conds(col string, conds *[]string, args *[]any) {
	if r.HasMin {
		*conds, *args = append(*conds, col+" >= ?"), append(*args, r.Min)
	}
	if r.HasMax {
		*conds, *args = append(*conds, col+" <= ?"), append(*args, r.Max)
	}
}

// objectCount counts order rows of magesync_object matching cond: a
// shortcut for grids filtered by nothing but sync state, where every such
// row stands for one grid row.
func (s *Store) objectCount(ctx context.Context, cond string, args ...any) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.bounded(`SELECT COUNT(*) FROM magesync_object x WHERE x.kind = 'order' AND `+cond), args...); err != nil {
		return 0, fmt.Errorf("store: count synced orders: %w", err)
	}
	return n, nil
}

// where builds the filter part of the grid's SQL.
func (q GridQuery) where() (string, []any, error) {
	var conds []string
	var args []any
	if kw := fulltextQuery(q.Keyword); kw != "" {
		conds = append(conds, `MATCH (g.increment_id, g.billing_name, g.shipping_name, g.shipping_address, g.billing_address,
			g.customer_name, g.customer_email) AGAINST (? IN BOOLEAN MODE)`)
		args = append(args, kw)
	} else if k := strings.TrimSpace(q.Keyword); k != "" {
		conds = append(conds, `g.increment_id LIKE CONCAT('%', ?, '%')`)
		args = append(args, k)
	}
	if len(q.Statuses) > 0 {
		c, a, err := sqlx.In(`g.status IN (?)`, q.Statuses)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, c)
		args = append(args, a...)
	}
	if !q.From.IsZero() {
		conds = append(conds, `g.created_at >= ?`)
		args = append(args, q.From.UTC())
	}
	if !q.To.IsZero() {
		conds = append(conds, `g.created_at < ?`)
		args = append(args, q.To.UTC())
	}
	q.BaseTotal.conds("g.base_grand_total", &conds, &args)
	q.Total.conds("g.grand_total", &conds, &args)
	if q.StoreID != 0 {
		conds, args = append(conds, "g.store_id = ?"), append(args, q.StoreID)
	}
	switch q.Sync {
	case StateNotInSync:
		conds = append(conds, notInSync)
	case StateInSync, StatePending, StateError:
		conds = append(conds, stateCond(q.dense))
		args = append(args, q.Sync)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// fulltextQuery turns words into a boolean-mode query in which each word
// must match as a prefix. Only letters and digits reach the query: every
// other character (the parser's operators among them) separates words.
func fulltextQuery(s string) string {
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 3 { // InnoDB's minimum token size
			words = append(words, "+"+w+"*")
		}
	}
	return strings.Join(words, " ")
}

// lookupsFit reports whether finding rows orders of a state that count of
// total orders are in, by per-row lookups along the grid's sort, stays
// within a small budget of lookups.
func lookupsFit(rows, count, total int) bool {
	return count > 0 && rows*total/count <= 20000
}

// stateCond selects orders in one sync state (the argument). When many
// orders are in it, a per-row lookup lets a sort by the grid's own index
// find a page after a few rows; when few are, reading them by the state's
// index and sorting them is cheaper.
func stateCond(dense bool) string {
	if dense {
		return `(SELECT x.state FROM magesync_object x WHERE x.order_id = g.entity_id AND x.kind = 'order') = ?`
	}
	return `g.entity_id IN (SELECT x.order_id FROM magesync_object x WHERE x.kind = 'order' AND x.state = ?)`
}

// notInSync and noSFID are per-row lookups rather than anti-joins: most
// orders match them, so a sort by the grid's own index stops after a page.
const (
	notInSync = `COALESCE((SELECT x.state FROM magesync_object x WHERE x.order_id = g.entity_id AND x.kind = 'order'), 'not_in_sync') = 'not_in_sync'`
	noSFID    = `(SELECT x.sf_id FROM magesync_object x WHERE x.order_id = g.entity_id AND x.kind = 'order') IS NULL`
)

const objectJoin = ` LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order'`

const gridColumns = `g.entity_id, COALESCE(g.increment_id, '') AS increment_id,
	COALESCE(g.store_id, 0) AS store_id, COALESCE(g.store_name, '') AS store_name, g.created_at,
	COALESCE(g.billing_name, '') AS billing_name, COALESCE(g.shipping_name, '') AS shipping_name,
	g.base_grand_total, g.grand_total, COALESCE(g.base_currency_code, '') AS base_currency_code,
	COALESCE(g.order_currency_code, '') AS order_currency_code, COALESCE(g.status, '') AS status,
	COALESCE(o.state, 'not_in_sync') AS sync_state, COALESCE(o.last_error, '') AS sync_error, COALESCE(o.sf_id, '') AS sf_id`

// segment is a run of the grid's rows in one sort order. Sorting by a
// magesync column (sync status, Salesforce ID) over every order cannot use
// an index, so such a sort is cut into segments that each can: orders
// without a Salesforce ID, then those with one by its index; or one
// segment per sync state.
type segment struct {
	from  string // with aliases g and o
	cond  string // extra condition, "" for none
	args  []any
	state SyncState // a sync state: the condition is chosen per page (stateCond)
	order string
	count int
}

// OrderGrid returns one page of the orders grid and the number of orders
// matching the filters.
//
// Each of its queries runs under the store's grid time limit: a click that
// would run longer is stopped by the server, and says so (ErrTooSlow).
func (s *Store) OrderGrid(ctx context.Context, q GridQuery) ([]GridRow, int, error) {
	rows, total, err := s.orderGrid(ctx, q)
	return rows, total, tooSlow(err)
}

func (s *Store) orderGrid(ctx context.Context, q GridQuery) ([]GridRow, int, error) {
	if fulltextQuery(q.Keyword) != "" && q.Sync == "" && q.Sort != "sf_id" && q.Sort != "sync" {
		if rows, total, ok, err := s.keywordPage(ctx, q); err != nil || ok {
			return rows, total, err
		}
	}
	total, err := s.countGrid(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	if q.Sync != "" && q.Sync != StateNotInSync {
		// The highest id is an instant stand-in for the number of orders.
		var all int
		if err := s.db.GetContext(ctx, &all, s.bounded(`SELECT COALESCE(MAX(entity_id), 0) FROM sales_order_grid`)); err != nil {
			return nil, 0, fmt.Errorf("store: orders grid: %w", err)
		}
		q.dense = lookupsFit(max(q.Page, 1)*max(q.Size, 20), total, all)
	}
	where, args, err := q.where()
	if err != nil {
		return nil, 0, fmt.Errorf("store: orders grid: %w", err)
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var segs []segment
	switch q.Sort {
	case "sf_id":
		segs, err = s.sfIDSegments(ctx, q, where, args, total, dir)
	case "sync":
		segs, err = s.syncSegments(ctx, q, where, args, total, q.Desc)
	default:
		col, ok := GridSortColumns[q.Sort]
		if !ok {
			col = GridSortColumns["created_at"]
		}
		segs = []segment{{from: "sales_order_grid g" + objectJoin, order: col + " " + dir + ", g.entity_id " + dir, count: total}}
	}
	if err != nil {
		return nil, 0, err
	}
	size := q.Size
	if size <= 0 {
		size = 20
	}
	offset := (max(q.Page, 1) - 1) * size
	// Find the page's ids first, from narrow rows the indexes cover; then
	// read those few rows whole.
	var ids []uint32
	for _, sg := range segs {
		if len(ids) == size {
			break
		}
		if offset >= sg.count {
			offset -= sg.count
			continue
		}
		if sg.state != "" {
			sg.cond, sg.args = stateCond(lookupsFit(offset+size-len(ids), sg.count, total)), []any{sg.state}
		}
		w := where
		if sg.cond != "" {
			if w == "" {
				w = " WHERE " + sg.cond
			} else {
				w += " AND " + sg.cond
			}
		}
		var part []uint32
		err := s.db.SelectContext(ctx, &part, s.bounded(`SELECT g.entity_id FROM `+sg.from+w+` ORDER BY `+sg.order+` LIMIT ? OFFSET ?`),
			append(append(slices.Clone(args), sg.args...), size-len(ids), offset)...)
		if err != nil {
			return nil, 0, fmt.Errorf("store: orders grid: %w", err)
		}
		ids = append(ids, part...)
		offset = 0
	}
	rows, err := s.gridRows(ctx, ids)
	return rows, total, err
}

// gridRows reads whole grid rows for ids, in the order of ids.
func (s *Store) gridRows(ctx context.Context, ids []uint32) ([]GridRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	qs, qargs, err := sqlx.In(`SELECT `+gridColumns+` FROM sales_order_grid g`+objectJoin+` WHERE g.entity_id IN (?)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: orders grid: %w", err)
	}
	var found []GridRow
	if err := s.db.SelectContext(ctx, &found, s.bounded(qs), qargs...); err != nil {
		return nil, fmt.Errorf("store: orders grid: %w", err)
	}
	byID := make(map[uint32]GridRow, len(found))
	for _, r := range found {
		byID[r.EntityID] = r
	}
	rows := make([]GridRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// keywordPage serves a keyword search sorted by a grid column with one
// fulltext scan, counting the matches as it pages them. ok is false when
// the page is past the end (the count is then unknown).
func (s *Store) keywordPage(ctx context.Context, q GridQuery) (rows []GridRow, total int, ok bool, err error) {
	where, args, err := q.where()
	if err != nil {
		return nil, 0, false, fmt.Errorf("store: orders grid: %w", err)
	}
	col, known := GridSortColumns[q.Sort]
	if !known {
		col = GridSortColumns["created_at"]
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	size := q.Size
	if size <= 0 {
		size = 20
	}
	var page []struct {
		ID    uint32 `db:"entity_id"`
		Total int    `db:"total"`
	}
	err = s.db.SelectContext(ctx, &page, s.bounded(`SELECT g.entity_id, COUNT(*) OVER () AS total FROM sales_order_grid g`+where+
		` ORDER BY `+col+` `+dir+`, g.entity_id `+dir+` LIMIT ? OFFSET ?`), append(args, size, (max(q.Page, 1)-1)*size)...)
	if err != nil || len(page) == 0 {
		return nil, 0, false, err
	}
	ids := make([]uint32, len(page))
	for i, p := range page {
		ids[i] = p.ID
	}
	rows, err = s.gridRows(ctx, ids)
	return rows, page[0].Total, true, err
}

// sfIDSegments sorts by Salesforce Order ID: orders without one (by id),
// and orders with one, by the ID's index.
func (s *Store) sfIDSegments(ctx context.Context, q GridQuery, where string, args []any, total int, dir string) ([]segment, error) {
	with := segment{from: "magesync_object o STRAIGHT_JOIN sales_order_grid g ON g.entity_id = o.order_id",
		cond: "o.kind = 'order' AND o.sf_id IS NOT NULL", order: "o.sf_id " + dir}
	var n int
	var err error
	switch {
	case q.filtered():
		n, err = s.countWhere(ctx, where, args, `g.entity_id IN (SELECT x.order_id FROM magesync_object x WHERE x.kind = 'order' AND x.sf_id IS NOT NULL)`)
	case q.Sync == "":
		n, err = s.objectCount(ctx, "x.sf_id IS NOT NULL")
	default: // "not in sync" rows here all have a magesync_object row
		n, err = s.objectCount(ctx, "x.sf_id IS NOT NULL AND x.state = ?", q.Sync)
	}
	if err != nil {
		return nil, err
	}
	with.count = n
	without := segment{from: "sales_order_grid g" + objectJoin, count: total - n, order: "g.entity_id " + dir, cond: noSFID}
	if dir == "ASC" { // NULLs sort first
		return []segment{without, with}, nil
	}
	return []segment{with, without}, nil
}

// syncSegments sorts by sync status: one segment per state, in the order of
// their labels (Error, In sync, Not in sync, Pending), newest orders first
// within each.
func (s *Store) syncSegments(ctx context.Context, q GridQuery, where string, args []any, total int, desc bool) ([]segment, error) {
	var counts []struct {
		State SyncState `db:"state"`
		N     int       `db:"n"`
	}
	query := `SELECT x.state, COUNT(*) AS n FROM magesync_object x WHERE x.kind = 'order' AND x.state <> 'not_in_sync' GROUP BY x.state`
	if q.filtered() || q.Sync != "" {
		query = `SELECT x.state, COUNT(*) AS n FROM sales_order_grid g JOIN magesync_object x ON x.order_id = g.entity_id
			AND x.kind = 'order' AND x.state <> 'not_in_sync'` + where + ` GROUP BY x.state`
	}
	if err := s.db.SelectContext(ctx, &counts, s.bounded(query), args...); err != nil {
		return nil, fmt.Errorf("store: count orders by sync state: %w", err)
	}
	byState := map[SyncState]int{}
	others := 0
	for _, c := range counts {
		byState[c.State] = c.N
		others += c.N
	}
	var segs []segment
	for _, st := range []SyncState{StateError, StateInSync, StateNotInSync, StatePending} {
		sg := segment{from: "sales_order_grid g" + objectJoin, order: "g.created_at DESC, g.entity_id DESC", count: byState[st]}
		if st == StateNotInSync {
			sg.cond = notInSync
			sg.count = total - others
		} else {
			sg.state = st
		}
		segs = append(segs, sg)
	}
	if desc {
		slices.Reverse(segs)
	}
	return segs, nil
}

// countWhere counts the grid's rows matching where and cond.
func (s *Store) countWhere(ctx context.Context, where string, args []any, cond string) (int, error) {
	if where == "" {
		where = " WHERE " + cond
	} else {
		where += " AND " + cond
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.bounded(`SELECT COUNT(*) FROM sales_order_grid g`+where), args...); err != nil {
		return 0, fmt.Errorf("store: count orders: %w", err)
	}
	return n, nil
}

// countGrid counts the orders the filters match. "Not in sync" is counted
// as all orders less those in another state, and with no other filter the
// states are counted on magesync's own index: joins over every order would
// be slow on a large store.
func (s *Store) countGrid(ctx context.Context, q GridQuery) (int, error) {
	if q.Sync != "" && q.Sync != StateNotInSync && !q.filtered() {
		return s.objectCount(ctx, "x.state = ?", q.Sync)
	}
	inner := q
	inner.Sync = ""
	if q.Sync != StateNotInSync {
		inner = q
	}
	where, args, err := inner.where()
	if err != nil {
		return 0, fmt.Errorf("store: count orders: %w", err)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, s.bounded(`SELECT COUNT(*) FROM sales_order_grid g`+where), args...); err != nil {
		return 0, fmt.Errorf("store: count orders: %w", err)
	}
	if q.Sync != StateNotInSync {
		return total, nil
	}
	var synced int
	if q.filtered() {
		synced, err = s.countWhere(ctx, where, args,
			`g.entity_id IN (SELECT x.order_id FROM magesync_object x WHERE x.kind = 'order' AND x.state <> 'not_in_sync')`)
	} else {
		synced, err = s.objectCount(ctx, "x.state <> 'not_in_sync'")
	}
	return total - synced, err
}

// OrderGridIDs returns the ids of every order the grid's filters match, for
// "select all N matching".
func (s *Store) OrderGridIDs(ctx context.Context, q GridQuery) ([]uint32, error) {
	where, args, err := q.where()
	if err != nil {
		return nil, fmt.Errorf("store: orders grid: %w", err)
	}
	var ids []uint32
	if err := s.db.SelectContext(ctx, &ids, `SELECT g.entity_id FROM sales_order_grid g`+where+` ORDER BY g.entity_id`, args...); err != nil {
		return nil, fmt.Errorf("store: orders grid: %w", err)
	}
	return ids, nil
}
