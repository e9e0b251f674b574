package problem

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// secret stands for what a cause may hold and a body must never show: an
// address, an account, a message from inside.
const secret = "dial tcp 10.0.0.7:443 for arn:aws:iam::123456789012:role/gateway"

// TestWrite pins the wire form of every kind of error: its status, its
// headers, and its body byte for byte.
func TestWrite(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		requestID string
		// preset are headers the handler had set for the answer it meant
		// to give.
		preset     http.Header
		wantStatus int
		wantHeader http.Header
		// absent are headers the answer must not have.
		absent   []string
		wantBody string
	}{
		{
			name:       "client error",
			err:        New(http.StatusNotFound, CodeNotFound, "No route matches GET /nowhere."),
			requestID:  "req-1",
			wantStatus: http.StatusNotFound,
			absent:     []string{"Retry-After"},
			wantBody:   `{"type":"about:blank","title":"Not Found","status":404,"detail":"No route matches GET /nowhere.","code":"RouteNotFound","requestId":"req-1"}`,
		},
		{
			name:       "no request id",
			err:        New(http.StatusConflict, CodeDeletionProtected, "The pool is protected."),
			wantStatus: http.StatusConflict,
			wantBody:   `{"type":"about:blank","title":"Conflict","status":409,"detail":"The pool is protected.","code":"DeletionProtected"}`,
		},
		{
			name:       "internal error keeps its cause out",
			err:        Internal(errors.New(secret)),
			requestID:  "req-2",
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The gateway failed to handle the request. The failure was logged.","code":"InternalError","requestId":"req-2"}`,
		},
		{
			name:       "an error of another type is an internal error",
			err:        fmt.Errorf("reading the answer: %s", secret),
			requestID:  "req-3",
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The gateway failed to handle the request. The failure was logged.","code":"InternalError","requestId":"req-3"}`,
		},
		{
			name: "bad gateway keeps its cause out",
			err: &Error{Status: http.StatusBadGateway, Code: CodeUpstream,
				Detail: "Cognito did not answer.", Cause: errors.New(secret)},
			requestID:  "req-4",
			wantStatus: http.StatusBadGateway,
			wantBody:   `{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"Cognito did not answer.","code":"CognitoUnavailable","requestId":"req-4"}`,
		},
		{
			name:       "a wrapped problem is itself",
			err:        fmt.Errorf("while listing: %w", New(http.StatusBadRequest, "InvalidParameterException", "Limit is too large.")),
			requestID:  "req-5",
			wantStatus: http.StatusBadRequest,
			wantBody:   `{"type":"about:blank","title":"Bad Request","status":400,"detail":"Limit is too large.","code":"InvalidParameterException","requestId":"req-5"}`,
		},
		{
			name: "retry after",
			err: &Error{Status: http.StatusTooManyRequests, Code: CodeThrottled,
				Detail: "Too many requests.", RetryAfter: 3},
			requestID:  "req-6",
			wantStatus: http.StatusTooManyRequests,
			wantHeader: http.Header{"Retry-After": {"3"}},
			wantBody:   `{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"Too many requests.","code":"GatewayThrottled","requestId":"req-6"}`,
		},
		{
			name: "no retry after when not positive",
			err: &Error{Status: http.StatusTooManyRequests, Code: CodeThrottled,
				Detail: "Too many requests.", RetryAfter: -1},
			requestID:  "req-7",
			wantStatus: http.StatusTooManyRequests,
			absent:     []string{"Retry-After"},
			wantBody:   `{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"Too many requests.","code":"GatewayThrottled","requestId":"req-7"}`,
		},
		{
			name: "extra headers",
			err: &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
				Detail: "PATCH is not allowed here.", Header: http.Header{"Allow": {"GET, HEAD, POST"}}},
			requestID:  "req-8",
			wantStatus: http.StatusMethodNotAllowed,
			wantHeader: http.Header{"Allow": {"GET, HEAD, POST"}},
			wantBody:   `{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"PATCH is not allowed here.","code":"MethodNotAllowed","requestId":"req-8"}`,
		},
		{
			name: "a 412 carries the current ETag, not the handler's",
			err: &Error{Status: http.StatusPreconditionFailed, Code: CodePrecondition,
				Detail: "The pool changed.", Header: http.Header{"Etag": {`"current"`}}},
			requestID:  "req-9",
			preset:     http.Header{"Etag": {`"meant"`}, "Location": {"/pools/us-east-1_a"}},
			wantStatus: http.StatusPreconditionFailed,
			wantHeader: http.Header{"Etag": {`"current"`}},
			absent:     []string{"Location"},
			wantBody:   `{"type":"about:blank","title":"Precondition Failed","status":412,"detail":"The pool changed.","code":"PreconditionFailed","requestId":"req-9"}`,
		},
		{
			name:       "the handler's ETag and Location do not describe an error",
			err:        New(http.StatusBadRequest, CodeValidation, "Bad."),
			requestID:  "req-10",
			preset:     http.Header{"Etag": {`"meant"`}, "Location": {"/pools/us-east-1_a"}, "X-Request-Id": {"req-10"}},
			wantStatus: http.StatusBadRequest,
			wantHeader: http.Header{"X-Request-Id": {"req-10"}},
			absent:     []string{"Etag", "Location"},
			wantBody:   `{"type":"about:blank","title":"Bad Request","status":400,"detail":"Bad.","code":"ValidationFailed","requestId":"req-10"}`,
		},
		{
			name: "violations",
			err: Validation([]Violation{
				{Pointer: "/PoolName", Message: "value is too short"},
				{Parameter: "Limit", Message: "must be at most 60"},
			}),
			requestID:  "req-11",
			wantStatus: http.StatusBadRequest,
			wantBody: `{"type":"about:blank","title":"Bad Request","status":400,"detail":"The request does not match the API description.","code":"ValidationFailed","requestId":"req-11",` +
				`"errors":[{"pointer":"/PoolName","message":"value is too short"},{"parameter":"Limit","message":"must be at most 60"}]}`,
		},
		{
			name:       "omitted violations are counted",
			err:        &Error{Status: http.StatusBadRequest, Code: CodeValidation, Detail: "Too many.", Violations: []Violation{{Pointer: "/a", Message: "m"}}, Omitted: 7},
			requestID:  "req-12",
			wantStatus: http.StatusBadRequest,
			wantBody:   `{"type":"about:blank","title":"Bad Request","status":400,"detail":"Too many.","code":"ValidationFailed","requestId":"req-12","errors":[{"pointer":"/a","message":"m"}],"errorsOmitted":7}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			for k, vs := range tt.preset {
				w.Header()[k] = vs
			}
			Write(w, tt.requestID, tt.err)

			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			want := http.Header{"Content-Type": {ContentType}, "Cache-Control": {"no-store"}}
			for k, vs := range tt.wantHeader {
				want[k] = vs
			}
			for k, vs := range want {
				if got := w.Header().Values(k); strings.Join(got, "\n") != strings.Join(vs, "\n") {
					t.Errorf("%s: %q, want %q", k, got, vs)
				}
			}
			for _, k := range tt.absent {
				if got := w.Header().Values(k); len(got) > 0 {
					t.Errorf("%s: %q, want none", k, got)
				}
			}
			if got := w.Body.String(); got != tt.wantBody+"\n" {
				t.Errorf("body\n got %s\nwant %s", got, tt.wantBody)
			}
			if strings.Contains(w.Body.String(), "10.0.0.7") || strings.Contains(w.Body.String(), "123456789012") {
				t.Errorf("the body shows the cause: %s", w.Body)
			}
		})
	}
}

// TestErrorKeepsItsCauseForTheLog: the cause a body leaves out is what the
// log line shows and what errors.Is finds.
func TestErrorKeepsItsCauseForTheLog(t *testing.T) {
	cause := errors.New("connection reset")
	tests := []struct {
		err  *Error
		want string
	}{
		{New(http.StatusNotFound, CodeNotFound, "No route."), "404 RouteNotFound: No route."},
		{Internal(cause), "500 InternalError: The gateway failed to handle the request. The failure was logged.: connection reset"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(Internal(cause), cause) {
		t.Error("errors.Is does not find the cause of an Internal error")
	}
	if p := As(fmt.Errorf("outer: %w", cause)); p.Status != http.StatusInternalServerError || !errors.Is(p, cause) {
		t.Errorf("As of a plain error: %v", p)
	}
}

// TestViolationsAreBounded: an answer lists at most MaxViolations, and at
// most maxViolationText of their text, each field cut at maxFieldText; the
// rest are counted.
func TestViolationsAreBounded(t *testing.T) {
	long := strings.Repeat("é", maxFieldText) // two bytes a character
	tests := []struct {
		name        string
		add         []Violation
		omit        int
		wantListed  int
		wantOmitted int
		wantDetail  string
	}{
		{
			name:       "none",
			wantDetail: "The request does not match the API description.",
		},
		{
			name:       "one names itself",
			add:        []Violation{{Pointer: "/PoolName", Message: "value is too short"}},
			wantListed: 1, wantDetail: "value is too short",
		},
		{
			name:       "one listed and some omitted",
			add:        []Violation{{Pointer: "/PoolName", Message: "value is too short"}},
			omit:       4,
			wantListed: 1, wantOmitted: 4, wantDetail: "The request does not match the API description.",
		},
		{
			name:       "at the count",
			add:        repeat(Violation{Pointer: "/a", Message: "m"}, MaxViolations),
			wantListed: MaxViolations, wantDetail: "The request does not match the API description.",
		},
		{
			name:       "past the count",
			add:        repeat(Violation{Pointer: "/a", Message: "m"}, MaxViolations+150),
			wantListed: MaxViolations, wantOmitted: 150, wantDetail: "The request does not match the API description.",
		},
		{
			// Cut, the three fields make 1024+1023+1023 bytes (an "é" is
			// not split), so 16 violations hold 49,136 bytes, under the
			// 49,152 of maxViolationText, and the 17th fills it.
			name:       "past the text",
			add:        repeat(Violation{Pointer: "/" + long, Parameter: long, Message: long}, 40),
			wantListed: 17, wantOmitted: 23, wantDetail: "The request does not match the API description.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Violations
			for _, violation := range tt.add {
				v.Add(violation)
			}
			v.Omit(tt.omit)
			p := v.Problem()
			if len(p.Violations) != tt.wantListed || p.Omitted != tt.wantOmitted {
				t.Errorf("listed %d, omitted %d; want %d, %d", len(p.Violations), p.Omitted, tt.wantListed, tt.wantOmitted)
			}
			if got := v.Len(); got != len(tt.add)+tt.omit {
				t.Errorf("Len %d, want %d", got, len(tt.add)+tt.omit)
			}
			if p.Status != http.StatusBadRequest || p.Code != CodeValidation || p.Detail != tt.wantDetail {
				t.Errorf("%d %s %q, want 400 %s %q", p.Status, p.Code, p.Detail, CodeValidation, tt.wantDetail)
			}
			text := 0
			for _, violation := range p.Violations {
				for _, field := range []string{violation.Pointer, violation.Parameter, violation.Message} {
					text += len(field)
					if len(field) > maxFieldText || !utf8.ValidString(field) {
						t.Fatalf("a field of %d bytes (valid UTF-8: %v)", len(field), utf8.ValidString(field))
					}
				}
			}
			if text-maxViolationText >= 3*maxFieldText {
				t.Errorf("%d bytes of text listed, bound %d", text, maxViolationText)
			}
			if got := Validation(tt.add); len(got.Violations) != tt.wantListed || got.Omitted != tt.wantOmitted-tt.omit {
				t.Errorf("Validation listed %d, omitted %d; want %d, %d", len(got.Violations), got.Omitted, tt.wantListed, tt.wantOmitted-tt.omit)
			}
		})
	}
}

// TestViolationsCutLongFields: a field past maxFieldText is cut on a
// character boundary and ends with "…"; a shorter one is kept whole.
func TestViolationsCutLongFields(t *testing.T) {
	tests := []struct {
		name, field string
		wantCut     bool
	}{
		{"short", "/UserAttributes/0/Name", false},
		{"at the bound", strings.Repeat("a", maxFieldText), false},
		{"one past", strings.Repeat("a", maxFieldText+1), true},
		{"multibyte", strings.Repeat("€", maxFieldText), true}, // three bytes a character
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Violations
			v.Add(Violation{Pointer: tt.field, Parameter: tt.field, Message: tt.field})
			got := v.Problem().Violations[0]
			for _, field := range []string{got.Pointer, got.Parameter, got.Message} {
				if !tt.wantCut {
					if field != tt.field {
						t.Errorf("cut to %d bytes, want it whole", len(field))
					}
					continue
				}
				if len(field) > maxFieldText || !strings.HasSuffix(field, "…") || !utf8.ValidString(field) ||
					!strings.HasPrefix(tt.field, strings.TrimSuffix(field, "…")) {
					t.Errorf("cut to %d bytes %q…, want at most %d, a prefix, valid UTF-8, ending in …", len(field), field[:8], maxFieldText)
				}
			}
		})
	}
}

// TestFullSparesBuilding: Full turns true exactly when an added violation
// would only be counted.
func TestFullSparesBuilding(t *testing.T) {
	var v Violations
	for i := range MaxViolations {
		if v.Full() {
			t.Fatalf("full after %d violations", i)
		}
		v.Add(Violation{Pointer: "/a", Message: "m"})
	}
	if !v.Full() {
		t.Fatalf("not full after %d violations", MaxViolations)
	}
}

func repeat(v Violation, n int) []Violation {
	list := make([]Violation, n)
	for i := range list {
		list[i] = v
	}
	return list
}
