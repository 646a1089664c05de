package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
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
	Page             int  // from 1
	Last             bool // the last page, whatever its number
	Size             int
	// After and Before are the order a page follows or precedes (Next and
	// Previous carry them): the page is read from that order's place in
	// the sort, at the same cost at any depth, instead of counted from the
	// start. Page is then only the number shown. 0 = by Page.
	After, Before uint32
}

// GridSortColumns maps the grid's sortable columns to SQL. Each has an
// index on magesync_grid; rows tie by entity_id, in the same direction.
var GridSortColumns = map[string]string{
	"id":               "g.increment_id",
	"purchase_point":   "g.store_id",
	"created_at":       "g.created_at",
	"billing_name":     "g.billing_name",
	"shipping_name":    "g.shipping_name",
	"base_grand_total": "g.base_grand_total",
	"grand_total":      "g.grand_total",
	"status":           "g.status",
	"sync":             "g.sync_state", // error, in_sync, not_in_sync, pending: the labels' order
	"sf_id":            "g.sf_id",
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

// GridPage is one page of the orders grid.
type GridPage struct {
	Rows  []GridRow
	Total int  // orders matching the filters
	Exact bool // false: Total is the database's estimate ("about")
	Page  int  // the page shown (the last one when asked for it)
	Copy  GridCopy
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

// where builds the filter part of the grid's SQL over magesync_grid g.
func (q GridQuery) where(kw keywordPlan) (string, []any, error) {
	var conds []string
	var args []any
	if len(kw.words) > 0 {
		kw.conds(&conds, &args)
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
	if q.Sync != "" {
		conds, args = append(conds, "g.sync_state = ?"), append(args, q.Sync)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

const gridColumns = `g.entity_id, COALESCE(g.increment_id, '') AS increment_id,
	COALESCE(g.store_id, 0) AS store_id, COALESCE(g.store_name, '') AS store_name, g.created_at,
	COALESCE(g.billing_name, '') AS billing_name, COALESCE(g.shipping_name, '') AS shipping_name,
	g.base_grand_total, g.grand_total, COALESCE(g.base_currency_code, '') AS base_currency_code,
	COALESCE(g.order_currency_code, '') AS order_currency_code, COALESCE(g.status, '') AS status,
	g.sync_state, COALESCE(o.last_error, '') AS sync_error, COALESCE(g.sf_id, '') AS sf_id`

// exactCountLimit is how long counting the matching orders may take; past
// it the grid shows the database's estimate, "about N".
const exactCountLimit = 15 * time.Millisecond

// sortIndexes are the magesync_grid index of each sort column.
var sortIndexes = map[string]string{
	"g.increment_id": "magesync_grid_by_increment_id", "g.store_id": "magesync_grid_by_store",
	"g.created_at": "magesync_grid_by_created", "g.billing_name": "magesync_grid_by_billing_name",
	"g.shipping_name": "magesync_grid_by_shipping_name", "g.base_grand_total": "magesync_grid_by_base_total",
	"g.grand_total": "magesync_grid_by_total", "g.status": "magesync_grid_by_status",
	"g.sync_state": "magesync_grid_by_sync", "g.sf_id": "magesync_grid_by_sf_id",
}

// walkBudget is how many index entries a page may walk along its sort's
// index, or walkOverSort per order the filters keep, whichever is more: an
// entry walked costs about a tenth of an order read by the filters' index
// and sorted (page 16,000 of the orders not in sync, by name, of a
// million: a 60 ms walk, or a sort past the time limit). A page that
// would need more reads its filters' index and sorts what it finds.
var walkBudget, walkOverSort int64 = 200000, 10

// A walk gives up on its estimate past walkFactor times it, or walkMin
// index entries (a few milliseconds), or walkPerMatch per order matching,
// whichever is more.
var walkFactor, walkMin, walkPerMatch int64 = 4, 20000, 1

// walk runs query, a walk along an index, until it has read examined rows
// (MariaDB's LIMIT ROWS EXAMINED; MySQL has no such stop). ok is false
// when it stopped there, ids then incomplete.
func (s *Store) walk(ctx context.Context, query string, examined int64, args []any) (ok bool, ids []uint32, err error) {
	if !s.mariaDB {
		err = s.db.SelectContext(ctx, &ids, query, args...)
		return err == nil, ids, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return false, nil, err
	}
	defer conn.Close()
	err = conn.SelectContext(ctx, &ids, query+" ROWS EXAMINED "+strconv.FormatInt(examined, 10), args...)
	if me := (*mysql.MySQLError)(nil); errors.As(err, &me) && me.Number == 1028 && strings.Contains(me.Message, "ROWS EXAMINED") {
		return false, nil, nil // a sort the walk needed, stopped at the limit
	}
	if err != nil {
		return false, nil, err
	}
	rows, err := conn.QueryContext(ctx, `SHOW WARNINGS`)
	if err != nil {
		return false, nil, err
	}
	defer rows.Close()
	stopped := false
	for rows.Next() {
		var level, msg string
		var code int
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return false, nil, err
		}
		stopped = stopped || code == 1931 // exceeded LIMIT ROWS EXAMINED
	}
	return !stopped, ids, rows.Err()
}

// OrderGrid returns one page of the orders grid and the number of orders
// matching the filters. It first copies what Magento's grid changed since
// the last copy (a bounded amount, so that the page says when it lags).
//
// Every query reads magesync_grid by an index that fits its filter or
// sort, and runs under the store's grid time limit: a click that would run
// longer is stopped by the server, and says so (ErrTooSlow).
func (s *Store) OrderGrid(ctx context.Context, q GridQuery) (GridPage, error) {
	p, err := s.orderGrid(ctx, q)
	return p, tooSlow(err)
}

func (s *Store) orderGrid(ctx context.Context, q GridQuery) (GridPage, error) {
	var p GridPage
	var err error
	if p.Copy, err = s.CopyGrid(ctx, 2000); errors.Is(tooSlow(err), ErrTooSlow) || errors.Is(err, ErrGridBusy) {
		// Magento's grid is busy, or another process is copying a lot of
		// it: the page shows the copy, and says it may lag.
		p.Copy = GridCopy{}
	} else if err != nil {
		return p, err
	}
	kw, err := s.planKeyword(ctx, q.Keyword)
	if err != nil {
		return p, err
	}
	where, args, err := q.where(kw)
	if err != nil {
		return p, fmt.Errorf("store: orders grid: %w", err)
	}
	col, ok := GridSortColumns[q.Sort]
	if !ok {
		col = GridSortColumns["created_at"]
	}
	dated := !q.From.IsZero() || !q.To.IsZero()
	if dated {
		if where, args, err = s.narrowToDays(ctx, q, col, where, args); err != nil {
			return p, err
		}
	}
	var days []dayCount
	undated := 0
	counted := q.counted()
	if counted {
		// The orders counted per day are the orders shown: an exact count
		// at once, and the days a deep page of the purchase-date sort
		// lies past.
		if days, undated, err = s.countDays(ctx, q); err != nil {
			return p, err
		}
		p.Total, p.Exact = undated, true
		for _, d := range days {
			p.Total += d.orders
		}
	} else if p.Total, p.Exact, err = s.countGrid(ctx, where, args, kw); err != nil {
		return p, err
	}
	desc := q.Desc != q.Last // the last page is the first one backwards
	size := q.Size
	if size <= 0 {
		size = 20
	}
	p.Page = max(q.Page, 1)
	offset := (p.Page - 1) * size
	// Next and Previous read from the order the page follows or precedes;
	// Previous reads backwards, as the last page does.
	anchor, backwards := q.After, false
	if anchor == 0 {
		anchor, backwards = q.Before, true
	}
	seeking, nullsOnly := false, false
	if anchor != 0 && !q.Last {
		sk, ok, err := s.seekPast(ctx, col, desc != backwards, anchor)
		if err != nil {
			return p, err
		}
		if ok { // else the order is gone: the page by its number
			seeking, desc, offset, nullsOnly = true, desc != backwards, 0, sk.nullsOnly
			where, args = and(where, "("+sk.cond+")"), append(slices.Clip(args), sk.args...)
		}
	}
	backwards = backwards && seeking
	if !seeking && !q.Last && offset >= p.Total && (p.Exact || offset >= 2*p.Total) {
		// Past the end (an old link, a page typed): the last page, read
		// backwards rather than by walking past every order.
		q.Last, desc = true, !desc
	}
	if q.Last {
		p.Page, offset = max((p.Total+size-1)/size, 1), 0
		if p.Exact {
			size = p.Total - (p.Page-1)*size // the last page's own rows
		}
	}
	// A page nearer the end than the start is read backwards from the end:
	// a walk to it passes fewer orders.
	flipped := false
	if rest := p.Total - offset - size; !seeking && !q.Last && p.Exact && rest < offset {
		if rest < 0 { // the last page, not full
			size, rest = size+rest, 0
		}
		desc, offset, flipped = !desc, rest, true
	}
	if col == "g.created_at" && !seeking && !q.Last && offset >= jumpFrom && counted {
		if cond, arg, skipped := jumpDays(days, undated, desc, offset); skipped > 0 {
			where, args, offset = and(where, cond), append(slices.Clip(args), arg), offset-skipped
		}
	}
	// The page's ids first, from the sort's index; then those few rows whole.
	// One rule for every filter: when the filters keep enough of the
	// orders that walking the sort's index finds the page within the
	// budget, walk it (its index holds the filtered columns); else, or
	// when the walk does not find the page near its estimate, let the
	// database read the filters' index and sort the orders found.
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	order := col + " " + dir + ", g.entity_id " + dir
	if nullsOnly {
		// Sorted by id alone: MariaDB reads an index backwards along
		// "col IS NULL" only so.
		order = "g.entity_id " + dir
	}
	// Within dates, the orders without a Salesforce ID are read apart, by
	// id from the range's: MariaDB reads "sf_id IS NULL" backwards from a
	// bound only when the order is by id alone.
	splitNulls := col == "g.sf_id" && dated && !nullsOnly
	page := func(from string) (string, []any) {
		query := `SELECT g.entity_id FROM ` + from + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
		qargs := append(slices.Clip(args), max(size, 0), offset)
		if splitNulls {
			part := func(cond, order string) string {
				return `(SELECT g.entity_id, g.sf_id FROM ` + from + where + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?)`
			}
			query = `SELECT u.entity_id FROM (` + part("g.sf_id IS NULL", "g.entity_id "+dir) + ` UNION ALL ` +
				part("g.sf_id IS NOT NULL", order) + `) u ORDER BY u.sf_id ` + dir + `, u.entity_id ` + dir + ` LIMIT ? OFFSET ?`
			each := max(size, 0) + offset
			qargs = slices.Concat(args, []any{each}, args, []any{each, max(size, 0), offset})
		}
		if len(kw.words) > 0 && kw.driver < 0 {
			return s.walkingSort(query), qargs
		}
		return s.bounded(query), qargs
	}
	var ids []uint32
	walked := false
	if kw.driver < 0 {
		all, err := s.gridSize(ctx)
		if err != nil {
			return p, err
		}
		// The estimate takes the filters to keep orders evenly along the
		// sort; they need not (a date range, sorted by a column that
		// follows order ids, keeps one stretch of the index), so the walk
		// stops at a few times its estimate, or when it has read as many
		// entries as reading the filters' orders would.
		budget := max(walkBudget, walkOverSort*int64(p.Total))
		if estimate := int64(offset+size) * int64(all) / int64(max(p.Total, 1)); p.Total > 0 && estimate <= budget {
			idx := sortIndexes[col]
			if col == "g.sf_id" && q.Sync != "" {
				idx = "magesync_grid_by_sync_sf_id"
			}
			// Each word's check reads a row too.
			examined := min(max(walkFactor*estimate, walkMin, walkPerMatch*int64(p.Total)), budget) * int64(1+len(kw.words))
			query, qargs := page("magesync_grid g FORCE INDEX (" + idx + ")")
			if walked, ids, err = s.walk(ctx, query, examined, qargs); err != nil {
				return p, fmt.Errorf("store: orders grid: %w", err)
			}
		}
	}
	if !walked {
		query, qargs := page("magesync_grid g")
		if err = s.db.SelectContext(ctx, &ids, query, qargs...); err != nil {
			return p, fmt.Errorf("store: orders grid: %w", err)
		}
	}
	if q.Last || backwards || flipped {
		slices.Reverse(ids)
	}
	p.Rows, err = s.gridRows(ctx, ids)
	return p, err
}

// jumpFrom is the offset from which a page of the purchase-date sort is
// found from the orders counted per day instead of by walking to it.
var jumpFrom = 20000

// counted reports whether the grid is filtered by purchase date, status
// and purchase point alone, if at all: magesync_grid_day_count then holds
// the orders it shows, counted. Any other filter where writes makes it
// false.
func (q GridQuery) counted() bool {
	q.Statuses, q.StoreID, q.From, q.To = nil, 0, time.Time{}, time.Time{}
	where, _, err := q.where(keywordPlan{})
	return err == nil && where == ""
}

// and joins a condition to a WHERE clause.
func and(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// dayCount is how many orders a counted filter keeps on one day.
type dayCount struct {
	start, end time.Time
	orders     int
}

// countDays reads how many orders a counted filter keeps on each day it
// spans, from magesync_grid_day_count, oldest first (a day the range cuts
// counted within the range), and how many orders it keeps without a
// purchase date (none when a date range is set).
func (s *Store) countDays(ctx context.Context, q GridQuery) (days []dayCount, undated int, err error) {
	from, to := dayRange(q)
	// The status and purchase point filters, as the grid writes them: the
	// counts' columns have the grid's names.
	byDay := q
	byDay.From, byDay.To = time.Time{}, time.Time{}
	filter, args, err := byDay.where(keywordPlan{})
	if err != nil {
		return nil, 0, fmt.Errorf("store: orders grid: %w", err)
	}
	var rows []struct {
		Day    time.Time `db:"day"`
		Orders int       `db:"orders"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.bounded(`SELECT g.day, SUM(g.orders) AS orders FROM magesync_grid_day_count g`+
		and(filter, `g.day BETWEEN DATE(?) AND DATE(?)`)+` GROUP BY g.day ORDER BY g.day`), append(slices.Clip(args), from, to)...); err != nil {
		return nil, 0, fmt.Errorf("store: orders grid: %w", err)
	}
	count := func(cond string, condArgs ...any) (int, error) {
		var n int
		if err := s.db.GetContext(ctx, &n, s.bounded(`SELECT COUNT(*) FROM magesync_grid g`+and(filter, cond)),
			append(slices.Clip(args), condArgs...)...); err != nil {
			return 0, fmt.Errorf("store: orders grid: %w", err)
		}
		return n, nil
	}
	for _, r := range rows {
		d := dayCount{r.Day, r.Day.AddDate(0, 0, 1), r.Orders}
		if d.start.Before(from) || d.end.After(to) {
			if d.orders, err = count(`g.created_at >= ? AND g.created_at < ?`, later(d.start, from), earlier(d.end, to)); err != nil {
				return nil, 0, err
			}
		}
		days = append(days, d)
	}
	if q.From.IsZero() && q.To.IsZero() {
		if undated, err = count(`g.created_at IS NULL`); err != nil {
			return nil, 0, err
		}
	}
	return days, undated, nil
}

// jumpDays finds the day boundary that the page at offset of the
// purchase-date sort lies past: cond (with arg) keeps the orders from
// there, skipped of them come before it; skipped is 0 when no whole day
// lies before the page.
func jumpDays(days []dayCount, undated int, desc bool, offset int) (cond string, arg any, skipped int) {
	if desc {
		days = slices.Clone(days)
		slices.Reverse(days)
	} else {
		skipped = undated // orders without a purchase date come first
	}
	var boundary time.Time
	for _, d := range days {
		if skipped+d.orders > offset {
			break
		}
		skipped += d.orders
		boundary = d.end
		if desc {
			boundary = d.start
		}
	}
	switch {
	case boundary.IsZero():
		return "", nil, 0
	case desc:
		return "g.created_at < ?", boundary, skipped
	}
	return "g.created_at >= ?", boundary, skipped
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dayRange is a date filter's range, UTC, its open ends the TIMESTAMP
// column's (1970 on, not the zero date, which DATE() turns to NULL under a
// strict sql_mode).
func dayRange(q GridQuery) (from, to time.Time) {
	from, to = time.Unix(0, 0).UTC(), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if !q.From.IsZero() {
		from = q.From.UTC()
	}
	if !q.To.IsZero() {
		to = q.To.UTC()
	}
	return from, to
}

// narrowToDays adds to a date range's filter the id and order number
// bounds of its days (magesync_grid_day): they keep the same orders, and
// let a sort whose index follows ids (ID, sync status, the orders without
// a Salesforce ID, and the id within a filtered state) start at the range
// instead of walking past the orders before it.
func (s *Store) narrowToDays(ctx context.Context, q GridQuery, col, where string, args []any) (string, []any, error) {
	var b struct {
		MinID, MaxID   sql.NullInt64
		MinInc, MaxInc sql.NullString
	}
	from, to := dayRange(q)
	err := s.db.QueryRowxContext(ctx, s.bounded(`SELECT MIN(min_id), MAX(max_id), MIN(min_increment_id), MAX(max_increment_id)
		FROM magesync_grid_day WHERE day BETWEEN DATE(?) AND DATE(?)`), from, to).Scan(&b.MinID, &b.MaxID, &b.MinInc, &b.MaxInc)
	if err != nil {
		return "", nil, fmt.Errorf("store: orders grid: %w", err)
	}
	if !b.MinID.Valid {
		return and(where, "FALSE"), args, nil // no order was ever bought on those days
	}
	conds := []string{"g.entity_id BETWEEN ? AND ?"}
	args = append(slices.Clip(args), b.MinID.Int64, b.MaxID.Int64)
	switch {
	case col == "g.increment_id" && b.MinInc.Valid:
		conds = append(conds, "(g.increment_id BETWEEN ? AND ? OR g.increment_id IS NULL)")
		args = append(args, b.MinInc.String, b.MaxInc.String)
	case col == "g.sync_state" && q.Sync == "":
		// Every state, so that the index is read state by state, each
		// from the range's first id.
		in, inArgs, err := sqlx.In("g.sync_state IN (?)", SyncStates)
		if err != nil {
			return "", nil, fmt.Errorf("store: orders grid: %w", err)
		}
		conds, args = append(conds, in), append(args, inArgs...)
	}
	return and(where, strings.Join(conds, " AND ")), args, nil
}

// decimalSortColumns compare with a decimal literal, not a string's double.
var decimalSortColumns = map[string]bool{"g.base_grand_total": true, "g.grand_total": true}

// seek is the condition of the rows that follow an order in a sort.
type seek struct {
	cond      string
	args      []any
	nullsOnly bool // the rows all have NULL in the sort column
}

// seekPast is the condition of the rows that come after order id in the
// sort col (desc or not), ties by entity_id, NULLs first ascending as the
// database sorts them; from the order's current value. ok is false when
// the order is no longer in the grid.
func (s *Store) seekPast(ctx context.Context, col string, desc bool, id uint32) (seek, bool, error) {
	var v any
	err := s.db.GetContext(ctx, &v, s.bounded(`SELECT `+col+` FROM magesync_grid g WHERE g.entity_id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return seek{}, false, nil
	}
	if err != nil {
		return seek{}, false, fmt.Errorf("store: orders grid: %w", err)
	}
	if b, isBytes := v.([]byte); isBytes {
		v = string(b) // compared in the column's collation, not as bytes
	}
	param := "?"
	if decimalSortColumns[col] {
		param = "CAST(? AS DECIMAL(20,4))"
	}
	switch {
	case v == nil && !desc:
		return seek{"(" + col + " IS NULL AND g.entity_id > ?) OR " + col + " IS NOT NULL", []any{id}, false}, true, nil
	case v == nil:
		return seek{col + " IS NULL AND g.entity_id < ?", []any{id}, true}, true, nil
	case !desc:
		return seek{col + " > " + param + " OR (" + col + " = " + param + " AND g.entity_id > ?)", []any{v, v, id}, false}, true, nil
	}
	return seek{col + " < " + param + " OR (" + col + " = " + param + " AND g.entity_id < ?) OR " + col + " IS NULL", []any{v, v, id}, false}, true, nil
}

// gridSize is about how many orders the grid holds, at once: the highest
// order id.
func (s *Store) gridSize(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COALESCE(MAX(entity_id), 0) FROM magesync_grid`); err != nil {
		return 0, fmt.Errorf("store: orders grid: %w", err)
	}
	return n, nil
}

// countGrid counts the orders the filters match: exactly when that is
// quick, else the optimizer's estimate (exact = false).
func (s *Store) countGrid(ctx context.Context, where string, args []any, kw keywordPlan) (n int, exact bool, err error) {
	var estimate func() (int, error)
	if len(kw.words) > 0 {
		estimate = func() (int, error) { return s.estimateKeyword(ctx, kw) }
	}
	if n, exact, err = s.countOrEstimate(ctx, "magesync_grid g", where, args, estimate); err != nil {
		return 0, false, fmt.Errorf("store: count orders: %w", err)
	}
	return n, exact, nil
}

// countOrEstimate counts table's rows matching where: exactly when that
// is quick, else estimate's answer (nil: the optimizer's), exact = false.
func (s *Store) countOrEstimate(ctx context.Context, table, where string, args []any, estimate func() (int, error)) (n int, exact bool, err error) {
	err = s.db.GetContext(ctx, &n, s.boundedBy(exactCountLimit, `SELECT COUNT(*) FROM `+table+where), args...)
	if err == nil {
		return n, true, nil
	}
	if !errors.Is(tooSlow(err), ErrTooSlow) {
		return 0, false, err
	}
	if estimate == nil {
		estimate = func() (int, error) { return s.estimateRows(ctx, `SELECT 1 FROM `+table+where, args) }
	}
	n, err = estimate()
	return n, false, err
}

// estimateRows is the number of rows the optimizer expects query to read
// from its first table, after its filter (EXPLAIN's rows × filtered).
func (s *Store) estimateRows(ctx context.Context, query string, args []any) (int, error) {
	rows, err := s.db.QueryxContext(ctx, s.boundedWrite("EXPLAIN "+query), args...)
	if err != nil {
		return 0, fmt.Errorf("store: estimate orders: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, fmt.Errorf("store: estimate orders: no plan: %w", rows.Err())
	}
	m := map[string]any{}
	if err := rows.MapScan(m); err != nil {
		return 0, fmt.Errorf("store: estimate orders: %w", err)
	}
	est := parseNumber(m["rows"])
	if f, ok := m["filtered"]; ok && f != nil {
		est = est * parseNumber(f) / 100
	}
	return int(est), nil
}

func parseNumber(v any) float64 {
	var s string
	switch x := v.(type) {
	case []byte:
		s = string(x)
	case string:
		s = x
	case int64:
		return float64(x)
	case float64:
		return x
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// gridRows reads whole grid rows for ids, in the order of ids.
func (s *Store) gridRows(ctx context.Context, ids []uint32) ([]GridRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	qs, qargs, err := sqlx.In(`SELECT `+gridColumns+` FROM magesync_grid g
		LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order' WHERE g.entity_id IN (?)`, ids)
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

// EnqueueGrid queues every order the grid's filters match, for "select all
// N matching": a chunk at a time, so that a million cost no more memory
// than a few.
func (s *Store) EnqueueGrid(ctx context.Context, q GridQuery, reason Reason) (EntryIDs, error) {
	where, args, err := s.matching(ctx, q)
	if err != nil {
		return EntryIDs{}, err
	}
	return s.enqueueEach(ctx, reason, func(after uint32) ([]uint32, error) {
		var ids []uint32
		if err := s.db.SelectContext(ctx, &ids, `SELECT g.entity_id FROM magesync_grid g`+and(where, "g.entity_id > ?")+
			` ORDER BY g.entity_id LIMIT ?`, append(slices.Clip(args), after, enqueueChunk)...); err != nil {
			return nil, fmt.Errorf("store: orders grid: %w", err)
		}
		return ids, nil
	})
}

// OrderGridIDs returns the ids of every order the grid's filters match, for
// "select all N matching" when they are few.
func (s *Store) OrderGridIDs(ctx context.Context, q GridQuery) ([]uint32, error) {
	where, args, err := s.matching(ctx, q)
	if err != nil {
		return nil, err
	}
	var ids []uint32
	if err := s.db.SelectContext(ctx, &ids, `SELECT g.entity_id FROM magesync_grid g`+where+` ORDER BY g.entity_id`, args...); err != nil {
		return nil, fmt.Errorf("store: orders grid: %w", err)
	}
	return ids, nil
}

// matching is the filter of every order the grid's filters match, once the
// grid's copy holds all of Magento's.
func (s *Store) matching(ctx context.Context, q GridQuery) (string, []any, error) {
	if err := s.CatchUpGrid(ctx); err != nil {
		return "", nil, err
	}
	where, args, err := q.where(keywordPlan{words: searchWords(q.Keyword), driver: 0})
	if err != nil {
		return "", nil, fmt.Errorf("store: orders grid: %w", err)
	}
	return where, args, nil
}
