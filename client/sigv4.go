package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
)

// signingService is the service name API Gateway checks in a SigV4 signature.
const signingService = "execute-api"

// NewSigV4 returns a client for the API deployed at server, for example
// "https://abc123.execute-api.us-east-1.amazonaws.com/v1/", that signs every
// request with the credentials of the AWS SDK's default chain (environment,
// shared config and SSO profiles, web identity, container and instance
// roles), as config.LoadDefaultConfig finds them.
//
// To sign with a config of your own (another profile, an assumed role), use
// NewClientWithResponses(server, WithSigV4(cfg)) instead.
func NewSigV4(ctx context.Context, server string, opts ...ClientOption) (*ClientWithResponses, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("client: load AWS config: %w", err)
	}
	// Last, so that it wraps an *http.Client that opts may have set.
	return NewClientWithResponses(server, slices.Concat(opts, []ClientOption{WithSigV4(cfg)})...)
}

// WithSigV4 signs every request for API Gateway (service execute-api) with
// cfg's credentials, including the session token of temporary ones. It wraps
// the client's *http.Client, so it must come after WithHTTPClient.
//
// The region is the one in an execute-api host name
// (abc123.execute-api.eu-west-1.amazonaws.com), because a signature scoped to
// any other region is refused; for a custom domain it is cfg.Region.
//
// A request that already carries an Authorization header is sent unsigned:
// the /me routes take the user's access token as Authorization: Bearer, and
// API Gateway does not check IAM on them.
func WithSigV4(cfg aws.Config) ClientOption {
	return func(c *Client) error {
		if cfg.Credentials == nil {
			return errors.New("client: WithSigV4: the AWS config has no credentials")
		}
		server, err := url.Parse(c.Server)
		if err != nil || server.Host == "" {
			return fmt.Errorf("client: WithSigV4: the server %q is not an absolute URL such as https://abc123.execute-api.us-east-1.amazonaws.com/v1/", c.Server)
		}
		region := regionOf(server.Hostname())
		if region == "" {
			region = cfg.Region
		}
		if region == "" {
			return fmt.Errorf("client: WithSigV4: no region: %s is not an execute-api host name and the AWS config names no region (set AWS_REGION)", c.Server)
		}
		httpClient := &http.Client{}
		switch doer := c.Client.(type) {
		case nil:
		case *http.Client:
			copied := *doer
			httpClient = &copied
		default:
			return fmt.Errorf("client: WithSigV4 wraps an *http.Client, not a %T", doer)
		}
		credentials := cfg.Credentials
		if !aws.IsCredentialsProvider(credentials, (*aws.CredentialsCache)(nil)) {
			credentials = aws.NewCredentialsCache(credentials)
		}
		httpClient.Transport = &sigV4Transport{
			next:        httpClient.Transport,
			credentials: credentials,
			region:      region,
			signer:      v4.NewSigner(),
			now:         time.Now,
		}
		c.Client = httpClient
		return nil
	}
}

// executeAPIHost matches API Gateway's default host names, regional and
// private (VPC endpoint), and captures the region.
var executeAPIHost = regexp.MustCompile(`\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$`)

// regionOf returns the region in an execute-api host name, or "" for any other host.
func regionOf(host string) string {
	if m := executeAPIHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// sigV4Transport signs each request just before it is sent, so the signature
// covers every header the client and its request editors set, and a
// redirect is signed for its own host.
type sigV4Transport struct {
	next        http.RoundTripper // nil means http.DefaultTransport
	credentials aws.CredentialsProvider
	region      string
	signer      *v4.Signer
	now         func() time.Time
}

func (t *sigV4Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	if req.Header.Get("Authorization") != "" {
		return next.RoundTrip(req)
	}
	// A RoundTripper must not change the caller's request, and SignHTTP sets
	// headers; the body must be read once to hash it and then sent as read.
	signed := req.Clone(req.Context())
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("client: read the request body to sign it: %w", err)
	}
	if body != nil {
		signed.Body = io.NopCloser(bytes.NewReader(body))
		signed.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		signed.ContentLength = int64(len(body))
	}
	credentials, err := t.credentials.Retrieve(req.Context())
	if err != nil {
		return nil, fmt.Errorf("client: retrieve AWS credentials: %w", err)
	}
	payloadHash := sha256.Sum256(body)
	err = t.signer.SignHTTP(req.Context(), credentials, signed, hex.EncodeToString(payloadHash[:]), signingService, t.region, t.now().UTC())
	if err != nil {
		return nil, fmt.Errorf("client: sign the request: %w", err)
	}
	return next.RoundTrip(signed)
}

// readBody reads and closes req's body; it returns nil for a request without one.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}
