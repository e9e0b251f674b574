package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// TestBodyWrongInEveryItemIsBoundedInSizeAndMemory sends the local server
// bodies as large as it takes (256 KiB), 8 at once, wrong in every array
// item: first 130,000 items of 2 bytes, more than any Cognito input holds,
// then as many items as the gateway takes, padded to the same size. Every
// answer must stay under 64 KiB (well within Lambda's 6 MB), and the
// process's peak resident memory under 128 MiB. Before the caps, the first
// kind was answered with 9 MB each, and the peak was 940 MB.
func TestBodyWrongInEveryItemIsBoundedInSizeAndMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak memory is read from /proc")
	}
	const (
		concurrent = 8
		maxAnswer  = 64 << 10
		maxPeakKB  = 128 << 10
	)
	cognito := cognitotest.New(t) // never called: validation refuses first
	cmd, base, output := startLocalServer(t, buildBootstrap(t), cognito.URL)
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	t.Logf("peak RSS %d KiB idle", peakKB(t, cmd.Process.Pid))

	// bodyOf is a user whose attributes are items, each wrong: an attribute
	// must be an object.
	bodyOf := func(item string, items int) string {
		return `{"Username":"ada","UserAttributes":[` + strings.Repeat(item+",", items-1) + item + `]}`
	}
	padded := `"` + strings.Repeat("x", 23) + `"`
	listed := gateway.MaxJSONItems - 10
	for _, round := range []struct {
		name            string
		body            string
		status, omitted int
	}{
		{"130,000 items", bodyOf("1", (gateway.MaxBodyBytes-64)/2), http.StatusRequestEntityTooLarge, 0},
		{"the most items taken", bodyOf(padded, listed), http.StatusBadRequest, listed - problem.MaxViolations},
	} {
		if len(round.body) > gateway.MaxBodyBytes || len(round.body) < gateway.MaxBodyBytes-(64<<10) {
			t.Fatalf("%s: a body of %d bytes", round.name, len(round.body))
		}
		var wg sync.WaitGroup
		for range concurrent {
			wg.Go(func() { checkBoundedAnswer(t, base, round.body, round.status, round.omitted, maxAnswer) })
		}
		wg.Wait()
		peak := peakKB(t, cmd.Process.Pid)
		t.Logf("peak RSS %d KiB after %d concurrent requests of %s", peak, concurrent, round.name)
		if peak > maxPeakKB {
			t.Errorf("peak RSS %d KiB, over %d KiB\n%s", peak, maxPeakKB, output.String())
		}
	}
	if len(cognito.Calls()) != 0 {
		t.Errorf("Cognito was called: %v", cognito.Calls())
	}
}

// checkBoundedAnswer posts body as a new user, and fails t unless the
// answer is a problem with status, no larger than maxAnswer, and, for a
// 400, lists problem.MaxViolations violations and counts omitted more.
func checkBoundedAnswer(t *testing.T, base, body string, status, omitted, maxAnswer int) {
	resp, err := http.Post(base+"/pools/us-east-1_Example1/users", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
		return
	}
	var p struct {
		Errors        []json.RawMessage `json:"errors"`
		ErrorsOmitted int               `json:"errorsOmitted"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Errorf("%d: %v", resp.StatusCode, err)
		return
	}
	listed := 0
	if status == http.StatusBadRequest {
		listed = problem.MaxViolations
	}
	if resp.StatusCode != status || len(raw) >= maxAnswer || len(p.Errors) != listed || p.ErrorsOmitted != omitted {
		t.Errorf("%d, %d bytes, %d errors listed and %d omitted; want %d, under %d bytes, %d and %d",
			resp.StatusCode, len(raw), len(p.Errors), p.ErrorsOmitted, status, maxAnswer, listed, omitted)
	}
}

// peakKB is the peak resident set size of process pid, VmHWM, in KiB.
func peakKB(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if value, ok := strings.CutPrefix(lines.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
