package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/eventstest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// buildBootstrap builds this command as Lambda's bootstrap, with the flags
// of the SAM build but for this machine's architecture so it can run here.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", lambdaTags, "-trimpath", "-ldflags=-s", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build bootstrap: %v\n%s", err, msg)
	}
	return out
}

// buildRIE builds AWS's Lambda Runtime Interface Emulator, the emulator
// that `sam local` runs inside its container, at the version go.mod pins
// as a tool.
func buildRIE(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "aws-lambda-rie")
	cmd := exec.Command("go", "build", "-o", out, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the Runtime Interface Emulator: %v\n%s", err, msg)
	}
	return out
}

// startRIE runs bootstrap under the emulator with env, and returns the URL
// of its invocation endpoint and what the emulator and the function write.
// Its two ports are free loopback ports; if another process takes one
// between the probe and the emulator's start, the emulator exits and is
// started again on others. The emulator is stopped when the test ends.
func startRIE(t *testing.T, rie, bootstrap string, env []string) (string, *syncBuffer) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		invokeAddr, runtimeAddr := freeAddr(t), freeAddr(t)
		output := &syncBuffer{}
		cmd := exec.Command(rie, "--runtime-interface-emulator-address", invokeAddr,
			"--runtime-api-address", runtimeAddr, bootstrap)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = output, output
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		if listening(invokeAddr, exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			return "http://" + invokeAddr + "/2015-03-31/functions/function/invocations", output
		}
		_ = cmd.Process.Kill()
		<-exited
		if attempt == 3 {
			t.Fatalf("the Runtime Interface Emulator did not start:\n%s", output.String())
		}
	}
}

// listening reports whether addr accepts connections within 30 s, while
// the process that should listen there has not exited.
func listening(addr string, exited <-chan struct{}) bool {
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return false
		default:
		}
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return true
		}
	}
	return false
}

// TestBootstrapUnderTheRuntimeInterfaceEmulator runs the built binary the
// way Lambda's provided.al2023 runtime does, under AWS's own emulator, and
// sends it every REST proxy event in events/: each answer must be what
// internal/eventstest says and what the spec describes, the malformed
// events included, with one access line each and no secret in anything the
// process writes.
func TestBootstrapUnderTheRuntimeInterfaceEmulator(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the bootstrap is a Linux binary")
	}
	eventstest.CheckEveryEventHasACase(t)
	rie, bootstrap := buildRIE(t), buildBootstrap(t)
	cognito := eventstest.StandIn(t)
	invoke, output := startRIE(t, rie, bootstrap, []string{"AWS_ENDPOINT_URL=" + cognito.URL,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"})
	checker := spectest.New(t)
	for _, c := range eventstest.Cases {
		raw, event := eventstest.Read(t, c.Event)
		resp, err := http.Post(invoke, "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		answer, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var proxy events.APIGatewayProxyResponse
		if err := json.Unmarshal(answer, &proxy); err != nil || resp.StatusCode != http.StatusOK ||
			bytes.Contains(answer, []byte(`"errorMessage"`)) {
			t.Errorf("%s: the invocation answered %d %s, not a REST proxy response", c.Event, resp.StatusCode, answer)
			continue
		}
		eventstest.Check(t, checker, c, event, proxy)
	}

	// The emulator relays what the bootstrap writes on its own time, so the
	// last lines may come after the last answer: wait for them, boundedly.
	logs := output.String()
	for wait := time.Now(); strings.Count(logs, `"msg":"request"`) < len(eventstest.Cases) &&
		time.Since(wait) < 10*time.Second; logs = output.String() {
		time.Sleep(20 * time.Millisecond)
	}
	if got := strings.Count(logs, `"msg":"request"`); got != len(eventstest.Cases) {
		t.Errorf("%d access lines for %d events:\n%s", got, len(eventstest.Cases), logs)
	}
	for _, c := range eventstest.Cases {
		if c.Secret != "" && strings.Contains(logs, c.Secret) {
			t.Errorf("%s: the secret appears in what the process wrote", c.Event)
		}
	}
	// The REPORT line's Init Duration is what the emulator prints, but it
	// times only the start of the init, which the emulator runs
	// asynchronously; its INIT REPORT line times the init phase itself,
	// from the bootstrap's start to its first poll for an invocation.
	report := regexp.MustCompile(`REPORT RequestId: \S+\tInit Duration: ([0-9.]+) ms`).FindAllStringSubmatch(logs, -1)
	phase := regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`).FindStringSubmatch(logs)
	if len(report) != 1 || phase == nil {
		t.Fatalf("want one REPORT line with an Init Duration, and an INIT REPORT; got %d and %q:\n%s", len(report), phase, logs)
	}
	t.Logf("REPORT Init Duration %s ms; INIT REPORT %s ms", report[0][1], phase[1])
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
