package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

const poolID = "us-east-1_Example1"

// describedPool is DescribeUserPool's answer as the API reference shows it.
func describedPool() map[string]any {
	return map[string]any{"UserPool": map[string]any{
		"Id": poolID, "Name": "example", "Arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolID,
		"Status": "Enabled", "CreationDate": 1.7e9, "LastModifiedDate": 1.7e9, "EstimatedNumberOfUsers": 3,
		"DeletionProtection": "INACTIVE", "MfaConfiguration": "OFF",
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": 12, "RequireUppercase": true, "RequireLowercase": true,
			"RequireNumbers": true, "RequireSymbols": false, "TemporaryPasswordValidityDays": 7}},
		"LambdaConfig":                map[string]any{"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"},
		"DeviceConfiguration":         map[string]any{"ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": true},
		"UserPoolTags":                map[string]any{"team": "identity"},
		"AdminCreateUserConfig":       map[string]any{"AllowAdminCreateUserOnly": true, "UnusedAccountValidityDays": 7},
		"SchemaAttributes":            []any{map[string]any{"Name": "email", "AttributeDataType": "String", "Mutable": true}},
		"UsernameAttributes":          []any{"email"},
		"EmailVerificationMessage":    "Your code is {####}",
		"VerificationMessageTemplate": map[string]any{"EmailMessage": "Your code is {####}", "DefaultEmailOption": "CONFIRM_WITH_CODE"},
	}}
}

type exchange struct {
	name   string
	method string
	target string
	header map[string]string
	body   string
	// script answers actions on the stand-in Cognito.
	script map[string]cognitotest.Handler
	// want
	status  int
	code    string            // problem code, for errors
	headers map[string]string // exact header values
	has     []string          // substrings of the body
	hasNot  []string
	actions []string // the Cognito actions called, in order
}

func runExchanges(t *testing.T, cases []exchange) {
	checker := spectest.New(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			for action, h := range tc.script {
				stub.Handle(action, h)
			}
			g := newTestGateway(t, stub)
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tc.header {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			rec := checker.Serve(t, g, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" {
				var p struct{ Code string }
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != tc.code {
					t.Errorf("problem code %q, want %q; body %s", p.Code, tc.code, rec.Body)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q for an error", ct)
				}
			}
			for k, v := range tc.headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
			for _, s := range tc.has {
				if !strings.Contains(rec.Body.String(), s) {
					t.Errorf("body lacks %q: %s", s, rec.Body)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(rec.Body.String(), s) {
					t.Errorf("body has %q: %s", s, rec.Body)
				}
			}
			var called []string
			for _, c := range stub.Calls() {
				called = append(called, c.Action)
			}
			if strings.Join(called, ",") != strings.Join(tc.actions, ",") {
				t.Errorf("Cognito calls %v, want %v", called, tc.actions)
			}
		})
	}
}

func TestRoutingAndValidation(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "unknown route is 404", method: "GET", target: "/nothing/here",
			status: 404, code: "RouteNotFound"},
		{name: "wrong method is 405 with Allow", method: "POST", target: "/pools/" + poolID,
			status: 405, code: "MethodNotAllowed", headers: map[string]string{"Allow": "DELETE, GET, HEAD, PATCH, PUT"}},
		{name: "body that is not JSON is 400", method: "POST", target: "/pools", body: `{"PoolName": `,
			status: 400, code: "MalformedBody"},
		{name: "unsupported content type is 415", method: "POST", target: "/pools", body: `PoolName=x`,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			status: 415, code: "UnsupportedMediaType"},
		{name: "every violation is reported at once", method: "POST", target: "/pools",
			body:   `{"PoolName": "", "MfaConfiguration": "SOMETIMES", "Surprise": 1}`,
			status: 400, code: "ValidationFailed",
			has: []string{`"pointer":"/PoolName"`, `"pointer":"/MfaConfiguration"`, `Surprise`}},
		{name: "pool id violating its pattern is 400 before Cognito", method: "GET", target: "/pools/not%20a%20pool",
			status: 400, code: "ValidationFailed", has: []string{`"parameter":"poolId"`}},
		{name: "Limit over 60 is 400", method: "GET", target: "/pools?Limit=61",
			status: 400, code: "ValidationFailed", has: []string{`"parameter":"Limit"`}},
		{name: "percent-encoded pool id is decoded before use", method: "GET", target: "/pools/us%2Deast%2D1_Example1",
			script: map[string]cognitotest.Handler{"DescribeUserPool": func(in map[string]any) (int, any) {
				if in["UserPoolId"] != poolID {
					return 400, map[string]any{"__type": "ResourceNotFoundException", "message": "wrong id"}
				}
				return 200, describedPool()
			}},
			status: 200, actions: []string{"DescribeUserPool"}},
	})
}

func TestPoolResponses(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "GET returns the pool itself with an ETag", method: "GET", target: "/pools/" + poolID,
			script: map[string]cognitotest.Handler{"DescribeUserPool": cognitotest.Reply(describedPool())},
			status: 200, has: []string{`"Id":"us-east-1_Example1"`, `"CreationDate":"2023-11-14T22:13:20Z"`},
			headers: map[string]string{"Cache-Control": "no-store"},
			hasNot:  []string{`"UserPool"`, `ResultMetadata`}, actions: []string{"DescribeUserPool"}},
		{name: "list returns UserPools, a cursor and a Link", method: "GET", target: "/pools?Limit=1",
			script: map[string]cognitotest.Handler{"ListUserPools": cognitotest.Reply(map[string]any{
				"UserPools": []any{map[string]any{"Id": poolID, "Name": "example"}}, "NextToken": "abc+/="})},
			status: 200, has: []string{`"UserPools":[`, `"NextToken":"`}, hasNot: []string{`abc+/=`},
			actions: []string{"ListUserPools"}},
		{name: "create returns 201 and Location", method: "POST", target: "/pools", body: `{"PoolName": "example"}`,
			script: map[string]cognitotest.Handler{"CreateUserPool": cognitotest.Reply(describedPool())},
			status: 201, headers: map[string]string{"Location": "/pools/" + poolID},
			actions: []string{"CreateUserPool"}},
		{name: "delete returns 204", method: "DELETE", target: "/pools/" + poolID,
			script: map[string]cognitotest.Handler{"DescribeUserPool": cognitotest.Reply(describedPool()),
				"DeleteUserPool": cognitotest.Reply(map[string]any{})},
			status: 204, actions: []string{"DescribeUserPool", "DeleteUserPool"}},
	})
}

// TestCognitoErrorsReachTheClient runs Cognito's errors through the handler;
// the cognito package's tests cover the whole mapping.
func TestCognitoErrorsReachTheClient(t *testing.T) {
	secret := "internal detail 10.0.0.7 stack"
	cases := []struct {
		code       string
		httpStatus int
		status     int
		retry      string
	}{
		{"ResourceNotFoundException", 400, 404, ""},
		{"InvalidParameterException", 400, 400, ""},
		{"TooManyRequestsException", 400, 429, "1"},
		{"NotAuthorizedException", 400, 403, ""},
		{"InternalErrorException", 500, 502, ""},
	}
	var exchanges []exchange
	for _, c := range cases {
		e := exchange{name: c.code, method: "GET", target: "/pools/" + poolID,
			script: map[string]cognitotest.Handler{"DescribeUserPool": cognitotest.Fail(c.httpStatus, c.code, secret)},
			status: c.status, code: c.code, actions: []string{"DescribeUserPool"},
			headers: map[string]string{"Retry-After": c.retry}}
		if c.status >= 500 {
			e.hasNot = []string{secret}
			e.code = "InternalErrorException"
		}
		exchanges = append(exchanges, e)
	}
	exchanges = append(exchanges, exchange{name: "unreadable answer is 502", method: "GET", target: "/pools/" + poolID,
		script: map[string]cognitotest.Handler{"DescribeUserPool": func(map[string]any) (int, any) {
			return 200, "not an object"
		}},
		status: 502, code: "CognitoUnavailable", actions: []string{"DescribeUserPool"}})
	runExchanges(t, exchanges)
}

func TestLocationAndLinkCarryTheBasePath(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("ListUserPools", cognitotest.Reply(map[string]any{"UserPools": []any{}, "NextToken": "t"}))
	g := newTestGateway(t, stub)
	req := httptest.NewRequest("GET", "/pools?Limit=5", nil)
	req = req.WithContext(invocation.With(context.Background(), invocation.Info{BasePath: "/v1"}))
	rec := spectest.New(t).Serve(t, g, req)
	link := rec.Header().Get("Link")
	if !strings.HasPrefix(link, "</v1/pools?") || !strings.Contains(link, "Limit=5") || !strings.HasSuffix(link, `>; rel="next"`) {
		t.Errorf("Link %q", link)
	}
}

func TestNextTokenIsBoundToItsQuery(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("ListUserPools", cognitotest.Reply(map[string]any{"UserPools": []any{}, "NextToken": "cognito+token/=="}))
	g := newTestGateway(t, stub)
	checker := spectest.New(t)
	rec := checker.Serve(t, g, httptest.NewRequest("GET", "/pools", nil))
	var page struct{ NextToken string }
	_ = json.Unmarshal(rec.Body.Bytes(), &page)

	rec = checker.Serve(t, g, httptest.NewRequest("GET", "/pools?NextToken="+page.NextToken, nil))
	if rec.Code != 200 {
		t.Fatalf("following the cursor: %d %s", rec.Code, rec.Body)
	}
	calls := stub.Calls()
	if got := calls[len(calls)-1].Input["NextToken"]; got != "cognito+token/==" {
		t.Errorf("Cognito got NextToken %v", got)
	}
	rec = checker.Serve(t, g, httptest.NewRequest("GET", "/pools?NextToken=bm90LW91cnM", nil))
	if rec.Code != 400 {
		t.Errorf("a forged cursor: %d, want 400", rec.Code)
	}
}

func TestAnswersCarryARequestID(t *testing.T) {
	g := newTestGateway(t, cognitotest.New(t))
	req := httptest.NewRequest("GET", "/nowhere", nil)
	req = req.WithContext(invocation.With(context.Background(), invocation.Info{RequestID: "req-123"}))
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"requestId":"req-123"`) || rec.Header().Get("X-Request-Id") != "req-123" {
		t.Errorf("request id missing: %s %v", rec.Body, rec.Header())
	}
	_ = http.StatusOK
}
