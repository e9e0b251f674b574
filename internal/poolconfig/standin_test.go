package poolconfig

import (
	"bytes"
	"context"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// Against the JSON-RPC stand-in: what moto lacks (UpdateResourceServer)
// and what moto hides (its UpdateGroup and UpdateUserPoolClient keep what
// they are not sent, where Cognito resets it), pinned by the exact input.

// scriptedPool answers the reads of a pool with one resource server, one
// group and one app client, as the API reference describes them.
func scriptedPool(stub *cognitotest.Server) {
	stub.KeepPoolSettings()
	stub.Handle("DescribeUserPool", cognitotest.Reply(map[string]any{"UserPool": map[string]any{
		"Id": "us-east-1_A", "Name": "staging", "Arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A",
		"LastModifiedDate": 1.7e9, "CreationDate": 1.6e9, "MfaConfiguration": "OFF"}}))
	stub.Handle("GetUserPoolMfaConfig", cognitotest.Reply(map[string]any{"MfaConfiguration": "OFF"}))
	stub.Handle("ListResourceServers", cognitotest.Reply(map[string]any{"ResourceServers": []any{map[string]any{
		"UserPoolId": "us-east-1_A", "Identifier": "https://api.example.com", "Name": "API",
		"Scopes": []any{map[string]any{"ScopeName": "read", "ScopeDescription": "Read"}}}}}))
	stub.Handle("ListIdentityProviders", cognitotest.Reply(map[string]any{"Providers": []any{}}))
	stub.Handle("ListGroups", cognitotest.Reply(map[string]any{"Groups": []any{map[string]any{
		"GroupName": "admins", "UserPoolId": "us-east-1_A", "Description": "Admins", "Precedence": 1,
		"RoleArn": "arn:aws:iam::123456789012:role/admins", "CreationDate": 1.6e9}}}))
	stub.Handle("ListUserPoolClients", cognitotest.Reply(map[string]any{"UserPoolClients": []any{map[string]any{
		"ClientId": "client-1", "ClientName": "web", "UserPoolId": "us-east-1_A"}}}))
	stub.Handle("DescribeUserPoolClient", cognitotest.Reply(map[string]any{"UserPoolClient": map[string]any{
		"ClientId": "client-1", "ClientName": "web", "UserPoolId": "us-east-1_A",
		"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": []any{"code"},
		"AllowedOAuthScopes": []any{"https://api.example.com/read"}, "CallbackURLs": []any{"https://app.example.com/cb"},
		"EnableTokenRevocation": true, "RefreshTokenValidity": 30, "CreationDate": 1.6e9}}))
	for _, write := range []string{"UpdateResourceServer", "UpdateGroup", "UpdateUserPoolClient"} {
		stub.Handle(write, cognitotest.Reply(map[string]any{}))
	}
}

func onlyInput(t *testing.T, stub *cognitotest.Server, action string) map[string]any {
	t.Helper()
	var inputs []map[string]any
	for _, call := range stub.Calls() {
		if call.Action == action {
			inputs = append(inputs, call.Input)
		}
	}
	if len(inputs) != 1 {
		t.Fatalf("%s was called %d times, want once", action, len(inputs))
	}
	return inputs[0]
}

func TestApplySendsTheMergedWholeToSettersThatReset(t *testing.T) {
	stub, c := standIn(t)
	scriptedPool(stub)
	ctx := context.Background()
	changes, err := Plan(ctx, c, "us-east-1_A", Document{
		"ResourceServers": map[string]any{"https://api.example.com": map[string]any{"Name": "Orders API"}},
		"Groups":          map[string]any{"admins": map[string]any{"Precedence": 2}},
		"Clients":         map[string]any{"web": map[string]any{"CallbackURLs": []any{"https://app.example.com/new"}}},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, c, changes, nil); err != nil {
		t.Fatal(err)
	}
	for action, want := range map[string]map[string]any{
		// UpdateResourceServer deletes the scopes it is not sent.
		"UpdateResourceServer": {"UserPoolId": "us-east-1_A", "Identifier": "https://api.example.com", "Name": "Orders API",
			"Scopes": []any{map[string]any{"ScopeName": "read", "ScopeDescription": "Read"}}},
		// UpdateGroup removes the description and role it is not sent.
		"UpdateGroup": {"UserPoolId": "us-east-1_A", "GroupName": "admins", "Description": "Admins", "Precedence": 2.0,
			"RoleArn": "arn:aws:iam::123456789012:role/admins"},
		// UpdateUserPoolClient resets its OAuth settings when not sent.
		"UpdateUserPoolClient": {"UserPoolId": "us-east-1_A", "ClientId": "client-1", "ClientName": "web",
			"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": []any{"code"},
			"AllowedOAuthScopes": []any{"https://api.example.com/read"}, "CallbackURLs": []any{"https://app.example.com/new"},
			"EnableTokenRevocation": true, "RefreshTokenValidity": 30.0},
	} {
		if got := onlyInput(t, stub, action); !equal(got, want) {
			t.Errorf("%s input:\n%v\nwant\n%v", action, got, want)
		}
	}
	for _, call := range stub.Calls() {
		if call.Action == "UpdateUserPool" || call.Action == "SetUserPoolMfaConfig" || call.Action == "SetRiskConfiguration" {
			t.Errorf("%s was called, though the document leaves its section out", call.Action)
		}
	}
}

// TestPlanOrdersByDependency: resource servers and providers are made
// before the clients that name them, and deleted after, under prune.
func TestPlanOrdersByDependency(t *testing.T) {
	stub, c := standIn(t)
	scriptedPool(stub)
	changes, err := Plan(context.Background(), c, "us-east-1_A", Document{
		"Clients": map[string]any{"mobile": map[string]any{"SupportedIdentityProviders": []any{"corp"},
			"AllowedOAuthScopes": []any{"https://orders.example.com/write"}}},
		"IdentityProviders": map[string]any{"corp": map[string]any{"ProviderType": "SAML",
			"ProviderDetails": map[string]any{"MetadataURL": "https://idp.example.com/metadata"}}},
		"ResourceServers": map[string]any{"https://orders.example.com": map[string]any{"Name": "Orders",
			"Scopes": []any{map[string]any{"ScopeName": "write", "ScopeDescription": "Write"}}}},
		"Groups": map[string]any{},
	}, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CreateResourceServer ResourceServers/https://orders.example.com",
		"CreateIdentityProvider IdentityProviders/corp",
		"CreateUserPoolClient Clients/mobile",
		"DeleteUserPoolClient Clients/web",
		"DeleteGroup Groups/admins",
		"DeleteResourceServer ResourceServers/https://api.example.com",
	}
	if got := targets(changes); !equal(got, want) {
		t.Errorf("plan %q, want %q", got, want)
	}
}

func TestANewProviderWithoutItsSecretIsImpossibleAndWithItIsMasked(t *testing.T) {
	stub, c := standIn(t)
	scriptedPool(stub)
	provider := map[string]any{"ProviderType": "OIDC", "ProviderDetails": map[string]any{
		"client_id": "gw", "client_secret": SecretMarker, "oidc_issuer": "https://oidc.example.com",
		"authorize_scopes": "openid", "attributes_request_method": "GET"}}
	doc := Document{"IdentityProviders": map[string]any{"corp": provider}}
	changes, err := Plan(context.Background(), c, "us-east-1_A", doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Impossible == "" {
		t.Fatalf("plan: %v", Trees(changes))
	}
	changes, err = Plan(context.Background(), c, "us-east-1_A", doc, Options{Secrets: Secrets{"IdentityProviders": {"corp": {"client_secret": "s3cret"}}}})
	if err != nil || len(changes) != 1 || changes[0].Impossible != "" {
		t.Fatalf("plan with the secret: %v %v", err, Trees(changes))
	}
	if got := changes[0].input["ProviderDetails"].(map[string]any)["client_secret"]; got != "s3cret" {
		t.Errorf("the create sends %v", got)
	}
	if shown, _ := canonjson.Append(nil, Trees(changes), false); bytes.Contains(shown, []byte("s3cret")) {
		t.Errorf("the plan shows the secret: %s", shown)
	}
}
