package sfsim

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"magesync/sync/salesforce"
)

// call is one REST call in progress, with the sim's lock held.
type call struct {
	sim     *Sim
	version string
}

// object is the sObject of that name, as far as the call's API version has it.
func (c *call) object(name string) *objectDef {
	def := lookupObject(name)
	if def != nil && def.name == "OrderStatus" && !c.atLeast(orderStatusMinVersion) {
		return nil
	}
	if def != nil && def.name == "CurrencyType" && !c.sim.org.multiCurrency() {
		return nil
	}
	return def
}

// dmlError is an error of a refused record: Salesforce always sends its
// fields, an empty array when none.
type dmlError struct {
	Message   string   `json:"message"`
	ErrorCode string   `json:"errorCode"`
	Fields    []string `json:"fields"`
}

func errBody(e *apiError) (int, any) {
	if !e.dml {
		return e.status, e.details
	}
	out := make([]dmlError, len(e.details))
	for i, d := range e.details {
		out[i] = dmlError{Message: d.Message, ErrorCode: d.ErrorCode, Fields: orEmpty(d.Fields)}
	}
	return e.status, out
}

// createResult is a create's answer, exactly as the REST API Developer
// Guide's "Create a Record" shows it; upsertResult adds "created".
type createResult struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
	Errors  []any  `json:"errors"`
}

type upsertResult struct {
	createResult
	Created bool `json:"created"`
}

// route dispatches a path below /services/data/vNN.0. top is false inside
// composite and graph requests, where batching resources are not allowed.
func (c *call) route(method, path string, q url.Values, body any, top bool) (int, any) {
	o := c.sim.org
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	notAllowed := func(allowed string) (int, any) {
		return 405, []salesforce.ErrorDetail{{ErrorCode: "METHOD_NOT_ALLOWED", Message: fmt.Sprintf("HTTP Method '%s' not allowed. Allowed are %s", method, allowed)}}
	}
	switch {
	case path == "" || path == "/":
		return 200, map[string]string{"sobjects": "/services/data/v" + c.version + "/sobjects", "query": "/services/data/v" + c.version + "/query",
			"limits": "/services/data/v" + c.version + "/limits", "composite": "/services/data/v" + c.version + "/composite"}
	case parts[0] == "limits" && len(parts) == 1:
		if method != http.MethodGet {
			return notAllowed("GET")
		}
		max := c.sim.dailyLimit()
		return 200, map[string]any{
			"DailyApiRequests":     map[string]int{"Max": max, "Remaining": max - c.sim.used},
			"DailyBulkV2QueryJobs": map[string]int{"Max": 10000, "Remaining": 10000},
			"DataStorageMB":        map[string]int{"Max": 5, "Remaining": 5},
		}
	case parts[0] == "query":
		if method != http.MethodGet {
			return notAllowed("GET")
		}
		if len(parts) == 2 {
			return c.nextPage(parts[1])
		}
		return c.query(q.Get("q"))
	case parts[0] == "composite" && top:
		switch {
		case len(parts) == 1:
			if method != http.MethodPost {
				return notAllowed("POST")
			}
			return c.composite(body)
		case len(parts) == 2 && parts[1] == "graph":
			if method != http.MethodPost {
				return notAllowed("POST")
			}
			return c.graph(body)
		case len(parts) >= 2 && parts[1] == "sobjects":
			return c.collection(method, parts[2:], q, body)
		}
	case parts[0] == "sobjects":
		if len(parts) == 1 {
			if method != http.MethodGet {
				return notAllowed("GET")
			}
			return 200, c.globalDescribe()
		}
		def := c.object(parts[1])
		if def == nil {
			return errBody(errNotFound)
		}
		switch len(parts) {
		case 2:
			if method != http.MethodPost {
				if method == http.MethodGet {
					return 200, map[string]any{"objectDescribe": c.objectSummary(def), "recentItems": []any{}}
				}
				return notAllowed("GET,POST")
			}
			fields, ok := body.(map[string]any)
			if !ok {
				return 400, jsonBodyError()
			}
			id, err := o.insert(def.name, fields)
			if err != nil {
				return errBody(err)
			}
			return 201, createResult{ID: id, Success: true, Errors: []any{}}
		case 3:
			if parts[2] == "describe" {
				if method != http.MethodGet {
					return notAllowed("GET")
				}
				return 200, c.describe(def)
			}
			id := parts[2]
			switch method {
			case http.MethodGet:
				id18, err := salesforce.NormalizeID(id)
				if err != nil {
					return 400, []salesforce.ErrorDetail{{ErrorCode: "MALFORMED_ID", Message: fmt.Sprintf("%s ID: id value of incorrect type: %s", def.label, id)}}
				}
				rec := o.get(def.name, id18)
				if rec == nil {
					return errBody(errNotFound)
				}
				var fields []string
				if f := q.Get("fields"); f != "" {
					fields = strings.Split(f, ",")
					for _, name := range fields {
						if c.sim.org.field(def, strings.TrimSpace(name)) == nil {
							return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_FIELD", Message: fmt.Sprintf("No such column '%s' on sobject of type %s", name, def.name)}}
						}
					}
				}
				return 200, o.view(def, c.version, rec, fields)
			case http.MethodPatch:
				fields, ok := body.(map[string]any)
				if !ok {
					return 400, jsonBodyError()
				}
				if err := o.update(def.name, id, fields); err != nil {
					return errBody(err)
				}
				return 204, nil
			case http.MethodDelete:
				if err := o.delete(def.name, id); err != nil {
					return errBody(err)
				}
				return 204, nil
			}
			return notAllowed("GET,PATCH,DELETE")
		case 4:
			field, value := parts[2], parts[3]
			switch method {
			case http.MethodPatch, http.MethodPost:
				fields, ok := body.(map[string]any)
				if !ok {
					return 400, jsonBodyError()
				}
				id, status, err := o.upsert(def.name, field, value, fields)
				if err != nil {
					return errBody(err)
				}
				if status == 300 {
					var urls []string
					for _, id := range o.byExternal(def.name, def.field(field).name, value) {
						urls = append(urls, "/services/data/v"+c.version+"/sobjects/"+def.name+"/"+id)
					}
					return 300, urls
				}
				return status, upsertResult{createResult{ID: id, Success: true, Errors: []any{}}, status == 201}
			case http.MethodGet:
				f := def.field(field)
				if f == nil || !f.external {
					return 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "Provided external ID field does not exist or is not accessible: " + field}}
				}
				ids := o.byExternal(def.name, f.name, value)
				switch len(ids) {
				case 0:
					return errBody(errNotFound)
				case 1:
					return 200, o.view(def, c.version, o.get(def.name, ids[0]), nil)
				}
				return 300, ids
			}
			return notAllowed("GET,PATCH")
		}
	}
	return 404, []salesforce.ErrorDetail{{ErrorCode: "NOT_FOUND", Message: "The requested resource does not exist"}}
}

func jsonBodyError() []salesforce.ErrorDetail {
	return []salesforce.ErrorDetail{{ErrorCode: "JSON_PARSER_ERROR", Message: "The request body must be a JSON object of field values"}}
}

// subrequest is one part of a composite or graph request.
type subrequest struct {
	Method      string
	URL         string
	ReferenceID string
	Body        any
}

func decodeSubrequests(raw any) ([]subrequest, *apiError) {
	list, ok := raw.([]any)
	if !ok {
		return nil, badRequest("JSON_PARSER_ERROR", "compositeRequest must be an array")
	}
	var out []subrequest
	seen := map[string]bool{}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, badRequest("JSON_PARSER_ERROR", "each subrequest must be an object")
		}
		sr := subrequest{Body: m["body"]}
		sr.Method, _ = m["method"].(string)
		sr.URL, _ = m["url"].(string)
		sr.ReferenceID, _ = m["referenceId"].(string)
		if sr.Method == "" || sr.URL == "" || sr.ReferenceID == "" {
			return nil, badRequest("INVALID_INPUT", "each subrequest needs method, url and referenceId")
		}
		if seen[sr.ReferenceID] {
			return nil, badRequest("INVALID_INPUT", "Duplicate referenceId provided in the request: "+sr.ReferenceID)
		}
		seen[sr.ReferenceID] = true
		out = append(out, sr)
	}
	return out, nil
}

// results holds the answers of earlier subrequests, for @{ref.path}.
type results map[string]*answer

var errHalted = salesforce.ErrorDetail{ErrorCode: "PROCESSING_HALTED", Message: "The transaction was rolled back since another operation in the same transaction failed."}

// run executes one subrequest after resolving its references.
func (c *call) run(sr subrequest, res results) (int, any) {
	u, err := resolveString(sr.URL, res)
	if err != nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "PROCESSING_HALTED", Message: err.Error()}}
	}
	body, err := resolveAny(sr.Body, res)
	if err != nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "PROCESSING_HALTED", Message: err.Error()}}
	}
	parsed, perr := url.Parse(u)
	if perr != nil {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: "bad url " + u}}
	}
	version, path, ok := versionPath(parsed.Path)
	if !ok {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: "url must start with /services/data/vNN.0: " + u}}
	}
	sub := &call{sim: c.sim, version: version + ".0"}
	return sub.route(strings.ToUpper(sr.Method), path, parsed.Query(), body, false)
}

func subResponse(sr subrequest, status int, body any) map[string]any {
	headers := map[string]string{}
	if status == 201 {
		var id string
		switch r := body.(type) {
		case createResult:
			id = r.ID
		case upsertResult:
			id = r.ID
		}
		// The record's own URL: /services/data/vNN.0/sobjects/{Type}/{id}.
		if parts := strings.SplitN(strings.TrimPrefix(sr.URL, "/"), "/", 6); id != "" && len(parts) >= 5 {
			headers["Location"] = "/" + strings.Join(parts[:5], "/") + "/" + id
		}
	}
	return map[string]any{"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": sr.ReferenceID}
}

func (c *call) composite(raw any) (int, any) {
	m, ok := raw.(map[string]any)
	if !ok {
		return 400, jsonBodyError()
	}
	allOrNone, _ := m["allOrNone"].(bool)
	reqs, err := decodeSubrequests(m["compositeRequest"])
	if err != nil {
		return errBody(err)
	}
	if len(reqs) > salesforce.MaxCompositeRequests {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "LIMIT_EXCEEDED", Message: fmt.Sprintf("Limit Exceeded: %d subrequests; at most %d", len(reqs), salesforce.MaxCompositeRequests)}}
	}
	// Up to 5 of the 25 may be queries: Query, QueryAll and the next page of
	// either (REST API Developer Guide, "Composite", and "Send Multiple
	// Requests Using Composite").
	queries := 0
	for _, sr := range reqs {
		if salesforce.IsQueryURL(sr.URL) {
			queries++
		}
	}
	if queries > salesforce.MaxCompositeQueries {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "LIMIT_EXCEEDED", Message: fmt.Sprintf("Limit Exceeded: %d query subrequests; at most %d", queries, salesforce.MaxCompositeQueries)}}
	}
	o := c.sim.org
	mark := o.mark()
	res := results{}
	out := make([]map[string]any, len(reqs))
	failed := false
	for i, sr := range reqs {
		if failed && allOrNone {
			out[i] = subResponse(sr, 400, []salesforce.ErrorDetail{errHalted})
			continue
		}
		sp := o.mark()
		status, body := c.run(sr, res)
		if status >= 400 {
			o.rollbackTo(sp)
			failed = true
			if allOrNone {
				o.rollbackTo(mark)
				for j := range i {
					out[j] = subResponse(reqs[j], 400, []salesforce.ErrorDetail{errHalted})
				}
			}
		} else {
			res[sr.ReferenceID] = &answer{body: body}
		}
		out[i] = subResponse(sr, status, body)
	}
	return 200, map[string]any{"compositeResponse": out}
}

// Composite graph limits (REST API Developer Guide, "Composite Graph
// Limits"): graph v50.0 and later; at most 75 graphs and 500 nodes per
// payload and per graph, depth 15, 15 different nodes (API version, HTTP
// method and object each make a node different), and after 14 failed graphs
// the rest are not processed. Nodes are sObject resources only ("Using a
// Composite Graph").
const (
	graphMinVersion       = 50
	maxDifferentNodes     = 15
	maxGraphFailures      = 14
	orderStatusMinVersion = 48 // OrderStatus (Object Reference, "OrderStatus")
)

var graphIDRe = regexp.MustCompile(`^[A-Za-z0-9]`)

func (c *call) graph(raw any) (int, any) {
	if !c.atLeast(graphMinVersion) {
		return errBody(errNotFound)
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return 400, jsonBodyError()
	}
	list, ok := m["graphs"].([]any)
	if !ok {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "JSON_PARSER_ERROR", Message: "graphs must be an array"}}
	}
	type graphIn struct {
		id   string
		reqs []subrequest
	}
	invalid := func(msg string) (int, any) {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: msg}}
	}
	var graphs []graphIn
	nodes := 0
	seen := map[string]bool{}
	kinds := map[string]bool{}
	for _, g := range list {
		gm, ok := g.(map[string]any)
		if !ok {
			return 400, jsonBodyError()
		}
		id, _ := gm["graphId"].(string)
		if id == "" || seen[id] {
			return invalid("each graph needs a unique graphId")
		}
		if !graphIDRe.MatchString(id) {
			return invalid("graphId " + id + " must start with an alphanumeric character")
		}
		seen[id] = true
		reqs, err := decodeSubrequests(gm["compositeRequest"])
		if err != nil {
			return errBody(err)
		}
		if len(reqs) > salesforce.MaxGraphNodes {
			return 400, []salesforce.ErrorDetail{{ErrorCode: "LIMIT_EXCEEDED", Message: fmt.Sprintf("Too many nodes in graph %s: %d (at most %d)", id, len(reqs), salesforce.MaxGraphNodes)}}
		}
		for _, sr := range reqs {
			kind, ok := graphNodeKind(sr)
			if !ok {
				return invalid(fmt.Sprintf("%s %s: a composite graph node must be an sObject resource (sobjects/{object}, sobjects/{object}/{id} or sobjects/{object}/{field}/{value})", sr.Method, sr.URL))
			}
			kinds[kind] = true
		}
		nodes += len(reqs)
		graphs = append(graphs, graphIn{id, reqs})
	}
	if len(graphs) > salesforce.MaxGraphs {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "LIMIT_EXCEEDED", Message: fmt.Sprintf("Too many graphs: %d (at most %d in one request)", len(graphs), salesforce.MaxGraphs)}}
	}
	maxNodes := salesforce.MaxGraphNodes
	if l := c.sim.faults.GraphNodeLimit; l > 0 {
		maxNodes = l
	}
	if nodes > maxNodes {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "LIMIT_EXCEEDED", Message: fmt.Sprintf("Too many nodes: %d (at most %d in one request)", nodes, maxNodes)}}
	}
	if len(kinds) > maxDifferentNodes {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "LIMIT_EXCEEDED", Message: fmt.Sprintf("Too many different nodes: %d (at most %d in one request; API version, HTTP method and object each make a node different)", len(kinds), maxDifferentNodes)}}
	}
	o := c.sim.org
	out := make([]map[string]any, 0, len(graphs))
	failures := 0
	for _, g := range graphs {
		resp := make([]map[string]any, len(g.reqs))
		ok := true
		switch {
		case failures >= maxGraphFailures:
			ok = false
			for i, sr := range g.reqs {
				resp[i] = subResponse(sr, 400, []salesforce.ErrorDetail{errHalted})
			}
		case graphDepth(g.reqs) > salesforce.MaxGraphDepth:
			ok = false
			for i, sr := range g.reqs {
				resp[i] = subResponse(sr, 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: fmt.Sprintf("Graph depth %d exceeds the limit of %d", graphDepth(g.reqs), salesforce.MaxGraphDepth)}})
			}
		case c.sim.lockRowDice():
			ok = false
			for i, sr := range g.reqs {
				resp[i] = subResponse(sr, 400, lockRowError())
			}
		default:
			mark := o.mark()
			res := results{}
			for i, sr := range g.reqs {
				if !ok {
					resp[i] = subResponse(sr, 400, []salesforce.ErrorDetail{errHalted})
					continue
				}
				status, body := c.run(sr, res)
				if status >= 400 {
					ok = false
					o.rollbackTo(mark)
					for j := range i {
						resp[j] = subResponse(g.reqs[j], 400, []salesforce.ErrorDetail{errHalted})
					}
				} else {
					res[sr.ReferenceID] = &answer{body: body}
				}
				resp[i] = subResponse(sr, status, body)
			}
		}
		if !ok {
			failures++
		}
		out = append(out, map[string]any{"graphId": g.id, "graphResponse": map[string]any{"compositeResponse": resp}, "isSuccessful": ok})
	}
	return 200, map[string]any{"graphs": out}
}

// graphNodeKind is what makes a graph node different from another: its API
// version, method and object. ok is false for a URL that is not an sObject
// resource, or a method that resource does not take in a graph.
func graphNodeKind(sr subrequest) (kind string, ok bool) {
	u, err := url.Parse(sr.URL)
	if err != nil {
		return "", false
	}
	version, path, ok := versionPath(u.EscapedPath())
	if !ok {
		return "", false
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] != "sobjects" || len(parts) < 2 || len(parts) > 4 {
		return "", false
	}
	method := strings.ToUpper(sr.Method)
	allowed := map[int]string{2: "POST", 3: "DELETE GET PATCH", 4: "DELETE GET PATCH POST"}[len(parts)]
	if !slices.Contains(strings.Fields(allowed), method) {
		return "", false
	}
	return version + " " + method + " " + strings.ToLower(parts[1]), true
}

// graphDepth is the longest chain of references among the nodes.
func graphDepth(reqs []subrequest) int {
	depth := map[string]int{}
	best := 0
	for _, sr := range reqs {
		d := 1
		for _, ref := range references(sr) {
			if depth[ref]+1 > d {
				d = depth[ref] + 1
			}
		}
		depth[sr.ReferenceID] = d
		best = max(best, d)
	}
	return best
}

func references(sr subrequest) []string {
	var refs []string
	collect := func(s string) {
		if !strings.Contains(s, "@{") {
			return
		}
		for _, m := range refRe.FindAllStringSubmatch(s, -1) {
			name, _, _ := strings.Cut(m[1], ".")
			refs = append(refs, name)
		}
	}
	collect(sr.URL)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			collect(x)
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(sr.Body)
	return refs
}

// collection serves /composite/sobjects[/{Type}/{ExtField}].
func (c *call) collection(method string, rest []string, q url.Values, raw any) (int, any) {
	o := c.sim.org
	limitErr := func(n int) (int, any) {
		return 400, []salesforce.ErrorDetail{{ErrorCode: "EXCEEDED_ID_LIMIT", Message: fmt.Sprintf("record limit reached. cannot submit more than %d records into this call (got %d)", salesforce.MaxCollection, n)}}
	}
	if method == http.MethodDelete && len(rest) == 0 {
		ids := strings.Split(q.Get("ids"), ",")
		if len(ids) > salesforce.MaxCollection {
			return limitErr(len(ids))
		}
		allOrNone := q.Get("allOrNone") == "true"
		return 200, c.eachRecord(len(ids), allOrNone, func(i int) (string, bool, *apiError) {
			sobject, rec := o.find(ids[i])
			if rec == nil {
				return ids[i], false, errNotFound
			}
			return rec.str("Id"), false, o.delete(sobject, ids[i])
		})
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return 400, jsonBodyError()
	}
	allOrNone, _ := m["allOrNone"].(bool)
	list, _ := m["records"].([]any)
	if len(list) > salesforce.MaxCollection {
		return limitErr(len(list))
	}
	recs := make([]map[string]any, len(list))
	types := make([]string, len(list))
	for i, r := range list {
		rm, ok := r.(map[string]any)
		if !ok {
			return 400, jsonBodyError()
		}
		attrs, _ := rm["attributes"].(map[string]any)
		types[i], _ = attrs["type"].(string)
		if types[i] == "" && len(rest) == 0 {
			return 400, []salesforce.ErrorDetail{{ErrorCode: "INVALID_INPUT", Message: "each record needs attributes.type"}}
		}
		recs[i] = maps.Clone(rm)
		delete(recs[i], "attributes")
	}
	switch {
	case method == http.MethodPost && len(rest) == 0:
		return 200, c.eachRecord(len(recs), allOrNone, func(i int) (string, bool, *apiError) {
			if _, has := recs[i]["Id"]; has {
				return "", false, badRequest("INVALID_FIELD", "cannot specify Id in an insert call", "Id")
			}
			id, err := o.insert(types[i], recs[i])
			return id, true, err
		})
	case method == http.MethodPatch && len(rest) == 0:
		return 200, c.eachRecord(len(recs), allOrNone, func(i int) (string, bool, *apiError) {
			id, _ := recs[i]["Id"].(string)
			if id == "" {
				return "", false, badRequest("MISSING_ARGUMENT", "Id not specified in an update call", "Id")
			}
			b := maps.Clone(recs[i])
			delete(b, "Id")
			return id, false, o.update(types[i], id, b)
		})
	case method == http.MethodPatch && len(rest) == 2:
		sobject, field := rest[0], rest[1]
		return 200, c.eachRecord(len(recs), allOrNone, func(i int) (string, bool, *apiError) {
			def := lookupObject(sobject)
			if def == nil || def.field(field) == nil {
				return "", false, badRequest("INVALID_FIELD", "no such external ID field "+field)
			}
			v, _ := recs[i][def.field(field).name].(string)
			if v == "" {
				return "", false, badRequest("MISSING_ARGUMENT", field+" not specified", field)
			}
			id, status, err := o.upsert(sobject, field, v, recs[i])
			if status == 300 {
				return "", false, fail(300, "DUPLICATE_EXTERNAL_ID", "A user-specified external ID matches more than one record during an upsert.", field)
			}
			return id, status == 201, err
		})
	}
	return 405, []salesforce.ErrorDetail{{ErrorCode: "METHOD_NOT_ALLOWED", Message: "HTTP Method '" + method + "' not allowed here"}}
}

// eachRecord runs f for every record of a collection call; with allOrNone
// one failure rolls all back.
func (c *call) eachRecord(n int, allOrNone bool, f func(i int) (id string, created bool, err *apiError)) []map[string]any {
	o := c.sim.org
	mark := o.mark()
	out := make([]map[string]any, n)
	failed := false
	for i := range n {
		sp := o.mark()
		id, created, err := f(i)
		if err != nil {
			o.rollbackTo(sp)
			failed = true
			errs := []map[string]any{}
			for _, d := range err.details {
				errs = append(errs, map[string]any{"statusCode": d.ErrorCode, "message": d.Message, "fields": orEmpty(d.Fields)})
			}
			out[i] = map[string]any{"success": false, "errors": errs}
			if id != "" && err.status != 404 {
				out[i]["id"] = id
			}
			continue
		}
		out[i] = map[string]any{"id": id, "success": true, "errors": []any{}, "created": created}
	}
	if failed && allOrNone {
		o.rollbackTo(mark)
		for i := range out {
			if out[i]["success"] == true {
				out[i] = map[string]any{"success": false, "errors": []map[string]any{{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
					"message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []string{}}}}
			}
		}
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
