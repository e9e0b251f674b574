// Command api is the gateway's one binary: under AWS Lambda (when
// AWS_LAMBDA_RUNTIME_API is set) it serves API Gateway events, or, with
// GATEWAY_ROLE=worker, the job worker's SQS events; anywhere else it is an
// HTTP server on LISTEN_ADDR (default 127.0.0.1:8080) with the job worker
// beside it.
package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/acme/cognito-admin-gateway/internal/host"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		os.Exit(1)
	}
}

// run is the program, with the process's parts passed in so that a test
// can run it in-process in either mode and stop it by ending ctx. It takes
// no arguments and writes only JSON log lines, to stdout, its failure too.
func run(ctx context.Context, _ []string, getenv func(string) string, stdout, _ io.Writer) error {
	logger := slog.New(slog.NewJSONHandler(stdout, nil))
	p, err := host.Assemble(ctx, getenv, logger)
	switch {
	case err != nil:
	case p.Config.Lambda && getenv("GATEWAY_ROLE") == host.RoleWorker:
		err = host.RunJobs(ctx, getenv, p, logger)
	case p.Config.Lambda:
		// No signal handling: Lambda freezes and ends the process itself,
		// and starting Go's signal thread took 0.2 ms of every cold start.
		err = host.ServeLambda(ctx, getenv, host.LambdaHandler(p.Handler))
	default:
		// The local server shuts down gracefully on Ctrl-C or SIGTERM, and
		// its job worker with it.
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		go func() {
			if err := host.RunJobs(ctx, getenv, p, logger); err != nil {
				logger.Error("job worker stopped", "error", err.Error())
			}
		}()
		err = host.ServeHTTP(ctx, p.Config, host.Local(p.Handler, p.Config.RequestTimeout), logger, nil)
	}
	if err != nil {
		logger.Error("gateway stopped", "error", err.Error())
	}
	return err
}
