package host

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/gateway"
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
}

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
	return cfg, nil
}

// Build reads the configuration and assembles the gateway: the embedded
// spec, and a Cognito client from the SDK's default configuration chain. The
// endpoint is overridden only by the SDK's own AWS_ENDPOINT_URL and
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
	doc, err := openapi.Load()
	if err != nil {
		return nil, cfg, err
	}
	h, err := gateway.New(cip.NewFromConfig(awsConfig), doc, logger)
	if err != nil {
		return nil, cfg, err
	}
	return h, cfg, nil
}
