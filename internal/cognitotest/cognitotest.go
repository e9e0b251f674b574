// Package cognitotest is a stand-in Cognito for tests: an httptest server
// that speaks Cognito's JSON-RPC protocol (POST / with X-Amz-Target and an
// application/x-amz-json-1.1 body). Tests script each action's answer as the
// Cognito API reference documents it and assert the exact input the gateway
// sent. Use it for what moto does not implement, and for faults.
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
	forward  string // see Forward
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
	s.calls = append(s.calls, Call{Action: action, Input: input, Body: raw, Header: r.Header.Clone()})
	h := s.handlers[action]
	if h == nil {
		h = s.fallback
	}
	forward := s.forward
	s.mu.Unlock()
	if h == nil && forward != "" {
		forwarded(w, r, forward, raw)
		return
	}
	status, body := http.StatusInternalServerError, any(map[string]any{
		"__type": "InternalErrorException", "message": "cognitotest: no answer scripted for " + action})
	if h != nil {
		status, body = h(input)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "cognitotest")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
