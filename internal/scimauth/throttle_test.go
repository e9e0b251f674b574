package scimauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// TestFailureCountersStayBounded: failures from three times MaxSources
// sources, each with a long address, leave at most MaxSources counters of
// at most maxSourceKey bytes; the source being throttled stays throttled
// among them, and the next window starts with no counter. A missing token
// calls nothing, so the Store needs no Secrets Manager here.
func TestFailureCountersStayBounded(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s := New(nil, Options{Now: func() time.Time { return now }})
	verify := func(source string) int {
		return problem.As(s.Verify(context.Background(), "us-east-1_Pool", "", source)).Status
	}
	for range MaxFailures {
		if status := verify("attacker"); status != http.StatusUnauthorized {
			t.Fatalf("status %d, want a 401", status)
		}
	}
	long := strings.Repeat("x", 1000)
	for i := range 3 * MaxSources {
		verify(fmt.Sprintf("%d-%s", i, long))
	}
	if n := len(s.failures.counts); n > MaxSources {
		t.Errorf("%d counters, want at most %d", n, MaxSources)
	}
	for key := range s.failures.counts {
		if len(key) > maxSourceKey {
			t.Fatalf("a counter's key of %d bytes", len(key))
		}
	}
	if status := verify("attacker"); status != http.StatusTooManyRequests {
		t.Errorf("the throttled source, after %d others: status %d, want a 429", 3*MaxSources, status)
	}
	now = now.Add(FailureWindow)
	verify("next")
	if n := len(s.failures.counts); n != 1 {
		t.Errorf("the next window starts with %d counters, want the one of its failure", n)
	}
}
