package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// benchCases are internal/gateway's BenchmarkRequest cases, each run as
// "gateway" and as "sdk".
var benchCases = []struct{ name, gateway, anchor string }{
	{"getPool", "GET /pools/{id}", "DescribeUserPool"},
	{"listUsers", "GET /pools/{id}/users?Filter=...", "ListUsers"},
	{"patchPool", "PATCH /pools/{id}", "Describe+Update+Describe"},
	{"getResourceServer", "GET /pools/{id}/resource-servers/{url}", "DescribeResourceServer"},
	{"getClientRiskConfiguration", "GET /pools/{id}/clients/{id}/risk-configuration", "DescribeRiskConfiguration"},
}

// result is one run of one benchmark.
type result struct{ ns, bytes, allocs float64 }

// goBenchmarks runs BenchmarkRequest's cases o.rounds times, the gateway and
// the SDK side by side in each round, so that both see the same load on the
// machine; the ratio is the median of the rounds' ratios.
func goBenchmarks(ctx context.Context, t *table, root, work string, o options) error {
	binary := filepath.Join(work, "gateway.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", binary, "./internal/gateway")
	build.Dir = root
	if msg, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go test -c: %v\n%s", err, msg)
	}
	runs := map[string][]result{}
	for range o.rounds {
		for _, c := range benchCases {
			for _, side := range []string{"gateway", "sdk"} {
				name := "BenchmarkRequest/" + c.name + "/" + side
				cmd := exec.CommandContext(ctx, binary, "-test.run=^$", "-test.bench=^"+strings.ReplaceAll(name, "/", "$/^")+"$",
					"-test.benchmem", "-test.benchtime="+o.benchTime)
				cmd.Dir = filepath.Join(root, "internal", "gateway")
				cmd.Stderr = os.Stderr
				out, err := cmd.Output()
				if err != nil {
					return fmt.Errorf("%s: %v\n%s", name, err, out)
				}
				r, err := parseBenchmark(out, name)
				if err != nil {
					return err
				}
				runs[name] = append(runs[name], r)
			}
		}
	}
	for _, c := range benchCases {
		gw, sdk := runs["BenchmarkRequest/"+c.name+"/gateway"], runs["BenchmarkRequest/"+c.name+"/sdk"]
		var ratios, gwNS, sdkNS []float64
		for i := range gw {
			ratios = append(ratios, gw[i].ns/sdk[i].ns)
			gwNS, sdkNS = append(gwNS, gw[i].ns/1e3), append(sdkNS, sdk[i].ns/1e3)
		}
		// The ratio is the median of the rounds' ratios, which load on the
		// machine skews less than a ratio of medians.
		ratio := median(ratios)
		t.add(row{name: c.gateway + " vs " + c.anchor + " (µs/op)", gateway: median(gwNS), anchor: median(sdkNS),
			ratio: ratio, unit: "%.1f", goal: "≤ 1.3 × SDK", met: ratio <= 1.3})
		last := len(gw) - 1
		t.add(row{name: c.gateway + ": allocs/op", gateway: gw[last].allocs, anchor: sdk[last].allocs, unit: "%.0f"})
		t.add(row{name: c.gateway + ": bytes/op", gateway: gw[last].bytes, anchor: sdk[last].bytes, unit: "%.0f"})
	}
	return routeBenchmarks(ctx, t, root, binary, o)
}

// routeCases are internal/gateway's BenchmarkRoute cases, each run with
// the trie ("after") and with the segment-count gorillamux router it
// replaced ("before"), which is their anchor.
var routeCases = []struct{ name, label, unit string }{
	{"lookup/spec", "route lookup, the spec's last route", "ns"},
	{"lookup/ops150", "route lookup, 150 operations' last route", "ns"},
	{"build/spec", "router build + first lookup, the spec", "µs"},
	{"build/ops150", "router build + first lookup, 150 operations", "µs"},
}

// routeBenchmarks runs BenchmarkRoute o.rounds times, both routers in each
// run; the ratio is the median of the rounds' ratios.
func routeBenchmarks(ctx context.Context, t *table, root, binary string, o options) error {
	runs := map[string][]result{}
	for range o.rounds {
		cmd := exec.CommandContext(ctx, binary, "-test.run=^$", "-test.bench=^BenchmarkRoute$",
			"-test.benchmem", "-test.benchtime="+o.benchTime)
		cmd.Dir = filepath.Join(root, "internal", "gateway")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("BenchmarkRoute: %v\n%s", err, out)
		}
		for _, c := range routeCases {
			for _, side := range []string{"before", "after"} {
				name := "BenchmarkRoute/" + c.name + "/" + side
				r, err := parseBenchmark(out, name)
				if err != nil {
					return err
				}
				runs[name] = append(runs[name], r)
			}
		}
	}
	for _, c := range routeCases {
		after, before := runs["BenchmarkRoute/"+c.name+"/after"], runs["BenchmarkRoute/"+c.name+"/before"]
		scale := 1.0
		if c.unit == "µs" {
			scale = 1e3
		}
		var ratios, afterNS, beforeNS []float64
		for i := range after {
			ratios = append(ratios, after[i].ns/before[i].ns)
			afterNS, beforeNS = append(afterNS, after[i].ns/scale), append(beforeNS, before[i].ns/scale)
		}
		ratio := median(ratios)
		t.add(row{name: c.label + ": trie vs gorillamux (" + c.unit + "/op)", gateway: median(afterNS), anchor: median(beforeNS),
			ratio: ratio, unit: "%.1f", goal: "≤ 1 × before", met: ratio <= 1})
		last := len(after) - 1
		t.add(row{name: c.label + ": allocs/op", gateway: after[last].allocs, anchor: before[last].allocs, unit: "%.0f"})
	}
	return nil
}

// parseBenchmark reads ns/op, B/op and allocs/op of name from go test's
// output.
func parseBenchmark(out []byte, name string) (result, error) {
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], name) {
			continue
		}
		var r result
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				r.ns = v
			case "B/op":
				r.bytes = v
			case "allocs/op":
				r.allocs = v
			}
		}
		return r, nil
	}
	return result{}, fmt.Errorf("no result for %s in:\n%s", name, out)
}
