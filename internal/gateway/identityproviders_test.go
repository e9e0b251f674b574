package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

const (
	oidcSecret   = "oidc-client-s3cret"
	samlMetadata = `<EntityDescriptor entityID="https://idp.example.com"/>`
)

// describedOIDCProvider is a DescribeIdentityProvider answer whose
// ProviderDetails hold a secret.
func describedOIDCProvider() map[string]any {
	return map[string]any{"IdentityProvider": map[string]any{
		"UserPoolId": poolID, "ProviderName": "corp-oidc", "ProviderType": "OIDC",
		"ProviderDetails": map[string]any{
			"client_id": "corp-client", "client_secret": oidcSecret, "authorize_scopes": "openid",
			"oidc_issuer": "https://idp.example.com", "attributes_request_method": "GET",
		},
		"AttributeMapping": map[string]any{"email": "email", "username": "sub"},
		"IdpIdentifiers":   []any{"example.com"},
		"CreationDate":     1.7e9, "LastModifiedDate": 1.7e9,
	}}
}

// createSAMLProvider makes a SAML provider behind the gateway's back.
func createSAMLProvider(t *testing.T, m *motoGateway, pool string) {
	t.Helper()
	_, err := m.Direct.CreateIdentityProvider(context.Background(), &cip.CreateIdentityProviderInput{
		UserPoolId: &pool, ProviderName: aws.String("corp-saml"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails:  map[string]string{"MetadataFile": samlMetadata, "IDPSignout": "true"},
		AttributeMapping: map[string]string{"email": "mail", "name": "cn"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// describeProvider reads a provider with the SDK, past the gateway.
func describeProvider(t *testing.T, m *motoGateway, pool, name string) *types.IdentityProviderType {
	t.Helper()
	out, err := m.Direct.DescribeIdentityProvider(context.Background(), &cip.DescribeIdentityProviderInput{UserPoolId: &pool, ProviderName: &name})
	if err != nil {
		t.Fatal(err)
	}
	return out.IdentityProvider
}

// TestIdentityProviderLifecycleAgainstMoto: create, find, read, list and
// delete, and the client secret is in no answer and no log line.
func TestIdentityProviderLifecycleAgainstMoto(t *testing.T) {
	var logs bytes.Buffer
	m := startMotoGateway(t)
	m = m.with(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	pool := createPool(t, m, "federated")
	base := "/pools/" + pool + "/identity-providers"

	var created map[string]any
	resp := m.do(t, "POST", base, `{"ProviderName": "corp-oidc", "ProviderType": "OIDC",
		"ProviderDetails": {"client_id": "corp-client", "client_secret": "`+oidcSecret+`", "authorize_scopes": "openid",
			"oidc_issuer": "https://idp.example.com", "attributes_request_method": "GET"},
		"AttributeMapping": {"email": "email"}, "IdpIdentifiers": ["example.com"]}`, nil, &created)
	expect(t, resp, http.StatusCreated)
	if loc := resp.Header.Get("Location"); loc != base+"/corp-oidc" {
		t.Errorf("Location %q", loc)
	}
	details, _ := created["ProviderDetails"].(map[string]any)
	if details["client_id"] != "corp-client" || details["client_secret"] != nil {
		t.Errorf("created ProviderDetails %v: want client_id and no client_secret", details)
	}

	var got map[string]any
	resp = m.do(t, "GET", base+"/corp-oidc", "", nil, &got)
	expect(t, resp, http.StatusOK)
	details, _ = got["ProviderDetails"].(map[string]any)
	if details["oidc_issuer"] != "https://idp.example.com" || details["client_secret"] != nil || resp.Header.Get("ETag") == "" {
		t.Errorf("GET: %v, ETag %q", got, resp.Header.Get("ETag"))
	}

	createSAMLProvider(t, m, pool)
	names, _ := collectPages(t, m, base+"?Limit=1", "Providers", "ProviderName")
	if strings.Join(names, ",") != "corp-oidc,corp-saml" {
		t.Errorf("list: %v", names)
	}

	expect(t, m.do(t, "DELETE", base+"/corp-oidc", "", nil, nil), http.StatusNoContent)
	expect(t, m.do(t, "GET", base+"/corp-oidc", "", nil, nil), http.StatusNotFound)
	if strings.Contains(logs.String(), oidcSecret) {
		t.Errorf("the client secret reached the log: %s", logs.String())
	}
}

// TestPatchSAMLProviderAttributeMappingKeepsMetadataAndSignoutAgainstMoto:
// a PATCH of one mapping, or of one key of ProviderDetails, keeps the
// metadata and IDPSignout, as a separate client reads them. moto keeps
// what an UpdateIdentityProvider leaves out, which Cognito does not, so
// TestPatchIdentityProviderSendsTheWholeProvider pins the input itself.
func TestPatchSAMLProviderAttributeMappingKeepsMetadataAndSignoutAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "saml")
	createSAMLProvider(t, m, pool)
	target := "/pools/" + pool + "/identity-providers/corp-saml"
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}

	expect(t, m.do(t, "PATCH", target, `{"AttributeMapping": {"email": "emailaddress", "name": null}}`, merge, nil), http.StatusOK)
	p := describeProvider(t, m, pool, "corp-saml")
	if p.ProviderDetails["MetadataFile"] != samlMetadata || p.ProviderDetails["IDPSignout"] != "true" {
		t.Errorf("after the AttributeMapping PATCH, ProviderDetails %v", p.ProviderDetails)
	}
	if want := map[string]string{"email": "emailaddress"}; !reflect.DeepEqual(p.AttributeMapping, want) {
		t.Errorf("AttributeMapping %v, want %v", p.AttributeMapping, want)
	}

	expect(t, m.do(t, "PATCH", target, `{"ProviderDetails": {"IDPInit": "true"}}`, merge, nil), http.StatusOK)
	p = describeProvider(t, m, pool, "corp-saml")
	if p.ProviderDetails["MetadataFile"] != samlMetadata || p.ProviderDetails["IDPSignout"] != "true" || p.ProviderDetails["IDPInit"] != "true" {
		t.Errorf("after the ProviderDetails PATCH, ProviderDetails %v", p.ProviderDetails)
	}
}

// TestPatchOIDCProviderKeepsItsSecretAgainstMoto: the secret is never
// shown, not even by a dry run, and never logged, yet a PATCH that leaves
// it out keeps it.
func TestPatchOIDCProviderKeepsItsSecretAgainstMoto(t *testing.T) {
	var logs bytes.Buffer
	m := startMotoGateway(t)
	m = m.with(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	pool := createPool(t, m, "oidc")
	_, err := m.Direct.CreateIdentityProvider(context.Background(), &cip.CreateIdentityProviderInput{
		UserPoolId: &pool, ProviderName: aws.String("corp-oidc"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "corp-client", "client_secret": oidcSecret, "authorize_scopes": "openid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	target := "/pools/" + pool + "/identity-providers/corp-oidc"
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	patch := `{"ProviderDetails": {"authorize_scopes": "openid email"}}`

	var shown map[string]any
	resp := m.do(t, "PATCH", target+"?dryRun=true", patch, merge, &shown)
	expect(t, resp, http.StatusOK)
	details, _ := shown["ProviderDetails"].(map[string]any)
	if details["authorize_scopes"] != "openid email" || details["client_secret"] != nil {
		t.Errorf("dry run shows %v", shown)
	}

	var patched map[string]any
	resp = m.do(t, "PATCH", target, patch, merge, &patched)
	expect(t, resp, http.StatusOK)
	details, _ = patched["ProviderDetails"].(map[string]any)
	if details["authorize_scopes"] != "openid email" || details["client_secret"] != nil {
		t.Errorf("PATCH answers %v", patched)
	}
	p := describeProvider(t, m, pool, "corp-oidc")
	if p.ProviderDetails["client_secret"] != oidcSecret || p.ProviderDetails["client_id"] != "corp-client" {
		t.Errorf("after PATCH, ProviderDetails %v: the secret or the client id was lost", p.ProviderDetails)
	}
	if strings.Contains(logs.String(), oidcSecret) {
		t.Errorf("the client secret reached the log: %s", logs.String())
	}
}

// TestPatchIdentityProviderSendsTheWholeProvider pins the exact
// UpdateIdentityProvider input: Cognito resets what it is not given, which
// moto does not (it keeps omitted members), so only a stand-in shows that
// the PATCH sends every described member, the secret included.
func TestPatchIdentityProviderSendsTheWholeProvider(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeIdentityProvider", cognitotest.Reply(describedOIDCProvider()))
	stub.Handle("UpdateIdentityProvider", cognitotest.Reply(map[string]any{}))
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/identity-providers/corp-oidc",
		`{"AttributeMapping": {"email": "mail"}}`, map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
	}
	want := map[string]any{
		"UserPoolId": poolID, "ProviderName": "corp-oidc",
		"ProviderDetails": map[string]any{
			"client_id": "corp-client", "client_secret": oidcSecret, "authorize_scopes": "openid",
			"oidc_issuer": "https://idp.example.com", "attributes_request_method": "GET",
		},
		"AttributeMapping": map[string]any{"email": "mail", "username": "sub"},
		"IdpIdentifiers":   []any{"example.com"},
	}
	if got := onlyInput(t, stub, "UpdateIdentityProvider"); !reflect.DeepEqual(got, want) {
		t.Errorf("UpdateIdentityProvider input\n%v\nwant\n%v", got, want)
	}
	if strings.Contains(rec.Body.String(), oidcSecret) {
		t.Errorf("the answer shows the secret: %s", rec.Body)
	}
}

// TestGetIdentityProviderByIdentifierHidesTheSecret: moto lacks
// GetIdentityProviderByIdentifier, so a stand-in answers it.
func TestGetIdentityProviderByIdentifierHidesTheSecret(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("GetIdentityProviderByIdentifier", cognitotest.Reply(describedOIDCProvider()))
	rec := serveStandIn(t, stub, "GET", "/pools/"+poolID+"/identity-providers/by-identifier/example.com", "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	if got, want := onlyInput(t, stub, "GetIdentityProviderByIdentifier"), map[string]any{"UserPoolId": poolID, "IdpIdentifier": "example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("input %v, want %v", got, want)
	}
	if target := stub.Calls()[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.GetIdentityProviderByIdentifier" {
		t.Errorf("X-Amz-Target %q", target)
	}
	if body := rec.Body.String(); strings.Contains(body, oidcSecret) || !strings.Contains(body, `"client_id":"corp-client"`) {
		t.Errorf("answer %s: want client_id and no client_secret", body)
	}
}
