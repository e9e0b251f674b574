package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

const (
	clientID     = "1example23456789abcdefghij"
	clientSecret = "s3cr3tValueThatMustNotLeak0123456789abcdefghij"
)

// createClientBody sets the members that UpdateUserPoolClient resets when
// they are not sent again.
const createClientBody = `{
	"ClientName": "web-app",
	"GenerateSecret": true,
	"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
	"AllowedOAuthFlowsUserPoolClient": true,
	"AllowedOAuthFlows": ["code"],
	"AllowedOAuthScopes": ["openid", "email"],
	"CallbackURLs": ["https://app.example.com/callback"],
	"SupportedIdentityProviders": ["COGNITO"],
	"RefreshTokenValidity": 30
}`

func describeClient(t *testing.T, m *motoGateway, pool, client string) *types.UserPoolClientType {
	t.Helper()
	out, err := m.Direct.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: &client})
	if err != nil {
		t.Fatal(err)
	}
	return out.UserPoolClient
}

func TestClientLifecycleAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "clients")
	base := "/pools/" + pool + "/clients"

	var created map[string]any
	resp := m.do(t, "POST", base, createClientBody, nil, &created)
	expect(t, resp, http.StatusCreated)
	id, _ := created["ClientId"].(string)
	secret, _ := created["ClientSecret"].(string)
	if id == "" || secret == "" {
		t.Fatalf("the create answer lacks ClientId or ClientSecret: %v", created)
	}
	if loc := resp.Header.Get("Location"); loc != base+"/"+id {
		t.Errorf("Location %q", loc)
	}

	var got map[string]any
	resp = m.do(t, "GET", base+"/"+id, "", nil, &got)
	expect(t, resp, http.StatusOK)
	etag := resp.Header.Get("ETag")
	if got["ClientName"] != "web-app" || etag == "" {
		t.Errorf("GET: %v, ETag %q", got, etag)
	}
	if _, leaked := got["ClientSecret"]; leaked {
		t.Error("GET returns ClientSecret")
	}

	var onlySecret map[string]any
	expect(t, m.do(t, "GET", base+"/"+id+"/secret", "", nil, &onlySecret), http.StatusOK)
	direct := describeClient(t, m, pool, id)
	if !reflect.DeepEqual(onlySecret, map[string]any{"ClientSecret": aws.ToString(direct.ClientSecret)}) || secret != aws.ToString(direct.ClientSecret) {
		t.Errorf("GET .../secret = %v; Cognito holds %q, the create said %q", onlySecret, aws.ToString(direct.ClientSecret), secret)
	}

	// A stale If-Match and a dry run change nothing.
	expect(t, m.do(t, "PATCH", base+"/"+id, `{"RefreshTokenValidity": 10}`, map[string]string{"If-Match": `"stale"`}, nil), http.StatusPreconditionFailed)
	expect(t, m.do(t, "PUT", base+"/"+id, `{"ClientName": "stale"}`, map[string]string{"If-Match": `"stale"`}, nil), http.StatusPreconditionFailed)
	var preview map[string]any
	expect(t, m.do(t, "PATCH", base+"/"+id+"?dryRun=true", `{"RefreshTokenValidity": 10}`, nil, &preview), http.StatusOK)
	if preview["RefreshTokenValidity"] != 10.0 || preview["ClientId"] != id || preview["UserPoolId"] != pool {
		t.Errorf("dry run preview %v", preview)
	}
	if c := describeClient(t, m, pool, id); c.RefreshTokenValidity != 30 || aws.ToString(c.ClientName) != "web-app" {
		t.Errorf("a refused or dry-run change reached Cognito: RefreshTokenValidity %d, ClientName %q", c.RefreshTokenValidity, aws.ToString(c.ClientName))
	}
	if again := m.do(t, "GET", base+"/"+id, "", nil, nil).Header.Get("ETag"); again != etag {
		t.Errorf("ETag moved from %s to %s without a change", etag, again)
	}

	var patched map[string]any
	resp = m.do(t, "PATCH", base+"/"+id, `{"RefreshTokenValidity": 10}`,
		map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": etag}, &patched)
	expect(t, resp, http.StatusOK)
	if patched["RefreshTokenValidity"] != 10.0 || resp.Header.Get("ETag") == etag {
		t.Errorf("PATCH answer %v, ETag %q", patched, resp.Header.Get("ETag"))
	}
	c := describeClient(t, m, pool, id)
	if c.RefreshTokenValidity != 10 {
		t.Errorf("RefreshTokenValidity %d: the patch was not applied", c.RefreshTokenValidity)
	}
	if !slices.Equal(c.ExplicitAuthFlows, []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}) ||
		!slices.Equal(c.CallbackURLs, []string{"https://app.example.com/callback"}) ||
		!slices.Equal(c.AllowedOAuthFlows, []types.OAuthFlowType{"code"}) ||
		!slices.Equal(c.AllowedOAuthScopes, []string{"openid", "email"}) || !aws.ToBool(c.AllowedOAuthFlowsUserPoolClient) {
		t.Errorf("PATCH lost settings: %+v", c)
	}
	if aws.ToString(c.ClientSecret) != secret {
		t.Error("PATCH changed the secret")
	}

	var replaced map[string]any
	resp = m.do(t, "PUT", base+"/"+id, `{"ClientName": "renamed", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}`, nil, &replaced)
	expect(t, resp, http.StatusOK)
	if replaced["ClientName"] != "renamed" || resp.Header.Get("ETag") == "" {
		t.Errorf("PUT answer %v", replaced)
	}
	if c := describeClient(t, m, pool, id); aws.ToString(c.ClientName) != "renamed" ||
		!slices.Equal(c.ExplicitAuthFlows, []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}) {
		t.Errorf("PUT not applied: %+v", c)
	}
	for name, body := range map[string]map[string]any{"PATCH": patched, "PATCH dry run": preview, "PUT": replaced} {
		if _, leaked := body["ClientSecret"]; leaked {
			t.Errorf("%s answer includes ClientSecret", name)
		}
	}

	expect(t, m.do(t, "DELETE", base+"/"+id, "", nil, nil), http.StatusNoContent)
	expect(t, m.do(t, "GET", base+"/"+id, "", nil, nil), http.StatusNotFound)
}

func TestListClientsPagesAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "clients")
	for _, name := range []string{"alpha", "beta", "gamma"} {
		expect(t, m.do(t, "POST", "/pools/"+pool+"/clients", `{"ClientName": "`+name+`"}`, nil, nil), http.StatusCreated)
	}
	names, pages := collectPages(t, m, "/pools/"+pool+"/clients?Limit=1", "UserPoolClients", "ClientName")
	if strings.Join(names, ",") != "alpha,beta,gamma" || pages != 3 {
		t.Errorf("paging with Limit=1 gave %v in %d pages", names, pages)
	}
}

// describedClient is DescribeUserPoolClient's answer as the API reference
// shows it, secret included.
func describedClient() map[string]any {
	return map[string]any{"UserPoolClient": map[string]any{
		"UserPoolId": poolID, "ClientId": clientID, "ClientName": "web-app", "ClientSecret": clientSecret,
		"CreationDate": 1.7e9, "LastModifiedDate": 1.7e9,
		"RefreshTokenValidity": 30, "AccessTokenValidity": 60, "IdTokenValidity": 60, "AuthSessionValidity": 3,
		"TokenValidityUnits":                       map[string]any{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
		"ReadAttributes":                           []any{"email", "name"},
		"WriteAttributes":                          []any{"name"},
		"ExplicitAuthFlows":                        []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		"SupportedIdentityProviders":               []any{"COGNITO"},
		"CallbackURLs":                             []any{"https://app.example.com/callback"},
		"LogoutURLs":                               []any{"https://app.example.com/signed-out"},
		"DefaultRedirectURI":                       "https://app.example.com/callback",
		"AllowedOAuthFlows":                        []any{"code"},
		"AllowedOAuthScopes":                       []any{"openid", "email"},
		"AllowedOAuthFlowsUserPoolClient":          true,
		"PreventUserExistenceErrors":               "ENABLED",
		"EnableTokenRevocation":                    true,
		"EnablePropagateAdditionalUserContextData": false,
		"RefreshTokenRotation":                     map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
		"AnalyticsConfiguration": map[string]any{"ApplicationId": "0123456789abcdef0123456789abcdef",
			"RoleArn": "arn:aws:iam::123456789012:role/pinpoint", "ExternalId": "ext", "UserDataShared": true},
	}}
}

func clientStandIn(t *testing.T) *cognitotest.Server {
	t.Helper()
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPoolClient", cognitotest.Reply(describedClient()))
	stub.Handle("UpdateUserPoolClient", cognitotest.Reply(describedClient()))
	stub.Handle("CreateUserPoolClient", cognitotest.Reply(describedClient()))
	return stub
}

// TestPatchClientSendsTheWholeClient: UpdateUserPoolClient resets what it
// is not given, so the PATCH sends every described setting it does not
// change, and nothing Update does not take (ClientSecret, dates).
func TestPatchClientSendsTheWholeClient(t *testing.T) {
	stub := clientStandIn(t)
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/clients/"+clientID,
		`{"RefreshTokenValidity": 10, "TokenValidityUnits": {"RefreshToken": "hours"}, "LogoutURLs": null}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{
		"UserPoolId": poolID, "ClientId": clientID, "ClientName": "web-app",
		"RefreshTokenValidity": 10.0, "AccessTokenValidity": 60.0, "IdTokenValidity": 60.0, "AuthSessionValidity": 3.0,
		"TokenValidityUnits":                       map[string]any{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours"},
		"ReadAttributes":                           []any{"email", "name"},
		"WriteAttributes":                          []any{"name"},
		"ExplicitAuthFlows":                        []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		"SupportedIdentityProviders":               []any{"COGNITO"},
		"CallbackURLs":                             []any{"https://app.example.com/callback"},
		"DefaultRedirectURI":                       "https://app.example.com/callback",
		"AllowedOAuthFlows":                        []any{"code"},
		"AllowedOAuthScopes":                       []any{"openid", "email"},
		"AllowedOAuthFlowsUserPoolClient":          true,
		"PreventUserExistenceErrors":               "ENABLED",
		"EnableTokenRevocation":                    true,
		"EnablePropagateAdditionalUserContextData": false,
		"RefreshTokenRotation":                     map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": 10.0},
		"AnalyticsConfiguration": map[string]any{"ApplicationId": "0123456789abcdef0123456789abcdef",
			"RoleArn": "arn:aws:iam::123456789012:role/pinpoint", "ExternalId": "ext", "UserDataShared": true},
	}
	if in := onlyInput(t, stub, "UpdateUserPoolClient"); !reflect.DeepEqual(in, want) {
		t.Errorf("UpdateUserPoolClient input\n%v\nwant\n%v", in, want)
	}
	if got := callNames(stub); got != "DescribeUserPoolClient,UpdateUserPoolClient,DescribeUserPoolClient" {
		t.Errorf("calls %s", got)
	}
}

func TestPatchClientResultIsValidatedBeforeUpdate(t *testing.T) {
	stub := clientStandIn(t)
	// The patch schema checks only types; the merged client must satisfy the
	// PUT schema, where AuthSessionValidity is 3 to 15.
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/clients/"+clientID, `{"AuthSessionValidity": 60}`, nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "/AuthSessionValidity") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "DescribeUserPoolClient" {
		t.Errorf("calls %s", got)
	}
}

func TestPutClientSendsTheBodyAsIs(t *testing.T) {
	stub := clientStandIn(t)
	rec := serveStandIn(t, stub, "PUT", "/pools/"+poolID+"/clients/"+clientID, `{"ClientName": "renamed", "RefreshTokenValidity": 7}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "ClientId": clientID, "ClientName": "renamed", "RefreshTokenValidity": 7.0}
	if in := onlyInput(t, stub, "UpdateUserPoolClient"); !reflect.DeepEqual(in, want) {
		t.Errorf("UpdateUserPoolClient input %v, want %v", in, want)
	}
}

// TestClientSecretIsOnlyInTheCreateAnswer: the secret is a credential. Only
// the create (once) and the secret's own path return it.
func TestClientSecretIsOnlyInTheCreateAnswer(t *testing.T) {
	client := "/pools/" + poolID + "/clients/" + clientID
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	cases := []struct {
		name, method, target, body string
		header                     map[string]string
		status                     int
		hasSecret                  bool
	}{
		{"create", "POST", "/pools/" + poolID + "/clients", `{"ClientName": "web-app", "GenerateSecret": true}`, nil, 201, true},
		{"get", "GET", client, "", nil, 200, false},
		{"replace", "PUT", client, `{"ClientName": "web-app"}`, nil, 200, false},
		{"replace dry run", "PUT", client + "?dryRun=true", `{"ClientName": "web-app"}`, nil, 200, false},
		{"patch", "PATCH", client, `{"ClientName": "renamed"}`, merge, 200, false},
		{"patch dry run", "PATCH", client + "?dryRun=true", `{"ClientName": "renamed"}`, merge, 200, false},
		{"patch with current If-Match", "PATCH", client, `{}`, map[string]string{"If-Match": etag(trimmedClient())}, 200, false},
		{"secret", "GET", client + "/secret", "", nil, 200, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := serveStandIn(t, clientStandIn(t), tc.method, tc.target, tc.body, tc.header)
			if rec.Code != tc.status {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if has := strings.Contains(rec.Body.String(), clientSecret); has != tc.hasSecret {
				t.Errorf("secret in the body: %v, want %v: %s", has, tc.hasSecret, rec.Body)
			}
		})
	}
	t.Run("secret path returns nothing else", func(t *testing.T) {
		rec := serveStandIn(t, clientStandIn(t), "GET", client+"/secret", "", nil)
		if rec.Body.String() != `{"ClientSecret":"`+clientSecret+`"}`+"\n" {
			t.Errorf("body %s", rec.Body)
		}
	})
	t.Run("PUT cannot set a secret", func(t *testing.T) {
		stub := clientStandIn(t)
		rec := serveStandIn(t, stub, "PUT", client, `{"ClientName": "web-app", "ClientSecret": "`+clientSecret+`"}`, nil)
		if rec.Code != http.StatusBadRequest || stub.Calls() != nil {
			t.Errorf("%d %s; calls %s", rec.Code, rec.Body, callNames(stub))
		}
	})
}

// trimmedClient is the described client as GET shows it, without its secret.
func trimmedClient() map[string]any {
	resource := describedClient()["UserPoolClient"].(map[string]any)
	delete(resource, "ClientSecret")
	// The ETag is of the JSON-decoded resource, where numbers are float64
	// and dates strings.
	resource["CreationDate"] = "2023-11-14T22:13:20Z"
	resource["LastModifiedDate"] = "2023-11-14T22:13:20Z"
	return resource
}

// TestPatchClientTurnsSettingsOffAsCognitoReadsThem pins what goes on the
// wire when a PATCH turns settings off. The SDK never sends a plain false
// bool (AllowedOAuthFlowsUserPoolClient is one), and UpdateUserPoolClient
// resets what it is not sent to its default, false: so on Cognito the
// setting goes off. moto keeps what it is not sent, so there the same PATCH
// changes nothing (README, "What moto does not reproduce"). A *bool false
// (EnableTokenRevocation) is sent, and null removes a member.
func TestPatchClientTurnsSettingsOffAsCognitoReadsThem(t *testing.T) {
	stub := cognitotest.New(t)
	current := describedClient()
	stub.Handle("DescribeUserPoolClient", func(map[string]any) (int, any) { return http.StatusOK, current })
	stub.Handle("UpdateUserPoolClient", func(input map[string]any) (int, any) {
		// As Cognito: the client becomes what was sent, defaults for the rest.
		updated := map[string]any{"ClientSecret": clientSecret, "CreationDate": 1.7e9, "LastModifiedDate": 1.8e9,
			"AllowedOAuthFlowsUserPoolClient": false}
		for k, v := range input {
			updated[k] = v
		}
		current = map[string]any{"UserPoolClient": updated}
		return http.StatusOK, current
	})
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/clients/"+clientID,
		`{"AllowedOAuthFlowsUserPoolClient": false, "EnableTokenRevocation": false, "LogoutURLs": null}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	in := onlyInput(t, stub, "UpdateUserPoolClient")
	if v, sent := in["AllowedOAuthFlowsUserPoolClient"]; sent {
		t.Errorf("AllowedOAuthFlowsUserPoolClient went on the wire as %v; the SDK leaves a plain false out", v)
	}
	if v, sent := in["EnableTokenRevocation"]; !sent || v != false {
		t.Errorf("EnableTokenRevocation sent as %v (sent: %v), want false", v, sent)
	}
	if _, sent := in["LogoutURLs"]; sent {
		t.Errorf("LogoutURLs sent, though the patch removed it: %v", in["LogoutURLs"])
	}
	if in["ClientName"] != "web-app" || in["CallbackURLs"] == nil {
		t.Errorf("the members the patch does not mention were not sent again: %v", in)
	}
	var answered map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &answered); err != nil {
		t.Fatal(err)
	}
	if answered["AllowedOAuthFlowsUserPoolClient"] != false || answered["EnableTokenRevocation"] != false {
		t.Errorf("the answer shows AllowedOAuthFlowsUserPoolClient %v, EnableTokenRevocation %v; want both false",
			answered["AllowedOAuthFlowsUserPoolClient"], answered["EnableTokenRevocation"])
	}
}
