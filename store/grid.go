package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// GridQuery is the orders grid's state: filters, sort and page. Every field
// comes from the URL; only whitelisted columns ever reach SQL.
type GridQuery struct {
	Keyword  string
	Statuses []string
	From, To time.Time // purchase date range, UTC; zero = open
	Sync     string    // "", in_sync, not_in_sync, pending, error
	Sort     string    // a key of GridSortColumns
	Desc     bool
	Page     int // from 1
	Size     int
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
var SyncStates = []string{StateInSync, StateNotInSync, StatePending, StateError}

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
	SyncState      string       `db:"sync_state"`
	SyncError      string       `db:"sync_error"`
	SFID           string       `db:"sf_id"`
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
	switch q.Sync {
	case StateNotInSync:
		// An anti-join keeps the grid's own indexes usable for the sort.
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM magesync_object x WHERE x.order_id = g.entity_id
			AND x.kind = 'order' AND x.state <> 'not_in_sync')`)
	case StateInSync, StatePending, StateError:
		// Few orders are in these states: find them by the state's index.
		conds = append(conds, `g.entity_id IN (SELECT x.order_id FROM magesync_object x WHERE x.kind = 'order' AND x.state = ?)`)
		args = append(args, q.Sync)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// fulltextQuery turns words into a boolean-mode query where each word must
// match as a prefix; operators typed by the admin are dropped.
func fulltextQuery(s string) string {
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '_' || r == '.' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127)
	}) {
		if len([]rune(w)) >= 3 { // InnoDB's minimum token size
			words = append(words, `+"`+strings.ReplaceAll(w, `"`, ``)+`"`)
		}
	}
	return strings.Join(words, " ")
}

const objectJoin = ` LEFT JOIN magesync_object o ON o.order_id = g.entity_id AND o.kind = 'order'`

// OrderGrid returns one page of the orders grid and the number of orders
// matching the filters.
func (s *Store) OrderGrid(ctx context.Context, q GridQuery) ([]GridRow, int, error) {
	where, args, err := q.where()
	if err != nil {
		return nil, 0, fmt.Errorf("store: orders grid: %w", err)
	}
	total, err := s.countGrid(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	col, ok := GridSortColumns[q.Sort]
	if !ok {
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
	page := max(q.Page, 1)
	var rows []GridRow
	err = s.db.SelectContext(ctx, &rows, `SELECT g.entity_id, COALESCE(g.increment_id, '') AS increment_id,
		COALESCE(g.store_id, 0) AS store_id, COALESCE(g.store_name, '') AS store_name, g.created_at,
		COALESCE(g.billing_name, '') AS billing_name, COALESCE(g.shipping_name, '') AS shipping_name,
		g.base_grand_total, g.grand_total, COALESCE(g.base_currency_code, '') AS base_currency_code,
		COALESCE(g.order_currency_code, '') AS order_currency_code, COALESCE(g.status, '') AS status,
		COALESCE(o.state, 'not_in_sync') AS sync_state, COALESCE(o.last_error, '') AS sync_error, COALESCE(o.sf_id, '') AS sf_id
		FROM sales_order_grid g`+objectJoin+where+` ORDER BY `+col+` `+dir+`, g.entity_id `+dir+` LIMIT ? OFFSET ?`,
		append(args, size, (page-1)*size)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: orders grid: %w", err)
	}
	return rows, total, nil
}

// countGrid counts the orders the filters match. "Not in sync" is counted
// as all orders less those in another state: an anti-join over every order
// would be slow on a large store.
func (s *Store) countGrid(ctx context.Context, q GridQuery) (int, error) {
	inner := q
	if q.Sync == StateNotInSync {
		inner.Sync = ""
	}
	where, args, err := inner.where()
	if err != nil {
		return 0, fmt.Errorf("store: count orders: %w", err)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM sales_order_grid g`+where, args...); err != nil {
		return 0, fmt.Errorf("store: count orders: %w", err)
	}
	if q.Sync != StateNotInSync {
		return total, nil
	}
	cond := ` g.entity_id IN (SELECT x.order_id FROM magesync_object x WHERE x.kind = 'order' AND x.state IN ('in_sync', 'pending', 'error'))`
	if where == "" {
		where = " WHERE" + cond
	} else {
		where += " AND" + cond
	}
	var synced int
	if err := s.db.GetContext(ctx, &synced, `SELECT COUNT(*) FROM sales_order_grid g`+where, args...); err != nil {
		return 0, fmt.Errorf("store: count orders: %w", err)
	}
	return total - synced, nil
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
