package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Mapping modes: when a mapped value is written.
const (
	MapAlways = "always" // every sync
	MapCreate = "create" // only when magesync creates the record
	MapUpdate = "update" // only on later syncs
)

// FieldMap is one of the admin's mappings: a Magento value (Source) into a
// Salesforce field (Target) of Order or OrderItem.
type FieldMap struct {
	ID       uint64 `db:"id"`
	SObject  string `db:"sobject"` // Order or OrderItem
	Source   string `db:"source"`  // e.g. order.coupon_code, billing.city, payment.method, item.sku, computed.customer_name
	Target   string `db:"target"`  // e.g. Coupon_Code__c
	Mode     string `db:"mode"`    // MapAlways, MapCreate, MapUpdate
	TooLong  string `db:"too_long"`
	Enabled  bool   `db:"enabled"`
	Username string `db:"username"`
}

// Label names the mapping for messages: "#3 (order.coupon_code → Coupon_Code__c)".
func (m FieldMap) Label() string {
	return fmt.Sprintf("#%d (%s → %s)", m.ID, m.Source, m.Target)
}

// ErrMappingExists is returned when a field already has a mapping.
var ErrMappingExists = errors.New("that Salesforce field already has a mapping")

// FieldMaps lists the mappings, of one sObject or ("") all.
func (s *Store) FieldMaps(ctx context.Context, sobject string) ([]FieldMap, error) {
	var out []FieldMap
	err := s.db.SelectContext(ctx, &out, `SELECT id, sobject, source, target, mode, too_long, enabled, username
		FROM magesync_field_map WHERE ? = '' OR sobject = ? ORDER BY sobject, id`, sobject, sobject)
	if err != nil {
		return nil, fmt.Errorf("store: list field mappings: %w", err)
	}
	return out, nil
}

// checkFieldMap checks what a mapping names in Magento: its object, When,
// what to do with a long value, and that its source exists.
func (s *Store) checkFieldMap(ctx context.Context, m FieldMap) error {
	if m.SObject != "Order" && m.SObject != "OrderItem" {
		return fmt.Errorf("%w: a mapping writes to Order or OrderItem, not %q", ErrInvalidSetting, m.SObject)
	}
	if !slices.Contains([]string{MapAlways, MapCreate, MapUpdate}, m.Mode) {
		return fmt.Errorf("%w: When is always, create or update, not %q", ErrInvalidSetting, m.Mode)
	}
	if m.TooLong != "cut" && m.TooLong != "refuse" {
		return fmt.Errorf("%w: a value too long is cut or refused, not %q", ErrInvalidSetting, m.TooLong)
	}
	sources, err := s.MappingSources(ctx, m.SObject)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(sources, func(src MappingSource) bool { return src.Key == m.Source }) {
		return fmt.Errorf("%w: no Magento value %q for %s", ErrInvalidSetting, m.Source, m.SObject)
	}
	if !targetRe.MatchString(m.Target) {
		return fmt.Errorf("%w: %q is not a Salesforce field name", ErrInvalidSetting, m.Target)
	}
	return nil
}

var targetRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,79}$`)

// AddFieldMap stores a mapping after checking its source exists in this
// store's database (the caller checks the target against the org), and
// notes it in the settings log.
func (s *Store) AddFieldMap(ctx context.Context, m FieldMap) (uint64, error) {
	if err := s.checkFieldMap(ctx, m); err != nil {
		return 0, err
	}
	var id uint64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO magesync_field_map (sobject, source, target, mode, too_long, enabled, username)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, m.SObject, m.Source, m.Target, m.Mode, m.TooLong, m.Enabled, m.Username)
		if err != nil {
			return err
		}
		n, _ := res.LastInsertId()
		id, m.ID = uint64(n), uint64(n)
		return logMapping(ctx, tx, m.Username, m, nil, &m)
	})
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return 0, fmt.Errorf("%s.%s: %w", m.SObject, m.Target, ErrMappingExists)
	}
	if err != nil {
		return 0, fmt.Errorf("store: add field mapping: %w", err)
	}
	return id, nil
}

// UpdateFieldMap changes a mapping, as AddFieldMap checks it.
func (s *Store) UpdateFieldMap(ctx context.Context, m FieldMap) error {
	if err := s.checkFieldMap(ctx, m); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old FieldMap
		if err := tx.GetContext(ctx, &old, `SELECT id, sobject, source, target, mode, too_long, enabled, username
			FROM magesync_field_map WHERE id = ? FOR UPDATE`, m.ID); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE magesync_field_map SET sobject = ?, source = ?, target = ?, mode = ?, too_long = ?,
			enabled = ?, updated_at = NOW(6) WHERE id = ?`, m.SObject, m.Source, m.Target, m.Mode, m.TooLong, m.Enabled, m.ID); err != nil {
			return err
		}
		return logMapping(ctx, tx, m.Username, m, &old, &m)
	})
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return fmt.Errorf("%s.%s: %w", m.SObject, m.Target, ErrMappingExists)
	}
	if err != nil {
		return fmt.Errorf("store: change field mapping %d: %w", m.ID, err)
	}
	return nil
}

// FieldMapByID reads one mapping; ErrNotFound when there is none.
func (s *Store) FieldMapByID(ctx context.Context, id uint64) (FieldMap, error) {
	var m FieldMap
	err := s.db.GetContext(ctx, &m, `SELECT id, sobject, source, target, mode, too_long, enabled, username
		FROM magesync_field_map WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("store: field mapping %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("store: field mapping %d: %w", id, err)
	}
	return m, nil
}

// logMapping notes a mapping's change in the settings log, under the path
// magesync/mapping/<object>/<id>.
func logMapping(ctx context.Context, tx *sqlx.Tx, username string, m FieldMap, old, next *FieldMap) error {
	text := func(f *FieldMap) sql.NullString {
		if f == nil {
			return sql.NullString{}
		}
		on := "enabled"
		if !f.Enabled {
			on = "disabled"
		}
		return sql.NullString{Valid: true, String: fmt.Sprintf("%s → %s (%s, too long: %s, %s)", f.Source, f.Target, f.Mode, f.TooLong, on)}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO magesync_config_log (scope, scope_id, path, old_value, new_value, username)
		VALUES ('default', 0, ?, ?, ?, ?)`, fmt.Sprintf("magesync/mapping/%s/%d", m.SObject, m.ID), text(old), text(next), username)
	return err
}

// RemoveFieldMap deletes a mapping, noting it in the settings log;
// ErrNotFound when there is none.
func (s *Store) RemoveFieldMap(ctx context.Context, id uint64, username string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old FieldMap
		if err := tx.GetContext(ctx, &old, `SELECT id, sobject, source, target, mode, too_long, enabled, username
			FROM magesync_field_map WHERE id = ? FOR UPDATE`, id); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM magesync_field_map WHERE id = ?`, id); err != nil {
			return err
		}
		return logMapping(ctx, tx, username, old, &old, nil)
	})
	if err != nil {
		return fmt.Errorf("store: remove field mapping %d: %w", id, err)
	}
	return nil
}

// MappingSource is a Magento value a mapping can send.
type MappingSource struct {
	Key   string // e.g. order.coupon_code
	Label string // e.g. "Order › coupon_code"
	Type  string // MySQL data type (varchar, decimal, datetime…) or "text" for computed values
}

// mappingTables are where mapped values come from, by the prefix of a
// source key: sales_order and its billing/shipping addresses and payment
// for an Order; sales_order_item for an OrderItem.
var mappingTables = map[string][]struct{ prefix, table, label string }{
	"Order": {{"order", "sales_order", "Order"}, {"billing", "sales_order_address", "Billing Address"},
		{"shipping", "sales_order_address", "Shipping Address"}, {"payment", "sales_order_payment", "Payment"}},
	"OrderItem": {{"item", "sales_order_item", "Item"}},
}

// Computed values a mapping can send besides columns.
var computedSources = map[string][]MappingSource{
	"Order": {{"computed.customer_name", "Customer full name", "text"}, {"computed.increment_id", "Order number (increment id)", "text"},
		{"computed.admin_url", "Order's page in the Magento admin", "text"}, {"computed.payment_title", "Payment method title", "text"},
		{"computed.store_name", "Store view name", "text"}, {"computed.website_name", "Website name", "text"}},
	"OrderItem": {{"computed.order_increment_id", "Order number (increment id)", "text"}},
}

// MappingSources lists every value a mapping to sobject can send: each
// column of the tables, read from information_schema (so columns other
// extensions added are there too), and the computed values.
func (s *Store) MappingSources(ctx context.Context, sobject string) ([]MappingSource, error) {
	var out []MappingSource
	for _, t := range mappingTables[sobject] {
		var cols []struct {
			Name string `db:"column_name"`
			Type string `db:"data_type"`
		}
		err := s.db.SelectContext(ctx, &cols, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`, t.table)
		if err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", t.table, err)
		}
		for _, c := range cols {
			out = append(out, MappingSource{Key: t.prefix + "." + strings.ToLower(c.Name), Label: t.label + " › " + c.Name, Type: strings.ToLower(c.Type)})
		}
	}
	return append(out, computedSources[sobject]...), nil
}

// MappedValues reads the columns the mappings name for orders (Order
// sources) and their items (OrderItem sources): by order id, then source
// key, and by item id, then source key. NULL reads as absent.
func (s *Store) MappedValues(ctx context.Context, maps []FieldMap, orderIDs []uint32) (orders map[uint32]map[string]string, items map[uint32]map[string]string, err error) {
	orders, items = map[uint32]map[string]string{}, map[uint32]map[string]string{}
	if len(orderIDs) == 0 {
		return orders, items, nil
	}
	need := map[string][]string{} // prefix → columns
	for _, m := range maps {
		prefix, col, ok := strings.Cut(m.Source, ".")
		if ok && prefix != "computed" && !slices.Contains(need[prefix], col) {
			need[prefix] = append(need[prefix], col)
		}
	}
	for prefix, cols := range need {
		// Columns are checked against information_schema before they are
		// named in SQL: identifiers cannot be bound.
		known, err := s.columnSet(ctx, tableOf(prefix))
		if err != nil {
			return nil, nil, err
		}
		var sel []string
		for _, c := range cols {
			if known[c] {
				sel = append(sel, "`"+c+"`")
			}
		}
		if len(sel) == 0 {
			continue
		}
		var q, keyCol string
		var extra []any
		switch prefix {
		case "order":
			q, keyCol = "SELECT entity_id AS k, "+strings.Join(sel, ", ")+" FROM sales_order WHERE entity_id IN (%s)", "k"
		case "billing", "shipping":
			q, keyCol = "SELECT parent_id AS k, "+strings.Join(sel, ", ")+" FROM sales_order_address WHERE address_type = ? AND parent_id IN (%s)", "k"
			extra = []any{prefix}
		case "payment":
			q, keyCol = "SELECT parent_id AS k, "+strings.Join(sel, ", ")+" FROM sales_order_payment WHERE parent_id IN (%s)", "k"
		case "item":
			q, keyCol = "SELECT item_id AS k, "+strings.Join(sel, ", ")+" FROM sales_order_item WHERE order_id IN (%s)", "k"
		default:
			continue
		}
		args := append([]any{}, extra...)
		marks := make([]string, len(orderIDs))
		for i, id := range orderIDs {
			marks[i] = "?"
			args = append(args, id)
		}
		rows, err := s.db.QueryxContext(ctx, fmt.Sprintf(q, strings.Join(marks, ",")), args...)
		if err != nil {
			return nil, nil, fmt.Errorf("store: read mapped %s values: %w", prefix, err)
		}
		for rows.Next() {
			row := map[string]any{}
			if err := rows.MapScan(row); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("store: read mapped %s values: %w", prefix, err)
			}
			var key uint32
			fmt.Sscan(fmt.Sprint(asText(row[keyCol])), &key)
			dst := orders
			if prefix == "item" {
				dst = items
			}
			if dst[key] == nil {
				dst[key] = map[string]string{}
			}
			for col, v := range row {
				if col == keyCol || v == nil {
					continue
				}
				dst[key][prefix+"."+strings.ToLower(col)] = asText(v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("store: read mapped %s values: %w", prefix, err)
		}
	}
	return orders, items, nil
}

func tableOf(prefix string) string {
	for _, ts := range mappingTables {
		for _, t := range ts {
			if t.prefix == prefix {
				return t.table
			}
		}
	}
	return ""
}

func (s *Store) columnSet(ctx context.Context, table string) (map[string]bool, error) {
	var cols []string
	if err := s.db.SelectContext(ctx, &cols, `SELECT LOWER(column_name) FROM information_schema.columns
		WHERE table_schema = DATABASE() AND table_name = ?`, table); err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	out := map[string]bool{}
	for _, c := range cols {
		out[c] = true
	}
	return out, nil
}

func asText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case sql.RawBytes:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.DateTime)
	}
	return fmt.Sprint(v)
}

// RecentOrderIDs are the ids of the store's n newest orders, newest first.
func (s *Store) RecentOrderIDs(ctx context.Context, n int) ([]uint32, error) {
	var ids []uint32
	if err := s.db.SelectContext(ctx, &ids, `SELECT entity_id FROM sales_order ORDER BY entity_id DESC LIMIT ?`, n); err != nil {
		return nil, fmt.Errorf("store: recent orders: %w", err)
	}
	return ids, nil
}
