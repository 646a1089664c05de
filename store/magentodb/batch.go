package magentodb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// batch collects rows per table and writes them as multi-row INSERTs:
// first the tables named to newBatch, in that order (parents before
// children), then any other in the order it was first added to.
type batch struct {
	order  []string
	tables map[string]*tableRows
}

type tableRows struct {
	cols []string
	rows [][]any
}

func newBatch(tables ...string) *batch { return &batch{order: tables, tables: map[string]*tableRows{}} }

func (b *batch) add(table string, cols []string, vals ...any) {
	t := b.tables[table]
	if t == nil {
		t = &tableRows{cols: cols}
		b.tables[table] = t
		if !slices.Contains(b.order, table) {
			b.order = append(b.order, table)
		}
	}
	if len(vals) != len(t.cols) {
		panic(fmt.Sprintf("magentodb: %s: %d values for %d columns", table, len(vals), len(t.cols)))
	}
	t.rows = append(t.rows, vals)
}

// maxPlaceholders stays under MySQL's 65,535 placeholders per statement.
const maxPlaceholders = 60000

func (b *batch) flush(ctx context.Context, tx *sql.Tx) error {
	for _, name := range b.order {
		t := b.tables[name]
		if t == nil {
			continue
		}
		per := max(maxPlaceholders/len(t.cols), 1)
		for start := 0; start < len(t.rows); start += per {
			rows := t.rows[start:min(start+per, len(t.rows))]
			var q strings.Builder
			q.WriteString("INSERT INTO `" + name + "` (`" + strings.Join(t.cols, "`,`") + "`) VALUES ")
			tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
			args := make([]any, 0, len(rows)*len(t.cols))
			for i, r := range rows {
				if i > 0 {
					q.WriteByte(',')
				}
				q.WriteString(tuple)
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("magentodb: insert into %s: %w", name, err)
			}
		}
	}
	return nil
}
