package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	core.EINVALID:      http.StatusUnprocessableEntity,
	core.ENOTFOUND:     http.StatusNotFound,
	core.ECONFLICT:     http.StatusConflict,
	core.EUNAUTHORIZED: http.StatusUnauthorized,
	core.EFORBIDDEN:    http.StatusForbidden,
	core.EUNAVAILABLE:  http.StatusServiceUnavailable,
	core.EINTERNAL:     http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem detail with Yingji's stable code and, for
// validation errors, every field that was wrong.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Code   string            `json:"code"`
	Detail string            `json:"detail"`
	Errors []core.FieldError `json:"errors,omitempty"`
	// Limit names the limit a 413 or 429 answer hit.
	Limit string `json:"limit,omitempty"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeProblem(w, Problem{Type: "https://yingji.dev/problems/" + he.code, Title: http.StatusText(he.status), Status: he.status,
			Code: he.code, Detail: he.detail, Limit: he.limit})
		return
	}
	code := core.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == core.EINTERNAL {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p := Problem{
		Type:   "https://yingji.dev/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: core.ErrorMessage(err),
		Errors: core.ErrorFields(err),
	}
	// a sign-in refused during a lockout says when to try again.
	if le := (*auth.LockedError)(nil); errors.As(err, &le) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(le.Wait.Seconds()))))
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	if err := enc.Encode(v); err != nil {
		slog.Default().Warn("write response", "err", err)
	}
}

// readBody reads the request body, refusing more than max bytes.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	done := bodyDeadline(w, r)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	done(err)
	if e := bodyError(err); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, core.Invalid("body", "could not be read: %v", err)
	}
	return body, nil
}

// decodeJSON reads a JSON body into v, rejecting unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, 1<<20)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return core.Invalid("body", "malformed JSON: %v", err)
	}
	return nil
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func formFile(r *http.Request, name string) ([]byte, error) {
	f, _, err := r.FormFile(name)
	if err != nil {
		return nil, core.Invalid(name, "is required as a file part")
	}
	defer f.Close()
	const limit = 64 << 20
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		if e := tooLarge(err); e != nil {
			return nil, e
		}
		return nil, core.Invalid(name, "could not be read: %v", err)
	}
	if len(data) > limit {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large", limit: byteSize(limit),
			detail: fmt.Sprintf("the part %q is larger than the limit of %s", name, byteSize(limit))}
	}
	return data, nil
}
