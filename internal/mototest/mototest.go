// Package mototest starts a real moto server for integration tests, so the
// gateway's Cognito calls can be exercised end to end without an AWS account.
//
// It owns finding and running the moto_server binary and building an SDK
// config that points at it. It does not create fixtures (pools, users): each
// test arranges its own state through the SDK, so a reader sees it in the test.
//
// A missing moto_server fails the test rather than skipping it: in CI a
// silently skipped integration suite looks exactly like a passing one.
// Run `make moto` to install it into .venv.
package mototest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// startTimeout bounds how long Start waits for moto to answer HTTP. A warm
// start takes well under a second; the margin is for cold Python imports on a
// loaded CI machine.
const startTimeout = 30 * time.Second

// Start runs a fresh moto_server on a free loopback port and returns its
// endpoint, e.g. "http://127.0.0.1:41234". The server is killed when the test
// ends. Every call gets its own server, so tests never see each other's state.
func Start(tb testing.TB) string {
	tb.Helper()

	bin, err := findServer()
	if err != nil {
		tb.Fatalf("mototest: %v", err)
	}
	// The port is free when freePort picks it, but another process (a test
	// package running beside this one) may take it before moto binds it:
	// moto then exits, and whatever took the port answers instead. Such a
	// start is tried again on another port; any other failure is final.
	for attempt := 1; ; attempt++ {
		endpoint, err := start(tb, bin)
		if err == nil {
			return endpoint
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			tb.Fatalf("mototest: %v", err)
		}
	}
}

// startAttempts bounds the starts tried when the port is taken.
const startAttempts = 5

// start starts one moto_server on a free port, and stops it when the test
// ends.
func start(tb testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", fmt.Errorf("pick a free port: %v", err)
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)

	// Stdout and Stderr share one writer, so os/exec writes to it from a single
	// goroutine; it is only read after Wait has returned.
	var output bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// Without it, moto takes any code as a valid TOTP code, and a test of
	// authenticator-app enrolment could not fail on a wrong one.
	cmd.Env = append(os.Environ(), "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true")
	cmd.Stdout = &output
	cmd.Stderr = &output
	// Without this, a child left holding the output pipe would block Wait forever.
	cmd.WaitDelay = 5 * time.Second
	configureProcess(cmd)

	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stop := func() {
		killProcess(cmd)
		<-exited
	}

	if err := waitReady(endpoint, exited); err != nil {
		if !errors.Is(err, errExited) {
			stop()
		}
		return "", fmt.Errorf("%s -H 127.0.0.1 -p %d: %w\n--- moto output ---\n%s", bin, port, err, output.String())
	}
	tb.Cleanup(stop)
	return endpoint, nil
}

var (
	errExited    = errors.New("moto_server exited before it answered HTTP")
	errPortTaken = errors.New("another server answers on moto's port")
)

// waitReady polls until moto answers on endpoint. The answer must be
// moto's own (its /moto-api/data.json, a JSON object): another server on
// the port, which took it first, is errPortTaken, not a moto to test
// against.
func waitReady(endpoint string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.After(startTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("%w (%v)", errExited, err)
		case <-deadline:
			return fmt.Errorf("no HTTP answer within %s", startTimeout)
		case <-tick.C:
		}
		resp, err := client.Get(endpoint + "/moto-api/data.json")
		if err != nil {
			continue
		}
		var backends map[string]any
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&backends)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return fmt.Errorf("%w: GET /moto-api/data.json answered %s", errPortTaken, resp.Status)
		}
		return nil
	}
}

// findServer looks for moto_server in the order a developer would expect:
// an explicit override, the repository's own .venv (what `make moto`
// creates), then PATH.
func findServer() (string, error) {
	if bin := os.Getenv("MOTO_SERVER"); bin != "" {
		path, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("MOTO_SERVER=%q is not runnable: %v", bin, err)
		}
		return path, nil
	}
	if root, err := moduleRoot(); err == nil {
		venv := filepath.Join(root, ".venv", "bin", "moto_server")
		if _, err := os.Stat(venv); err == nil {
			return venv, nil
		}
	}
	if path, err := exec.LookPath("moto_server"); err == nil {
		return path, nil
	}
	return "", errors.New("moto_server not found (checked $MOTO_SERVER, .venv/bin/moto_server at the module root, and PATH); run `make moto` or `pip install 'moto[server]'`")
}

// moduleRoot walks up from the working directory, which `go test` sets to the
// package directory, to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// freePort asks the kernel for an unused loopback port. Another process could
// take it between Close and moto's bind; moto then exits with "Address already
// in use" and Start reports that output.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Config returns an SDK config aimed at the moto server at endpoint, with
// region us-east-1 and the static credentials test/test.
//
// It is built by hand rather than with config.LoadDefaultConfig so that
// nothing from the developer's environment (AWS_PROFILE, ~/.aws, or
// AWS_ENDPOINT_URL_* variables) can change where the test's requests go.
// An endpoint that is not an http(s) URL fails the test, because an empty
// BaseEndpoint would send the requests to real AWS.
func Config(tb testing.TB, endpoint string) aws.Config {
	tb.Helper()
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		tb.Fatalf("mototest: endpoint %q is not an http(s) URL; refusing to build a config that would reach real AWS", endpoint)
	}
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}
