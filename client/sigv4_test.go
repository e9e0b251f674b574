package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/oapi-codegen/nullable"

	"github.com/acme/cognito-admin-gateway/client"
)

// staticCredentials are temporary credentials, so that the session token is
// exercised too.
var staticCredentials = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token-example")

// signedAuthorization is the shape of a SigV4 Authorization header by
// AKIDEXAMPLE for execute-api in us-east-1.
var signedAuthorization = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/us-east-1/execute-api/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`)

// received is one request as a server saw it.
type received struct {
	method, uri string
	header      http.Header
	body        []byte
	// verified is nil when a fresh signature of what arrived, with the same
	// credentials, equals the Authorization header that arrived.
	verified error
}

// signatureChecker is an HTTP server that verifies every request's SigV4
// signature as API Gateway would: from the method, path, query, the headers
// named in SignedHeaders, and the body as received. It answers 200 {}.
type signatureChecker struct {
	URL string

	mu       sync.Mutex
	requests []received
}

func startSignatureChecker(t *testing.T, region string) *signatureChecker {
	t.Helper()
	c := &signatureChecker{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		c.mu.Lock()
		c.requests = append(c.requests, received{
			method: r.Method, uri: r.RequestURI, header: r.Header.Clone(), body: body,
			verified: verifySignature(r, body, region),
		})
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	t.Cleanup(server.Close)
	c.URL = server.URL
	return c
}

func (c *signatureChecker) only(t *testing.T) received {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.requests) != 1 {
		t.Fatalf("the server got %d requests, want 1", len(c.requests))
	}
	return c.requests[0]
}

var authorizationParts = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=[^,]+, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`)

func verifySignature(r *http.Request, body []byte, region string) error {
	authorization := r.Header.Get("Authorization")
	m := authorizationParts.FindStringSubmatch(authorization)
	if m == nil {
		return fmt.Errorf("Authorization %q is not a SigV4 header", authorization)
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %v", err)
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.RequestURI, nil)
	if err != nil {
		return err
	}
	again.ContentLength = int64(len(body))
	for name := range strings.SplitSeq(m[1], ";") {
		if name != "host" && name != "content-length" {
			again.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	creds, err := staticCredentials.Retrieve(context.Background())
	if err != nil {
		return err
	}
	hash := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(hash[:]), "execute-api", region, signedAt); err != nil {
		return err
	}
	if want := again.Header.Get("Authorization"); want != authorization {
		return fmt.Errorf("signature mismatch:\n got %s\nwant %s", authorization, want)
	}
	return nil
}

func TestSigV4SignsTheRequestAndDeliversTheBody(t *testing.T) {
	checker := startSignatureChecker(t, "us-east-1")
	api, err := client.NewClientWithResponses(checker.URL, client.WithSigV4(aws.Config{Region: "us-east-1", Credentials: staticCredentials}))
	if err != nil {
		t.Fatal(err)
	}

	etag := `"abc"`
	_, err = api.PatchPoolWithApplicationMergePatchPlusJSONBodyWithResponse(context.Background(), "us-east-1_Example",
		&client.PatchPoolParams{IfMatch: &etag, DryRun: aws.Bool(true)},
		client.PatchUserPoolRequest{DeletionProtection: nullable.NewNullableWithValue("ACTIVE"), SmsAuthenticationMessage: nullable.NewNullNullable[string]()})
	if err != nil {
		t.Fatal(err)
	}

	got := checker.only(t)
	if got.verified != nil {
		t.Error(got.verified)
	}
	if !signedAuthorization.MatchString(got.header.Get("Authorization")) {
		t.Errorf("Authorization %q", got.header.Get("Authorization"))
	}
	if token := got.header.Get("X-Amz-Security-Token"); token != "session-token-example" {
		t.Errorf("X-Amz-Security-Token %q, want the session token", token)
	}
	for _, name := range []string{"host", "content-type", "if-match", "x-amz-date", "x-amz-security-token"} {
		if !strings.Contains(got.header.Get("Authorization"), name) {
			t.Errorf("%s is not signed: %s", name, got.header.Get("Authorization"))
		}
	}
	if want := `{"DeletionProtection":"ACTIVE","SmsAuthenticationMessage":null}`; string(got.body) != want {
		t.Errorf("body %s, want %s", got.body, want)
	}
	if got.method != http.MethodPatch || got.uri != "/pools/us-east-1_Example?dryRun=true" {
		t.Errorf("request %s %s", got.method, got.uri)
	}
}

func TestSigV4SignsARequestWithoutBody(t *testing.T) {
	checker := startSignatureChecker(t, "eu-west-1")
	api, err := client.NewClientWithResponses(checker.URL, client.WithSigV4(aws.Config{Region: "eu-west-1", Credentials: staticCredentials}))
	if err != nil {
		t.Fatal(err)
	}
	// A username with a slash: the path is percent-encoded, and so is what is signed.
	if _, err := api.GetUserWithResponse(context.Background(), "eu-west-1_Example", "a/b"); err != nil {
		t.Fatal(err)
	}
	got := checker.only(t)
	if got.verified != nil {
		t.Error(got.verified)
	}
	if got.uri != "/pools/eu-west-1_Example/users/a%2Fb" {
		t.Errorf("URI %s", got.uri)
	}
}

func TestSigV4LeavesBearerRequestsUnsigned(t *testing.T) {
	checker := startSignatureChecker(t, "us-east-1")
	bearer := func(ctx context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer user-access-token")
		return nil
	}
	api, err := client.NewClientWithResponses(checker.URL,
		client.WithSigV4(aws.Config{Region: "us-east-1", Credentials: staticCredentials}), client.WithRequestEditorFn(bearer))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetMeWithResponse(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := checker.only(t)
	if a := got.header.Get("Authorization"); a != "Bearer user-access-token" {
		t.Errorf("Authorization %q, want the bearer token untouched", a)
	}
	if d := got.header.Get("X-Amz-Date"); d != "" {
		t.Errorf("X-Amz-Date %q on a bearer request", d)
	}
}

func TestSigV4TakesTheRegionFromTheHostName(t *testing.T) {
	var signedFor string
	recordScope := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		signedFor = r.Header.Get("Authorization")
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	for _, tc := range []struct{ server, configRegion, want string }{
		{"https://abc123.execute-api.eu-west-1.amazonaws.com/v1/", "us-east-1", "/eu-west-1/"},
		{"https://abc123-vpce-0123.execute-api.ap-southeast-2.vpce.amazonaws.com/v1", "", "/ap-southeast-2/"},
		{"https://admin.example.com/", "us-west-2", "/us-west-2/"},
	} {
		api, err := client.NewClientWithResponses(tc.server,
			client.WithHTTPClient(&http.Client{Transport: recordScope}),
			client.WithSigV4(aws.Config{Region: tc.configRegion, Credentials: staticCredentials}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.ListPools(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(signedFor, tc.want+"execute-api/aws4_request") {
			t.Errorf("%s with region %q: signed as %s, want %s", tc.server, tc.configRegion, signedFor, tc.want)
		}
	}
}

func TestSigV4RefusesAConfigItCannotSignWith(t *testing.T) {
	for _, tc := range []struct {
		name, server string
		cfg          aws.Config
	}{
		{"no credentials", "https://admin.example.com/", aws.Config{Region: "us-east-1"}},
		{"no region for a custom domain", "https://admin.example.com/", aws.Config{Credentials: staticCredentials}},
		{"no server (API_URL unset)", "", aws.Config{Region: "us-east-1", Credentials: staticCredentials}},
	} {
		if _, err := client.NewClientWithResponses(tc.server, client.WithSigV4(tc.cfg)); err == nil {
			t.Errorf("%s: no error", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
}

func TestNewSigV4SignsWithTheDefaultCredentialChain(t *testing.T) {
	checker := startSignatureChecker(t, "us-east-1")
	useOnlyEnvironmentCredentials(t)

	api, err := client.NewSigV4(context.Background(), checker.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ListPoolsWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := checker.only(t); got.verified != nil {
		t.Error(got.verified)
	}
}

// useOnlyEnvironmentCredentials points the SDK's default chain at
// staticCredentials in the environment, and away from the developer's own
// profiles and the instance metadata service.
func useOnlyEnvironmentCredentials(t *testing.T) {
	creds, _ := staticCredentials.Retrieve(context.Background())
	for name, value := range environmentCredentials(t, creds) {
		t.Setenv(name, value)
	}
}

func environmentCredentials(t *testing.T, creds aws.Credentials) map[string]string {
	none := t.TempDir() + "/none"
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       creds.SecretAccessKey,
		"AWS_SESSION_TOKEN":           creds.SessionToken,
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The checker above is only worth something if it can fail.
func TestSignatureCheckerRejectsABodyChangedAfterSigning(t *testing.T) {
	checker := startSignatureChecker(t, "us-east-1")
	tamper := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Body = io.NopCloser(strings.NewReader(`{"DeletionProtection":"INACTIVE"}`))
		r.ContentLength = -1
		return http.DefaultTransport.RoundTrip(r)
	})
	api, err := client.NewClientWithResponses(checker.URL,
		client.WithHTTPClient(&http.Client{Transport: tamper}),
		client.WithSigV4(aws.Config{Region: "us-east-1", Credentials: staticCredentials}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.PatchPoolWithApplicationMergePatchPlusJSONBodyWithResponse(context.Background(), "us-east-1_Example", nil,
		client.PatchUserPoolRequest{DeletionProtection: nullable.NewNullableWithValue("ACTIVE")})
	if err != nil {
		t.Fatal(err)
	}
	if checker.only(t).verified == nil {
		t.Error("a body changed after signing passed the signature check")
	}
}
