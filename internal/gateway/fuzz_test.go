package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// lockedBuffer is a log sink safe for the fuzzer's workers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) takePanic() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	found := strings.Contains(b.buf.String(), `"msg":"panic"`)
	b.buf.Reset()
	return found
}

// FuzzGateway feeds arbitrary requests through the whole handler. The
// stand-in Cognito refuses every call as a client error, as Cognito does for
// nonsense, so any 5xx is the gateway's own failure. Properties: no panic (the
// recovery layer's log line is the tell), no 5xx, every error is valid
// problem+json, and every answer keeps the spec's response contract.
//
// Its seed corpus runs in `make test`; `make fuzz` explores further.
func FuzzGateway(f *testing.F) {
	seeds := []struct{ method, path, query, contentType, auth, body string }{
		{"GET", "/pools", "Limit=10", "", "", ""},
		{"GET", "/pools", "Limit=1&Limit=2", "", "", ""},
		{"POST", "/pools", "", "application/json", "", `{"PoolName":"x","Policies":{"PasswordPolicy":{"MinimumLength":8}}}`},
		{"POST", "/pools", "", "application/json", "", `{"PoolName":1e309}`},
		{"PATCH", "/pools/us-east-1_Example1", "dryRun=true", "application/merge-patch+json", "", `{"UserPoolTags":{"a":null}}`},
		{"PUT", "/pools/us-east-1_Example1", "", "text/plain", "", `hello`},
		{"GET", "/pools/us-east-1_Example1/users", `Filter=email+%3D+%22a%22&AttributesToGet=email`, "", "", ""},
		{"GET", "/pools/us-east-1_Example1/users/M%C3%BCller%2Fa", "", "", "", ""},
		{"DELETE", "/pools/us-east-1_Example1/users/ann/attributes", "Names=a&Names=b", "", "", ""},
		{"PATCH", "/pools/us-east-1_Example1/groups/g", "", "application/json", "", `{"Precedence":-1}`},
		{"GET", "/pools/us-east-1_Example1/clients/abc/secret", "", "", "", ""},
		{"GET", "/me", "", "", "Bearer abc.def.ghi", ""},
		{"PATCH", "/me/attributes", "", "application/json", "Basic x", `{"UserAttributes":[]}`},
		{"GET", "/pools", "NextToken=%ff%fe", "", "", ""},
		{"POST", "/pools/%zz", "", "application/json", "", "\xff"},
		{"BREW", "/", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.contentType, s.auth, []byte(s.body))
	}
	stub := cognitotest.New(f)
	stub.HandleOthers(cognitotest.Fail(400, "InvalidParameterException", "refused by the stand-in"))
	var logs lockedBuffer
	g, err := New(stub.Client(), loadSpec(&testing.T{}), Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		f.Fatal(err)
	}
	checker := spectest.New(f)
	f.Fuzz(func(t *testing.T, method, path, query, contentType, auth string, body []byte) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(method, " \t\r\n") || method == "" {
			return // not something net/http would hand a handler
		}
		req := &http.Request{
			Method: method, URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{},
			Body: http.NoBody, Host: "gateway.test", RequestURI: path,
		}
		if raw, err := url.PathUnescape(path); err == nil {
			req.URL = &url.URL{Path: raw, RawPath: path, RawQuery: query}
		}
		if len(body) > 0 {
			req.Body = httpBody(body)
			req.ContentLength = int64(len(body))
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if logs.takePanic() {
			t.Fatalf("%s %s?%s panicked", method, path, query)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", method, path, query, rec.Code, rec.Body)
		}
		if rec.Code >= 300 {
			var p struct {
				Type, Title, Code string
				Status            int
			}
			if rec.Header().Get("Content-Type") != "application/problem+json" ||
				json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != rec.Code || p.Code == "" || p.Title == "" {
				t.Fatalf("%s %s: not problem+json: %d %q %s", method, path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
		checker.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
	})
}

func httpBody(b []byte) *bodyReader { return &bodyReader{Reader: bytes.NewReader(b)} }

type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }
