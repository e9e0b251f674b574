package gateway

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestLinkProviderForUserNamesThePathsUserAsDestination: moto lacks
// AdminLinkProviderForUser, so the stand-in pins the input. The path's
// user is the DestinationUser, as the pool's own user (ProviderName
// Cognito, the decoded username as ProviderAttributeValue); the body only
// names the source identity, and one that names a destination is refused
// before Cognito.
func TestLinkProviderForUserNamesThePathsUserAsDestination(t *testing.T) {
	target := "/pools/" + poolID + "/users/" + awkwardSegment + "/linked-providers"
	source := map[string]any{"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject",
		"ProviderAttributeValue": "109876543210987654321"}
	cases := []struct {
		name, body string
		status     int
		want       map[string]any // the input Cognito receives; nil: no call
	}{
		{"a source identity",
			`{"SourceUser": {"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "109876543210987654321"}}`,
			http.StatusNoContent,
			map[string]any{"UserPoolId": poolID, "SourceUser": source,
				"DestinationUser": map[string]any{"ProviderName": "Cognito", "ProviderAttributeValue": awkwardUsername}}},
		{"a destination in the body",
			`{"SourceUser": {"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "1"},
			  "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": "someone-else"}}`,
			http.StatusBadRequest, nil},
		{"a source without its value",
			`{"SourceUser": {"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject"}}`,
			http.StatusBadRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("AdminLinkProviderForUser", cognitotest.Reply(map[string]any{}))
			rec := serveStandIn(t, stub, "POST", target, tc.body, nil)
			if rec.Code != tc.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.status)
			}
			if rec.Header().Get("Location") != "" {
				t.Errorf("Location %q: a link is not addressable under the user", rec.Header().Get("Location"))
			}
			if tc.want == nil {
				if len(stub.Calls()) != 0 {
					t.Errorf("Cognito was called: %s", callNames(stub))
				}
				return
			}
			if in := onlyInput(t, stub, "AdminLinkProviderForUser"); !reflect.DeepEqual(in, tc.want) {
				t.Errorf("AdminLinkProviderForUser input %v, want %v", in, tc.want)
			}
		})
	}
}

// TestLinkProviderForUserAliasClashIs409: linking an identity whose email
// is already another user's alias is Cognito's AliasExistsException.
func TestLinkProviderForUserAliasClashIs409(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("AdminLinkProviderForUser", cognitotest.Fail(http.StatusBadRequest, "AliasExistsException",
		"An account with the email already exists."))
	rec := serveStandIn(t, stub, "POST", "/pools/"+poolID+"/users/ada/linked-providers",
		`{"SourceUser": {"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "1"}}`, nil)
	if rec.Code != http.StatusConflict {
		t.Errorf("%d %s, want 409", rec.Code, rec.Body)
	}
}

// TestDisableProviderForUserRoundTripsThePathsValues: the unlink names the
// provider's user by three path segments, each percent-encoded, which
// reach Cognito decoded as AdminDisableProviderForUser's User.
func TestDisableProviderForUserRoundTripsThePathsValues(t *testing.T) {
	cases := []struct {
		name, provider, attribute, value string // as sent, encoded
		want                             map[string]any
	}{
		{"a social subject", "Google", "Cognito_Subject", "109876543210987654321",
			map[string]any{"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject",
				"ProviderAttributeValue": "109876543210987654321"}},
		{"a SAML NameID with a slash, a percent sign and an at sign", "corp-saml", "Cognito_Subject", "CORP%2Fjdoe%25x%40example.com",
			map[string]any{"ProviderName": "corp-saml", "ProviderAttributeName": "Cognito_Subject",
				"ProviderAttributeValue": "CORP/jdoe%x@example.com"}},
		{"a mapped attribute", "corp-oidc", "email", "jdoe%2Bsupport%40example.com",
			map[string]any{"ProviderName": "corp-oidc", "ProviderAttributeName": "email",
				"ProviderAttributeValue": "jdoe+support@example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("AdminDisableProviderForUser", cognitotest.Reply(map[string]any{}))
			target := "/pools/" + poolID + "/identity-providers/" + tc.provider + "/users/" + tc.attribute + "/" + tc.value
			rec := serveStandIn(t, stub, "DELETE", target, "", nil)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("%d %s, want 204", rec.Code, rec.Body)
			}
			want := map[string]any{"UserPoolId": poolID, "User": tc.want}
			if in := onlyInput(t, stub, "AdminDisableProviderForUser"); !reflect.DeepEqual(in, want) {
				t.Errorf("AdminDisableProviderForUser input %v, want %v", in, want)
			}
		})
	}
}

// TestDisableProviderForUserOfAnUnknownUserIs404: Cognito's
// ResourceNotFoundException (no such provider or pool) is the gateway's 404.
func TestDisableProviderForUserOfAnUnknownUserIs404(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("AdminDisableProviderForUser", cognitotest.Fail(http.StatusBadRequest, "ResourceNotFoundException",
		"Identity provider Nope does not exist."))
	rec := serveStandIn(t, stub, "DELETE", "/pools/"+poolID+"/identity-providers/Nope/users/Cognito_Subject/1", "", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("%d %s, want 404", rec.Code, rec.Body)
	}
}

// TestSupportRoutesOfAPoolOutsideTheAllowListAre403: the auth-event and
// link routes name their pool in the path like every admin route, so a
// pool outside ALLOWED_POOL_IDS is refused before Cognito is called.
func TestSupportRoutesOfAPoolOutsideTheAllowListAre403(t *testing.T) {
	const other = "/pools/us-east-1_Other"
	source := `{"SourceUser": {"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "1"}}`
	cases := []struct{ method, target, body string }{
		{"GET", other + "/users/ada/auth-events", ""},
		{"PUT", other + "/users/ada/auth-events/6f1c2a3b/feedback", `{"FeedbackValue": "Valid"}`},
		{"POST", other + "/users/ada/linked-providers", source},
		{"DELETE", other + "/identity-providers/Google/users/Cognito_Subject/1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.HandleOthers(cognitotest.Reply(map[string]any{}))
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := spectest.New(t).Serve(t, gatewayWith(t, stub, Options{AllowedPools: []string{poolID}}), req)
			if rec.Code != http.StatusForbidden || len(stub.Calls()) != 0 {
				t.Errorf("%d %s, Cognito calls %q; want 403 and none", rec.Code, rec.Body, callNames(stub))
			}
		})
	}
}
