package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/benchmark"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/host"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// BenchmarkRequest measures what the gateway adds to a Cognito call. Each
// case runs twice against the same in-memory Cognito (benchmark.Transport):
// "gateway" is the whole HTTP request through the handler as the local
// server runs it, logging to io.Discard; "sdk" is a Go program making the
// same Cognito calls with the SDK directly. `make bench` prints the ratio.
func BenchmarkRequest(b *testing.B) {
	cases := []struct {
		name, method, target, contentType, body string
		sdk                                     func(ctx context.Context, client *cip.Client) error
	}{
		{name: "getPool", method: http.MethodGet, target: "/pools/" + benchmark.PoolID,
			sdk: describePool},
		{name: "listUsers", method: http.MethodGet,
			target: "/pools/" + benchmark.PoolID + `/users?Filter=email+%5E%3D+%22ada%22&Limit=10`,
			sdk: func(ctx context.Context, client *cip.Client) error {
				_, err := client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(benchmark.PoolID),
					Filter: aws.String(`email ^= "ada"`), Limit: aws.Int32(10)})
				return err
			}},
		// PATCH is Describe, Update with the merged whole, and Describe
		// again for the answer and its ETag: the SDK side makes the same
		// three calls, with an Update input of the same size.
		{name: "patchPool", method: http.MethodPatch, target: "/pools/" + benchmark.PoolID,
			contentType: "application/merge-patch+json",
			body:        `{"DeletionProtection": "ACTIVE", "UserPoolTags": {"owner": "ops"}}`,
			sdk:         patchPool},
		// A route the spec grew by: a percent-encoded URL as its last
		// segment, among many more routes of as many segments.
		{name: "getResourceServer", method: http.MethodGet,
			target: "/pools/" + benchmark.PoolID + "/resource-servers/https:%2F%2Fapi.example.com",
			sdk: func(ctx context.Context, client *cip.Client) error {
				_, err := client.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{
					UserPoolId: aws.String(benchmark.PoolID), Identifier: aws.String("https://api.example.com")})
				return err
			}},
		// One of the routes issue 14 added, at the end of the clients'
		// five-segment paths, which the old router tried one by one.
		{name: "getClientRiskConfiguration", method: http.MethodGet,
			target: "/pools/" + benchmark.PoolID + "/clients/1example23456789abcdefghij/risk-configuration",
			sdk: func(ctx context.Context, client *cip.Client) error {
				_, err := client.DescribeRiskConfiguration(ctx, &cip.DescribeRiskConfigurationInput{
					UserPoolId: aws.String(benchmark.PoolID), ClientId: aws.String("1example23456789abcdefghij")})
				return err
			}},
	}
	for _, tc := range cases {
		b.Run(tc.name+"/gateway", func(b *testing.B) {
			h := newBenchGateway(b)
			w := &discardWriter{}
			b.ReportAllocs()
			for b.Loop() {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				r, _ := http.NewRequest(tc.method, tc.target, body)
				r.RemoteAddr = "127.0.0.1:50000"
				if tc.contentType != "" {
					r.Header.Set("Content-Type", tc.contentType)
				}
				w.reset()
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("%s %s: %d", tc.method, tc.target, w.status)
				}
			}
		})
		b.Run(tc.name+"/sdk", func(b *testing.B) {
			client := benchmark.Client()
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.sdk(context.Background(), client); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// newBenchGateway is the gateway as host.Build makes it and the local server
// runs it: the spec loaded lazily, a JSON logger (to io.Discard), Cognito
// pacing that never has to wait, and host.Local's deadline and caller.
func newBenchGateway(b *testing.B) http.Handler {
	b.Helper()
	spec, err := openapi.LoadSpec()
	if err != nil {
		b.Fatal(err)
	}
	rates := map[string]float64{}
	for _, category := range quota.Categories() {
		rates[category] = 1e9
	}
	g, err := gateway.New(benchmark.Client(), spec, gateway.Options{
		Logger:  slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Limiter: quota.New(rates),
	})
	if err != nil {
		b.Fatal(err)
	}
	return host.Local(g, 10*time.Second)
}

func describePool(ctx context.Context, client *cip.Client) error {
	_, err := client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(benchmark.PoolID)})
	return err
}

// patchPool is a PATCH written against the SDK by hand: describe, copy what
// UpdateUserPool takes, change two settings, update, describe again.
func patchPool(ctx context.Context, client *cip.Client) error {
	out, err := client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(benchmark.PoolID)})
	if err != nil {
		return err
	}
	p := out.UserPool
	tags := map[string]string{"owner": "ops"}
	for k, v := range p.UserPoolTags {
		tags[k] = v
	}
	_, err = client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{
		UserPoolId:                  p.Id,
		PoolName:                    p.Name,
		Policies:                    p.Policies,
		DeletionProtection:          "ACTIVE",
		LambdaConfig:                p.LambdaConfig,
		AutoVerifiedAttributes:      p.AutoVerifiedAttributes,
		VerificationMessageTemplate: p.VerificationMessageTemplate,
		UserAttributeUpdateSettings: p.UserAttributeUpdateSettings,
		MfaConfiguration:            p.MfaConfiguration,
		EmailConfiguration:          p.EmailConfiguration,
		UserPoolTags:                tags,
		AdminCreateUserConfig:       p.AdminCreateUserConfig,
		AccountRecoverySetting:      p.AccountRecoverySetting,
		UserPoolTier:                p.UserPoolTier,
	})
	if err != nil {
		return err
	}
	return describePool(ctx, client)
}

// discardWriter is the cheapest http.ResponseWriter: it keeps the status
// and drops the body, so that neither side pays for a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) reset() {
	clear(w.header)
	w.status = 0
}

func (w *discardWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
