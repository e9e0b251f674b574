package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// runtimeStub is the shared stand-in of the Lambda Runtime API.
func runtimeStub(t *testing.T) string {
	t.Helper()
	path := os.Getenv("LAMBDA_RUNTIME_STUB")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "tools", "lambda-runtime-stub")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("the Lambda runtime stub is missing at %s (set LAMBDA_RUNTIME_STUB): %v", abs, err)
	}
	return abs
}

// buildBootstrap builds this command as Lambda's bootstrap, with the flags
// of the SAM build but for this machine's architecture so it can run here.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build bootstrap: %v\n%s", err, msg)
	}
	return out
}

// TestBootstrapServesAPIGatewayEvents runs the built binary the way the
// provided.al2023 runtime does and sends it real REST proxy events.
func TestBootstrapServesAPIGatewayEvents(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the bootstrap is a Linux binary")
	}
	stub := runtimeStub(t)
	bootstrap := buildBootstrap(t)
	cognito := cognitotest.New(t)
	cognito.Handle("DescribeUserPool", cognitotest.Reply(map[string]any{
		"UserPool": map[string]any{"Id": "us-east-1_Example1", "Name": "example"}}))
	cognito.Handle("ListUserPools", cognitotest.Reply(map[string]any{"UserPools": []any{}}))

	events := filepath.Join("..", "..", "events")
	cmd := exec.Command(stub, "--env", "AWS_ENDPOINT_URL="+cognito.URL, bootstrap,
		filepath.Join(events, "get-pool-encoded-path.json"),
		filepath.Join(events, "list-pools-multi-value-query.json"),
		filepath.Join(events, "forged-proxy-header.json"))
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("runtime stub: %v\n%s", err, raw)
	}
	var report struct {
		InitMS      float64 `json:"init_ms_median"`
		InitError   *string `json:"init_error"`
		Invocations []struct {
			Kind     string
			Response string
		}
		LogTail string `json:"log_tail"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if report.InitError != nil || len(report.Invocations) != 3 {
		t.Fatalf("init error %v, %d invocations; log: %s", report.InitError, len(report.Invocations), report.LogTail)
	}
	wantStatus := []int{200, 200, 200}
	for i, inv := range report.Invocations {
		var resp struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Body       string            `json:"body"`
		}
		if err := json.Unmarshal([]byte(inv.Response), &resp); err != nil {
			t.Fatalf("invocation %d: %v: %s", i, err, inv.Response)
		}
		if inv.Kind != "response" || resp.StatusCode != wantStatus[i] {
			t.Errorf("invocation %d: %s %d: %s", i, inv.Kind, resp.StatusCode, resp.Body)
		}
		if i == 0 && !strings.Contains(resp.Body, `"Id":"us-east-1_Example1"`) {
			t.Errorf("invocation 0 body: %s", resp.Body)
		}
	}
	t.Logf("init %.1f ms", report.InitMS)
}

// TestLocalServerDrainsOnSIGTERM: the local server, told to stop while a
// request is in flight, answers it, then exits with status 0.
func TestLocalServerDrainsOnSIGTERM(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("signals as Linux sends them")
	}
	bootstrap := buildBootstrap(t)
	inFlight, release := make(chan struct{}), make(chan struct{})
	cognito := cognitotest.New(t)
	cognito.Handle("DescribeUserPool", func(map[string]any) (int, any) {
		close(inFlight)
		<-release
		return http.StatusOK, map[string]any{"UserPool": map[string]any{"Id": "us-east-1_Example1"}}
	})
	cmd, base, output := startLocalServer(t, bootstrap, cognito.URL)
	defer func() { _ = cmd.Process.Kill() }()
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "/pools/us-east-1_Example1")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-inFlight
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // for the server to start shutting down
	close(release)
	if status := <-answered; status != http.StatusOK {
		t.Errorf("the request in flight got %d; want 200", status)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the server stopped with %v; want status 0\n%s", err, output.String())
	}
}
