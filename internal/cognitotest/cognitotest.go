// Package cognitotest is a stand-in Cognito for tests: an httptest server
// that speaks Cognito's JSON-RPC protocol (POST / with X-Amz-Target and an
// application/x-amz-json-1.1 body). Tests script each action's answer as the
// Cognito API reference documents it and assert the exact input the gateway
// sent. Use it for what moto does not implement, and for faults.
//
// Beside makes it stateful instead: it holds, per pool, what moto lacks
// (threat protection, log delivery, tags, UI customization, managed-login
// branding, terms) and forwards every other action to a moto server, so
// that one endpoint serves a pool that uses every feature.
package cognitotest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

const targetPrefix = "AWSCognitoIdentityProviderService."

// Call is one request the stand-in received.
type Call struct {
	Action string
	Input  map[string]any
	// Body is the input as sent, for what Input's float64 numbers would
	// round: a document's 12345678901234567890, say.
	Body   []byte
	Header http.Header
	// Refused is set on the write RefuseWrite turned away: it reached the
	// stand-in, not the state.
	Refused bool
}

// Handler answers one action: an HTTP status and a JSON body.
type Handler func(input map[string]any) (status int, body any)

// Server is the stand-in.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	calls    []Call
	handlers map[string]Handler
	fallback Handler
	// forward is the moto endpoint that unhandled actions go to (Forward,
	// Beside).
	forward string
	// writes counts the writes received; the one numbered refuseAt (when
	// not zero) is answered with refusal.
	writes   int
	refuseAt int
	refusal  Handler
}

// New starts a stand-in that answers every unscripted action with
// InternalErrorException, and stops it when the test ends.
func New(tb testing.TB) *Server {
	s := &Server{handlers: map[string]Handler{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Handle scripts the answer to action.
func (s *Server) Handle(action string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[action] = h
}

// HandleOthers scripts the answer to every action without its own handler.
func (s *Server) HandleOthers(h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = h
}

// Reply is a Handler that always answers 200 with body.
func Reply(body any) Handler {
	return func(map[string]any) (int, any) { return http.StatusOK, body }
}

// Fail is a Handler that answers with a Cognito error.
func Fail(status int, code, message string) Handler {
	return func(map[string]any) (int, any) {
		return status, map[string]any{"__type": code, "message": message}
	}
}

// RefuseWrite makes the nth write from now (1 is the next one) fail with
// a Cognito error, without reaching the state or moto: a fault in the middle
// of a sequence of writes. Reads (Describe, Get, List, with or without the
// Admin prefix) are not counted.
func (s *Server) RefuseWrite(n, status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseAt = s.writes + n
	s.refusal = Fail(status, code, message)
}

// IsWrite reports whether action changes Cognito's state, as RefuseWrite
// counts it.
func IsWrite(action string) bool {
	name := strings.TrimPrefix(action, "Admin")
	for _, read := range []string{"Describe", "Get", "List"} {
		if strings.HasPrefix(name, read) {
			return false
		}
	}
	return true
}

// Calls returns what the stand-in received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Client is an SDK client pointed at the stand-in, with retries off so that
// a scripted failure is seen once.
func (s *Server) Client() *cip.Client {
	return cip.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	raw, _ := io.ReadAll(r.Body)
	var input map[string]any
	_ = json.Unmarshal(raw, &input)
	s.mu.Lock()
	call := Call{Action: action, Input: input, Body: raw, Header: r.Header.Clone()}
	h := s.handlers[action]
	if h == nil {
		h = s.fallback
	}
	if IsWrite(action) {
		s.writes++
		if s.writes == s.refuseAt {
			h, call.Refused = s.refusal, true
		}
	}
	s.calls = append(s.calls, call)
	forward := s.forward
	s.mu.Unlock()
	if h == nil && forward != "" {
		relay(w, forward, action, raw, r.Header)
		return
	}
	status, body := http.StatusInternalServerError, any(map[string]any{
		"__type": "InternalErrorException", "message": "cognitotest: no answer scripted for " + action})
	if h != nil {
		status, body = h(input)
	}
	reply(w, status, body)
}

// reply writes an answer as Cognito does: its content type, a request ID
// the SDK reads into its errors, and the JSON body.
func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "cognitotest")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
