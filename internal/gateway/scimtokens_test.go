package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/scimauth"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// scimTokenGateway is a gateway with opts and a token store, both on one
// moto, which serves Cognito and Secrets Manager on the same port; and a
// pool it knows.
func scimTokenGateway(t *testing.T, opts func(poolID string) Options) (m *motoGateway, poolID string, secrets *secretsmanager.Client) {
	t.Helper()
	endpoint := mototest.Start(t)
	direct := cip.NewFromConfig(mototest.Config(t, endpoint))
	pool, err := direct.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("scim")})
	if err != nil {
		t.Fatal(err)
	}
	poolID = aws.ToString(pool.UserPool.Id)
	secrets = secretsmanager.NewFromConfig(mototest.Config(t, endpoint))
	o := opts(poolID)
	if o.SCIMTokens == nil {
		o.SCIMTokens = scimauth.New(secrets, scimauth.Options{})
	}
	return serveMoto(t, endpoint, direct, o), poolID, secrets
}

// hasSecret reports whether Secrets Manager holds poolID's secret.
func hasSecret(t *testing.T, secrets *secretsmanager.Client, poolID string) bool {
	t.Helper()
	_, err := secrets.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(scimauth.DefaultPrefix + poolID)})
	var missing *smtypes.ResourceNotFoundException
	if errors.As(err, &missing) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// TestIssueScimTokenAnswersANewTokenOnce: each POST answers a new token,
// not for a cache, which a Store with nothing cached, as another instance
// is, then accepts: the two newest at once.
func TestIssueScimTokenAnswersANewTokenOnce(t *testing.T) {
	m, poolID, secrets := scimTokenGateway(t, func(string) Options { return Options{} })
	path := "/pools/" + poolID + "/scim/tokens"
	var tokens []string
	for range 2 {
		var answer struct{ Token string }
		resp := m.do(t, http.MethodPost, path, "", nil, &answer)
		expect(t, resp, http.StatusOK)
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(answer.Token) {
			t.Fatalf("token %q is not 32 bytes in base64url", answer.Token)
		}
		tokens = append(tokens, answer.Token)
	}
	if tokens[0] == tokens[1] {
		t.Fatal("two issues answered the same token")
	}
	elsewhere := scimauth.New(secrets, scimauth.Options{})
	for _, token := range tokens {
		if err := elsewhere.Verify(context.Background(), poolID, token, "192.0.2.1"); err != nil {
			t.Errorf("an issued token is refused: %v", err)
		}
	}
}

// TestIssueScimTokenHonoursTheAllowList: a pool outside the allow-list is
// a 403, and gets no secret.
func TestIssueScimTokenHonoursTheAllowList(t *testing.T) {
	m, poolID, secrets := scimTokenGateway(t, func(string) Options {
		return Options{AllowedPools: []string{"us-east-1_Other1"}}
	})
	expect(t, m.do(t, http.MethodPost, "/pools/"+poolID+"/scim/tokens", "", nil, nil), http.StatusForbidden)
	if hasSecret(t, secrets, poolID) {
		t.Error("a secret was stored for a pool outside the allow-list")
	}
}

// TestIssueScimTokenFailuresTellNoInternals: no store, or a store that
// cannot reach Secrets Manager, is a 5xx whose body names neither. The
// route calls no Cognito action, so a stand-in that answers nothing will do.
func TestIssueScimTokenFailuresTellNoInternals(t *testing.T) {
	unreachable := secretsmanager.NewFromConfig(mototest.Config(t, "http://127.0.0.1:1"),
		func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	cases := []struct {
		name   string
		store  SCIMTokens
		status int
	}{
		{"no store", nil, http.StatusInternalServerError},
		{"Secrets Manager unreachable", scimauth.New(unreachable, scimauth.Options{}), http.StatusBadGateway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			g, err := New(stub.Client(), loadSpec(t), Options{SCIMTokens: tc.store})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/pools/"+poolID+"/scim/tokens", nil)
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			for _, internal := range []string{"127.0.0.1", "SCIMTokens", "secretsmanager", "dial"} {
				if strings.Contains(rec.Body.String(), internal) {
					t.Errorf("the answer tells of %q: %s", internal, rec.Body)
				}
			}
			if calls := callNames(stub); calls != "" {
				t.Errorf("Cognito was called: %s", calls)
			}
		})
	}
}

// TestSCIMRoutesTakeTheTokensTheirPoolWasIssued joins the two halves of
// SCIM's authentication through the real store on moto's Secrets Manager:
// a token issued by POST .../scim/tokens opens its own pool's SCIM routes
// and no other pool's; none, a wrong one and one that two later issues have
// rotated out are 401s in SCIM's error schema.
func TestSCIMRoutesTakeTheTokensTheirPoolWasIssued(t *testing.T) {
	m, poolA, secrets := scimTokenGateway(t, func(string) Options { return Options{} })
	out, err := m.Direct.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	poolB := aws.ToString(out.UserPool.Id)
	issue := func(g *motoGateway, pool string) string {
		t.Helper()
		var answer struct{ Token string }
		expect(t, g.do(t, http.MethodPost, "/pools/"+pool+"/scim/tokens", "", nil, &answer), http.StatusOK)
		return answer.Token
	}
	users := func(g *motoGateway, pool, token string, status int) {
		t.Helper()
		header := map[string]string{}
		if token != "" {
			header["Authorization"] = "Bearer " + token
		}
		resp := g.do(t, http.MethodGet, "/pools/"+pool+"/scim/v2/Users", "", header, nil)
		expect(t, resp, status)
		if status == http.StatusUnauthorized && resp.Header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("a refused token is answered as %q, not in SCIM's error schema", resp.Header.Get("Content-Type"))
		}
	}
	first := issue(m, poolA)
	tokenB := issue(m, poolB)
	users(m, poolA, first, http.StatusOK)
	users(m, poolB, tokenB, http.StatusOK)
	users(m, poolA, "", http.StatusUnauthorized)
	users(m, poolA, first+"x", http.StatusUnauthorized)
	users(m, poolB, first, http.StatusUnauthorized)
	users(m, poolA, tokenB, http.StatusUnauthorized)

	second, third := issue(m, poolA), issue(m, poolA)
	// Another instance, whose cache holds nothing, reads the rotated
	// secret: the two newest tokens open pool A, the first no longer does.
	fresh := m.with(t, Options{SCIMTokens: scimauth.New(secrets, scimauth.Options{})})
	users(fresh, poolA, second, http.StatusOK)
	users(fresh, poolA, third, http.StatusOK)
	users(fresh, poolA, first, http.StatusUnauthorized)
}
