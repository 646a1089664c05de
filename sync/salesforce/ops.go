package salesforce

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Record is an sObject's fields as JSON gives them.
type Record map[string]any

// String returns a string field, or "".
func (r Record) String(field string) string {
	s, _ := r[field].(string)
	return s
}

// Children returns the records of a child subquery (rel as in
// "(SELECT … FROM OrderItems)"); none when Salesforce answered null.
func (r Record) Children(rel string) []Record {
	sub, _ := r[rel].(map[string]any)
	raw, _ := sub["records"].([]any)
	out := make([]Record, 0, len(raw))
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, Record(m))
		}
	}
	return out
}

// SaveResult is the answer to a create, an upsert or one collection record.
type SaveResult struct {
	ID      string        `json:"id"`
	Success bool          `json:"success"`
	Errors  []ErrorDetail `json:"errors"`
	Created bool          `json:"created"`
}

func sobjectPath(sobject string, parts ...string) string {
	p := "/sobjects/" + url.PathEscape(sobject)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// Create inserts a record and returns its ID.
func (c *Client) Create(ctx context.Context, sobject string, fields Record) (string, error) {
	path := sobjectPath(sobject) + "/"
	r, err := c.do(ctx, http.MethodPost, path, fields)
	if err != nil {
		return "", err
	}
	var res SaveResult
	if err := decode(r, "POST", path, &res); err != nil {
		return "", err
	}
	return res.ID, nil
}

// Get reads a record; with no fields, all of them.
func (c *Client) Get(ctx context.Context, sobject, id string, fields ...string) (Record, error) {
	path := sobjectPath(sobject, id)
	if len(fields) > 0 {
		path += "?fields=" + url.QueryEscape(strings.Join(fields, ","))
	}
	r, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var rec Record
	return rec, decode(r, "GET", path, &rec)
}

// Update changes fields of a record.
func (c *Client) Update(ctx context.Context, sobject, id string, fields Record) error {
	_, err := c.do(ctx, http.MethodPatch, sobjectPath(sobject, id), fields)
	return err
}

// Delete removes a record.
func (c *Client) Delete(ctx context.Context, sobject, id string) error {
	_, err := c.do(ctx, http.MethodDelete, sobjectPath(sobject, id), nil)
	return err
}

// Upsert creates or updates the record whose external ID field holds value.
func (c *Client) Upsert(ctx context.Context, sobject, extField, value string, fields Record) (SaveResult, error) {
	path := sobjectPath(sobject, extField, value)
	r, err := c.do(ctx, http.MethodPatch, path, fields)
	if err != nil {
		return SaveResult{}, err
	}
	if r.status == http.StatusMultipleChoices {
		return SaveResult{}, fmt.Errorf("%w: %s.%s = %q", ErrMultipleMatches, sobject, extField, value)
	}
	var res SaveResult
	if err := decode(r, "PATCH", path, &res); err != nil {
		return SaveResult{}, err
	}
	if r.status == http.StatusNoContent { // older API versions answer an update with 204
		res.Success = true
	}
	return res, nil
}

// QueryResult is one page of a SOQL query.
type QueryResult struct {
	TotalSize      int      `json:"totalSize"`
	Done           bool     `json:"done"`
	NextRecordsURL string   `json:"nextRecordsUrl"`
	Records        []Record `json:"records"`
}

// Query runs a SOQL query and returns every record, following
// nextRecordsUrl page by page.
func (c *Client) Query(ctx context.Context, soql string) ([]Record, error) {
	var out []Record
	err := c.QueryEach(ctx, soql, func(page []Record) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// QueryEach runs a SOQL query and calls f with each page of records.
func (c *Client) QueryEach(ctx context.Context, soql string, f func([]Record) error) error {
	return c.pages(ctx, "/query?q="+url.QueryEscape(soql), f)
}

// Queries runs several SOQL queries, up to MaxCompositeQueries in one
// composite call (which counts as one API call), and returns each one's
// records in order; a query with more than a page goes on page by page.
func (c *Client) Queries(ctx context.Context, soqls []string) ([][]Record, error) {
	out := make([][]Record, 0, len(soqls))
	for chunk := range slices.Chunk(soqls, MaxCompositeQueries) {
		b := c.NewBuilder()
		for i, q := range chunk {
			b.Query("q"+strconv.Itoa(i), q)
		}
		resp, err := c.Composite(ctx, false, b.Requests())
		if err != nil {
			return nil, err
		}
		if len(resp) != len(chunk) {
			return nil, fmt.Errorf("salesforce: %d answers to %d queries", len(resp), len(chunk))
		}
		for _, r := range resp {
			if !r.OK() {
				return nil, &APIError{HTTPStatus: r.HTTPStatusCode, Errors: r.Errors()}
			}
			var page QueryResult
			if err := json.Unmarshal(r.Body, &page); err != nil {
				return nil, fmt.Errorf("salesforce: query answer: %w", err)
			}
			recs := page.Records
			if !page.Done && page.NextRecordsURL != "" {
				err := c.pages(ctx, page.NextRecordsURL, func(more []Record) error {
					recs = append(recs, more...)
					return nil
				})
				if err != nil {
					return nil, err
				}
			}
			out = append(out, recs)
		}
	}
	return out, nil
}

// pages reads a query's pages from path on, following nextRecordsUrl.
func (c *Client) pages(ctx context.Context, path string, f func([]Record) error) error {
	for {
		r, err := c.do(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		var page QueryResult
		if err := decode(r, "GET", path, &page); err != nil {
			return err
		}
		if err := f(page.Records); err != nil {
			return err
		}
		if page.Done || page.NextRecordsURL == "" {
			return nil
		}
		path = page.NextRecordsURL // verbatim, as Salesforce asks
	}
}

// Field is one field of a describe result.
type Field struct {
	Name           string          `json:"name"`
	Label          string          `json:"label"`
	Type           string          `json:"type"`
	Length         int             `json:"length"`
	Nillable       bool            `json:"nillable"`
	Createable     bool            `json:"createable"`
	Updateable     bool            `json:"updateable"`
	ExternalID     bool            `json:"externalId"`
	Unique         bool            `json:"unique"`
	ReferenceTo    []string        `json:"referenceTo"`
	PicklistValues []PicklistValue `json:"picklistValues"`
	Restricted     bool            `json:"restrictedPicklist"`
	ControllerName string          `json:"controllerName"` // of a dependent picklist
}

// DependentValues maps each value of the controlling picklist to the
// values of the dependent one valid for it. validFor is a base64 bitmap of
// the controller's value indexes, most significant bit first (SOAP API
// Developer Guide, "PicklistEntry").
func DependentValues(controller, dependent Field) map[string][]PicklistValue {
	out := map[string][]PicklistValue{}
	for _, v := range dependent.PicklistValues {
		s, _ := v.ValidFor.(string)
		bits, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			continue
		}
		for i, c := range controller.PicklistValues {
			if i/8 < len(bits) && bits[i/8]&(0x80>>(i%8)) != 0 {
				out[c.Value] = append(out[c.Value], v)
			}
		}
	}
	return out
}

// PicklistValue is one value of a picklist field.
type PicklistValue struct {
	Active       bool   `json:"active"`
	DefaultValue bool   `json:"defaultValue"`
	Label        string `json:"label"`
	ValidFor     any    `json:"validFor"`
	Value        string `json:"value"`
}

// Describe is an sObject's metadata.
type Describe struct {
	Name      string  `json:"name"`
	Label     string  `json:"label"`
	KeyPrefix string  `json:"keyPrefix"`
	Fields    []Field `json:"fields"`
}

// Field returns the named field.
func (d *Describe) Field(name string) (Field, bool) {
	for _, f := range d.Fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// Describe reads an sObject's metadata.
func (c *Client) Describe(ctx context.Context, sobject string) (*Describe, error) {
	path := sobjectPath(sobject, "describe")
	r, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var d Describe
	return &d, decode(r, "GET", path, &d)
}

// OrderStatus is one value of Order.Status with its category.
type OrderStatus struct {
	APIName     string `json:"ApiName"`
	MasterLabel string `json:"MasterLabel"`
	StatusCode  string `json:"StatusCode"` // "Draft" or "Activated"
	SortOrder   int    `json:"SortOrder"`
	IsDefault   bool   `json:"IsDefault"`
}

// OrderStatuses lists the org's Order status values and their categories.
func (c *Client) OrderStatuses(ctx context.Context) ([]OrderStatus, error) {
	recs, err := c.Query(ctx, OrderStatusQuery)
	if err != nil {
		return nil, err
	}
	return ParseOrderStatuses(recs), nil
}

// OrderStatusQuery reads the org's Order statuses (API v48.0 and later).
const OrderStatusQuery = "SELECT ApiName, MasterLabel, StatusCode, SortOrder, IsDefault FROM OrderStatus ORDER BY SortOrder"

// ParseOrderStatuses reads the records of OrderStatusQuery.
func ParseOrderStatuses(recs []Record) []OrderStatus {
	out := make([]OrderStatus, 0, len(recs))
	for _, r := range recs {
		s := OrderStatus{APIName: r.String("ApiName"), MasterLabel: r.String("MasterLabel"), StatusCode: r.String("StatusCode")}
		if n, ok := r["SortOrder"].(float64); ok {
			s.SortOrder = int(n)
		}
		s.IsDefault, _ = r["IsDefault"].(bool)
		out = append(out, s)
	}
	return out
}

// Limit is one entry of the /limits resource.
type Limit struct {
	Max       int `json:"Max"`
	Remaining int `json:"Remaining"`
}

// Limits reads the org's limits, e.g. "DailyApiRequests".
func (c *Client) Limits(ctx context.Context) (map[string]Limit, error) {
	r, err := c.do(ctx, http.MethodGet, "/limits", nil)
	if err != nil {
		return nil, err
	}
	var out map[string]Limit
	return out, decode(r, "GET", "/limits", &out)
}
