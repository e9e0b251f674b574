package host

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/invocation"
)

// ServeHTTP serves h on addr until ctx ends, then shuts down gracefully.
// ready, if not nil, receives the bound address once the listener is open.
func ServeHTTP(ctx context.Context, addr string, h http.Handler, logger *slog.Logger, ready func(net.Addr)) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(listener.Addr())
	}
	logger.Info("listening", "url", "http://"+listener.Addr().String())
	done := make(chan error, 1)
	go func() { done <- server.Serve(listener) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// DefaultRequestTimeout bounds a local request when REQUEST_TIMEOUT is unset.
const DefaultRequestTimeout = 10 * time.Second

// Local wraps h for the local server: the caller is "local", and each request
// gets timeout as its deadline.
func Local(h http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ctx = invocation.With(ctx, invocation.Info{CallerARN: "local", SourceIP: host})
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
