package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrorDetail is one error Salesforce reports. REST answers name the code
// errorCode; collections and composite graph bodies name it statusCode.
type ErrorDetail struct {
	ErrorCode  string   `json:"errorCode,omitempty"`
	StatusCode string   `json:"statusCode,omitempty"`
	Message    string   `json:"message"`
	Fields     []string `json:"fields,omitempty"`
}

// Code is the error's code, whichever key carried it.
func (d ErrorDetail) Code() string {
	if d.ErrorCode != "" {
		return d.ErrorCode
	}
	return d.StatusCode
}

// APIError is a failed REST call: the HTTP status and every error in the body.
type APIError struct {
	Method, Path string
	HTTPStatus   int
	Errors       []ErrorDetail
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "salesforce: %s %s: %d", e.Method, e.Path, e.HTTPStatus)
	for i, d := range e.Errors {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s: %s", d.Code(), d.Message)
		if len(d.Fields) > 0 {
			fmt.Fprintf(&b, " (fields %s)", strings.Join(d.Fields, ", "))
		}
	}
	return b.String()
}

// Message is Salesforce's own wording, for admins: "CODE: message; …".
func (e *APIError) Message() string { return detailsMessage(e.Errors) }

func detailsMessage(ds []ErrorDetail) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		// As Salesforce's own tools and connectors print it:
		// "<message>, fields [Status]".
		m := d.Message
		if len(d.Fields) > 0 {
			m += ", fields [" + strings.Join(d.Fields, ", ") + "]"
		}
		parts = append(parts, d.Code()+": "+m)
	}
	return strings.Join(parts, "; ")
}

// HasCode reports whether any error in the body carries code.
func (e *APIError) HasCode(code string) bool {
	for _, d := range e.Errors {
		if d.Code() == code {
			return true
		}
	}
	return false
}

// AuthError is a refused OAuth token request.
type AuthError struct {
	HTTPStatus  int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("salesforce: login refused (%d): %s: %s", e.HTTPStatus, e.Code, e.Description)
}

// ErrMultipleMatches is returned by Upsert when the external ID matches
// more than one record (HTTP 300).
var ErrMultipleMatches = errors.New("salesforce: the external ID matches more than one record")

// Codes of retryable errors.
var retryableCodes = []string{"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "REQUEST_RUNNING_TOO_LONG"}

// IsRetryable reports whether err may succeed if tried again later
// unchanged: a row lock, a 5xx, a network failure or a timeout. Limit errors
// are not included: see IsLimit.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		if api.HTTPStatus >= 500 {
			return true
		}
		for _, c := range retryableCodes {
			if api.HasCode(c) {
				return true
			}
		}
		return false
	}
	var auth *AuthError
	if errors.As(err, &auth) {
		return auth.HTTPStatus >= 500
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errTransport)
}

// IsLimit reports whether err is Salesforce's API request limit.
func IsLimit(err error) bool {
	var api *APIError
	return errors.As(err, &api) && api.HasCode("REQUEST_LIMIT_EXCEEDED")
}

// IsDailyLimit reports whether err is the daily (rolling 24 h) request limit,
// as opposed to the concurrent long-request limit.
func IsDailyLimit(err error) bool {
	var api *APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, d := range api.Errors {
		if d.Code() == "REQUEST_LIMIT_EXCEEDED" && strings.Contains(d.Message, "TotalRequests") {
			return true
		}
	}
	return false
}

// IsAuth reports whether err is a login or session failure.
func IsAuth(err error) bool {
	var auth *AuthError
	if errors.As(err, &auth) {
		return true
	}
	var api *APIError
	return errors.As(err, &api) && (api.HTTPStatus == 401 || api.HasCode("INVALID_SESSION_ID"))
}

// IsFinal reports whether err is a validation error that will fail again
// until data or settings change.
func IsFinal(err error) bool {
	var api *APIError
	return errors.As(err, &api) && !IsRetryable(err) && !IsLimit(err) && !IsAuth(err)
}

// errTransport marks a response that broke off or could not be read.
var errTransport = errors.New("salesforce: transport error")
