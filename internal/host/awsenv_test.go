package host

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// TestEnvConfigSignsWithLambdasCredentials: the Lambda build's
// configuration, from the variables Lambda sets, reaches the endpoint the
// environment names and signs for its region with the role's temporary
// credentials, session token included.
func TestEnvConfigSignsWithLambdasCredentials(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(map[string]any{"UserPool": map[string]any{"Id": poolID}}))
	env := map[string]string{
		"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-west-3",
		"AWS_ACCESS_KEY_ID": "ASIALAMBDAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "lambda-secret",
		"AWS_SESSION_TOKEN": "lambda-session-token", "AWS_ENDPOINT_URL": stub.URL,
	}
	cfg, err := EnvConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	client := cip.NewFromConfig(cfg, cognito.Policy)
	if _, err := client.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)}); err != nil {
		t.Fatal(err)
	}
	calls := stub.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls reached the endpoint, want 1", len(calls))
	}
	header := calls[0].Header
	if auth := header.Get("Authorization"); !strings.Contains(auth, "Credential=ASIALAMBDAEXAMPLE/") ||
		!strings.Contains(auth, "/eu-west-3/cognito-idp/aws4_request") {
		t.Errorf("Authorization %q: not signed with the environment's key for its region", auth)
	}
	if token := header.Get("X-Amz-Security-Token"); token != "lambda-session-token" {
		t.Errorf("X-Amz-Security-Token %q, want the environment's session token", token)
	}
}

// TestEnvConfig holds the Lambda build's configuration to the variables the
// SDK's own chain reads, and to a clear error when Lambda's are missing.
func TestEnvConfig(t *testing.T) {
	lambda := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
	with := func(more map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range lambda {
			env[k] = v
		}
		for k, v := range more {
			if v == "" {
				delete(env, k)
			} else {
				env[k] = v
			}
		}
		return env
	}
	cases := []struct {
		name                  string
		env                   map[string]string
		region, endpoint, key string
		wantErr               string
	}{
		{name: "Lambda's environment", env: lambda, region: "us-east-1", key: "AKID"},
		{name: "the older names", env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-1",
			"AWS_ACCESS_KEY": "AKOLD", "AWS_SECRET_KEY": "secret"}, region: "eu-west-1", key: "AKOLD"},
		{name: "AWS_REGION before AWS_DEFAULT_REGION", env: with(map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}),
			region: "us-east-1", key: "AKID"},
		{name: "every service's endpoint", env: with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}),
			region: "us-east-1", key: "AKID", endpoint: "http://127.0.0.1:5000"},
		{name: "Cognito's own endpoint wins",
			env: with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
				"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:5001"}),
			region: "us-east-1", key: "AKID", endpoint: "http://127.0.0.1:5001"},
		{name: "endpoints the SDK is told to ignore",
			env:    with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
			region: "us-east-1", key: "AKID"},
		{name: "no region", env: with(map[string]string{"AWS_REGION": ""}), wantErr: "AWS_REGION is not set"},
		{name: "no credentials", env: map[string]string{"AWS_REGION": "us-east-1"},
			wantErr: "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY is not set"},
		{name: "no secret key", env: with(map[string]string{"AWS_SECRET_ACCESS_KEY": ""}),
			wantErr: "AWS_SECRET_ACCESS_KEY is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := EnvConfig(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.region || creds.AccessKeyID != tc.key || aws.ToString(cfg.BaseEndpoint) != tc.endpoint {
				t.Errorf("region %q, key %q, endpoint %q; want %q, %q, %q",
					cfg.Region, creds.AccessKeyID, aws.ToString(cfg.BaseEndpoint), tc.region, tc.key, tc.endpoint)
			}
		})
	}
}
