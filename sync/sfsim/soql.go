package sfsim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"magesync/sync/salesforce"
)

// The SOQL the simulator understands, as the SOQL and SOSL Reference
// describes it, as far as integrations use it:
//
//	SELECT item, … FROM Object [WHERE expr] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], …]
//	       [LIMIT n] [OFFSET n]
//	item:  path (Field or Parent.Field, "Relationship Queries") | COUNT() | COUNT(path) [alias]
//	       | (SELECT path, … FROM ChildRelationship [WHERE …] [ORDER BY …] [LIMIT n])
//	expr:  cond | NOT expr | (expr) | expr AND expr … | expr OR expr …
//	       (AND and OR do not mix without parentheses, "Logical Operators")
//	cond:  path =|!=|<>|<|<=|>|>= value | path [NOT] IN (value, …) | path LIKE 'pattern'
//	value: 'string' | number | 2026-01-31 | 2026-01-31T10:00:00Z | NULL | TRUE | FALSE
//	       | TODAY, LAST_N_DAYS:n, … ("Date Formats and Date Literals")
//
// Filters are checked against the field's type as an org does it: quoted
// values for text, unquoted for numbers, dates and booleans, and IDs of 15
// or 18 characters. Anything else is MALFORMED_QUERY or INVALID_FIELD.

type soqlQuery struct {
	items   []soqlItem
	object  string
	where   soqlExpr // nil: none
	order   []soqlOrder
	limit   int // -1: none
	offset  int
	countOf bool // SELECT COUNT()
}

type soqlItem struct {
	path  string     // field path; "" for COUNT() and subqueries
	count bool       // COUNT(path)
	alias string     // of an aggregate
	sub   *soqlQuery // child relationship subquery
}

type soqlOrder struct {
	path       string
	desc       bool
	nullsFirst bool
}

// soqlExpr is a WHERE condition or a combination of them.
type soqlExpr interface{}

type soqlAnd []soqlExpr
type soqlOr []soqlExpr
type soqlNot struct{ e soqlExpr }

type soqlCond struct {
	path   string
	op     string // = != < <= > >= IN NOT IN LIKE
	values []soqlValue
}

// soqlValue is a literal with the kind of token it was written as.
type soqlValue struct {
	kind string // "string", "number", "date", "datetime", "null", "bool", "dateLiteral"
	text string
	n    int // of LAST_N_DAYS:n and the like
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
		case c == ',' || c == '(' || c == ')' || c == '=' || c == ':':
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
			} else if c == '!' {
				return nil, fmt.Errorf("unexpected character '!' at position %d", i)
			} else {
				out = append(out, token{"punct", string(c), i})
				i++
			}
		case c == '-' || c == '+' || c >= '0' && c <= '9':
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
func (p *soqlParser) punct(s string) bool {
	if t := p.peek(); t.kind == "punct" && t.text == s {
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

// path reads a field path (not a keyword).
func (p *soqlParser) path() (string, error) {
	t := p.peek()
	if t.kind != "ident" || isKeyword(t.text) || strings.HasPrefix(t.text, ".") || strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
		return "", p.unexpected()
	}
	p.i++
	return t.text, nil
}

func parseSOQL(q string) (*soqlQuery, error) {
	toks, err := lexSOQL(q)
	if err != nil {
		return nil, err
	}
	p := &soqlParser{toks: toks}
	out, err := p.query(false)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != "eof" {
		return nil, p.unexpected()
	}
	return out, nil
}

func (p *soqlParser) query(sub bool) (*soqlQuery, error) {
	out := &soqlQuery{limit: -1}
	if !p.keyword("SELECT") {
		return nil, p.unexpected()
	}
	for {
		it, err := p.item(sub)
		if err != nil {
			return nil, err
		}
		if it.count && it.path == "" {
			out.countOf = true
		}
		out.items = append(out.items, it)
		if !p.punct(",") {
			break
		}
	}
	if out.countOf && len(out.items) > 1 {
		return nil, fmt.Errorf("COUNT() must be the only element in the SELECT list")
	}
	if !p.keyword("FROM") {
		return nil, p.unexpected()
	}
	t := p.next()
	if t.kind != "ident" || strings.Contains(t.text, ".") { // "Order" is an object here, not the keyword
		p.i--
		return nil, p.unexpected()
	}
	out.object = t.text
	if p.keyword("WHERE") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out.where = e
	}
	if p.keyword("ORDER") {
		if !p.keyword("BY") {
			return nil, p.unexpected()
		}
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			o := soqlOrder{path: path}
			if p.keyword("DESC") {
				o.desc = true
			} else {
				p.keyword("ASC")
			}
			o.nullsFirst = !o.desc // Salesforce's default: nulls first ascending, last descending
			if p.keyword("NULLS") {
				switch {
				case p.keyword("FIRST"):
					o.nullsFirst = true
				case p.keyword("LAST"):
					o.nullsFirst = false
				default:
					return nil, p.unexpected()
				}
			}
			out.order = append(out.order, o)
			if !p.punct(",") {
				break
			}
		}
	}
	if p.keyword("LIMIT") {
		n, err := p.count()
		if err != nil {
			return nil, err
		}
		out.limit = n
	}
	if p.keyword("OFFSET") {
		if sub {
			return nil, fmt.Errorf("OFFSET is not allowed in a subquery")
		}
		n, err := p.count()
		if err != nil {
			return nil, err
		}
		out.offset = n
	}
	return out, nil
}

func (p *soqlParser) count() (int, error) {
	t := p.next()
	v, err := strconv.Atoi(t.text)
	if t.kind != "number" || err != nil || v < 0 {
		p.i--
		return 0, p.unexpected()
	}
	return v, nil
}

func (p *soqlParser) item(sub bool) (soqlItem, error) {
	if p.punct("(") {
		if sub {
			return soqlItem{}, fmt.Errorf("nesting of semi join sub-selects is not supported")
		}
		q, err := p.query(true)
		if err != nil {
			return soqlItem{}, err
		}
		if !p.punct(")") {
			return soqlItem{}, p.unexpected()
		}
		return soqlItem{sub: q}, nil
	}
	if t := p.peek(); t.kind == "ident" && strings.EqualFold(t.text, "COUNT") && p.toks[p.i+1].text == "(" {
		p.i += 2
		it := soqlItem{count: true}
		if !p.punct(")") {
			path, err := p.path()
			if err != nil {
				return it, err
			}
			it.path = path
			if !p.punct(")") {
				return it, p.unexpected()
			}
			if t := p.peek(); t.kind == "ident" && !isKeyword(t.text) {
				it.alias = p.next().text
			}
		}
		return it, nil
	}
	path, err := p.path()
	return soqlItem{path: path}, err
}

// expr reads conditions joined by one kind of operator: SOQL refuses
// "a AND b OR c" without parentheses.
func (p *soqlParser) expr() (soqlExpr, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	var op string
	list := []soqlExpr{first}
	for {
		var this string
		switch {
		case p.keyword("AND"):
			this = "AND"
		case p.keyword("OR"):
			this = "OR"
		default:
			switch {
			case op == "AND":
				return soqlAnd(list), nil
			case op == "OR":
				return soqlOr(list), nil
			}
			return first, nil
		}
		if op != "" && op != this {
			p.i--
			return nil, p.unexpected()
		}
		op = this
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
}

func (p *soqlParser) unary() (soqlExpr, error) {
	if p.keyword("NOT") {
		e, err := p.unary()
		return soqlNot{e}, err
	}
	if p.punct("(") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, p.unexpected()
		}
		return e, nil
	}
	return p.cond()
}

func (p *soqlParser) cond() (soqlExpr, error) {
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	c := soqlCond{path: path}
	switch t := p.peek(); {
	case t.kind == "punct" && slices.Contains([]string{"=", "!=", "<", "<=", ">", ">="}, t.text):
		c.op = p.next().text
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		c.values = []soqlValue{v}
		return c, nil
	case p.keyword("LIKE"):
		c.op = "LIKE"
		t := p.next()
		if t.kind != "string" {
			p.i--
			return nil, p.unexpected()
		}
		c.values = []soqlValue{{kind: "string", text: t.text}}
		return c, nil
	case p.keyword("NOT"):
		if !p.keyword("IN") {
			return nil, p.unexpected()
		}
		c.op = "NOT IN"
	case p.keyword("IN"):
		c.op = "IN"
	default:
		return nil, p.unexpected()
	}
	if !p.punct("(") {
		return nil, p.unexpected()
	}
	for {
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		c.values = append(c.values, v)
		if p.punct(")") {
			return c, nil
		}
		if !p.punct(",") {
			return nil, p.unexpected()
		}
	}
}

func (p *soqlParser) literal() (soqlValue, error) {
	t := p.next()
	switch t.kind {
	case "string":
		return soqlValue{kind: "string", text: t.text}, nil
	case "number":
		if _, err := strconv.ParseFloat(t.text, 64); err == nil {
			return soqlValue{kind: "number", text: t.text}, nil
		}
		if _, err := time.Parse("2006-01-02", t.text); err == nil {
			return soqlValue{kind: "date", text: t.text}, nil
		}
		if _, err := parseSOQLDateTime(t.text); err == nil {
			return soqlValue{kind: "datetime", text: t.text}, nil
		}
	case "ident":
		switch up := strings.ToUpper(t.text); {
		case up == "NULL":
			return soqlValue{kind: "null"}, nil
		case up == "TRUE" || up == "FALSE":
			return soqlValue{kind: "bool", text: up}, nil
		case dateLiterals[up]:
			return soqlValue{kind: "dateLiteral", text: up}, nil
		case dateNLiterals[up]:
			if !p.punct(":") {
				return soqlValue{}, p.unexpected()
			}
			n, err := p.count()
			return soqlValue{kind: "dateLiteral", text: up, n: n}, err
		}
	}
	p.i--
	return soqlValue{}, p.unexpected()
}

var soqlKeywords = []string{"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ORDER", "BY", "ASC", "DESC",
	"LIMIT", "OFFSET", "NULL", "NULLS", "TRUE", "FALSE", "LIKE", "FIRST", "LAST"}

func isKeyword(s string) bool {
	return slices.ContainsFunc(soqlKeywords, func(k string) bool { return strings.EqualFold(k, s) })
}

var dateLiterals = map[string]bool{"YESTERDAY": true, "TODAY": true, "TOMORROW": true, "LAST_WEEK": true,
	"THIS_WEEK": true, "NEXT_WEEK": true, "LAST_MONTH": true, "THIS_MONTH": true, "NEXT_MONTH": true,
	"LAST_90_DAYS": true, "NEXT_90_DAYS": true, "THIS_YEAR": true, "LAST_YEAR": true, "NEXT_YEAR": true}

var dateNLiterals = map[string]bool{"LAST_N_DAYS": true, "NEXT_N_DAYS": true, "N_DAYS_AGO": true,
	"LAST_N_WEEKS": true, "NEXT_N_WEEKS": true, "LAST_N_MONTHS": true, "NEXT_N_MONTHS": true,
	"LAST_N_YEARS": true, "NEXT_N_YEARS": true}

func parseSOQLDateTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a datetime: %s", s)
}

// dateRange is the span [from, to) a date literal stands for, in the org's
// time zone (UTC here).
func dateRange(v soqlValue, now time.Time) (from, to time.Time) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	week := day.AddDate(0, 0, -int(day.Weekday())) // weeks start on Sunday
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	year := time.Date(day.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	n := v.n
	switch v.text {
	case "YESTERDAY":
		return day.AddDate(0, 0, -1), day
	case "TODAY":
		return day, day.AddDate(0, 0, 1)
	case "TOMORROW":
		return day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)
	case "LAST_WEEK":
		return week.AddDate(0, 0, -7), week
	case "THIS_WEEK":
		return week, week.AddDate(0, 0, 7)
	case "NEXT_WEEK":
		return week.AddDate(0, 0, 7), week.AddDate(0, 0, 14)
	case "LAST_MONTH":
		return month.AddDate(0, -1, 0), month
	case "THIS_MONTH":
		return month, month.AddDate(0, 1, 0)
	case "NEXT_MONTH":
		return month.AddDate(0, 1, 0), month.AddDate(0, 2, 0)
	case "LAST_90_DAYS":
		return day.AddDate(0, 0, -90), day.AddDate(0, 0, 1)
	case "NEXT_90_DAYS":
		return day.AddDate(0, 0, 1), day.AddDate(0, 0, 91)
	case "THIS_YEAR":
		return year, year.AddDate(1, 0, 0)
	case "LAST_YEAR":
		return year.AddDate(-1, 0, 0), year
	case "NEXT_YEAR":
		return year.AddDate(1, 0, 0), year.AddDate(2, 0, 0)
	case "LAST_N_DAYS":
		return day.AddDate(0, 0, -n), day.AddDate(0, 0, 1)
	case "NEXT_N_DAYS":
		return day.AddDate(0, 0, 1), day.AddDate(0, 0, n+1)
	case "N_DAYS_AGO":
		return day.AddDate(0, 0, -n), day.AddDate(0, 0, -n+1)
	case "LAST_N_WEEKS":
		return week.AddDate(0, 0, -7*n), week
	case "NEXT_N_WEEKS":
		return week.AddDate(0, 0, 7), week.AddDate(0, 0, 7*(n+1))
	case "LAST_N_MONTHS":
		return month.AddDate(0, -n, 0), month
	case "NEXT_N_MONTHS":
		return month.AddDate(0, 1, 0), month.AddDate(0, n+1, 0)
	case "LAST_N_YEARS":
		return year.AddDate(-n, 0, 0), year
	case "NEXT_N_YEARS":
		return year.AddDate(1, 0, 0), year.AddDate(n+1, 0, 0)
	}
	return day, day
}

func malformed(err error) (int, any) {
	return 400, []salesforce.ErrorDetail{{ErrorCode: "MALFORMED_QUERY", Message: err.Error()}}
}

// queryError is a query an org parses but refuses.
type queryError struct{ code, msg string }

func (e *queryError) Error() string { return e.msg }

func invalidField(format string, args ...any) *queryError {
	return &queryError{"INVALID_FIELD", fmt.Sprintf(format, args...)}
}

const pageSize = 2000

// maxOffset is SOQL's OFFSET limit ("OFFSET", SOQL and SOSL Reference).
const maxOffset = 2000

// resolved is a field path checked against the schema: the references to
// follow and the field at the end.
type resolved struct {
	hops  []*fieldDef // reference fields, parent first
	field *fieldDef
}

// resolvePath checks a path such as Account.Name from def.
func (c *call) resolvePath(def *objectDef, path string) (resolved, *queryError) {
	o := c.sim.org
	parts := strings.Split(path, ".")
	if len(parts) > 1 && strings.EqualFold(parts[0], def.name) {
		parts = parts[1:] // "Order.Name" FROM Order names the object itself
	}
	var r resolved
	cur := def
	for i, part := range parts {
		if i == len(parts)-1 {
			f := o.field(cur, part)
			if f == nil {
				return r, invalidField("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", part, cur.name)
			}
			r.field = f
			return r, nil
		}
		var hop *fieldDef
		for _, f := range o.fields(cur) {
			if f.typ == tReference && strings.EqualFold(relationshipName(f), part) {
				hop = f
				break
			}
		}
		if hop == nil || hop.refTo[0] == "*" && i < len(parts)-2 {
			return r, invalidField("Didn't understand relationship '%s' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.", part)
		}
		r.hops = append(r.hops, hop)
		if hop.refTo[0] == "*" {
			// A polymorphic parent (Note.Parent) offers its Id and Name only.
			switch last := parts[len(parts)-1]; {
			case strings.EqualFold(last, "Id"):
				r.field = &fieldDef{name: "Id", typ: tID}
			case strings.EqualFold(last, "Name"):
				r.field = &fieldDef{name: "Name", typ: tString}
			default:
				return r, invalidField("No such column '%s' on entity 'Name'.", last)
			}
			return r, nil
		}
		cur = lookupObject(hop.refTo[0])
	}
	return r, nil
}

// value reads a resolved path on a record: nil when a parent on the way is
// missing.
func (c *call) value(rec record, r resolved) any {
	for _, hop := range r.hops {
		id := rec.str(hop.name)
		if id == "" {
			return nil
		}
		_, rec = c.sim.org.find(id)
		if rec == nil {
			return nil
		}
	}
	return rec[r.field.name]
}

// personName is Contact.Name, computed from FirstName and LastName.
func personName(rec record) any {
	if rec.str("LastName") == "" {
		return nil
	}
	return strings.TrimSpace(rec.str("FirstName") + " " + rec.str("LastName"))
}

// maxSOQLLength is the longest SOQL statement Salesforce runs ("SOQL and
// SOSL Limits for Search Queries", Salesforce Developer Limits and
// Allocations Quick Reference: "By default, 100,000 characters").
const maxSOQLLength = 100000

func (c *call) query(q string) (int, any) {
	if strings.TrimSpace(q) == "" {
		return malformed(fmt.Errorf("the query is empty: give it as ?q=SELECT …"))
	}
	if utf8.RuneCountInString(q) > maxSOQLLength {
		return malformed(fmt.Errorf("SOQL statements can not be longer than %d characters.", maxSOQLLength))
	}
	pq, err := parseSOQL(q)
	if err != nil {
		return malformed(err)
	}
	def := c.object(pq.object)
	if def == nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_TYPE", Message: fmt.Sprintf("sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", pq.object)}}
	}
	if pq.offset > maxOffset {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "NUMBER_OUTSIDE_VALID_RANGE", Message: fmt.Sprintf("Maximum SOQL offset allowed is %d", maxOffset)}}
	}
	cq, qerr := c.compileQuery(def, pq)
	if qerr != nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: qerr.code, Message: qerr.msg}}
	}
	rows := cq.run(cq.rows())
	switch {
	case pq.countOf:
		return 200, map[string]any{"totalSize": len(rows), "done": true, "records": []any{}}
	case cq.aggregate:
		return 200, cq.aggregateRow(rows)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = cq.shape(r)
	}
	return c.page(out, len(out), 0)
}

// allRows lists def's records in ID order.
func (c *call) allRows(def *objectDef) []record {
	var rows []record
	if def.name == "OrderStatus" {
		for _, st := range c.sim.org.statuses {
			r := record(statusRecord(st))
			r["Id"] = ""
			rows = append(rows, r)
		}
		return rows
	}
	if def.name == "CurrencyType" {
		return c.sim.org.currencyRows()
	}
	return c.sim.org.all(def.name)
}

// compiledQuery is a query checked against the schema once, before any row
// is read: a subquery or field an org would refuse is refused even when no
// row would show it.
type compiledQuery struct {
	c         *call
	def       *objectDef
	q         *soqlQuery
	cols      []column
	pred      func(record) bool
	seek      func() []record // the rows an index finds, when one can; pred still applies
	order     []orderKey
	aggregate bool // COUNT(path) columns: one AggregateResult row
}

// column is one SELECT item: a field path, or a child subquery.
type column struct {
	res   resolved
	alias string
	rel   *childRelationship
	sub   *compiledQuery
}

type orderKey struct {
	res resolved
	o   soqlOrder
}

func (c *call) compileQuery(def *objectDef, pq *soqlQuery) (*compiledQuery, *queryError) {
	cq := &compiledQuery{c: c, def: def, q: pq}
	plain := ""
	for _, it := range pq.items {
		switch {
		case it.sub != nil:
			rel, child := c.childOf(def, it.sub.object)
			if rel == nil {
				return nil, &queryError{"INVALID_TYPE", fmt.Sprintf("Didn't understand relationship '%s' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.", it.sub.object)}
			}
			sub, qerr := c.compileQuery(child, it.sub)
			if qerr != nil {
				return nil, qerr
			}
			cq.cols = append(cq.cols, column{rel: rel, sub: sub})
			plain = it.sub.object
		case it.path == "": // COUNT()
		default:
			res, qerr := c.resolvePath(def, it.path)
			if qerr != nil {
				return nil, qerr
			}
			cq.cols = append(cq.cols, column{res: res, alias: it.alias})
			if it.count {
				cq.aggregate = true
			} else {
				plain = it.path
			}
		}
	}
	if cq.aggregate && plain != "" {
		// No GROUP BY here: every column must be aggregated.
		return nil, &queryError{"MALFORMED_QUERY", fmt.Sprintf("Field must be grouped or aggregated: %s", plain)}
	}
	pred, qerr := c.compile(def, pq.where)
	if qerr != nil {
		return nil, qerr
	}
	cq.pred = pred
	cq.seek = c.seekFor(def, pq.where)
	for _, o := range pq.order {
		res, qerr := c.resolvePath(def, o.path)
		if qerr != nil {
			return nil, qerr
		}
		if !filterable(res.field) {
			return nil, invalidField("field '%s' can not be sorted in a query call", res.field.name)
		}
		cq.order = append(cq.order, orderKey{res, o})
	}
	return cq, nil
}

// run returns the rows the query selects from rows, sorted and cut.
func (cq *compiledQuery) run(rows []record) []record {
	c := cq.c
	rows = slices.DeleteFunc(slices.Clone(rows), func(r record) bool { return !cq.pred(r) })
	if len(cq.order) > 0 {
		slices.SortStableFunc(rows, func(a, b record) int {
			for _, k := range cq.order {
				va, vb := c.value(a, k.res), c.value(b, k.res)
				if (va == nil) != (vb == nil) {
					if (va == nil) == k.o.nullsFirst {
						return -1
					}
					return 1
				}
				if cmp := compareValues(va, vb); cmp != 0 {
					if k.o.desc {
						return -cmp
					}
					return cmp
				}
			}
			return 0
		})
	}
	rows = rows[min(cq.q.offset, len(rows)):]
	if cq.q.limit >= 0 && len(rows) > cq.q.limit {
		rows = rows[:cq.q.limit]
	}
	return rows
}

// rows are the records the query reads: those an index finds, else all.
func (cq *compiledQuery) rows() []record {
	if cq.seek != nil {
		return cq.seek()
	}
	return cq.c.allRows(cq.def)
}

// seekFor finds, in a WHERE clause that is or ANDs an = or IN on the Id, an
// external ID or a reference field, the index that answers it, as an org's
// selective filters do. Only speed differs: the predicate still decides.
func (c *call) seekFor(def *objectDef, where soqlExpr) func() []record {
	conds := []soqlExpr{where}
	if and, ok := where.(soqlAnd); ok {
		conds = and
	}
	if def.name == "OrderStatus" || def.name == "CurrencyType" {
		return nil // not records: allRows makes them
	}
	o := c.sim.org
	for _, e := range conds {
		cond, ok := e.(soqlCond)
		if !ok || (cond.op != "=" && cond.op != "IN") {
			continue
		}
		res, qerr := c.resolvePath(def, cond.path)
		if qerr != nil || len(res.hops) > 0 {
			continue
		}
		f := res.field
		var lookup func(string) []string
		switch {
		case f.name == "Id":
			lookup = func(v string) []string {
				if id, err := salesforce.NormalizeID(v); err == nil && o.exists(def.name, id) {
					return []string{id}
				}
				return nil
			}
		case f.external:
			lookup = func(v string) []string { return o.byExternal(def.name, f.name, v) }
		case f.typ == tReference:
			lookup = func(v string) []string {
				id, err := salesforce.NormalizeID(v)
				if err != nil {
					return nil
				}
				return o.referring(def.name, f.name, id)
			}
		default:
			continue
		}
		if slices.ContainsFunc(cond.values, func(v soqlValue) bool { return v.kind != "string" }) {
			continue
		}
		return func() []record {
			seen := map[string]bool{}
			for _, v := range cond.values {
				for _, id := range lookup(v.text) {
					seen[id] = true
				}
			}
			rows := make([]record, 0, len(seen))
			for _, id := range slices.Sorted(maps.Keys(seen)) {
				rows = append(rows, o.get(def.name, id))
			}
			return rows
		}
	}
	return nil
}

// long text areas cannot be filtered or sorted on.
func filterable(f *fieldDef) bool { return !(f.typ == tTextarea && f.length > 255) }

// shape is one result row as the REST API sends it: attributes, the
// selected fields, parents as nested records and subqueries as nested
// query results.
func (cq *compiledQuery) shape(r record) map[string]any {
	c := cq.c
	m := map[string]any{"attributes": c.attributes(cq.def.name, r.str("Id"))}
	for i := range cq.cols {
		col := &cq.cols[i]
		if col.sub == nil {
			c.put(m, r, col.res)
			continue
		}
		var kids []record
		for _, id := range c.sim.org.referring(col.sub.def.name, col.rel.field, r.str("Id")) {
			kids = append(kids, c.sim.org.get(col.sub.def.name, id))
		}
		rows := col.sub.run(kids)
		if len(rows) == 0 {
			m[col.rel.name] = nil
			continue
		}
		recs := make([]map[string]any, len(rows))
		for i, kid := range rows {
			recs[i] = col.sub.shape(kid)
		}
		m[col.rel.name] = map[string]any{"totalSize": len(recs), "done": true, "records": recs}
	}
	return m
}

// put writes a resolved path's value into a result row, nesting parents.
func (c *call) put(m map[string]any, rec record, res resolved) {
	for _, hop := range res.hops {
		name := relationshipName(hop)
		var typ string
		var parent record
		if id := rec.str(hop.name); id != "" {
			typ, parent = c.sim.org.find(id)
		}
		if parent == nil {
			if _, set := m[name]; !set {
				m[name] = nil
			}
			return
		}
		sub, ok := m[name].(map[string]any)
		if !ok {
			sub = map[string]any{"attributes": c.attributes(typ, parent.str("Id"))}
			m[name] = sub
		}
		m, rec = sub, parent
	}
	m[res.field.name] = rec[res.field.name]
}

func (c *call) attributes(sobject, id string) map[string]any {
	a := map[string]any{"type": sobject}
	if id != "" {
		a["url"] = "/services/data/v" + c.version + "/sobjects/" + sobject + "/" + id
	}
	return a
}

func (c *call) childOf(def *objectDef, name string) (*childRelationship, *objectDef) {
	for i := range children {
		if children[i].parent == def.name && strings.EqualFold(children[i].name, name) {
			return &children[i], lookupObject(children[i].child)
		}
	}
	return nil, nil
}

// aggregateRow answers SELECT COUNT(path) [alias], …: one AggregateResult row.
func (cq *compiledQuery) aggregateRow(rows []record) map[string]any {
	row := map[string]any{"attributes": map[string]any{"type": "AggregateResult"}}
	for i, col := range cq.cols {
		n := 0
		for _, r := range rows {
			if cq.c.value(r, col.res) != nil {
				n++
			}
		}
		name := col.alias
		if name == "" {
			name = "expr" + strconv.Itoa(i)
		}
		row[name] = n
	}
	return map[string]any{"totalSize": 1, "done": true, "records": []any{row}}
}

// compile checks a WHERE expression against def and returns its predicate.
func (c *call) compile(def *objectDef, e soqlExpr) (func(record) bool, *queryError) {
	switch x := e.(type) {
	case nil:
		return func(record) bool { return true }, nil
	case soqlAnd, soqlOr:
		var list []soqlExpr
		and := false
		if a, ok := x.(soqlAnd); ok {
			list, and = a, true
		} else {
			list = x.(soqlOr)
		}
		preds := make([]func(record) bool, len(list))
		for i, sub := range list {
			p, qerr := c.compile(def, sub)
			if qerr != nil {
				return nil, qerr
			}
			preds[i] = p
		}
		return func(r record) bool {
			for _, p := range preds {
				if p(r) != and {
					return !and
				}
			}
			return and
		}, nil
	case soqlNot:
		p, qerr := c.compile(def, x.e)
		if qerr != nil {
			return nil, qerr
		}
		return func(r record) bool { return !p(r) }, nil
	case soqlCond:
		return c.compileCond(def, x)
	}
	return nil, &queryError{"MALFORMED_QUERY", "unexpected condition"}
}

func (c *call) compileCond(def *objectDef, cond soqlCond) (func(record) bool, *queryError) {
	res, qerr := c.resolvePath(def, cond.path)
	if qerr != nil {
		return nil, qerr
	}
	f := res.field
	if !filterable(f) {
		return nil, invalidField("field '%s' can not be filtered in a query call", f.name)
	}
	if cond.op == "LIKE" && !textual(f) {
		return nil, invalidField("invalid operator on %s field: LIKE", f.typ)
	}
	now := c.sim.opts.Now()
	var tests []func(any) int // compares a record's value with each literal; 2 = no match
	for _, v := range cond.values {
		t, qerr := c.literalTest(f, v, now)
		if qerr != nil {
			return nil, qerr
		}
		tests = append(tests, t)
	}
	if cond.op == "LIKE" {
		pat := likePattern(cond.values[0].text)
		return func(r record) bool {
			s, ok := c.value(r, res).(string)
			return ok && pat(s)
		}, nil
	}
	// A long IN list of text is a set: one lookup a row, not one compare a value.
	var set map[string]bool
	if textual(f) && !slices.ContainsFunc(cond.values, func(v soqlValue) bool { return v.kind != "string" }) {
		set = map[string]bool{}
		for _, v := range cond.values {
			if f.typ == tID || f.typ == tReference {
				v.text, _ = salesforce.NormalizeID(v.text)
			}
			set[strings.ToLower(v.text)] = true
		}
	}
	return func(r record) bool {
		v := c.value(r, res)
		in := false
		if s, ok := v.(string); ok && set != nil {
			in = set[strings.ToLower(s)]
		} else {
			for _, t := range tests {
				if t(v) == 0 {
					in = true
					break
				}
			}
		}
		switch cond.op {
		case "=", "IN":
			return in
		case "!=":
			return !in
		case "NOT IN":
			return !in && v != nil // NOT IN leaves nulls out
		}
		cmp := tests[0](v)
		if v == nil || cmp == 2 {
			return false
		}
		switch cond.op {
		case "<":
			return cmp < 0
		case "<=":
			return cmp <= 0
		case ">":
			return cmp > 0
		}
		return cmp >= 0
	}, nil
}

func textual(f *fieldDef) bool {
	switch f.typ {
	case tString, tTextarea, tEmail, tPhone, tPicklist, tID, tReference:
		return true
	}
	return false
}

// literalTest checks a literal against the field's type, as an org does,
// and returns a comparison of a record's value with it: -1, 0, 1, or 2 when
// they cannot be compared. A date literal compares as its span.
func (c *call) literalTest(f *fieldDef, v soqlValue, now time.Time) (func(any) int, *queryError) {
	wrong := func(kind string, quoted bool) *queryError {
		if quoted {
			return invalidField("value of filter criterion for field '%s' must be of type %s and should be enclosed in quotes", f.name, kind)
		}
		return invalidField("value of filter criterion for field '%s' must be of type %s and should not be enclosed in quotes", f.name, kind)
	}
	if v.kind == "null" {
		return func(x any) int {
			if x == nil {
				return 0
			}
			return 2
		}, nil
	}
	switch f.typ {
	case tID, tReference:
		if v.kind != "string" {
			return nil, wrong("id", true)
		}
		id, err := salesforce.NormalizeID(v.text)
		if err != nil {
			return nil, &queryError{"INVALID_QUERY_FILTER_OPERATOR", fmt.Sprintf("invalid ID field: %s", v.text)}
		}
		return func(x any) int { return cmpOrNone(x, id) }, nil
	case tString, tTextarea, tEmail, tPhone, tPicklist:
		if v.kind != "string" {
			return nil, wrong("string", true)
		}
		return func(x any) int { return cmpOrNone(x, v.text) }, nil
	case tBoolean:
		if v.kind != "bool" {
			return nil, wrong("boolean", false)
		}
		b := v.text == "TRUE"
		return func(x any) int { return cmpOrNone(x, b) }, nil
	case tDouble, tCurrency, tInt:
		if v.kind != "number" {
			return nil, wrong(map[fieldType]string{tInt: "int", tDouble: "double", tCurrency: "currency"}[f.typ], false)
		}
		n, _ := strconv.ParseFloat(v.text, 64)
		return func(x any) int { return cmpOrNone(x, n) }, nil
	case tDate, tDatetime:
		kind := map[fieldType]string{tDate: "date", tDatetime: "dateTime"}[f.typ]
		var from, to time.Time
		switch {
		case v.kind == "dateLiteral":
			from, to = dateRange(v, now)
		case v.kind == "date" && f.typ == tDate:
			d, _ := time.Parse("2006-01-02", v.text)
			from, to = d, d.AddDate(0, 0, 1)
		case v.kind == "datetime" && f.typ == tDatetime:
			t, _ := parseSOQLDateTime(v.text)
			from, to = t, t.Add(time.Millisecond)
		default:
			return nil, wrong(kind, false)
		}
		return func(x any) int {
			s, ok := x.(string)
			if !ok {
				return 2
			}
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				if t, err = parseSOQLDateTime(s); err != nil {
					return 2
				}
			}
			switch {
			case t.Before(from):
				return -1
			case !t.Before(to):
				return 1
			}
			return 0
		}, nil
	}
	return nil, wrong(string(f.typ), false)
}

func cmpOrNone(x, y any) int {
	if x == nil {
		return 2
	}
	return compareValues(x, y)
}

// likePattern matches SOQL's LIKE: % any run, _ one character, case-insensitive.
func likePattern(p string) func(string) bool {
	pr := []rune(strings.ToLower(p))
	return func(s string) bool {
		sr := []rune(strings.ToLower(s))
		var match func(i, j int) bool
		memo := map[[2]int]bool{}
		match = func(i, j int) bool {
			k := [2]int{i, j}
			if v, ok := memo[k]; ok {
				return v
			}
			var ok bool
			switch {
			case i == len(pr):
				ok = j == len(sr)
			case pr[i] == '%':
				ok = match(i+1, j) || j < len(sr) && match(i, j+1)
			case j < len(sr) && (pr[i] == '_' || pr[i] == sr[j]):
				ok = match(i+1, j+1)
			}
			memo[k] = ok
			return ok
		}
		return match(0, 0)
	}
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

// compareValues orders values of one type; strings compare
// case-insensitively, as SOQL does.
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
