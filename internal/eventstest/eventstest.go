// Package eventstest holds the API Gateway REST proxy events of events/ to
// what the gateway must answer to each, with the stand-in Cognito they
// need. The in-process test of the Lambda handler (internal/host) and the
// test of the built bootstrap under AWS's Runtime Interface Emulator
// (functions/api) replay the same files and check the same answers; a test
// fails if a file in events/ has no case here.
package eventstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// PoolID is the one pool the stand-in knows.
const PoolID = "us-east-1_Example1"

// Case is one event and what the answer to it must hold.
type Case struct {
	// Event is the file's name in events/, without ".json".
	Event  string
	Status int
	// Header holds substrings of header values, Body substrings of the body.
	Header map[string]string
	Body   []string
	// Secret, when set, must appear nowhere in what the gateway writes.
	Secret string
}

// Cases are every event in events/. The malformed ones are events that API
// Gateway would not send; the gateway must still answer them with a 400,
// never a function error.
var Cases = []Case{
	{Event: "get-pool", Status: 200, Header: map[string]string{"ETag": `"`}, Body: []string{`"Id":"` + PoolID}},
	// A HEAD is the GET without its body (internal/spectest holds it empty).
	{Event: "head-pool", Status: 200, Header: map[string]string{"ETag": `"`}},
	{Event: "get-pool-encoded-path", Status: 200, Body: []string{`"Id":"` + PoolID}},
	{Event: "stage-in-path", Status: 200, Body: []string{`"Id":"` + PoolID}},
	{Event: "list-pools-multi-value-query", Status: 200,
		Header: map[string]string{"Link": "</v1/pools?Limit=1&NextToken="}, Body: []string{`"UserPools"`}},
	{Event: "patch-pool", Status: 200, Header: map[string]string{"ETag": `"`}, Body: []string{`"DeletionProtection":"ACTIVE"`}},
	{Event: "create-pool-base64-body", Status: 201, Header: map[string]string{"Location": "/v1/pools/" + PoolID}},
	{Event: "forged-proxy-header", Status: 200},
	{Event: "get-user-encoded-username", Status: 200, Body: []string{`"Username":"Müller.O'Brien+ops/a?b"`}},
	{Event: "delete-user-attributes-multi-value", Status: 204},
	{Event: "malformed-base64-body", Status: 400,
		Header: map[string]string{"Content-Type": "application/problem+json", "X-Request-Id": "0b1f6a52-8d4e-4c0e-9a1d-5e3c7f0b9a01"},
		Body:   []string{`"code":"MalformedBody"`, `"requestId":"0b1f6a52-8d4e-4c0e-9a1d-5e3c7f0b9a01"`}},
	{Event: "control-character-path", Status: 400,
		Header: map[string]string{"Content-Type": "application/problem+json"},
		Body:   []string{`"code":"MalformedRequest"`, `"requestId":"0b1f6a52-8d4e-4c0e-9a1d-5e3c7f0b9a02"`},
		Secret: "LeakedAccessTokenSignature0123456789"},
	{Event: "invalid-method", Status: 400,
		Header: map[string]string{"Content-Type": "application/problem+json"},
		Body:   []string{`"code":"MalformedRequest"`, `"requestId":"0b1f6a52-8d4e-4c0e-9a1d-5e3c7f0b9a03"`}},
}

// Dir is the events/ directory of this repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "events")
}

// Read returns the event named name, as its raw JSON and decoded.
func Read(tb testing.TB, name string) ([]byte, events.APIGatewayProxyRequest) {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(Dir(), name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	var event events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &event); err != nil {
		tb.Fatal(err)
	}
	return raw, event
}

// CheckEveryEventHasACase fails tb if a file in events/ has no Case, or a
// Case no file.
func CheckEveryEventHasACase(tb testing.TB) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(Dir(), "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	onDisk := map[string]bool{}
	for _, f := range files {
		onDisk[strings.TrimSuffix(filepath.Base(f), ".json")] = true
	}
	for _, c := range Cases {
		if !onDisk[c.Event] {
			tb.Errorf("case %s has no file in events/", c.Event)
		}
		delete(onDisk, c.Event)
	}
	for name := range onDisk {
		tb.Errorf("events/%s.json has no case in eventstest.Cases", name)
	}
}

// StandIn is a stand-in Cognito that answers the actions the events need.
func StandIn(tb testing.TB) *cognitotest.Server {
	stub := cognitotest.New(tb)
	pool := map[string]any{"UserPool": map[string]any{"Id": PoolID, "Name": "example", "DeletionProtection": "ACTIVE"}}
	stub.Handle("DescribeUserPool", func(in map[string]any) (int, any) {
		if in["UserPoolId"] != PoolID {
			return 400, map[string]any{"__type": "ResourceNotFoundException", "message": "User pool does not exist."}
		}
		return 200, pool
	})
	stub.Handle("UpdateUserPool", cognitotest.Reply(map[string]any{}))
	stub.Handle("CreateUserPool", cognitotest.Reply(pool))
	stub.Handle("ListUserPools", cognitotest.Reply(map[string]any{
		"UserPools": []any{map[string]any{"Id": PoolID, "Name": "example"}}, "NextToken": "more"}))
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

// Check fails tb unless resp, the answer to the event of c, is what c
// says and what the spec describes.
func Check(tb testing.TB, checker *spectest.Checker, c Case, event events.APIGatewayProxyRequest, resp events.APIGatewayProxyResponse) {
	tb.Helper()
	if resp.StatusCode != c.Status {
		tb.Errorf("%s: status %d, want %d: %s", c.Event, resp.StatusCode, c.Status, resp.Body)
	}
	header := Header(resp)
	for k, want := range c.Header {
		if got := strings.Join(header.Values(k), ","); !strings.Contains(got, want) {
			tb.Errorf("%s: %s %q lacks %q", c.Event, k, got, want)
		}
	}
	for _, want := range c.Body {
		if !strings.Contains(resp.Body, want) {
			tb.Errorf("%s: body lacks %q: %s", c.Event, want, resp.Body)
		}
	}
	if c.Secret != "" && strings.Contains(resp.Body, c.Secret) {
		tb.Errorf("%s: the answer carries the secret: %s", c.Event, resp.Body)
	}
	checker.Check(tb, answeredRequest(event), resp.StatusCode, header, []byte(resp.Body))
}

// Header is the answer's headers, single- and multi-value alike, as a
// client of API Gateway sees them.
func Header(resp events.APIGatewayProxyResponse) http.Header {
	header := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		header.Set(k, v)
	}
	return header
}

// answeredRequest is the HTTP request an event stands for, as far as the
// spec needs it: method and path, without the stage.
func answeredRequest(event events.APIGatewayProxyRequest) *http.Request {
	path := strings.TrimPrefix(event.Path, "/"+event.RequestContext.Stage+"/")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := &url.URL{Path: path}
	if unescaped, err := url.PathUnescape(path); err == nil {
		u = &url.URL{Path: unescaped, RawPath: path}
	}
	return &http.Request{Method: event.HTTPMethod, URL: u, Header: http.Header{}}
}
