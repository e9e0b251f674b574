package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/benchmark"
)

// coldStarts runs each bootstrap o.coldRuns times under the runtime stub,
// alternating, with three GET /pools/{id} invocations per run. Init is
// process start until the first poll of the Runtime API, as the stub
// measures it.
//
// The stub, not AWS's Runtime Interface Emulator that the Lambda-mode test
// uses, because this is a series of cold starts: the emulator initialises
// its function once per emulator process, so each cold start would need an
// emulator of its own, whose start-up is not the bootstrap's; and the Init
// Duration of its REPORT line times only the start of an init it runs
// asynchronously.
//
// The bootstraps get Lambda's environment and nothing of this machine's:
// AWS_CA_BUNDLE, for one, makes the SDK parse a certificate bundle at
// start-up, which Lambda never asks of it.
func coldStarts(ctx context.Context, t *table, root, work, cognitoURL string, o options) error {
	stub, err := filepath.Abs(o.stub)
	if err != nil {
		return err
	}
	if _, err := os.Stat(stub); err != nil {
		return fmt.Errorf("the Lambda runtime stub is missing (set LAMBDA_RUNTIME_STUB): %w", err)
	}
	event, err := writeEvent(work)
	if err != nil {
		return err
	}
	bootstraps := []struct {
		name, pkg string
		env       []string
	}{
		{name: "hello", pkg: "./internal/benchmark/hello"},
		{name: "floor", pkg: "./internal/benchmark/floor"},
		{name: "gateway", pkg: "./functions/api", env: []string{"--env", "AWS_ENDPOINT_URL=" + cognitoURL}},
	}
	type figures struct{ init, first, warm []float64 }
	got := map[string]*figures{}
	for _, b := range bootstraps {
		if err := goBuild(ctx, root, filepath.Join(work, b.name), b.pkg, runtime.GOARCH); err != nil {
			return err
		}
		got[b.name] = &figures{}
	}
	for range o.coldRuns {
		for _, b := range bootstraps {
			args := append(slices.Clone(b.env), filepath.Join(work, b.name), event, event, event)
			cmd := exec.CommandContext(ctx, stub, args...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "LANG=C.UTF-8", "TZ=:UTC"}
			raw, err := cmd.Output()
			if err != nil {
				return fmt.Errorf("%s under the runtime stub: %v\n%s", b.name, err, raw)
			}
			var report struct {
				Init        float64 `json:"init_ms_median"`
				InitError   *string `json:"init_error"`
				Invocations []struct {
					Kind     string  `json:"kind"`
					MS       float64 `json:"ms"`
					Response string  `json:"response"`
				} `json:"invocations"`
			}
			if err := json.Unmarshal(raw, &report); err != nil {
				return fmt.Errorf("%s: %v: %s", b.name, err, raw)
			}
			if report.InitError != nil || len(report.Invocations) != 3 {
				return fmt.Errorf("%s: init error %v, %d invocations", b.name, report.InitError, len(report.Invocations))
			}
			for _, inv := range report.Invocations {
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal([]byte(inv.Response), &resp); err != nil || inv.Kind != "response" || resp.StatusCode != 200 {
					return fmt.Errorf("%s answered %s: %s", b.name, inv.Kind, inv.Response)
				}
			}
			f := got[b.name]
			f.init = append(f.init, report.Init)
			f.first = append(f.first, report.Invocations[0].MS)
			f.warm = append(f.warm, report.Invocations[1].MS, report.Invocations[2].MS)
		}
	}
	gw, hello, floor := got["gateway"], got["hello"], got["floor"]
	t.add(row{name: fmt.Sprintf("cold start: init, median of %d (ms)", o.coldRuns),
		gateway: median(gw.init), anchor: median(hello.init), unit: "%.2f",
		goal: "≤ 1.5 × hello-world", met: median(gw.init) <= 1.5*median(hello.init)})
	// The floor is measured as the gateway is: what linking the gateway's
	// packages and loading the SDK's configuration cost before its code runs.
	t.add(row{name: "cold start: floor (its packages, config, no gateway) (ms)",
		gateway: median(floor.init), anchor: median(hello.init), unit: "%.2f"})
	t.add(row{name: "cold start: gateway over its floor (ms)",
		gateway: median(gw.init), anchor: median(floor.init), unit: "%.2f"})
	t.add(row{name: "cold start: first invocation (ms)", gateway: median(gw.first), anchor: median(hello.first), unit: "%.2f"})
	t.add(row{name: "warm invocation (ms)", gateway: median(gw.warm), anchor: median(hello.warm), unit: "%.2f"})
	t.add(row{name: "gateway: first invocation / warm", gateway: median(gw.first), anchor: median(gw.warm), unit: "%.2f"})
	return nil
}

// writeEvent writes an API Gateway REST proxy event for GET /pools/{id}.
func writeEvent(work string) (string, error) {
	path := "/pools/" + benchmark.PoolID
	event := events.APIGatewayProxyRequest{
		Resource: "/{proxy+}", Path: path, HTTPMethod: "GET",
		Headers:           map[string]string{"Accept": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com"},
		MultiValueHeaders: map[string][]string{"Accept": {"application/json"}, "Host": {"abc123.execute-api.us-east-1.amazonaws.com"}},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", Stage: "v1", Path: "/v1" + path, HTTPMethod: "GET",
			Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.10",
				UserArn: "arn:aws:iam::123456789012:user/operator", AccessKey: "AKIAEXAMPLE"},
		},
	}
	encoded, err := json.Marshal(event)
	if err != nil {
		return "", err
	}
	file := filepath.Join(work, "get-pool.json")
	return file, os.WriteFile(file, encoded, 0o644)
}

func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(values))
	if n := len(sorted); n%2 == 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return sorted[len(sorted)/2]
}
