package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/benchmark"
	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// peakRSS starts the local server against the canned Cognito, sends it
// requests from o.clients concurrent clients for o.load, and reads its peak
// resident set (VmHWM) from /proc. Pacing is lifted so that every request
// reaches Cognito.
func peakRSS(ctx context.Context, t *table, root, work, cognitoURL string, o options) error {
	binary := filepath.Join(work, "gateway-local")
	if err := goBuild(ctx, root, binary, "./functions/api", runtime.GOARCH); err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	var rates []string
	for _, category := range quota.Categories() {
		rates = append(rates, category+"=1000000")
	}
	server := exec.CommandContext(ctx, binary)
	server.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "LISTEN_ADDR=" + addr,
		"AWS_ENDPOINT_URL=" + cognitoURL, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=secret", "COGNITO_RATE_LIMITS=" + strings.Join(rates, ",")}
	server.Stdout, server.Stderr = io.Discard, os.Stderr
	if err := server.Start(); err != nil {
		return err
	}
	defer func() {
		_ = server.Process.Signal(syscall.SIGTERM)
		_ = server.Wait()
	}()
	if err := waitListening(addr, 10*time.Second); err != nil {
		return err
	}

	base := "http://" + addr + "/pools/" + benchmark.PoolID
	requests := []func() (*http.Request, error){
		func() (*http.Request, error) { return http.NewRequest(http.MethodGet, base, nil) },
		func() (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+`/users?Filter=email+%5E%3D+%22ada%22&Limit=10`, nil)
		},
		func() (*http.Request, error) {
			r, err := http.NewRequest(http.MethodPatch, base, strings.NewReader(`{"UserPoolTags": {"owner": "ops"}}`))
			if err == nil {
				r.Header.Set("Content-Type", "application/merge-patch+json")
			}
			return r, err
		},
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}}
	var served, failed atomic.Int64
	deadline := time.Now().Add(o.load)
	var wg sync.WaitGroup
	for i := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := i; time.Now().Before(deadline); n++ {
				r, err := requests[n%len(requests)]()
				if err != nil {
					failed.Add(1)
					continue
				}
				resp, err := client.Do(r)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				served.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		return fmt.Errorf("%d of %d requests failed", failed.Load(), failed.Load()+served.Load())
	}
	hwm, err := statusKB(server.Process.Pid, "VmHWM")
	if err != nil {
		return err
	}
	t.add(row{name: fmt.Sprintf("local server, %d clients: peak RSS (MB)", o.clients), gateway: float64(hwm) / 1024,
		noRatio: true, unit: "%.1f", goal: "< 64 MB", met: hwm < 64*1024})
	t.add(row{name: fmt.Sprintf("local server, %d clients: requests/s", o.clients),
		gateway: float64(served.Load()) / o.load.Seconds(), noRatio: true, unit: "%.0f"})
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the local server did not listen on %s", addr)
}

// statusKB reads a "Name: N kB" line of /proc/PID/status.
func statusKB(pid int, name string) (int, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, name+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
