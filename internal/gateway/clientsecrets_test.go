package gateway

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// moto 5.2.1 lacks the client-secret actions (it answers them with a 500
// of its own), so every test here runs against the stand-in, which
// answers as the API reference documents them.

const (
	secretsPath = "/pools/" + poolID + "/clients/" + clientID + "/secrets"
	secretID    = clientID + "--1732838400000"
	// generatedSecret is the value Cognito generates and answers once.
	generatedSecret = "gEnErAtEdSeCrEt0123456789abcdefghijklmnopqrstuv"
	// ownSecret is a value a caller brings, which Cognito does not repeat.
	ownSecret = "CallersOwnSecret0123456789ABCDEFGHIJ"
)

// addedSecret is AddUserPoolClientSecret's answer: with the value when
// Cognito generated it, without when the caller brought it.
func addedSecret(value string) map[string]any {
	descriptor := map[string]any{"ClientSecretId": secretID, "ClientSecretCreateDate": 1.7328384e9}
	if value != "" {
		descriptor["ClientSecretValue"] = value
	}
	return map[string]any{"ClientSecretDescriptor": descriptor}
}

// TestCreateClientSecretSendsTheExactInput: with no body Cognito
// generates the secret, and the answer, the only one that ever will,
// carries it; a secret of the caller's own is passed on and not repeated.
func TestCreateClientSecretSendsTheExactInput(t *testing.T) {
	cases := []struct {
		name, body, answered string
		want                 map[string]any
	}{
		{"no body: Cognito generates it", "", generatedSecret,
			map[string]any{"UserPoolId": poolID, "ClientId": clientID}},
		{"an empty body", "{}", generatedSecret,
			map[string]any{"UserPoolId": poolID, "ClientId": clientID}},
		{"the caller's own secret", `{"ClientSecret": "` + ownSecret + `"}`, "",
			map[string]any{"UserPoolId": poolID, "ClientId": clientID, "ClientSecret": ownSecret}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("AddUserPoolClientSecret", cognitotest.Reply(addedSecret(tc.answered)))
			rec := serveStandIn(t, stub, "POST", secretsPath, tc.body, nil)
			if rec.Code != http.StatusCreated {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if got := onlyInput(t, stub, "AddUserPoolClientSecret"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("input %v, want %v", got, tc.want)
			}
			if target := stub.Calls()[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.AddUserPoolClientSecret" {
				t.Errorf("X-Amz-Target %q", target)
			}
			if loc := rec.Header().Get("Location"); loc != secretsPath+"/"+secretID {
				t.Errorf("Location %q", loc)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			body := rec.Body.String()
			if !strings.Contains(body, `"ClientSecretId":"`+secretID+`"`) || !strings.Contains(body, `"ClientSecretCreateDate":"2024-11-29T00:00:00Z"`) {
				t.Errorf("body %s", body)
			}
			if has := strings.Contains(body, generatedSecret); has != (tc.answered != "") {
				t.Errorf("generated value in the answer: %v, want %v: %s", has, tc.answered != "", body)
			}
			if strings.Contains(body, ownSecret) {
				t.Errorf("the answer repeats the caller's secret: %s", body)
			}
		})
	}
}

// TestClientSecretValuesReachNoLog: neither the value Cognito generated
// nor a caller's own reaches a log line or the audit line, on success or
// when Cognito fails and the failure, with its message, is logged.
func TestClientSecretValuesReachNoLog(t *testing.T) {
	cases := []struct {
		name, body string
		handler    cognitotest.Handler
		status     int
	}{
		{"generated", "", cognitotest.Reply(addedSecret(generatedSecret)), http.StatusCreated},
		{"the caller's own", `{"ClientSecret": "` + ownSecret + `"}`, cognitotest.Reply(addedSecret("")), http.StatusCreated},
		// A server fault's message is logged (only), so the redacting
		// handler is what keeps an echoed value out of it.
		{"echoed by a failing Cognito", `{"ClientSecret": "` + ownSecret + `"}`, cognitotest.Fail(http.StatusInternalServerError,
			"InternalErrorException", `failed on {"ClientSecret":"`+ownSecret+`","ClientSecretValue":"`+generatedSecret+`"}`), http.StatusBadGateway},
		{"refused by Cognito", `{"ClientSecret": "` + ownSecret + `"}`, cognitotest.Fail(http.StatusBadRequest,
			"LimitExceededException", "The app client already has 2 secrets."), http.StatusTooManyRequests},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("AddUserPoolClientSecret", tc.handler)
			var logs bytes.Buffer
			g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			req := httptest.NewRequest("POST", secretsPath, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code != tc.status {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			audit := logRecords(t, &logs, "audit")
			if len(audit) != 1 || audit[0]["clientId"] != clientID {
				t.Errorf("audit %v", audit)
			}
			if tc.status == http.StatusCreated && audit[0]["secretId"] != secretID {
				t.Errorf("the audit line does not name the new secret: %v", audit[0])
			}
			for _, secret := range []string{generatedSecret, ownSecret} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("a secret reached the log: %s", logs.String())
				}
				if tc.status >= 400 && strings.Contains(rec.Body.String(), secret) {
					t.Errorf("a secret is in the error answer: %s", rec.Body)
				}
			}
		})
	}
}

// TestCreateClientSecretRefusesABadSecretWithoutRepeatingIt: a secret
// that breaks Cognito's constraints is refused before Cognito is called,
// and the answer points at it without quoting it.
func TestCreateClientSecretRefusesABadSecretWithoutRepeatingIt(t *testing.T) {
	cases := []struct{ name, secret string }{
		{"too short", "short-but-secret"},
		{"a character Cognito refuses", "has a space and is long enough 0123"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			rec := serveStandIn(t, stub, "POST", secretsPath, `{"ClientSecret": "`+tc.secret+`"}`, nil)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"/ClientSecret"`) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), tc.secret) {
				t.Errorf("the answer quotes the secret: %s", rec.Body)
			}
			if calls := stub.Calls(); len(calls) != 0 {
				t.Errorf("Cognito called: %s", callNames(stub))
			}
		})
	}
}

// TestListClientSecretsNeverShowsAValue: the list carries ids and dates
// only, even if Cognito's answer held a value, and pages with NextToken
// and Link.
func TestListClientSecretsNeverShowsAValue(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("ListUserPoolClientSecrets", func(input map[string]any) (int, any) {
		if input["NextToken"] == "page-2" {
			return http.StatusOK, map[string]any{"ClientSecrets": []any{
				map[string]any{"ClientSecretId": clientID + "--1732838400000", "ClientSecretCreateDate": 1.7328384e9},
			}}
		}
		return http.StatusOK, map[string]any{"NextToken": "page-2", "ClientSecrets": []any{
			map[string]any{"ClientSecretId": clientID + "--1700000000000", "ClientSecretCreateDate": 1.7e9,
				"ClientSecretValue": generatedSecret},
		}}
	})
	rec := serveStandIn(t, stub, "GET", secretsPath, "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if strings.Contains(body, generatedSecret) || strings.Contains(body, "ClientSecretValue") {
		t.Errorf("the list shows a secret's value: %s", body)
	}
	if !strings.Contains(body, `"ClientSecretId":"`+clientID+`--1700000000000"`) || !strings.Contains(body, `"ClientSecretCreateDate":"2023-11-14T22:13:20Z"`) {
		t.Errorf("body %s", body)
	}
	link := rec.Header().Get("Link")
	next, _, found := strings.Cut(strings.TrimPrefix(link, "<"), ">")
	if !found {
		t.Fatalf("no Link: %q", link)
	}
	rec = serveStandIn(t, stub, "GET", next, "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Link") != "" || !strings.Contains(rec.Body.String(), "--1732838400000") {
		t.Fatalf("second page: %d %s, Link %q", rec.Code, rec.Body, rec.Header().Get("Link"))
	}
	calls := stub.Calls()
	want := []map[string]any{{"UserPoolId": poolID, "ClientId": clientID}, {"UserPoolId": poolID, "ClientId": clientID, "NextToken": "page-2"}}
	if len(calls) != 2 || !reflect.DeepEqual(calls[0].Input, want[0]) || !reflect.DeepEqual(calls[1].Input, want[1]) {
		t.Errorf("calls %v, want the inputs %v", calls, want)
	}
	for _, c := range calls {
		if target := c.Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.ListUserPoolClientSecrets" {
			t.Errorf("X-Amz-Target %q", target)
		}
	}
}

// TestDeleteClientSecretSendsTheExactInput: the id is percent-decoded
// from the path, and the answer is a 204.
func TestDeleteClientSecretSendsTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DeleteUserPoolClientSecret", cognitotest.Reply(map[string]any{}))
	rec := serveStandIn(t, stub, "DELETE", secretsPath+"/"+url.PathEscape(secretID), "", nil)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "ClientId": clientID, "ClientSecretId": secretID}
	if got := onlyInput(t, stub, "DeleteUserPoolClientSecret"); !reflect.DeepEqual(got, want) {
		t.Errorf("input %v, want %v", got, want)
	}
	if target := stub.Calls()[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.DeleteUserPoolClientSecret" {
		t.Errorf("X-Amz-Target %q", target)
	}

	t.Run("the last secret", func(t *testing.T) {
		stub := cognitotest.New(t)
		stub.Handle("DeleteUserPoolClientSecret", cognitotest.Fail(http.StatusBadRequest,
			"InvalidParameterException", "Cannot delete the last client secret."))
		rec := serveStandIn(t, stub, "DELETE", secretsPath+"/"+secretID, "", nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "last client secret") {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
	})
}
