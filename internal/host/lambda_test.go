package host

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
	"github.com/acme/cognito-admin-gateway/openapi"
)

const poolID = "us-east-1_Example1"

func readEvent(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var event events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &event); err != nil {
		t.Fatal(err)
	}
	return event
}

// standInCognito answers the pool actions the events need.
func standInCognito(t *testing.T) *cognitotest.Server {
	stub := cognitotest.New(t)
	pool := map[string]any{"UserPool": map[string]any{"Id": poolID, "Name": "example", "DeletionProtection": "ACTIVE"}}
	stub.Handle("DescribeUserPool", func(in map[string]any) (int, any) {
		if in["UserPoolId"] != poolID {
			return 400, map[string]any{"__type": "ResourceNotFoundException", "message": "User pool does not exist."}
		}
		return 200, pool
	})
	stub.Handle("UpdateUserPool", cognitotest.Reply(map[string]any{}))
	stub.Handle("CreateUserPool", cognitotest.Reply(pool))
	stub.Handle("ListUserPools", cognitotest.Reply(map[string]any{
		"UserPools": []any{map[string]any{"Id": poolID, "Name": "example"}}, "NextToken": "more"}))
	stub.Handle("AdminGetUser", func(in map[string]any) (int, any) {
		return 200, map[string]any{"Username": in["Username"], "Enabled": true, "UserStatus": "CONFIRMED"}
	})
	stub.Handle("AdminDeleteUserAttributes", func(in map[string]any) (int, any) {
		names, _ := json.Marshal(in["UserAttributeNames"])
		if string(names) != `["nickname","custom:tenant"]` {
			return 400, map[string]any{"__type": "InvalidParameterException", "message": "got " + string(names)}
		}
		return 200, map[string]any{}
	})
	return stub
}

func newGateway(t *testing.T, stub *cognitotest.Server) http.Handler {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(stub.Client(), doc, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// checkAgainstSpec validates a proxy response as the HTTP answer it stands for.
func checkAgainstSpec(t *testing.T, checker *spectest.Checker, event events.APIGatewayProxyRequest, resp events.APIGatewayProxyResponse) {
	t.Helper()
	path := strings.TrimPrefix(event.Path, "/"+event.RequestContext.Stage+"/")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := &url.URL{Path: path}
	if unescaped, err := url.PathUnescape(path); err == nil {
		u = &url.URL{Path: unescaped, RawPath: path}
	}
	req := &http.Request{Method: event.HTTPMethod, URL: u, Header: http.Header{}}
	header := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		header.Set(k, v)
	}
	checker.Check(t, req, resp.StatusCode, header, []byte(resp.Body))
}

func TestLambdaEvents(t *testing.T) {
	cases := []struct {
		event  string
		status int
		header map[string]string // substrings of header values
		body   []string
	}{
		{"get-pool", 200, map[string]string{"ETag": `"`}, []string{`"Id":"` + poolID}},
		{"get-pool-encoded-path", 200, nil, []string{`"Id":"` + poolID}},
		{"stage-in-path", 200, nil, []string{`"Id":"` + poolID}},
		{"list-pools-multi-value-query", 200, map[string]string{"Link": "</v1/pools?Limit=1&NextToken="}, []string{`"UserPools"`}},
		{"patch-pool", 200, map[string]string{"ETag": `"`}, []string{`"DeletionProtection":"ACTIVE"`}},
		{"create-pool-base64-body", 201, map[string]string{"Location": "/v1/pools/" + poolID}, nil},
		{"forged-proxy-header", 200, nil, nil},
		{"get-user-encoded-username", 200, nil, []string{`"Username":"Müller.O'Brien+ops/a?b"`}},
		{"delete-user-attributes-multi-value", 204, nil, nil},
	}
	stub := standInCognito(t)
	handler := LambdaHandler(newGateway(t, stub))
	checker := spectest.New(t)
	for _, c := range cases {
		t.Run(c.event, func(t *testing.T) {
			event := readEvent(t, c.event)
			resp, err := handler(context.Background(), event)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, resp.Body)
			}
			for k, want := range c.header {
				k = http.CanonicalHeaderKey(k)
				got := resp.Headers[k] + strings.Join(resp.MultiValueHeaders[k], ",")
				if !strings.Contains(got, want) {
					t.Errorf("%s: %q lacks %q", k, got, want)
				}
			}
			for _, want := range c.body {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("body lacks %q: %s", want, resp.Body)
				}
			}
			checkAgainstSpec(t, checker, event, resp)
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
	handler := LambdaHandler(newGateway(t, standInCognito(t)))
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
