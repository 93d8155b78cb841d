// Package core holds what every other package shares: errors with stable
// codes, the acting user carried in a context, and the clock type. It depends
// on the standard library only.
package core

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. They are part of the API: the HTTP layer maps each to a status
// in one table and clients may switch on them.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	EUNAVAILABLE  = "unavailable"
)

// FieldError is one problem with one input field, optionally in one row of
// a multi-row import (Row counts from 1; 0 means no row).
type FieldError struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (f FieldError) String() string {
	if f.Row > 0 {
		return fmt.Sprintf("row %d: %s: %s", f.Row, f.Field, f.Message)
	}
	return f.Field + ": " + f.Message
}

// Error is an application error a user may see. Anything that is not an
// *Error reaching the edge is reported as EINTERNAL without its text.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	if e.Message == "" {
		return strings.Join(parts, "; ")
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one field.
func Invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Fields: []FieldError{{Field: field, Message: msg}}}
}

// Problems collects field errors so that a request or an import reports all
// of them at once rather than the first.
type Problems []FieldError

// Add records a problem.
func (p *Problems) Add(row int, field, format string, args ...any) {
	*p = append(*p, FieldError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when there were no problems, otherwise an EINVALID *Error.
func (p Problems) Err(message string) error {
	if len(p) == 0 {
		return nil
	}
	// with no message of its own the error reads as its problems.
	return &Error{Code: EINVALID, Message: message, Fields: p}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic text so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// ErrorFields returns the field errors carried by err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
