package store

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Keyword search reads magesync_grid_word: each order's words, lowercased,
// from the columns Magento's grid searches.

const (
	minWordRunes = 3  // shorter words are not indexed, as InnoDB's fulltext does not
	maxWordRunes = 40 // the column's length; longer words are cut
	cursorWords  = "grid_words"
)

// searchWords splits text into the words search matches: runs of letters
// and digits, lowercased, each once.
func searchWords(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) < minWordRunes {
			continue
		}
		if utf8.RuneCountInString(w) > maxWordRunes {
			w = string([]rune(w)[:maxWordRunes])
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// copyGridWords writes the search words of the given orders anew, from
// Magento's grid, on db.
func (s *Store) copyGridWords(ctx context.Context, db gridDB, ids []uint32) error {
	for chunk := range slices.Chunk(ids, 1000) {
		q, args, err := sqlx.In(`SELECT entity_id, CONCAT_WS(' ', increment_id, billing_name, shipping_name, billing_address,
			shipping_address, customer_name, customer_email) AS text FROM sales_order_grid WHERE entity_id IN (?)`, chunk)
		if err != nil {
			return fmt.Errorf("store: search words: %w", err)
		}
		var rows []struct {
			ID   uint32 `db:"entity_id"`
			Text string `db:"text"`
		}
		if err := db.SelectContext(ctx, &rows, s.bounded(q), args...); err != nil {
			return fmt.Errorf("store: search words: %w", err)
		}
		err = inTxOn(ctx, db, func(tx *sqlx.Tx) error {
			del, dargs, err := sqlx.In(`DELETE FROM magesync_grid_word WHERE entity_id IN (?)`, chunk)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, del, dargs...); err != nil {
				return err
			}
			var ins strings.Builder
			var iargs []any
			flush := func() error {
				if len(iargs) == 0 {
					return nil
				}
				_, err := tx.ExecContext(ctx, `INSERT IGNORE INTO magesync_grid_word (word, entity_id) VALUES `+ins.String(), iargs...)
				ins.Reset()
				iargs = iargs[:0]
				return err
			}
			for _, r := range rows {
				for _, w := range searchWords(r.Text) {
					if len(iargs) > 0 {
						ins.WriteByte(',')
					}
					ins.WriteString("(?, ?)")
					iargs = append(iargs, w, r.ID)
					if len(iargs) >= 4000 {
						if err := flush(); err != nil {
							return err
						}
					}
				}
			}
			return flush()
		})
		if err != nil {
			return fmt.Errorf("store: search words: %w", err)
		}
	}
	return nil
}

// buildGridWords fills the search words of the orders the grid's copy
// holds but the words do not yet (the first start after the upgrade that
// brought them; resumable, by entity id).
func (s *Store) buildGridWords(ctx context.Context, log *slog.Logger) error {
	c, _, err := s.Cursor(ctx, cursorWords)
	if err != nil {
		return err
	}
	var last uint32
	if err := s.db.GetContext(ctx, &last, `SELECT COALESCE(MAX(entity_id), 0) FROM magesync_grid`); err != nil {
		return fmt.Errorf("store: search words: %w", err)
	}
	if c.ID >= uint64(last) {
		return s.SetCursor(ctx, cursorWords, Cursor{ID: wordsComplete})
	}
	start, done := time.Now(), 0
	for from := uint32(c.ID); from < last; {
		var ids []uint32
		if err := s.db.SelectContext(ctx, &ids, `SELECT entity_id FROM magesync_grid WHERE entity_id > ? ORDER BY entity_id LIMIT 5000`, from); err != nil {
			return fmt.Errorf("store: search words: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		if err := s.copyGridWords(ctx, s.db, ids); err != nil {
			return err
		}
		from = ids[len(ids)-1]
		if err := s.SetCursor(ctx, cursorWords, Cursor{ID: uint64(from)}); err != nil {
			return err
		}
		if done += len(ids); log != nil && done%100000 < len(ids) {
			log.Info("building the orders grid's search words", "orders", done, "elapsed", time.Since(start).Round(time.Second))
		}
	}
	// From here every order copied gets its words as it is copied.
	return s.SetCursor(ctx, cursorWords, Cursor{ID: wordsComplete})
}

// wordsComplete marks the search words built for every order.
const wordsComplete = 1<<32 - 1

// keywordPlan is how a keyword search reads the words: the rarest word's
// matches first when they are few (then sorted), else each word checked
// per row while the grid walks its sort's index, which finds a page of a
// common word's orders after a few rows.
type keywordPlan struct {
	words  []string
	driver int // the word read first; -1: walk the sort
	rarest int // matches of the rarest word
}

// driveBelow is how many matches a word may have to be read first.
var driveBelow = 5000

func (s *Store) planKeyword(ctx context.Context, keyword string) (keywordPlan, error) {
	p := keywordPlan{words: searchWords(keyword), driver: -1, rarest: -1}
	for i, w := range p.words {
		var n int
		if err := s.db.GetContext(ctx, &n, s.bounded(`SELECT COUNT(*) FROM (SELECT 1 FROM magesync_grid_word WHERE word LIKE CONCAT(?, '%') LIMIT ?) x`),
			w, driveBelow+1); err != nil {
			return p, fmt.Errorf("store: keyword search: %w", err)
		}
		if p.rarest < 0 || n < p.rarest {
			p.rarest, p.driver = n, i
		}
	}
	if p.rarest > driveBelow {
		p.driver = -1
	}
	return p, nil
}

// conds are the plan's conditions on magesync_grid g.
func (p keywordPlan) conds(conds *[]string, args *[]any) {
	for i, w := range p.words {
		if i == p.driver {
			*conds = append(*conds, `g.entity_id IN (SELECT w.entity_id FROM magesync_grid_word w WHERE w.word LIKE CONCAT(?, '%'))`)
		} else {
			*conds = append(*conds, `EXISTS (SELECT 1 FROM magesync_grid_word w WHERE w.entity_id = g.entity_id AND w.word LIKE CONCAT(?, '%'))`)
		}
		*args = append(*args, w)
	}
}

// estimate is the number of orders the rarest word matches, counted
// whole: what "about N" says of a keyword search too slow to count.
func (s *Store) estimateKeyword(ctx context.Context, p keywordPlan) (int, error) {
	best := -1
	for _, w := range p.words {
		var n int
		if err := s.db.GetContext(ctx, &n, s.bounded(`SELECT COUNT(*) FROM magesync_grid_word WHERE word LIKE CONCAT(?, '%')`), w); err != nil {
			return 0, fmt.Errorf("store: keyword search: %w", err)
		}
		if best < 0 || n < best {
			best = n
		}
	}
	return max(best, 0), nil
}
