package host

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// serveLambda runs ServeLambda against the Runtime API stand-in next
// (GET .../next) and posted (every POST) with env, and returns the channel
// its result arrives on and the function that ends its context.
func serveLambda(t *testing.T, env map[string]string, next, posted http.HandlerFunc, f LambdaFunc) (<-chan error, context.CancelFunc) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			next(w, r)
			return
		}
		posted(w, r)
	}))
	t.Cleanup(api.Close)
	getenv := func(k string) string {
		if k == "AWS_LAMBDA_RUNTIME_API" {
			return strings.TrimPrefix(api.URL, "http://")
		}
		return env[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- ServeLambda(ctx, getenv, f) }()
	return done, cancel
}

func waitForCancel(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func answer(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// TestServeLambdaReturnsTheRuntimeAPIsFailure: when the Runtime API fails,
// ServeLambda returns, so that the process exits and Lambda starts another.
func TestServeLambdaReturnsTheRuntimeAPIsFailure(t *testing.T) {
	failing := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }
	done, _ := serveLambda(t, nil, failing, failing, answer)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "status 500") {
		t.Errorf("ServeLambda returned %v, want the Runtime API's 500", err)
	}
}

// TestServeLambdaReportsAPanicAndStops: a handler that panics gets its
// invocation a function error, and the loop stops, as lambda.Start's does.
func TestServeLambdaReportsAPanicAndStops(t *testing.T) {
	var handed atomic.Bool
	next := func(w http.ResponseWriter, r *http.Request) {
		if handed.Swap(true) {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "panics")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", "4102444800000")
		_, _ = io.WriteString(w, `{"httpMethod":"GET","path":"/health"}`)
	}
	reports := make(chan string, 1)
	posted := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		reports <- r.URL.Path + " " + string(body)
	}
	panics := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		panic("a bug")
	}
	done, _ := serveLambda(t, nil, next, posted, panics)
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "panicked: a bug") {
		t.Errorf("ServeLambda returned %v, want the panic", err)
	}
	if report := <-reports; !strings.HasSuffix(strings.Fields(report)[0], "/invocation/panics/error") ||
		!strings.Contains(report, `"errorType":"Runtime.Panic"`) {
		t.Errorf("the Runtime API got %s, want a function error for the invocation", report)
	}
}

// TestServeLambdaRunsAsManyLoopsAsLambdaAllows: with
// AWS_LAMBDA_MAX_CONCURRENCY, as many invocations are awaited at once, and
// every loop stops when the context ends.
func TestServeLambdaRunsAsManyLoopsAsLambdaAllows(t *testing.T) {
	const loops = 3
	waiting := make(chan struct{}, loops)
	next := func(w http.ResponseWriter, r *http.Request) {
		waiting <- struct{}{}
		<-r.Context().Done()
	}
	done, cancel := serveLambda(t, map[string]string{"AWS_LAMBDA_MAX_CONCURRENCY": "3"}, next, waitForCancel, answer)
	for i := range loops {
		select {
		case <-waiting:
		case err := <-done:
			t.Fatalf("ServeLambda returned %v with %d loops waiting", err, i)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d loops waited for an invocation, want %d", i, loops)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeLambda returned %v once its context ended", err)
	}
}
