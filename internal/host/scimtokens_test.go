package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// countingProxy forwards to moto and counts the requests it forwards, by
// the service their X-Amz-Target names.
type countingProxy struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int
}

func newCountingProxy(t *testing.T, moto string) *countingProxy {
	t.Helper()
	target, err := url.Parse(moto)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{calls: map[string]int{}}
	forward := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		service, _, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		p.mu.Lock()
		p.calls[service]++
		p.mu.Unlock()
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *countingProxy) count(service string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[service]
}

// TestBuildWiresTheSCIMTokenStore: the gateway Build assembles issues SCIM
// tokens into Secrets Manager at its own endpoint, under
// SCIM_SECRET_PREFIX; Build itself calls nothing.
func TestBuildWiresTheSCIMTokenStore(t *testing.T) {
	moto := mototest.Start(t)
	cognito, secrets := newCountingProxy(t, moto), newCountingProxy(t, moto)
	pool, err := cip.NewFromConfig(mototest.Config(t, moto)).CreateUserPool(context.Background(),
		&cip.CreateUserPoolInput{PoolName: aws.String("scim")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	env := map[string]string{
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": cognito.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           secrets.URL,
		"SCIM_SECRET_PREFIX":                         "test-stack/scim/",
		"AWS_REGION":                                 "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
	}
	for k, v := range env {
		t.Setenv(k, v) // the default build's AWSConfig reads the process's environment
	}
	h, _, err := Build(context.Background(), os.Getenv, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if n := secrets.count("secretsmanager") + cognito.count("secretsmanager"); n != 0 {
		t.Fatalf("Build called Secrets Manager %d times", n)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/pools/"+poolID+"/scim/tokens", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var answer struct{ Token string }
	if err := json.NewDecoder(rec.Body).Decode(&answer); err != nil || answer.Token == "" {
		t.Fatalf("no token (%v)", err)
	}
	if cognito.count("secretsmanager") != 0 || secrets.count("secretsmanager") == 0 {
		t.Errorf("Secrets Manager calls: %d at Cognito's endpoint, %d at its own; want all at its own",
			cognito.count("secretsmanager"), secrets.count("secretsmanager"))
	}
	if _, err := secretsmanager.NewFromConfig(mototest.Config(t, moto)).GetSecretValue(context.Background(),
		&secretsmanager.GetSecretValueInput{SecretId: aws.String("test-stack/scim/" + poolID)}); err != nil {
		t.Errorf("no secret under SCIM_SECRET_PREFIX: %v", err)
	}
}

// TestSecretsManagerTakesItsOwnEndpoint: the Lambda build's configuration
// (EnvConfig) carries Cognito's endpoint as every service's; Secrets
// Manager's client takes its own, or every service's, or AWS's.
func TestSecretsManagerTakesItsOwnEndpoint(t *testing.T) {
	lambda := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
	cases := []struct {
		name, want string
		env        map[string]string
	}{
		{"only Cognito's", "", map[string]string{"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:5001"}},
		{"its own", "http://127.0.0.1:5002", map[string]string{
			"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:5001", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5002"}},
		{"every service's", "http://127.0.0.1:5000", map[string]string{
			"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:5001", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}},
		{"told to ignore them", "", map[string]string{
			"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5002", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if v, ok := tc.env[k]; ok {
					return v
				}
				return lambda[k]
			}
			cfg, err := EnvConfig(getenv)
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(secretsManager(cfg, getenv).Options().BaseEndpoint); got != tc.want {
				t.Errorf("endpoint %q, want %q", got, tc.want)
			}
		})
	}
}
