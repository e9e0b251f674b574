package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/eventstest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// runtimeAPI is a loopback stand-in of the Lambda Runtime API: each GET
// .../invocation/next takes the next invocation queued on it, and each POST
// of a response or an error is passed on to results.
type runtimeAPI struct {
	*httptest.Server
	invocations chan invocation
	results     chan result
}

type invocation struct {
	id, traceID string
	event       []byte
}

type result struct {
	id, kind string
	body     []byte
}

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	api := &runtimeAPI{invocations: make(chan invocation), results: make(chan result)}
	const prefix = "/2018-06-01/runtime/invocation/"
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ok := strings.CutPrefix(r.URL.Path, prefix)
		switch {
		case ok && r.Method == http.MethodGet && path == "next":
			select {
			case inv := <-api.invocations:
				w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
				w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
				w.Header().Set("Lambda-Runtime-Trace-Id", inv.traceID)
				_, _ = w.Write(inv.event)
			case <-r.Context().Done():
			}
		case ok && r.Method == http.MethodPost:
			id, kind, _ := strings.Cut(path, "/")
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			api.results <- result{id: id, kind: kind, body: body}
		default:
			t.Errorf("the function sent %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

// awsEnv sets, for this test, the environment both builds read the AWS
// configuration from, with Cognito at endpoint: the local build's
// LoadDefaultConfig reads the process's environment, not run's getenv.
func awsEnv(t *testing.T, endpoint string) {
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_LAMBDA_RUNTIME_API": "", "COGNITO_RATE_LIMITS": "", "ALLOWED_POOL_IDS": "", "REQUEST_TIMEOUT": "",
		// A stand-in of Cognito alone has no jobs table, queue or bucket.
		"USER_JOBS": "off"} {
		t.Setenv(k, v)
	}
}

// start runs run in the background until the test ends, and returns its
// output and the channel its result arrives on.
func start(t *testing.T) (*syncBuffer, <-chan error, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout, done := &syncBuffer{}, make(chan error, 1)
	go func() { done <- run(ctx, []string{"bootstrap"}, os.Getenv, stdout, io.Discard) }()
	t.Cleanup(cancel)
	return stdout, done, cancel
}

// TestRunAnswersLambdaInvocationsUntilCancelled runs the program in-process
// in Lambda mode against a stand-in Runtime API: every REST proxy event in
// events/ is answered as internal/eventstest says, an event that is not
// JSON is a function error after which the next event is still answered,
// the invocation's trace id reaches Cognito, and run returns nil once its
// context ends.
func TestRunAnswersLambdaInvocationsUntilCancelled(t *testing.T) {
	api, cognito := newRuntimeAPI(t), eventstest.StandIn(t)
	awsEnv(t, cognito.URL)
	t.Setenv("AWS_LAMBDA_RUNTIME_API", strings.TrimPrefix(api.URL, "http://"))
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "gateway")
	t.Setenv("_X_AMZN_TRACE_ID", "") // the loop sets it; restored when the test ends
	stdout, done, cancel := start(t)
	invoke := func(inv invocation) result {
		t.Helper()
		select {
		case api.invocations <- inv:
		case err := <-done:
			t.Fatalf("run returned %v before invocation %s:\n%s", err, inv.id, stdout)
		}
		r := <-api.results
		if r.id != inv.id {
			t.Fatalf("an answer to %s, want one to %s", r.id, inv.id)
		}
		return r
	}

	checker := spectest.New(t)
	const traceID = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
	for i, c := range eventstest.Cases {
		raw, event := eventstest.Read(t, c.Event)
		r := invoke(invocation{id: fmt.Sprint("invocation-", i), traceID: traceID, event: raw})
		var resp events.APIGatewayProxyResponse
		if err := json.Unmarshal(r.body, &resp); err != nil || r.kind != "response" {
			t.Errorf("%s: a %s, %s", c.Event, r.kind, r.body)
			continue
		}
		eventstest.Check(t, checker, c, event, resp)
	}
	if r := invoke(invocation{id: "not-json", event: []byte("<event/>")}); r.kind != "error" ||
		!strings.Contains(string(r.body), `"errorType":"Runtime.UnmarshalError"`) {
		t.Errorf("an event that is not JSON: a %s, %s", r.kind, r.body)
	}
	getPool, _ := eventstest.Read(t, "get-pool")
	if r := invoke(invocation{id: "after", traceID: traceID, event: getPool}); r.kind != "response" {
		t.Errorf("the event after a function error: a %s, %s", r.kind, r.body)
	}
	for _, call := range cognito.Calls() {
		if got := call.Header.Get("X-Amzn-Trace-Id"); got != traceID {
			t.Errorf("%s reached Cognito with X-Amzn-Trace-Id %q, want the invocation's", call.Action, got)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run returned %v once its context ended", err)
	}
	if got := strings.Count(stdout.String(), `"msg":"request"`); got != len(eventstest.Cases)+1 {
		t.Errorf("%d access lines for %d events", got, len(eventstest.Cases)+1)
	}
}

// TestRunServesHTTPUntilCancelled runs the program in-process as the local
// server on a free port: it answers, and run returns nil once its context
// ends.
func TestRunServesHTTPUntilCancelled(t *testing.T) {
	awsEnv(t, eventstest.StandIn(t).URL)
	t.Setenv("LISTEN_ADDR", "127.0.0.1:0")
	stdout, done, cancel := start(t)
	listening := regexp.MustCompile(`"msg":"listening","url":"(http://[^"]+)"`)
	var base string
	for base == "" {
		select {
		case err := <-done:
			t.Fatalf("run returned %v before it listened:\n%s", err, stdout)
		case <-time.After(10 * time.Millisecond):
		}
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	resp, err := http.Get(base + "/pools/" + eventstest.PoolID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		t.Errorf("GET /pools/{poolId}: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run returned %v once its context ended", err)
	}
}

// TestRunLogsWhyItCannotStart: in either mode, a configuration that the
// gateway cannot start with is run's error, and its log line.
func TestRunLogsWhyItCannotStart(t *testing.T) {
	for _, runtimeAPI := range []string{"", "127.0.0.1:9"} {
		awsEnv(t, "http://127.0.0.1:9")
		t.Setenv("AWS_LAMBDA_RUNTIME_API", runtimeAPI)
		t.Setenv("REQUEST_TIMEOUT", "10")
		stdout, done, _ := start(t)
		err := <-done
		if err == nil || !strings.Contains(err.Error(), "REQUEST_TIMEOUT") ||
			!strings.Contains(stdout.String(), `"msg":"gateway stopped"`) {
			t.Errorf("runtime API %q: run returned %v, and logged %s", runtimeAPI, err, stdout)
		}
	}
}
