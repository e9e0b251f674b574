// Command report runs the gateway's performance comparison and prints one
// table: each case measured on the gateway and on its anchor, the physical
// floor it is held to, and their ratio. `make bench` runs it; BENCHMARKS.md
// explains the method.
//
//   - cold start: the Lambda bootstrap against a hello-world aws-lambda-go
//     bootstrap built with the same flags, under the shared Lambda runtime
//     stub, interleaved run by run; and the first invocation against a warm one;
//   - per request: the Go benchmarks of internal/gateway, the gateway against
//     the bare SDK calls with the same in-memory Cognito, interleaved round by
//     round;
//   - route lookup: the router against the segment-count gorillamux router
//     it replaced, over the spec and a synthetic spec of 150 operations, for
//     a lookup and for building it (a cold start's share);
//   - memory: allocations per request, and the local server's peak RSS under
//     50 concurrent clients;
//   - size: the arm64 bootstrap.
//
// It needs only loopback. It never fails on a figure: it reports them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/benchmark"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	coldRuns  int           // cold starts of each bootstrap
	rounds    int           // rounds of the Go benchmarks
	benchTime string        // -benchtime of each benchmark run
	load      time.Duration // how long the 50 clients run
	clients   int
	stub      string
}

func run(ctx context.Context, out io.Writer, args []string) error {
	var o options
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.IntVar(&o.coldRuns, "cold-runs", 15, "cold starts of each bootstrap")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds of the Go benchmarks, gateway and SDK alternating")
	fs.StringVar(&o.benchTime, "benchtime", "0.5s", "-benchtime of each benchmark run")
	fs.DurationVar(&o.load, "load", 5*time.Second, "how long the concurrent clients run")
	fs.IntVar(&o.clients, "clients", 50, "concurrent clients of the local server")
	fs.StringVar(&o.stub, "stub", os.Getenv("LAMBDA_RUNTIME_STUB"), "the Lambda runtime stub (default ../shared/tools/lambda-runtime-stub)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.stub == "" {
		o.stub = filepath.Join("..", "shared", "tools", "lambda-runtime-stub")
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "gateway-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// The Cognito both the bootstrap and the local server call: canned
	// answers over loopback.
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cognito := &http.Server{Handler: benchmark.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = cognito.Serve(listener) }()
	defer cognito.Close()
	cognitoURL := "http://" + listener.Addr().String()

	var t table
	step := func(name string, f func() error) error {
		fmt.Fprintf(os.Stderr, "bench: %s...\n", name)
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if err := step("cold starts", func() error { return coldStarts(ctx, &t, root, work, cognitoURL, o) }); err != nil {
		return err
	}
	if err := step("Go benchmarks", func() error { return goBenchmarks(ctx, &t, root, work, o) }); err != nil {
		return err
	}
	if err := step("local server under load", func() error { return peakRSS(ctx, &t, root, work, cognitoURL, o) }); err != nil {
		return err
	}
	if err := step("arm64 size", func() error { return binarySize(ctx, &t, root, work) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n\n", machine())
	t.print(out)
	return nil
}

// moduleRoot is the directory of go.mod, as the go command finds it.
func moduleRoot() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	path := strings.TrimSpace(string(gomod))
	if path == "" || path == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(path), nil
}

// goBuild builds pkg into out with the SAM build's flags, for goarch.
func goBuild(ctx context.Context, root, out, pkg, goarch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc,lambdaenv", "-trimpath", "-ldflags=-s", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

func binarySize(ctx context.Context, t *table, root, work string) error {
	sizes := map[string]float64{}
	for name, pkg := range map[string]string{"gateway": "./functions/api", "hello": "./internal/benchmark/hello"} {
		out := filepath.Join(work, name+"-arm64")
		if err := goBuild(ctx, root, out, pkg, "arm64"); err != nil {
			return err
		}
		info, err := os.Stat(out)
		if err != nil {
			return err
		}
		sizes[name] = float64(info.Size()) / 1e6
	}
	t.add(row{name: "arm64 bootstrap size (MB)", gateway: sizes["gateway"], anchor: sizes["hello"],
		unit: "%.1f", goal: "gateway ≤ 15 MB", met: sizes["gateway"] <= 15})
	return nil
}

// machine describes where the figures come from.
func machine() string {
	model := "unknown CPU"
	if cpuinfo, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(cpuinfo), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s, %s", model, runtime.NumCPU(), runtime.Version(),
		runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02 15:04 MST"))
}
