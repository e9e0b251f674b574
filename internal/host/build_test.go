package host

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReadConfig(t *testing.T) {
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
		{name: "bad timeout", env: map[string]string{"REQUEST_TIMEOUT": "10"},
			wantErr: `REQUEST_TIMEOUT="10" is not a positive Go duration`},
		{name: "unknown rate category", env: map[string]string{"COGNITO_RATE_LIMITS": "UserUpdates=5"},
			wantErr: `COGNITO_RATE_LIMITS: unknown quota category "UserUpdates"`},
		{name: "bad rate", env: map[string]string{"COGNITO_RATE_LIMITS": "UserUpdate=-1"},
			wantErr: "COGNITO_RATE_LIMITS: UserUpdate=-1: the rate must be a positive number"},
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
