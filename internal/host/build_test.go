package host

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/scim"
)

func TestReadConfig(t *testing.T) {
	local := func(host string) Config {
		return Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout, RateLimits: map[string]float64{},
			LocalCognito: host}
	}
	cases := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", env: map[string]string{},
			want: Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout, RateLimits: map[string]float64{}}},
		{name: "Lambda, address and timeout",
			env:  map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "LISTEN_ADDR": ":9000", "REQUEST_TIMEOUT": "3s"},
			want: Config{Lambda: true, ListenAddr: ":9000", RequestTimeout: 3 * time.Second, RateLimits: map[string]float64{}}},
		{name: "rate limits by category",
			env: map[string]string{"COGNITO_RATE_LIMITS": "UserUpdate=5, UserList=0.5"},
			want: Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout,
				RateLimits: map[string]float64{"UserUpdate": 5, "UserList": 0.5}}},
		{name: "allowed pools are trimmed and empty entries dropped",
			env: map[string]string{"ALLOWED_POOL_IDS": " us-east-1_Example1,,eu-west-1_Other2 , "},
			want: Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout, RateLimits: map[string]float64{},
				AllowedPools: []string{"us-east-1_Example1", "eu-west-1_Other2"}}},
		{name: "only commas allow every pool",
			env:  map[string]string{"ALLOWED_POOL_IDS": " , "},
			want: Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout, RateLimits: map[string]float64{}}},
		{name: "moto on loopback, as make run starts it",
			env:  map[string]string{"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:5000"},
			want: local("127.0.0.1")},
		{name: "anywhere in 127.0.0.0/8", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.3.4.5:5000/"},
			want: local("127.3.4.5")},
		{name: "localhost", env: map[string]string{"AWS_ENDPOINT_URL": "http://LocalHost.:5000"},
			want: local("localhost")},
		{name: "IPv6 loopback", env: map[string]string{"AWS_ENDPOINT_URL": "http://[::1]:5000"},
			want: local("::1")},
		{name: "the service's own endpoint wins, as in the SDK",
			env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
				"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "https://cognito-idp.example.com"},
			want: local("")},
		{name: "endpoints the SDK is told to ignore",
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			want: local("")},
		{name: "moto in another container, as sam local reaches it",
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://host.docker.internal:5000"},
			want: local("")},
		{name: "a name that only looks like loopback", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1.example.com"},
			want: local("")},
		{name: "a prefix for the SCIM secrets", env: map[string]string{"SCIM_SECRET_PREFIX": "my-stack/scim/"},
			want: Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout, RateLimits: map[string]float64{},
				SCIMSecretPrefix: "my-stack/scim/"}},
		{name: "a prefix too long for a secret name", env: map[string]string{"SCIM_SECRET_PREFIX": strings.Repeat("a", 401)},
			wantErr: "SCIM_SECRET_PREFIX is 401 characters long; a prefix takes at most 400"},
		{name: "a prefix no secret name can start with", env: map[string]string{"SCIM_SECRET_PREFIX": "my stack/"},
			wantErr: `SCIM_SECRET_PREFIX="my stack/": a secret name takes only`},
		{name: "bad timeout", env: map[string]string{"REQUEST_TIMEOUT": "10"},
			wantErr: `REQUEST_TIMEOUT="10" is not a positive Go duration`},
		{name: "unknown rate category", env: map[string]string{"COGNITO_RATE_LIMITS": "UserUpdates=5"},
			wantErr: `COGNITO_RATE_LIMITS: unknown quota category "UserUpdates"`},
		{name: "bad rate", env: map[string]string{"COGNITO_RATE_LIMITS": "UserUpdate=-1"},
			wantErr: "COGNITO_RATE_LIMITS: UserUpdate=-1: the rate must be a positive number"},
		{name: "SCIM settings by pool",
			env: map[string]string{"SCIM_POOL_SETTINGS": `{"us-east-1_Example1": {"onDelete": "disable", "verifyEmail": false}}`},
			want: Config{ListenAddr: "127.0.0.1:8080", RequestTimeout: DefaultRequestTimeout, RateLimits: map[string]float64{},
				SCIMSettings: map[string]scim.Settings{"us-east-1_Example1": {OnDelete: "disable", VerifyEmail: new(false)}}}},
		{name: "a misspelt SCIM setting", env: map[string]string{"SCIM_POOL_SETTINGS": `{"us-east-1_Example1": {"deleteMode": "disable"}}`},
			wantErr: `SCIM_POOL_SETTINGS: json: unknown field "deleteMode"`},
		{name: "an unknown SCIM onDelete", env: map[string]string{"SCIM_POOL_SETTINGS": `{"us-east-1_Example1": {"onDelete": "archive"}}`},
			wantErr: `SCIM_POOL_SETTINGS: us-east-1_Example1: onDelete must be delete or disable`},
		{name: "pool ARN instead of id",
			env:     map[string]string{"ALLOWED_POOL_IDS": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example1"},
			wantErr: `ALLOWED_POOL_IDS: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example1" is not a user pool id`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadConfig(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestBuildDoesNotPaceALocalCognito: with Cognito on loopback (make run's
// moto), a burst of reads is not held to production's quota share, which
// turned a burst of 40 reads into 10 s of waiting; the start-up log says so,
// and a category COGNITO_RATE_LIMITS names is still paced.
func TestBuildDoesNotPaceALocalCognito(t *testing.T) {
	cases := []struct {
		name          string
		rateLimits    string
		wantThrottled bool
	}{
		{name: "no pacing by default"},
		// One read per 100 s: every read after the first is refused at
		// once, none waits near its deadline.
		{name: "a named category is paced", rateLimits: "UserPoolRead=0.01", wantThrottled: true},
		{name: "only the named categories", rateLimits: "UserUpdate=1"},
	}
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(map[string]any{"UserPool": map[string]any{"Id": poolID}}))
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": stub.URL, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"} {
		t.Setenv(k, v)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("COGNITO_RATE_LIMITS", tc.rateLimits)
			var logs bytes.Buffer
			h, _, err := Build(context.Background(), os.Getenv, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), `"cognitoHost":"127.0.0.1"`) {
				t.Errorf("the start-up log does not say that Cognito is local: %s", logs.String())
			}
			// 40 reads at once, as a script would send them. At 20% of
			// UserPoolRead's quota (3/s), most could not start within
			// their deadline.
			statuses := make(chan int, 40)
			for range cap(statuses) {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/pools/"+poolID, nil)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					statuses <- rec.Code
				}()
			}
			throttled := 0
			for range cap(statuses) {
				switch status := <-statuses; status {
				case http.StatusOK:
				case http.StatusTooManyRequests:
					throttled++
				default:
					t.Errorf("status %d", status)
				}
			}
			if got := throttled > 0; got != tc.wantThrottled {
				t.Errorf("%d of %d reads throttled by the gateway; want throttling: %v", throttled, cap(statuses), tc.wantThrottled)
			}
		})
	}
}
