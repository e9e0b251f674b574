package poolconfig

import (
	"context"
	"encoding/json"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// sdkCognito is the package's Cognito over a real SDK client, as the
// gateway's is without its pacing: moto or the stand-in answers.
type sdkCognito struct{ client *cip.Client }

func (s sdkCognito) Call(ctx context.Context, name string, input map[string]any) (map[string]any, error) {
	encoded, err := canonjson.Append(nil, input, false)
	if err != nil {
		return nil, err
	}
	out, err := cognito.Actions()[name].Call(ctx, s.client, encoded)
	if err != nil {
		return nil, cognito.Problem(err)
	}
	doc, _ := cognito.Document(out).(map[string]any)
	return doc, nil
}

// startMoto is moto behind the stand-in, which keeps the pool settings
// moto lacks (threat protection, log delivery) and forwards the rest.
func startMoto(t *testing.T) sdkCognito {
	t.Helper()
	stub := cognitotest.New(t)
	stub.Forward(mototest.Start(t))
	stub.KeepPoolSettings()
	return sdkCognito{stub.Client()}
}

func standIn(t *testing.T) (*cognitotest.Server, sdkCognito) {
	t.Helper()
	stub := cognitotest.New(t)
	return stub, sdkCognito{stub.Client()}
}

// call calls one action and fails the test on an error.
func (s sdkCognito) call(t *testing.T, name string, input string) map[string]any {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal([]byte(input), &in); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := s.Call(context.Background(), name, in)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// richPool makes, in moto, a pool that uses every section moto has: a
// trigger, a password policy, tags, a custom attribute, MFA, a domain, a
// resource server with scopes, a SAML and an OIDC provider, three groups,
// and two clients, one with a secret, that name the providers and scopes.
func richPool(t *testing.T, c sdkCognito, domain string) string {
	t.Helper()
	out := c.call(t, "CreateUserPool", `{"PoolName": "staging",
		"LambdaConfig": {"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"},
		"Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": true, "RequireLowercase": true,
			"RequireUppercase": false, "RequireSymbols": false, "TemporaryPasswordValidityDays": 3}},
		"UserPoolTags": {"team": "identity", "env": "staging"},
		"AutoVerifiedAttributes": ["email"],
		"Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}]}`)
	poolID := out["UserPool"].(map[string]any)["Id"].(string)
	c.call(t, "SetUserPoolMfaConfig", `{"UserPoolId": "`+poolID+`", "MfaConfiguration": "OPTIONAL",
		"SoftwareTokenMfaConfiguration": {"Enabled": true}}`)
	c.call(t, "CreateUserPoolDomain", `{"UserPoolId": "`+poolID+`", "Domain": "`+domain+`"}`)
	c.call(t, "CreateResourceServer", `{"UserPoolId": "`+poolID+`", "Identifier": "https://api.example.com",
		"Name": "Orders", "Scopes": [{"ScopeName": "orders.read", "ScopeDescription": "Read orders"},
		{"ScopeName": "orders.write", "ScopeDescription": "Place orders"}]}`)
	c.call(t, "CreateIdentityProvider", `{"UserPoolId": "`+poolID+`", "ProviderName": "corp-saml", "ProviderType": "SAML",
		"ProviderDetails": {"MetadataURL": "https://idp.example.com/metadata"}, "AttributeMapping": {"email": "mail"}}`)
	c.call(t, "CreateIdentityProvider", `{"UserPoolId": "`+poolID+`", "ProviderName": "corp-oidc", "ProviderType": "OIDC",
		"ProviderDetails": {"client_id": "gateway", "client_secret": "oidc-s3cret", "authorize_scopes": "openid email",
		"oidc_issuer": "https://oidc.example.com", "attributes_request_method": "GET"}, "AttributeMapping": {"email": "email"}}`)
	for i, group := range []string{"admins", "support", "readers"} {
		c.call(t, "CreateGroup", `{"UserPoolId": "`+poolID+`", "GroupName": "`+group+`", "Description": "the `+group+`", "Precedence": `+string(rune('1'+i))+`}`)
	}
	c.call(t, "CreateUserPoolClient", `{"UserPoolId": "`+poolID+`", "ClientName": "web",
		"SupportedIdentityProviders": ["COGNITO", "corp-saml", "corp-oidc"], "CallbackURLs": ["https://app.example.com/cb"],
		"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "https://api.example.com/orders.read"],
		"AllowedOAuthFlowsUserPoolClient": true, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}`)
	c.call(t, "CreateUserPoolClient", `{"UserPoolId": "`+poolID+`", "ClientName": "back-office", "GenerateSecret": true,
		"ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}`)
	return poolID
}

func TestPlanOfTheExportHasNoChange(t *testing.T) {
	c := startMoto(t)
	ctx := context.Background()
	poolID := richPool(t, c, "staging-example")
	doc, err := Export(ctx, c, poolID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.MarshalIndent(doc, "", "  ")
	t.Logf("%s", raw)
	changes, err := Plan(ctx, c, poolID, doc, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Fatalf("a plan of the export has %d changes: %v", len(changes), Trees(changes))
	}
}

// set replaces the member at path of doc's tree.
func set(doc map[string]any, value any, path ...string) {
	for _, name := range path[:len(path)-1] {
		next, ok := doc[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[name] = next
		}
		doc = next
	}
	doc[path[len(path)-1]] = value
}

func targets(changes []Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Action+" "+c.Target)
	}
	return out
}

func TestApplyMakesThePoolMatchAndAgainChangesNothing(t *testing.T) {
	c := startMoto(t)
	ctx := context.Background()
	poolID := richPool(t, c, "apply-example")
	doc, err := Export(ctx, c, poolID)
	if err != nil {
		t.Fatal(err)
	}
	set(doc, 14.0, "Pool", "Policies", "PasswordPolicy", "MinimumLength")
	set(doc, map[string]any{"Description": "on call", "Precedence": 9.0}, "Groups", "on-call")
	set(doc, "the readers, read only", "Groups", "readers", "Description")
	set(doc, []any{"https://app.example.com/cb", "https://app.example.com/cb2"}, "Clients", "web", "CallbackURLs")
	set(doc, map[string]any{"email": "mail", "name": "displayName"}, "IdentityProviders", "corp-saml", "AttributeMapping")
	set(doc, map[string]any{"EventAction": "BLOCK"}, "RiskConfiguration", "CompromisedCredentialsRiskConfiguration", "Actions")
	set(doc, []any{map[string]any{"EventSource": "userNotification", "LogLevel": "ERROR",
		"CloudWatchLogsConfiguration": map[string]any{"LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:cognito"}}},
		"LogDelivery", "LogConfigurations")
	changes, err := Plan(ctx, c, poolID, doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"UpdateUserPool Pool",
		"SetRiskConfiguration RiskConfiguration",
		"SetLogDeliveryConfiguration LogDelivery",
		"UpdateIdentityProvider IdentityProviders/corp-saml",
		"CreateGroup Groups/on-call",
		"UpdateGroup Groups/readers",
		"UpdateUserPoolClient Clients/web",
	}
	if got := targets(changes); !equal(got, want) {
		t.Fatalf("plan: %q, want %q", got, want)
	}
	// The update of the pool sends its whole configuration, so that
	// UpdateUserPool resets nothing: the trigger and the tags among it.
	input := changes[0].input
	if input["LambdaConfig"] == nil || input["UserPoolTags"] == nil || input["MfaConfiguration"] != "OPTIONAL" {
		t.Errorf("UpdateUserPool input leaves members out: %v", input)
	}
	outcome, err := Apply(ctx, c, changes, nil)
	if err != nil || outcome.Failed != nil || len(outcome.Applied) != len(want) {
		t.Fatalf("apply: %v %+v", err, outcome.Tree())
	}
	again, err := Plan(ctx, c, poolID, doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("the plan after the apply has changes: %q", targets(again))
	}
	after, err := Export(ctx, c, poolID)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(after, doc) {
		t.Errorf("export after apply differs from the document applied:\n%v\n%v", after, doc)
	}
}

func TestPlanListsWhatCognitoCannotChangeAsImpossible(t *testing.T) {
	c := startMoto(t)
	ctx := context.Background()
	out := c.call(t, "CreateUserPool", `{"PoolName": "fixed", "UsernameAttributes": ["email"],
		"Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}]}`)
	poolID := out["UserPool"].(map[string]any)["Id"].(string)
	c.call(t, "CreateUserPoolDomain", `{"UserPoolId": "`+poolID+`", "Domain": "fixed-example"}`)
	doc, err := Export(ctx, c, poolID)
	if err != nil {
		t.Fatal(err)
	}
	set(doc, []any{"phone_number"}, "Pool", "UsernameAttributes")
	set(doc, "other-example", "Domain", "Domain")
	// custom:tenant left out is a removal; custom:region is new.
	set(doc, []any{map[string]any{"Name": "custom:region", "AttributeDataType": "String", "Mutable": true}}, "Pool", "Schema")
	changes, err := Plan(ctx, c, poolID, doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	impossible := map[string]string{}
	var possible []string
	for _, change := range changes {
		if change.Impossible != "" {
			impossible[change.Target] = change.Impossible
			continue
		}
		possible = append(possible, change.Action+" "+change.Target)
	}
	for _, target := range []string{"Pool/UsernameAttributes", "Pool/Schema/custom:tenant", "Domain"} {
		if impossible[target] == "" {
			t.Errorf("%s is not impossible; plan: %v", target, Trees(changes))
		}
	}
	if !equal(possible, []string{"AddCustomAttributes Pool/Schema"}) {
		t.Errorf("possible changes: %q, want the new custom attribute alone", possible)
	}
	if _, err := Apply(ctx, c, changes, func(Change, error) { t.Error("apply tried a change") }); err == nil {
		t.Error("an apply of a plan with impossible changes was not refused")
	}
}
