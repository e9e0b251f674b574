package host

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/scim"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// Config is what the process reads from its environment.
type Config struct {
	// Lambda is true when the Lambda runtime API is present.
	Lambda bool
	// ListenAddr is the local server's address (LISTEN_ADDR).
	ListenAddr string
	// RequestTimeout bounds a local request (REQUEST_TIMEOUT, a Go duration).
	RequestTimeout time.Duration
	// RateLimits are this instance's Cognito request rates by quota category
	// (COGNITO_RATE_LIMITS, such as "UserUpdate=5,UserList=6"). A category
	// not named gets quota.DefaultShare of Cognito's default quota.
	RateLimits map[string]float64
	// AllowedPools are the only user pools the gateway acts on
	// (ALLOWED_POOL_IDS, comma-separated). Empty means every pool.
	AllowedPools []string
	// SCIMSettings are the SCIM server's settings by pool id
	// (SCIM_POOL_SETTINGS, JSON; see scim.ParseSettings).
	SCIMSettings map[string]scim.Settings
	// LocalCognito is the host of the Cognito endpoint when it is on this
	// machine's loopback (moto, a stand-in), and empty otherwise. Such a
	// Cognito has no quota that production shares, so only the categories
	// RateLimits names are paced.
	LocalCognito string
}

// poolIDPattern is Cognito's pattern for a user pool id.
var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// ReadConfig reads the environment through getenv.
func ReadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		Lambda:         getenv("AWS_LAMBDA_RUNTIME_API") != "",
		ListenAddr:     getenv("LISTEN_ADDR"),
		RequestTimeout: DefaultRequestTimeout,
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:8080"
	}
	if v := getenv("REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("REQUEST_TIMEOUT=%q is not a positive Go duration such as 10s", v)
		}
		cfg.RequestTimeout = d
	}
	rates, err := quota.ParseRates(getenv("COGNITO_RATE_LIMITS"))
	if err != nil {
		return cfg, fmt.Errorf("COGNITO_RATE_LIMITS: %w", err)
	}
	cfg.RateLimits = rates
	cfg.LocalCognito = loopbackHost(cognitoEndpoint(getenv))
	for _, id := range strings.Split(getenv("ALLOWED_POOL_IDS"), ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !poolIDPattern.MatchString(id) {
			return cfg, fmt.Errorf("ALLOWED_POOL_IDS: %q is not a user pool id such as us-east-1_Example1", id)
		}
		cfg.AllowedPools = append(cfg.AllowedPools, id)
	}
	if cfg.SCIMSettings, err = scim.ParseSettings(getenv("SCIM_POOL_SETTINGS")); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// cognitoEndpoint is the endpoint the SDK will call instead of AWS's, from
// the same variables and in the same order as the SDK reads them.
func cognitoEndpoint(getenv func(string) string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if url := getenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"); url != "" {
		return url
	}
	return getenv("AWS_ENDPOINT_URL")
}

// loopbackHost is the host of endpoint if it is on loopback: localhost, an
// address in 127.0.0.0/8, or ::1. It looks at the URL only and resolves no
// name, so that a cold start makes no DNS query for it.
func loopbackHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return host
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return host
	}
	return ""
}

// Build reads the configuration and assembles the gateway: the embedded
// spec, a Cognito client from AWSConfig (the SDK's default configuration
// chain, or in the Lambda build only Lambda's environment) with the
// gateway's policy (cognito.Policy: retries, bounds on Cognito's answers),
// and the per-category pacing of Cognito calls. The endpoint is overridden
// only by the SDK's own AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER variables; when they point at
// loopback, only COGNITO_RATE_LIMITS's categories are paced, and a log line
// says so.
func Build(ctx context.Context, getenv func(string) string, logger *slog.Logger) (http.Handler, Config, error) {
	cfg, err := ReadConfig(getenv)
	if err != nil {
		return nil, cfg, err
	}
	awsConfig, err := AWSConfig(ctx, getenv)
	if err != nil {
		return nil, cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	// Lazily: a cold start decodes the paths, and each operation is decoded
	// when a request first needs it.
	spec, err := openapi.LoadSpec()
	if err != nil {
		return nil, cfg, err
	}
	client := cip.NewFromConfig(awsConfig, cognito.Policy)
	limiter := quota.New(cfg.RateLimits)
	if cfg.LocalCognito != "" {
		limiter = quota.Only(cfg.RateLimits)
		logger.Info("Cognito is on this machine: calls are paced only in the categories COGNITO_RATE_LIMITS names",
			"cognitoHost", cfg.LocalCognito, "pacedCategories", slices.Sorted(maps.Keys(cfg.RateLimits)))
	}
	h, err := gateway.New(client, spec, gateway.Options{
		Logger:       logger,
		AllowedPools: cfg.AllowedPools,
		SCIMSettings: cfg.SCIMSettings,
		Limiter:      limiter,
	})
	if err != nil {
		return nil, cfg, err
	}
	return h, cfg, nil
}
