package sfsim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"magesync/sync/salesforce"
)

// The SOQL the simulator understands:
//
//	SELECT f1, f2 FROM Object [WHERE cond [AND cond]…] [ORDER BY f [ASC|DESC], …] [LIMIT n]
//	cond: f = lit | f != lit | f IN (lit, …) | f NOT IN (lit, …)
//
// Anything else is MALFORMED_QUERY, as Salesforce answers.

type soqlQuery struct {
	fields []string
	object string
	where  []soqlCond
	order  []soqlOrder
	limit  int // -1: none
}

type soqlCond struct {
	field  string
	op     string // "=", "!=", "IN", "NOT IN"
	values []any
}

type soqlOrder struct {
	field string
	desc  bool
}

type token struct {
	kind string // "ident", "string", "number", "punct", "eof"
	text string
	pos  int
}

func lexSOQL(q string) ([]token, error) {
	var out []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(q); j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
					switch q[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					default:
						b.WriteByte(q[j])
					}
					continue
				}
				if q[j] == '\'' {
					break
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, fmt.Errorf("unterminated string literal at position %d", i)
			}
			out = append(out, token{"string", b.String(), i})
			i = j + 1
		case c == ',' || c == '(' || c == ')' || c == '=':
			out = append(out, token{"punct", string(c), i})
			i++
		case c == '!' || c == '<' || c == '>':
			if i+1 < len(q) && (q[i+1] == '=' || (c == '<' && q[i+1] == '>')) {
				op := q[i : i+2]
				if op == "<>" {
					op = "!="
				}
				out = append(out, token{"punct", op, i})
				i += 2
			} else {
				out = append(out, token{"punct", string(c), i})
				i++
			}
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(q) && (q[j] >= '0' && q[j] <= '9' || q[j] == '.' || q[j] == '-' || q[j] == ':' || q[j] == 'T' || q[j] == 'Z' || q[j] == '+') {
				j++
			}
			out = append(out, token{"number", q[i:j], i})
			i = j
		case c == '_' || c < 128 && unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(q) && (q[j] == '_' || q[j] == '.' || q[j] < 128 && (unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j])))) {
				j++
			}
			out = append(out, token{"ident", q[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character '%c' at position %d", c, i)
		}
	}
	return append(out, token{"eof", "", len(q)}), nil
}

type soqlParser struct {
	toks []token
	i    int
}

func (p *soqlParser) peek() token { return p.toks[p.i] }
func (p *soqlParser) next() token {
	t := p.toks[p.i]
	if t.kind != "eof" {
		p.i++
	}
	return t
}
func (p *soqlParser) keyword(k string) bool {
	if t := p.peek(); t.kind == "ident" && strings.EqualFold(t.text, k) {
		p.i++
		return true
	}
	return false
}
func (p *soqlParser) unexpected() error {
	t := p.peek()
	if t.kind == "eof" {
		return fmt.Errorf("unexpected end of query")
	}
	return fmt.Errorf("unexpected token: '%s'", t.text)
}

func parseSOQL(q string) (*soqlQuery, error) {
	toks, err := lexSOQL(q)
	if err != nil {
		return nil, err
	}
	p := &soqlParser{toks: toks}
	out := &soqlQuery{limit: -1}
	if !p.keyword("SELECT") {
		return nil, p.unexpected()
	}
	for {
		t := p.next()
		if t.kind != "ident" || isKeyword(t.text) {
			p.i--
			return nil, p.unexpected()
		}
		out.fields = append(out.fields, t.text)
		if p.peek().text != "," {
			break
		}
		p.next()
	}
	if !p.keyword("FROM") {
		return nil, p.unexpected()
	}
	t := p.next()
	if t.kind != "ident" { // "Order" is an object, not the keyword
		p.i--
		return nil, p.unexpected()
	}
	out.object = t.text
	if p.keyword("WHERE") {
		for {
			c, err := p.cond()
			if err != nil {
				return nil, err
			}
			out.where = append(out.where, c)
			if !p.keyword("AND") {
				break
			}
		}
	}
	if p.keyword("ORDER") {
		if !p.keyword("BY") {
			return nil, p.unexpected()
		}
		for {
			f := p.next()
			if f.kind != "ident" || isKeyword(f.text) {
				p.i--
				return nil, p.unexpected()
			}
			o := soqlOrder{field: f.text}
			if p.keyword("DESC") {
				o.desc = true
			} else {
				p.keyword("ASC")
			}
			out.order = append(out.order, o)
			if p.peek().text != "," {
				break
			}
			p.next()
		}
	}
	if p.keyword("LIMIT") {
		n := p.next()
		v, err := strconv.Atoi(n.text)
		if n.kind != "number" || err != nil || v < 0 {
			p.i--
			return nil, p.unexpected()
		}
		out.limit = v
	}
	if p.peek().kind != "eof" {
		return nil, p.unexpected()
	}
	return out, nil
}

var soqlKeywords = []string{"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ORDER", "BY", "ASC", "DESC", "LIMIT", "NULL", "TRUE", "FALSE", "LIKE"}

func isKeyword(s string) bool {
	return slices.ContainsFunc(soqlKeywords, func(k string) bool { return strings.EqualFold(k, s) })
}

func (p *soqlParser) cond() (soqlCond, error) {
	f := p.next()
	if f.kind != "ident" || isKeyword(f.text) {
		p.i--
		return soqlCond{}, p.unexpected()
	}
	c := soqlCond{field: f.text}
	switch {
	case p.peek().text == "=" || p.peek().text == "!=":
		c.op = p.next().text
		v, err := p.literal()
		if err != nil {
			return c, err
		}
		c.values = []any{v}
		return c, nil
	case p.keyword("NOT"):
		if !p.keyword("IN") {
			return c, p.unexpected()
		}
		c.op = "NOT IN"
	case p.keyword("IN"):
		c.op = "IN"
	default:
		return c, p.unexpected()
	}
	if p.next().text != "(" {
		p.i--
		return c, p.unexpected()
	}
	for {
		v, err := p.literal()
		if err != nil {
			return c, err
		}
		c.values = append(c.values, v)
		t := p.next()
		if t.text == ")" {
			return c, nil
		}
		if t.text != "," {
			p.i--
			return c, p.unexpected()
		}
	}
}

func (p *soqlParser) literal() (any, error) {
	t := p.next()
	switch t.kind {
	case "string":
		return t.text, nil
	case "number":
		if f, err := strconv.ParseFloat(t.text, 64); err == nil {
			return f, nil
		}
		return t.text, nil // a date or datetime literal
	case "ident":
		switch strings.ToUpper(t.text) {
		case "NULL":
			return nil, nil
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
	}
	p.i--
	return nil, p.unexpected()
}

func malformed(err error) (int, any) {
	return 400, []salesforce.ErrorDetail{{ErrorCode: "MALFORMED_QUERY", Message: err.Error()}}
}

const pageSize = 2000

func (c *call) query(q string) (int, any) {
	if strings.TrimSpace(q) == "" {
		return malformed(fmt.Errorf("the query is empty: give it as ?q=SELECT …"))
	}
	pq, err := parseSOQL(q)
	if err != nil {
		return malformed(err)
	}
	def := lookupObject(pq.object)
	if def == nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_TYPE", Message: fmt.Sprintf("sObject type '%s' is not supported.", pq.object)}}
	}
	check := func(name string) (*fieldDef, func() (int, any)) {
		f := def.field(name)
		if f == nil {
			return nil, func() (int, any) {
				return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_FIELD", Message: fmt.Sprintf("No such column '%s' on entity '%s'.", name, def.name)}}
			}
		}
		return f, nil
	}
	var fields []*fieldDef
	for _, name := range pq.fields {
		f, bad := check(name)
		if bad != nil {
			return bad()
		}
		fields = append(fields, f)
	}
	for i := range pq.where {
		f, bad := check(pq.where[i].field)
		if bad != nil {
			return bad()
		}
		pq.where[i].field = f.name
	}
	for i := range pq.order {
		f, bad := check(pq.order[i].field)
		if bad != nil {
			return bad()
		}
		pq.order[i].field = f.name
	}

	var rows []record
	if def.name == "OrderStatus" {
		for _, st := range c.sim.org.statuses {
			r := record(statusRecord(st))
			r["Id"] = ""
			rows = append(rows, r)
		}
	} else {
		recs := c.sim.org.records[def.name]
		for _, id := range slices.Sorted(maps.Keys(recs)) {
			rows = append(rows, recs[id])
		}
	}
	rows = slices.DeleteFunc(rows, func(r record) bool { return !matches(r, pq.where) })
	if len(pq.order) > 0 {
		slices.SortStableFunc(rows, func(a, b record) int {
			for _, o := range pq.order {
				if c := compareValues(a[o.field], b[o.field]); c != 0 {
					if o.desc {
						return -c
					}
					return c
				}
			}
			return 0
		})
	}
	if pq.limit >= 0 && len(rows) > pq.limit {
		rows = rows[:pq.limit]
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		m := map[string]any{"attributes": map[string]any{"type": def.name,
			"url": "/services/data/v" + c.version + "/sobjects/" + def.name + "/" + r.str("Id")}}
		for _, f := range fields {
			m[f.name] = r[f.name]
		}
		out[i] = m
	}
	return c.page(out, len(out), 0)
}

func (c *call) page(rest []map[string]any, total, offset int) (int, any) {
	res := map[string]any{"totalSize": total, "done": true, "records": rest}
	if len(rest) > pageSize {
		s := c.sim
		s.curSeq++
		next := offset + pageSize
		loc := fmt.Sprintf("01gSIM%09d-%d", s.curSeq, next)
		s.cursors[loc] = &cursor{rest: rest[pageSize:], total: total, made: next}
		if len(s.cursors) > 200 { // forget the oldest cursors, as Salesforce does after a while
			for k := range s.cursors {
				if k != loc {
					delete(s.cursors, k)
					break
				}
			}
		}
		res["records"] = rest[:pageSize]
		res["done"] = false
		res["nextRecordsUrl"] = "/services/data/v" + c.version + "/query/" + loc
	}
	return 200, res
}

func (c *call) nextPage(loc string) (int, any) {
	cur := c.sim.cursors[loc]
	if cur == nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_QUERY_LOCATOR", Message: "invalid query locator"}}
	}
	delete(c.sim.cursors, loc)
	return c.page(cur.rest, cur.total, cur.made)
}

func matches(r record, conds []soqlCond) bool {
	for _, c := range conds {
		v := r[c.field]
		in := slices.ContainsFunc(c.values, func(x any) bool { return compareValues(v, x) == 0 })
		switch c.op {
		case "=", "IN":
			if !in {
				return false
			}
		case "!=", "NOT IN":
			if in {
				return false
			}
		}
	}
	return true
}

// compareValues orders nulls first; strings compare case-insensitively, as
// SOQL does.
func compareValues(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	switch x := a.(type) {
	case string:
		y := fmt.Sprint(b)
		return strings.Compare(strings.ToLower(x), strings.ToLower(y))
	case float64:
		switch y := b.(type) {
		case float64:
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		case string:
			if f, err := strconv.ParseFloat(y, 64); err == nil {
				return compareValues(x, f)
			}
		}
		return strings.Compare(fmt.Sprint(x), fmt.Sprint(b))
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 1
		}
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
