package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// LambdaFunc answers one API Gateway REST proxy event (LambdaHandler).
type LambdaFunc func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// runtimeAPIVersion is the Lambda Runtime API's only version.
const runtimeAPIVersion = "2018-06-01"

// ServeLambda answers the invocations of the Lambda Runtime API at
// AWS_LAMBDA_RUNTIME_API with f until ctx ends (the API function's f takes
// API Gateway events, the job worker's SQS events), then returns nil; it
// returns an error when the Runtime API fails or f panics, after which
// Lambda starts a fresh process.
//
// It does what aws-lambda-go's lambda.Start does for this one handler type
// (the invocation's deadline, the trace id the SDK passes on to Cognito,
// AWS_LAMBDA_MAX_CONCURRENCY loops, a function error for an event that is
// not JSON), but it reads getenv and stops with ctx: lambda.Start reads the
// process's environment, never returns and exits the process on any
// failure, which no test can run in-process. Like lambda.Start, it installs
// no signal handler.
func ServeLambda[Event, Response any](ctx context.Context, getenv func(string) string, f func(context.Context, Event) (Response, error)) error {
	api := getenv("AWS_LAMBDA_RUNTIME_API")
	if api == "" {
		return errors.New("AWS_LAMBDA_RUNTIME_API is not set")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// The Runtime API is link-local: no proxy a function configures applies.
	transport.Proxy = nil
	rt := runtimeAPI[Event, Response]{
		base:   "http://" + api + "/" + runtimeAPIVersion + "/runtime/invocation/",
		client: &http.Client{Transport: transport},
		f:      f,
	}
	defer transport.CloseIdleConnections()
	concurrency, err := strconv.Atoi(getenv("AWS_LAMBDA_MAX_CONCURRENCY"))
	if err != nil || concurrency < 1 {
		concurrency = 1
	}
	if concurrency == 1 {
		// One invocation at a time: the SDK's recursion detection reads
		// the invocation's trace id from the process's environment.
		rt.setTraceID = true
		return rt.loop(ctx)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			if err := rt.loop(ctx); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

type runtimeAPI[Event, Response any] struct {
	base       string
	client     *http.Client
	f          func(context.Context, Event) (Response, error)
	setTraceID bool
}

// loop answers invocations one after the other until ctx ends.
func (rt runtimeAPI[Event, Response]) loop(ctx context.Context) error {
	for {
		id, header, event, err := rt.next(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if err := rt.invoke(ctx, id, header, event); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// next waits for the next invocation.
func (rt runtimeAPI[Event, Response]) next(ctx context.Context) (id string, header http.Header, event []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rt.base+"next", nil)
	if err != nil {
		return "", nil, nil, err
	}
	resp, err := rt.client.Do(req)
	if err != nil {
		return "", nil, nil, fmt.Errorf("the Runtime API's next invocation: %w", err)
	}
	defer resp.Body.Close()
	event, err = io.ReadAll(resp.Body)
	if err != nil {
		return "", nil, nil, fmt.Errorf("the Runtime API's next invocation: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, nil, fmt.Errorf("the Runtime API's next invocation: status %d", resp.StatusCode)
	}
	return resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), resp.Header, event, nil
}

// invoke answers one invocation: f's response, or a function error when
// the invocation cannot be handed to f. A panic in f is reported as a
// function error too, and then ends the loop.
func (rt runtimeAPI[Event, Response]) invoke(ctx context.Context, id string, header http.Header, raw []byte) (err error) {
	ms, parseErr := strconv.ParseInt(header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if parseErr != nil {
		return rt.fail(ctx, id, "Runtime.InvalidDeadline", "the invocation has no valid Lambda-Runtime-Deadline-Ms")
	}
	ctx, cancel := context.WithDeadline(ctx, time.UnixMilli(ms))
	defer cancel()
	if rt.setTraceID {
		_ = os.Setenv("_X_AMZN_TRACE_ID", header.Get("Lambda-Runtime-Trace-Id"))
	}
	var event Event
	if err := json.Unmarshal(raw, &event); err != nil {
		return rt.fail(ctx, id, "Runtime.UnmarshalError", err.Error())
	}
	defer func() {
		if p := recover(); p != nil {
			failErr := rt.fail(ctx, id, "Runtime.Panic", fmt.Sprint(p))
			err = errors.Join(fmt.Errorf("the handler panicked: %v", p), failErr)
		}
	}()
	resp, err := rt.f(ctx, event)
	if err != nil {
		return rt.fail(ctx, id, "Runtime.HandlerError", err.Error())
	}
	var body bytes.Buffer
	encoder := json.NewEncoder(&body)
	// As aws-lambda-go encodes answers: a body's HTML stays as it is.
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(resp); err != nil {
		return rt.fail(ctx, id, "Runtime.MarshalError", err.Error())
	}
	return rt.post(ctx, id+"/response", &body)
}

// fail reports a function error for the invocation id.
func (rt runtimeAPI[Event, Response]) fail(ctx context.Context, id, errorType, message string) error {
	body, err := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{message, errorType})
	if err != nil {
		return err
	}
	return rt.post(ctx, id+"/error", bytes.NewReader(body))
}

func (rt runtimeAPI[Event, Response]) post(ctx context.Context, path string, body io.Reader) error {
	// The answer is sent even when the invocation's deadline has passed:
	// only the Runtime API decides that it is too late.
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, rt.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rt.client.Do(req)
	if err != nil {
		return fmt.Errorf("posting %s to the Runtime API: %w", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("posting %s to the Runtime API: status %d", path, resp.StatusCode)
	}
	return nil
}
