package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Salesforce's limits on batched requests.
const (
	MaxCollection        = 200 // records per sObject collections call
	MaxCompositeRequests = 25  // subrequests per composite call
	MaxCompositeQueries  = 5   // of which queries (Query, QueryAll, query more)
	MaxGraphs            = 75  // graphs per composite graph call
	MaxGraphNodes        = 500 // nodes per composite graph payload
	MaxGraphDepth        = 15
)

// Collection calls. Each counts as one API call however many records it
// carries. Records carry "attributes": {"type": …}.

// CreateCollection inserts up to 200 records.
func (c *Client) CreateCollection(ctx context.Context, allOrNone bool, records []Record) ([]SaveResult, error) {
	return c.collection(ctx, http.MethodPost, "/composite/sobjects", allOrNone, records)
}

// UpdateCollection updates up to 200 records (each with "Id").
func (c *Client) UpdateCollection(ctx context.Context, allOrNone bool, records []Record) ([]SaveResult, error) {
	return c.collection(ctx, http.MethodPatch, "/composite/sobjects", allOrNone, records)
}

// UpsertCollection upserts up to 200 records of one type by an external ID field.
func (c *Client) UpsertCollection(ctx context.Context, sobject, extField string, allOrNone bool, records []Record) ([]SaveResult, error) {
	return c.collection(ctx, http.MethodPatch, "/composite/sobjects/"+url.PathEscape(sobject)+"/"+url.PathEscape(extField), allOrNone, records)
}

// DeleteCollection deletes up to 200 records by ID.
func (c *Client) DeleteCollection(ctx context.Context, allOrNone bool, ids []string) ([]SaveResult, error) {
	path := fmt.Sprintf("/composite/sobjects?allOrNone=%t&ids=%s", allOrNone, url.QueryEscape(strings.Join(ids, ",")))
	r, err := c.do(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return nil, err
	}
	var out []SaveResult
	return out, decode(r, "DELETE", path, &out)
}

func (c *Client) collection(ctx context.Context, method, path string, allOrNone bool, records []Record) ([]SaveResult, error) {
	if len(records) > MaxCollection {
		return nil, fmt.Errorf("salesforce: %d records in one collection; at most %d", len(records), MaxCollection)
	}
	r, err := c.do(ctx, method, path, map[string]any{"allOrNone": allOrNone, "records": records})
	if err != nil {
		return nil, err
	}
	var out []SaveResult
	return out, decode(r, method, path, &out)
}

// Subrequest is one request of a composite call or graph. URL is relative to
// the instance ("/services/data/v62.0/sobjects/Order/"); Builder fills it.
type Subrequest struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	ReferenceID string `json:"referenceId"`
	Body        any    `json:"body,omitempty"`
}

// SubResponse is one subrequest's answer.
type SubResponse struct {
	Body           json.RawMessage `json:"body"`
	HTTPStatusCode int             `json:"httpStatusCode"`
	ReferenceID    string          `json:"referenceId"`
}

// OK reports whether the subrequest succeeded.
func (r SubResponse) OK() bool { return r.HTTPStatusCode < 300 }

// Errors decodes a failed subrequest's errors.
func (r SubResponse) Errors() []ErrorDetail {
	var ds []ErrorDetail
	if json.Unmarshal(r.Body, &ds) != nil {
		var one ErrorDetail
		if json.Unmarshal(r.Body, &one) == nil && one.Code() != "" {
			return []ErrorDetail{one}
		}
	}
	return ds
}

// Result decodes a successful create or upsert answer.
func (r SubResponse) Result() SaveResult {
	var s SaveResult
	json.Unmarshal(r.Body, &s)
	if s.ID != "" {
		s.Success = true
	}
	return s
}

// Composite runs up to 25 subrequests in one call; later ones may refer to
// earlier results as @{referenceId.field}.
func (c *Client) Composite(ctx context.Context, allOrNone bool, reqs []Subrequest) ([]SubResponse, error) {
	if len(reqs) > MaxCompositeRequests {
		return nil, fmt.Errorf("salesforce: %d subrequests in one composite call; at most %d", len(reqs), MaxCompositeRequests)
	}
	if n := countQueries(reqs); n > MaxCompositeQueries {
		return nil, fmt.Errorf("salesforce: %d queries in one composite call; at most %d", n, MaxCompositeQueries)
	}
	r, err := c.do(ctx, http.MethodPost, "/composite", map[string]any{"allOrNone": allOrNone, "compositeRequest": reqs})
	if err != nil {
		return nil, err
	}
	var out struct {
		CompositeResponse []SubResponse `json:"compositeResponse"`
	}
	return out.CompositeResponse, decode(r, "POST", "/composite", &out)
}

// countQueries counts the subrequests that are queries: Query, QueryAll or
// the next page of either.
func countQueries(reqs []Subrequest) int {
	n := 0
	for _, r := range reqs {
		if IsQueryURL(r.URL) {
			n++
		}
	}
	return n
}

// IsQueryURL reports whether a subrequest's URL is a query resource
// (/services/data/vNN.0/query or queryAll, with a SOQL or a page locator).
func IsQueryURL(u string) bool {
	parts := strings.SplitN(strings.TrimPrefix(u, "/"), "/", 5)
	if len(parts) < 4 {
		return false
	}
	res, _, _ := strings.Cut(parts[3], "?")
	return parts[0] == "services" && parts[1] == "data" && (res == "query" || res == "queryAll")
}

// Graph is one all-or-nothing set of subrequests in a composite graph call.
type Graph struct {
	GraphID          string       `json:"graphId"`
	CompositeRequest []Subrequest `json:"compositeRequest"`
}

// GraphResult is one graph's outcome.
type GraphResult struct {
	GraphID       string `json:"graphId"`
	GraphResponse struct {
		CompositeResponse []SubResponse `json:"compositeResponse"`
	} `json:"graphResponse"`
	IsSuccessful bool `json:"isSuccessful"`
}

// Responses are the graph's subrequest answers.
func (g GraphResult) Responses() []SubResponse { return g.GraphResponse.CompositeResponse }

// Response returns the answer to the subrequest with referenceID.
func (g GraphResult) Response(referenceID string) (SubResponse, bool) {
	for _, r := range g.Responses() {
		if r.ReferenceID == referenceID {
			return r, true
		}
	}
	return SubResponse{}, false
}

// Failure describes why a graph failed: the errors of the subrequests that
// failed for a reason of their own, not those rolled back because of them.
func (g GraphResult) Failure() []ErrorDetail {
	var out []ErrorDetail
	for _, r := range g.Responses() {
		if r.OK() {
			continue
		}
		for _, d := range r.Errors() {
			if d.Code() != "PROCESSING_HALTED" {
				out = append(out, d)
			}
		}
	}
	return out
}

// Graph runs composite graphs: each graph is all or nothing; one graph
// failing does not affect the others. Limits: 75 graphs, 500 nodes in all.
func (c *Client) Graph(ctx context.Context, graphs []Graph) ([]GraphResult, error) {
	nodes := 0
	for _, g := range graphs {
		nodes += len(g.CompositeRequest)
	}
	if len(graphs) > MaxGraphs || nodes > MaxGraphNodes {
		return nil, fmt.Errorf("salesforce: %d graphs with %d nodes in one call; at most %d graphs and %d nodes", len(graphs), nodes, MaxGraphs, MaxGraphNodes)
	}
	r, err := c.do(ctx, http.MethodPost, "/composite/graph", map[string]any{"graphs": graphs})
	if err != nil {
		return nil, err
	}
	var out struct {
		Graphs []GraphResult `json:"graphs"`
	}
	return out.Graphs, decode(r, "POST", "/composite/graph", &out)
}

// Builder assembles the subrequests of a graph or composite call with URLs
// of the client's API version.
type Builder struct {
	base string
	reqs []Subrequest
}

// NewBuilder starts an empty set of subrequests.
func (c *Client) NewBuilder() *Builder { return &Builder{base: "/services/data/v" + c.version} }

// Ref is the reference to the ID a subrequest produced: "@{ref.id}".
func Ref(referenceID string) string { return "@{" + referenceID + ".id}" }

// Create adds an insert.
func (b *Builder) Create(ref, sobject string, body Record) *Builder {
	return b.add(http.MethodPost, sobjectPath(sobject)+"/", ref, body)
}

// Upsert adds an upsert by external ID.
func (b *Builder) Upsert(ref, sobject, extField, value string, body Record) *Builder {
	return b.add(http.MethodPatch, sobjectPath(sobject, extField, value), ref, body)
}

// Update adds an update of the record id, which may be a Ref.
func (b *Builder) Update(ref, sobject, id string, body Record) *Builder {
	return b.add(http.MethodPatch, "/sobjects/"+url.PathEscape(sobject)+"/"+id, ref, body)
}

// Delete adds a delete of the record id.
func (b *Builder) Delete(ref, sobject, id string) *Builder {
	return b.add(http.MethodDelete, "/sobjects/"+url.PathEscape(sobject)+"/"+id, ref, nil)
}

// Query adds a SOQL query (its first page: up to 2,000 records).
func (b *Builder) Query(ref, soql string) *Builder {
	return b.add(http.MethodGet, "/query?q="+url.QueryEscape(soql), ref, nil)
}

// Describe adds an sObject's describe.
func (b *Builder) Describe(ref, sobject string) *Builder {
	return b.add(http.MethodGet, sobjectPath(sobject, "describe"), ref, nil)
}

// Get adds a read of the record id, which may be a Ref.
func (b *Builder) Get(ref, sobject, id string, fields ...string) *Builder {
	path := "/sobjects/" + url.PathEscape(sobject) + "/" + id
	if len(fields) > 0 {
		path += "?fields=" + strings.Join(fields, ",")
	}
	return b.add(http.MethodGet, path, ref, nil)
}

func (b *Builder) add(method, path, ref string, body Record) *Builder {
	sr := Subrequest{Method: method, URL: b.base + path, ReferenceID: ref}
	if body != nil {
		// Encoded now: a batch holds thousands of bodies until it sends
		// them, and the JSON is a third of the map's size. A body that
		// does not encode stays as it is, for the call to report.
		sr.Body = body
		if raw, err := json.Marshal(body); err == nil {
			sr.Body = json.RawMessage(raw)
		}
	}
	b.reqs = append(b.reqs, sr)
	return b
}

// Len is the number of subrequests so far.
func (b *Builder) Len() int { return len(b.reqs) }

// Requests returns the subrequests.
func (b *Builder) Requests() []Subrequest { return b.reqs }

// Graph returns the subrequests as a graph.
func (b *Builder) Graph(id string) Graph { return Graph{GraphID: id, CompositeRequest: b.reqs} }
