package host

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/eventstest"
)

// serveLocally runs the local server with the gateway on a free loopback
// port, with timeout as REQUEST_TIMEOUT, until the test ends.
func serveLocally(t *testing.T, timeout time.Duration) string {
	t.Helper()
	h := Local(newGateway(t, eventstest.StandIn(t), nil), timeout)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := make(chan string, 1), make(chan error, 1)
	cfg := Config{ListenAddr: "127.0.0.1:0", RequestTimeout: timeout}
	go func() {
		done <- ServeHTTP(ctx, cfg, h, slog.New(slog.DiscardHandler), func(a net.Addr) { addr <- a.String() })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	select {
	case a := <-addr:
		return a
	case err := <-done:
		t.Fatalf("server: %v", err)
	}
	return ""
}

// TestLocalServerCutsOffStalledClients: a client that sends part of a
// request and then stalls is answered or disconnected once REQUEST_TIMEOUT
// has passed, instead of holding its connection for ever. The test waits
// far longer than the timeout before it gives up, and asserts no speed.
func TestLocalServerCutsOffStalledClients(t *testing.T) {
	const timeout = 300 * time.Millisecond
	cases := []struct {
		name, sent string
		// answer is how the server's answer starts, if it sends one.
		answer string
	}{
		{name: "headers stall", sent: "GET /health HTTP/1.1\r\nHost: gateway\r\nAccept: application/json\r\n"},
		{name: "body stalls after the headers",
			sent:   "POST /pools HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"PoolName\":",
			answer: "HTTP/1.1 400 "},
	}
	addr := serveLocally(t, timeout)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.sent); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(30 * timeout))
			got, err := io.ReadAll(conn)
			var netErr net.Error
			if errors.As(err, &netErr) && netErr.Timeout() {
				t.Fatalf("the connection was still open after %v (REQUEST_TIMEOUT %v); read %q", 30*timeout, timeout, got)
			}
			if !strings.HasPrefix(string(got), tc.answer) {
				t.Errorf("the server answered %q, want it to start with %q", got, tc.answer)
			}
		})
	}
}

// TestLocalServerRefusesOversizedHeaders: headers far beyond what SigV4 or
// a token needs are refused before they reach the gateway.
func TestLocalServerRefusesOversizedHeaders(t *testing.T) {
	addr := serveLocally(t, DefaultRequestTimeout)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /health HTTP/1.1\r\nHost: gateway\r\nX-Padding: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
}
