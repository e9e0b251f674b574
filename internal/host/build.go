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

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/jobrun"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/scim"
	"github.com/acme/cognito-admin-gateway/internal/scimauth"
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
	// SCIMSecretPrefix starts the name of each pool's secret of SCIM token
	// hashes in Secrets Manager (SCIM_SECRET_PREFIX); empty means
	// scimauth.DefaultPrefix. template.yaml sets it to the stack's name
	// and "/scim/", the only secrets its role may touch.
	SCIMSecretPrefix string
}

// poolIDPattern is Cognito's pattern for a user pool id.
var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// secretPrefixPattern admits the characters of a Secrets Manager secret
// name; the pool id that follows the prefix is of the same characters. The
// length is checked apart: a counted repetition of 400 would compile into
// 400 copies of the class, 5 ms of every cold start.
var secretPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

// maxSecretPrefix leaves room in a secret name's 512 characters for the
// pool id.
const maxSecretPrefix = 400

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
	if prefix := getenv("SCIM_SECRET_PREFIX"); prefix != "" {
		if len(prefix) > maxSecretPrefix {
			return cfg, fmt.Errorf("SCIM_SECRET_PREFIX is %d characters long; a prefix takes at most %d", len(prefix), maxSecretPrefix)
		}
		if !secretPrefixPattern.MatchString(prefix) {
			return cfg, fmt.Errorf("SCIM_SECRET_PREFIX=%q: a secret name takes only letters, digits and /_+=.@-", prefix)
		}
		cfg.SCIMSecretPrefix = prefix
	}
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
	return serviceEndpoint(getenv, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
}

// secretsManagerEndpoint is Secrets Manager's, in the same way.
func secretsManagerEndpoint(getenv func(string) string) string {
	return serviceEndpoint(getenv, "AWS_ENDPOINT_URL_SECRETS_MANAGER")
}

// serviceEndpoint is a service's endpoint override: its own variable
// (AWS_ENDPOINT_URL_<SERVICE ID>), else every service's, unless the SDK
// is told to ignore both.
func serviceEndpoint(getenv func(string) string, own string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if url := getenv(own); url != "" {
		return url
	}
	return getenv("AWS_ENDPOINT_URL")
}

// secretsManager is the client of the SCIM token store. Its endpoint is
// set from its own variables rather than left to awsConfig, whose
// BaseEndpoint the Lambda build sets to Cognito's (EnvConfig), and which
// would otherwise send Secrets Manager's calls to a Cognito stand-in.
func secretsManager(awsConfig aws.Config, getenv func(string) string) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(awsConfig, func(o *secretsmanager.Options) {
		o.BaseEndpoint = nil
		if endpoint := secretsManagerEndpoint(getenv); endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
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
// says so. The SCIM token store (scimauth) gets a Secrets Manager client of
// the same configuration, and calls nothing until a SCIM request or a
// token's issue needs it.
func Build(ctx context.Context, getenv func(string) string, logger *slog.Logger) (http.Handler, Config, error) {
	p, err := assemble(ctx, getenv, logger, false)
	if err != nil {
		return nil, p.Config, err
	}
	return p.Handler, p.Config, nil
}

// Process is what a process of the gateway runs: the API's handler, and
// the job worker with the queue it takes steps from (nil when this process
// runs no jobs).
type Process struct {
	Handler http.Handler
	Config  Config
	Worker  *jobrun.Worker
	Queue   jobrun.Queue
}

// Assemble is Build with the user jobs (jobs.go): in Lambda, on the
// table, queue and bucket the environment names; on a laptop, on ones it
// creates when missing.
func Assemble(ctx context.Context, getenv func(string) string, logger *slog.Logger) (*Process, error) {
	return assemble(ctx, getenv, logger, true)
}

func assemble(ctx context.Context, getenv func(string) string, logger *slog.Logger, withJobs bool) (*Process, error) {
	p := &Process{}
	cfg, err := ReadConfig(getenv)
	p.Config = cfg
	if err != nil {
		return p, err
	}
	awsConfig, err := AWSConfig(ctx, getenv)
	if err != nil {
		return p, fmt.Errorf("load AWS configuration: %w", err)
	}
	// Lazily: a cold start decodes the paths, and each operation is decoded
	// when a request first needs it.
	spec, err := openapi.LoadSpec()
	if err != nil {
		return p, err
	}
	client := cip.NewFromConfig(awsConfig, cognito.Policy)
	limiter := quota.New(cfg.RateLimits)
	if cfg.LocalCognito != "" {
		limiter = quota.Only(cfg.RateLimits)
		logger.Info("Cognito is on this machine: calls are paced only in the categories COGNITO_RATE_LIMITS names",
			"cognitoHost", cfg.LocalCognito, "pacedCategories", slices.Sorted(maps.Keys(cfg.RateLimits)))
	}
	opts := gateway.Options{
		Logger:       logger,
		AllowedPools: cfg.AllowedPools,
		SCIMSettings: cfg.SCIMSettings,
		Limiter:      limiter,
		SCIMTokens:   scimauth.New(secretsManager(awsConfig, getenv), scimauth.Options{Prefix: cfg.SCIMSecretPrefix}),
	}
	if withJobs {
		jobs, err := buildJobs(ctx, getenv, cfg, awsConfig, client, limiter, logger)
		switch {
		case err != nil && cfg.Lambda:
			return p, err
		case err != nil:
			// A laptop's gateway in front of something that is not moto
			// (a stand-in, real AWS without the rights) still serves
			// everything else; the jobs routes say they are off.
			logger.Warn("user jobs are off: their table, queue or bucket could not be made ready", "error", err.Error())
		case jobs != nil:
			opts.Jobs, p.Worker, p.Queue = jobs.service, jobs.worker, jobs.service.Queue
		}
	}
	h, err := gateway.New(client, spec, opts)
	if err != nil {
		return p, err
	}
	p.Handler = h
	return p, nil
}
