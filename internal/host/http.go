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

// ServeHTTP serves h on cfg.ListenAddr until ctx ends, then shuts down
// gracefully. ready, if not nil, receives the bound address once the
// listener is open.
//
// Every connection is bounded: a client that stalls its headers, stalls its
// body or idles between requests is cut off, so that slow or abandoned
// connections cannot pile up.
func ServeHTTP(ctx context.Context, cfg Config, h http.Handler, logger *slog.Logger, ready func(net.Addr)) error {
	listener, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(cfg.RequestTimeout, MaxHeaderWait),
		// The whole request, body included, must arrive within the
		// request's deadline: the handler's context does not interrupt a
		// body read, only the connection's read deadline does.
		ReadTimeout:    cfg.RequestTimeout,
		IdleTimeout:    IdleTimeout,
		MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
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

// The local server's bounds on a connection, besides REQUEST_TIMEOUT.
const (
	// MaxHeaderWait is the longest a client may take to send a request's
	// headers (less when REQUEST_TIMEOUT is shorter).
	MaxHeaderWait = 10 * time.Second
	// IdleTimeout closes a kept-alive connection with no request.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes is far more than SigV4 and an access token need;
	// larger headers are answered 431. (net/http allows 4 KiB more.)
	MaxHeaderBytes = 16 << 10
)

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
