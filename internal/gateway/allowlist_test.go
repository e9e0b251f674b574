package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestMeOutsideTheAllowListIsRefusedAgainstMoto: with only pool A allowed,
// a real access token of pool F neither reads nor changes its user through
// /me, while a token of pool A does.
func TestMeOutsideTheAllowListIsRefusedAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	allowed, allowedToken := signIn(t, m, "ada", "Correct-Horse-9")
	other, otherToken := signIn(t, m, "eve", "Correct-Horse-9")
	guarded := m.with(t, Options{AllowedPools: []string{allowed}})
	bearerOf := func(token string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }

	var refusal map[string]any
	expect(t, guarded.do(t, "GET", "/me", "", bearerOf(otherToken), &refusal), http.StatusForbidden)
	if refusal["code"] != "Forbidden" {
		t.Errorf("refusal %v", refusal)
	}
	expect(t, guarded.do(t, "PATCH", "/me/attributes", `{"UserAttributes": [{"Name": "given_name", "Value": "Mallory"}]}`,
		bearerOf(otherToken), nil), http.StatusForbidden)
	user, err := m.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &other, Username: aws.String("eve")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range user.UserAttributes {
		if aws.ToString(a.Name) == "given_name" {
			t.Errorf("the refused PATCH changed eve: given_name %q", aws.ToString(a.Value))
		}
	}

	var me map[string]any
	expect(t, guarded.do(t, "GET", "/me", "", bearerOf(allowedToken), &me), http.StatusOK)
	if me["Username"] != "ada" {
		t.Errorf("GET /me with the allowed pool's token: %v", me)
	}
	// A token whose payload names no pool cannot be checked: 401.
	resp := guarded.do(t, "GET", "/me", "", bearer, nil)
	expect(t, resp, http.StatusUnauthorized)
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// TestMeAllowListIsCheckedBeforeCognito: under an allow-list, a token of
// another pool, or one whose payload names no Cognito pool, never reaches
// Cognito.
func TestMeAllowListIsCheckedBeforeCognito(t *testing.T) {
	cases := []struct {
		name, token string
		status      int
	}{
		{"another pool", tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", "sub": "s"}), 403},
		{"an allowed pool's name inside another's", tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/" + poolID + "x"}), 403},
		{"an issuer that is not Cognito", tokenFor(map[string]any{"iss": "https://example.com/" + poolID}), 401},
		{"a path under the pool", tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/" + poolID + "/x"}), 401},
		{"no iss", tokenFor(map[string]any{"sub": "s"}), 401},
		{"a payload that is not JSON", "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".c2ln", 401},
		{"not a JWT", "opaque-token", 401},
	}
	stub := cognitotest.New(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gatewayWith(t, stub, Options{AllowedPools: []string{poolID}})
			req := httptest.NewRequest("GET", "/me", nil)
			req.Header.Set("Authorization", "Bearer "+c.token)
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code != c.status {
				t.Errorf("%d, want %d: %s", rec.Code, c.status, rec.Body)
			}
		})
	}
	if calls := callNames(stub); calls != "" {
		t.Errorf("Cognito was called: %s", calls)
	}
}

// tokenFor is a JWT-shaped token with payload: enough for the gateway,
// which reads the payload unverified; Cognito (here the stand-in) would
// check the signature.
func tokenFor(payload map[string]any) string {
	encoded, _ := json.Marshal(payload)
	return "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0." + base64.RawURLEncoding.EncodeToString(encoded) + ".c2lnbmF0dXJl"
}
