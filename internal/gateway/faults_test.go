package gateway

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"go.uber.org/goleak"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// cognitoSecret stands for what Cognito may say about its own insides. It
// must never reach a client.
const cognitoSecret = "cell-7 shard db-internal-42 failed"

// faultyCognito is a stand-in Cognito whose behaviour a test switches
// between a healthy answer and one fault at a time.
type faultyCognito struct {
	*httptest.Server
	fault atomic.Value // string; "" answers DescribeUserPool normally
	calls atomic.Int32
	stop  chan struct{} // ends stalled handlers when the test does
}

func newFaultyCognito() *faultyCognito {
	f := &faultyCognito{stop: make(chan struct{})}
	f.fault.Store("")
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

func (f *faultyCognito) Close() {
	close(f.stop)
	f.Server.Close()
}

func (f *faultyCognito) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	fault := f.fault.Load().(string)
	answer := func(status int, body string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
	switch fault {
	case "":
		body, _ := json.Marshal(describedPool())
		answer(http.StatusOK, string(body))
	case "throttle":
		// A throttle is a client fault, whose message the gateway passes on
		// by design (README, Errors); Cognito's is "Rate exceeded".
		answer(http.StatusBadRequest, `{"__type": "TooManyRequestsException", "message": "Rate exceeded"}`)
	case "500":
		answer(http.StatusInternalServerError, `{"__type": "InternalErrorException", "message": "`+cognitoSecret+`"}`)
	case "malformed":
		answer(http.StatusOK, `{"UserPool": {"Id": "`+cognitoSecret)
	case "stall":
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
	case "reset":
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // a RST, not an orderly FIN
		}
		_ = conn.Close()
	}
}

func TestCognitoFaultsAnswerCleanly(t *testing.T) {
	// Cleanups run last-registered first: the servers and connections are
	// gone by the time goleak looks.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	stub := newFaultyCognito()
	t.Cleanup(stub.Close)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	client := cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(stub.URL),
		HTTPClient:   &http.Client{Transport: transport},
	}, cognito.Retries)
	g, err := New(client, loadSpec(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checker := spectest.New(t)
	get := func(t *testing.T, timeout time.Duration) *httptest.ResponseRecorder {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req := httptest.NewRequest(http.MethodGet, "/pools/"+poolID, nil).WithContext(ctx)
		return checker.Serve(t, g, req)
	}

	cases := []struct {
		fault  string
		status int
		code   string
	}{
		{"throttle", http.StatusTooManyRequests, "TooManyRequestsException"},
		{"500", http.StatusBadGateway, "InternalErrorException"},
		{"malformed", http.StatusBadGateway, "CognitoUnavailable"},
		{"stall", http.StatusGatewayTimeout, "DeadlineExceeded"},
		{"reset", http.StatusBadGateway, "CognitoUnavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			stub.fault.Store(tc.fault)
			stub.calls.Store(0)
			start := time.Now()
			rec := get(t, 300*time.Millisecond)
			elapsed := time.Since(start)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			var p struct{ Code string }
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != tc.code {
				t.Errorf("problem code %q, want %q; body %s", p.Code, tc.code, rec.Body)
			}
			if tc.status == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			// Neither Cognito's words nor the transport's (addresses, "EOF",
			// "connection reset by peer") reach the client.
			for _, leak := range []string{cognitoSecret, stub.Listener.Addr().String(), "EOF", "reset by peer", "context deadline"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("body leaks %q: %s", leak, rec.Body)
				}
			}
			if elapsed > time.Second {
				t.Errorf("answered after %v with a 300ms deadline", elapsed)
			}
			if n := stub.calls.Load(); n < 1 || n > cognito.MaxAttempts {
				t.Errorf("%d calls to Cognito, want 1 to %d", n, cognito.MaxAttempts)
			}

			stub.fault.Store("")
			if rec := get(t, 2*time.Second); rec.Code != http.StatusOK {
				t.Errorf("after the fault, a healthy Cognito gives %d: %s", rec.Code, rec.Body)
			}
		})
	}
}
