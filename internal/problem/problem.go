// Package problem owns the gateway's one error type and its encoding as
// RFC 9457 problem details (application/problem+json).
//
// Every failure a client can see is an *Error. The Detail is written for the
// client; the Cause is only ever logged. Server-side failures (5xx) never carry
// a Cause's text in the body: their Detail is fixed by the constructor.
package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// ContentType is the media type of every error body.
const ContentType = "application/problem+json"

// Violation is one reason a request was rejected. Pointer is an RFC 6901 JSON
// pointer into the request body; Parameter names a path, query or header
// parameter. One of them is set.
type Violation struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Message   string `json:"message"`
}

// Error is the gateway's error. Code is Cognito's exception name when Cognito
// refused the call, or one of the gateway's own codes below.
type Error struct {
	Status     int
	Code       string
	Detail     string
	Violations []Violation
	// Omitted counts the violations left out of Violations, past
	// MaxViolations or the bound on their text.
	Omitted int
	// RetryAfter, in seconds, becomes a Retry-After header when positive.
	RetryAfter int
	// Header carries extra response headers, such as Allow on a 405.
	Header http.Header
	// CognitoCode is Cognito's exception name when Cognito refused the call,
	// for the audit trail.
	CognitoCode string
	// Cause is logged, never sent.
	Cause error
}

// The gateway's own codes, for failures that are not Cognito's.
const (
	CodeValidation       = "ValidationFailed"
	CodeNotFound         = "RouteNotFound"
	CodeMethodNotAllowed = "MethodNotAllowed"
	CodeUnsupportedMedia = "UnsupportedMediaType"
	CodeMalformedBody    = "MalformedBody"
	CodeMalformedRequest = "MalformedRequest"
	CodePrecondition     = "PreconditionFailed"
	CodeTooLarge         = "PayloadTooLarge"
	CodeThrottled        = "GatewayThrottled"
	CodeUnauthorized     = "Unauthorized"
	CodeForbidden        = "Forbidden"
	CodeInternal         = "InternalError"
	CodeUpstream         = "CognitoUnavailable"
	CodeTimeout          = "DeadlineExceeded"
	// CodeCredentials is a 502: AWS refused the gateway's own credentials or
	// role, which no change to the request can fix.
	CodeCredentials = "GatewayCredentialsRefused"
)

// CodeDeletionProtected is a DELETE of a pool whose DeletionProtection is
// ACTIVE, refused before DeleteUserPool is called: moto would delete it.
const CodeDeletionProtected = "DeletionProtected"

// CodeAmbiguousName is a pool configuration export that meets two items
// of one kind with one name: a document names items by name, so it could
// not tell them apart.
const CodeAmbiguousName = "AmbiguousName"

// CodeImpossibleChange is a configuration apply or clone whose plan holds
// a change Cognito cannot make: nothing is written.
const CodeImpossibleChange = "ImpossibleChange"

// CodeRenameRefused is a PUT that names another resource than the one its
// URL finds, such as a pool's domain, which Cognito cannot rename.
const CodeRenameRefused = "RenameRefused"

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Detail, e.Cause)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns a client error (4xx) whose detail the client may read.
func New(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// Internal is a 500 that tells the client nothing about the cause.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
		Detail: "The gateway failed to handle the request. The failure was logged.", Cause: cause}
}

// MaxViolations bounds the violations an answer lists. A body can break the
// spec in every one of ten thousand array items; listing them all would
// make an answer larger than anyone reads, and, past 6 MB, than Lambda may
// send. The rest are only counted.
const MaxViolations = 100

// The text of the violations an answer lists is bounded too, so that the
// whole answer stays under 64 KiB however long the names a body makes up:
// maxViolationText for all of them, and maxFieldText for one pointer,
// parameter or message, which is cut short past it.
const (
	maxViolationText = 48 << 10
	maxFieldText     = 1 << 10
)

// Violations collects the violations of one request, up to MaxViolations
// and maxViolationText, and counts the rest. The zero value is empty.
type Violations struct {
	list    []Violation
	text    int
	omitted int
}

// Full reports whether a violation added now would only be counted: a
// caller can then spare building it.
func (v *Violations) Full() bool {
	return len(v.list) >= MaxViolations || v.text >= maxViolationText
}

// Add adds one violation, or counts it if v is full.
func (v *Violations) Add(violation Violation) {
	if v.Full() {
		v.omitted++
		return
	}
	violation.Pointer = cut(violation.Pointer)
	violation.Parameter = cut(violation.Parameter)
	violation.Message = cut(violation.Message)
	v.text += len(violation.Pointer) + len(violation.Parameter) + len(violation.Message)
	v.list = append(v.list, violation)
}

// Omit counts n violations that were found and not added.
func (v *Violations) Omit(n int) { v.omitted += n }

// Len is the number of violations added or counted.
func (v *Violations) Len() int { return len(v.list) + v.omitted }

// Problem is the 400 listing v.
func (v *Violations) Problem() *Error {
	detail := "The request does not match the API description."
	if len(v.list) == 1 && v.omitted == 0 {
		detail = v.list[0].Message
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeValidation, Detail: detail,
		Violations: v.list, Omitted: v.omitted}
}

// cut shortens s to maxFieldText bytes, on a character boundary, marking
// the cut.
func cut(s string) string {
	if len(s) <= maxFieldText {
		return s
	}
	end := maxFieldText - len("…")
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}

// Validation is a 400 listing every violation at once, as Violations
// bounds them.
func Validation(violations []Violation) *Error {
	var v Violations
	for _, violation := range violations {
		v.Add(violation)
	}
	return v.Problem()
}

// As returns err as an *Error, turning anything else into an Internal error.
func As(err error) *Error {
	var p *Error
	if errors.As(err, &p) {
		return p
	}
	return Internal(err)
}

// body is the wire form. Field order follows RFC 9457's examples.
type body struct {
	Type      string      `json:"type"`
	Title     string      `json:"title"`
	Status    int         `json:"status"`
	Detail    string      `json:"detail,omitempty"`
	Code      string      `json:"code"`
	RequestID string      `json:"requestId,omitempty"`
	Errors    []Violation `json:"errors,omitempty"`
	// ErrorsOmitted counts the violations left out of Errors.
	ErrorsOmitted int `json:"errorsOmitted,omitempty"`
}

// Write sends err as problem+json. requestID ties the body to the logs.
func Write(w http.ResponseWriter, requestID string, err error) {
	p := As(err)
	h := w.Header()
	// What a handler set for the answer it meant to give does not describe
	// this one; what the problem carries, such as the current ETag of a
	// 412, does.
	h.Del("ETag")
	h.Del("Location")
	for k, vs := range p.Header {
		h[k] = vs
	}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(body{
		Type:      "about:blank",
		Title:     http.StatusText(p.Status),
		Status:    p.Status,
		Detail:    p.Detail,
		Code:      p.Code,
		RequestID: requestID,
		Errors:    p.Violations,
		// Set past the bounds of Violations only.
		ErrorsOmitted: p.Omitted,
	})
}
