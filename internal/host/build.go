package host

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/quota"
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
	return cfg, nil
}

// Build reads the configuration and assembles the gateway: the embedded
// spec, a Cognito client from the SDK's default configuration chain with the
// gateway's policy (cognito.Policy: retries, bounds on Cognito's answers),
// and the per-category pacing of Cognito calls. The endpoint is overridden
// only by the SDK's own AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER variables.
func Build(ctx context.Context, getenv func(string) string, logger *slog.Logger) (http.Handler, Config, error) {
	cfg, err := ReadConfig(getenv)
	if err != nil {
		return nil, cfg, err
	}
	awsConfig, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	// Lazily: a cold start decodes the paths, and each operation is decoded
	// when a request first needs it.
	doc, lazy, err := openapi.LoadLazily()
	if err != nil {
		return nil, cfg, err
	}
	client := cip.NewFromConfig(awsConfig, cognito.Policy)
	h, err := gateway.New(client, doc, gateway.Options{
		Logger:       logger,
		AllowedPools: cfg.AllowedPools,
		Limiter:      quota.New(cfg.RateLimits),
		Lazy:         lazy,
	})
	if err != nil {
		return nil, cfg, err
	}
	return h, cfg, nil
}
