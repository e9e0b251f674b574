// Command api is the gateway's one binary: under AWS Lambda (when
// AWS_LAMBDA_RUNTIME_API is set) it serves API Gateway events; anywhere else
// it is an HTTP server on LISTEN_ADDR (default 127.0.0.1:8080).
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/acme/cognito-admin-gateway/internal/host"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, cfg, err := host.Build(context.Background(), os.Getenv, logger)
	if err == nil && cfg.Lambda {
		// No signal handling: Lambda freezes and ends the process itself,
		// and starting Go's signal thread took 0.2 ms of every cold start.
		lambda.Start(host.LambdaHandler(h))
		return
	}
	if err == nil {
		// The local server shuts down gracefully on Ctrl-C or SIGTERM.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = host.ServeHTTP(ctx, cfg, host.Local(h, cfg.RequestTimeout), logger, nil)
	}
	if err != nil {
		logger.Error("gateway stopped", "error", err.Error())
		os.Exit(1)
	}
}
