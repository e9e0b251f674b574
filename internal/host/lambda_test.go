package host

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/eventstest"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
	"github.com/acme/cognito-admin-gateway/openapi"
)

const poolID = eventstest.PoolID

func readEvent(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	_, event := eventstest.Read(t, name)
	return event
}

// newGateway is the gateway in front of stub, logging to logger if it is
// not nil.
func newGateway(t *testing.T, stub *cognitotest.Server, logger *slog.Logger) http.Handler {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(stub.Client(), doc, gateway.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLambdaEvents replays every event of events/ through the handler. Each
// is answered as eventstest says, with exactly one access line; the
// malformed ones too, with a 400 instead of a function error, and none of
// their secrets in the log.
func TestLambdaEvents(t *testing.T) {
	eventstest.CheckEveryEventHasACase(t)
	var logs bytes.Buffer
	handler := LambdaHandler(newGateway(t, eventstest.StandIn(t), slog.New(slog.NewJSONHandler(&logs, nil))))
	checker := spectest.New(t)
	for _, c := range eventstest.Cases {
		t.Run(c.Event, func(t *testing.T) {
			logs.Reset()
			event := readEvent(t, c.Event)
			resp, err := handler(context.Background(), event)
			if err != nil {
				t.Fatalf("function error: %v", err)
			}
			eventstest.Check(t, checker, c, event, resp)
			access := 0
			for line := range strings.Lines(logs.String()) {
				if strings.Contains(line, `"msg":"request"`) {
					access++
					if want := fmt.Sprintf(`"status":%d`, c.Status); !strings.Contains(line, want) {
						t.Errorf("the access line lacks %s: %s", want, line)
					}
				}
			}
			if access != 1 {
				t.Errorf("%d access lines, want 1:\n%s", access, logs.String())
			}
			if c.Secret != "" && strings.Contains(logs.String(), c.Secret) {
				t.Errorf("the log carries the secret:\n%s", logs.String())
			}
		})
	}
}

// TestLambdaCallerComesFromTheRequestContext: a client can send the
// adapter's X-GoLambdaProxy-* headers; they must never reach the handler, and
// the caller must come from API Gateway's request context.
func TestLambdaCallerComesFromTheRequestContext(t *testing.T) {
	var seen invocation.Info
	var headers http.Header
	handler := LambdaHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = invocation.From(r.Context())
		headers = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	}))
	if _, err := handler(context.Background(), readEvent(t, "forged-proxy-header")); err != nil {
		t.Fatal(err)
	}
	for k := range headers {
		if strings.HasPrefix(strings.ToLower(k), "x-golambdaproxy-") {
			t.Errorf("forged header %s reached the handler", k)
		}
	}
	want := invocation.Info{
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		CallerARN: "arn:aws:iam::123456789012:user/operator",
		AccessKey: "AKIAEXAMPLEOPERATOR",
		SourceIP:  "203.0.113.10",
		BasePath:  "/v1",
	}
	if seen != want {
		t.Errorf("invocation %+v, want %+v", seen, want)
	}
}

func TestLambdaKeepsADeadlineMargin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	outer, _ := ctx.Deadline()
	var inner time.Time
	handler := LambdaHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner, _ = r.Context().Deadline()
		w.WriteHeader(http.StatusNoContent)
	}))
	if _, err := handler(ctx, readEvent(t, "get-pool")); err != nil {
		t.Fatal(err)
	}
	if got := outer.Sub(inner); got != LambdaSafetyMargin {
		t.Errorf("margin %v, want %v", got, LambdaSafetyMargin)
	}
}

// TestLocalCallerAndDeadline: outside Lambda the caller is "local" and each
// request gets REQUEST_TIMEOUT as its deadline.
func TestLocalCallerAndDeadline(t *testing.T) {
	var seen invocation.Info
	var left time.Duration
	h := Local(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = invocation.From(r.Context())
		deadline, _ := r.Context().Deadline()
		left = time.Until(deadline)
	}), 3*time.Second)
	req := httptestRequest(t)
	req.Header.Set("X-GoLambdaProxy-ApiGw-Context", `{"identity":{"userArn":"forged"}}`)
	h.ServeHTTP(discard{}, req)
	if seen.CallerARN != "local" || seen.SourceIP != "192.0.2.1" {
		t.Errorf("invocation %+v", seen)
	}
	if left <= 2*time.Second || left > 3*time.Second {
		t.Errorf("deadline in %v, want about 3s", left)
	}
}

func httptestRequest(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", "http://127.0.0.1/pools", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.RemoteAddr = "192.0.2.1:5555"
	return req
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// TestLambdaAnswersUncompressed: API Gateway REST hands a body the function
// marks base64 to the client as base64 text, unless the API lists binary
// media types, so in Lambda the /docs files go out as they are, whatever
// Accept-Encoding asks; API Gateway compresses them (MinimumCompressionSize).
func TestLambdaAnswersUncompressed(t *testing.T) {
	handler := LambdaHandler(newGateway(t, eventstest.StandIn(t), nil))
	event := readEvent(t, "get-pool")
	event.Path, event.Resource = "/docs/redoc.standalone.js.LICENSE.txt", "/docs/{asset}"
	event.PathParameters = map[string]string{"asset": "redoc.standalone.js.LICENSE.txt"}
	event.Headers = map[string]string{"accept-encoding": "gzip, deflate"}
	event.MultiValueHeaders = map[string][]string{"Accept-Encoding": {"gzip", "br"}}
	resp, err := handler(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	encoding := resp.Headers["Content-Encoding"] + strings.Join(resp.MultiValueHeaders["Content-Encoding"], ",")
	if resp.StatusCode != http.StatusOK || resp.IsBase64Encoded || encoding != "" || !strings.Contains(resp.Body, "MIT") {
		t.Errorf("status %d, base64 %v, Content-Encoding %q, body %.80q", resp.StatusCode, resp.IsBase64Encoded, encoding, resp.Body)
	}
}
