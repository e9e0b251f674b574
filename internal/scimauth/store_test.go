package scimauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/scimauth"
)

var _ gateway.SCIMTokens = (*scimauth.Store)(nil)

const (
	poolA = "us-east-1_PoolA"
	poolB = "us-east-1_PoolB"
	// source is the client address of most requests.
	source = "192.0.2.10:4711"
)

// clock is a test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is the HTTP client of a Store under test: it sends each
// request on to moto, counts it by action, and can run a hook before a
// given action is sent, to interleave another Store's calls.
type recorder struct {
	mu      sync.Mutex
	actions []string
	before  map[string]func()
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	action := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "secretsmanager.")
	r.mu.Lock()
	r.actions = append(r.actions, action)
	hook := r.before[action]
	delete(r.before, action) // once
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	return http.DefaultClient.Do(req)
}

// total is how many calls were made.
func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.actions)
}

// count is how many times action was called.
func (r *recorder) count(action string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.actions {
		if a == action {
			n++
		}
	}
	return n
}

// beforeOnce runs hook the next time action is about to be sent.
func (r *recorder) beforeOnce(action string, hook func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.before == nil {
		r.before = map[string]func(){}
	}
	r.before[action] = hook
}

// instance is one gateway instance's Store: its own cache, counters and
// clock, on a shared Secrets Manager.
type instance struct {
	*scimauth.Store
	calls *recorder
	clock *clock
}

func newInstance(t *testing.T, endpoint string) instance {
	t.Helper()
	calls := &recorder{}
	c := newClock()
	client := secretsmanager.NewFromConfig(mototest.Config(t, endpoint), func(o *secretsmanager.Options) {
		o.HTTPClient = calls
	})
	return instance{Store: scimauth.New(client, scimauth.Options{Now: c.Now}), calls: calls, clock: c}
}

// status is err's HTTP status, 0 for nil.
func status(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var p *problem.Error
	if !errors.As(err, &p) {
		t.Fatalf("%v is not a *problem.Error", err)
	}
	return p.Status
}

func issue(t *testing.T, s instance, poolID string) string {
	t.Helper()
	token, err := s.Issue(context.Background(), poolID)
	if err != nil {
		t.Fatalf("Issue(%s): %v", poolID, err)
	}
	return token
}

// TestVerifyRefusesMissingWrongAndOtherPoolsTokens: only a token issued
// for the pool passes; everything else is a 401 that repeats no token.
func TestVerifyRefusesMissingWrongAndOtherPoolsTokens(t *testing.T) {
	endpoint := mototest.Start(t)
	s := newInstance(t, endpoint)
	tokenA, tokenB := issue(t, s, poolA), issue(t, s, poolB)
	if len(tokenA) < 43 || tokenA == tokenB {
		t.Fatalf("tokens %q and %q: want two different tokens of 256 bits", tokenA, tokenB)
	}
	cases := []struct {
		name, pool, token string
		want              int
	}{
		{"pool A's token on pool A", poolA, tokenA, 0},
		{"pool B's token on pool B", poolB, tokenB, 0},
		{"no token", poolA, "", http.StatusUnauthorized},
		{"a wrong token", poolA, strings.Repeat("x", 43), http.StatusUnauthorized},
		{"pool B's token on pool A", poolA, tokenB, http.StatusUnauthorized},
		{"pool A's token on pool B", poolB, tokenA, http.StatusUnauthorized},
		{"a token on a pool that has none", "us-east-1_NoTokens", tokenA, http.StatusUnauthorized},
		{"a prefix of the token", poolA, tokenA[:42], http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each case from its own source, so that none is throttled.
			err := s.Verify(context.Background(), tc.pool, tc.token, tc.name)
			if got := status(t, err); got != tc.want {
				t.Fatalf("status %d (%v), want %d", got, err, tc.want)
			}
			if err == nil {
				return
			}
			p := err.(*problem.Error)
			if p.Header.Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			for _, token := range []string{tokenA, tokenB} {
				if strings.Contains(p.Error(), token) {
					t.Errorf("the error repeats a token: %v", p)
				}
			}
		})
	}
}

// TestRotationKeepsTheTwoNewestTokens: a second token leaves the first
// working, a third drops the first; Secrets Manager holds the hashes of the
// two newest and never a token.
func TestRotationKeepsTheTwoNewestTokens(t *testing.T) {
	endpoint := mototest.Start(t)
	s := newInstance(t, endpoint)
	first := issue(t, s, poolA)
	second := issue(t, s, poolA)
	// Both on this instance, and on one that reads them fresh.
	for _, verifier := range []instance{s, newInstance(t, endpoint)} {
		for _, token := range []string{first, second} {
			if err := verifier.Verify(context.Background(), poolA, token, source); err != nil {
				t.Fatalf("after two issues: %v", err)
			}
		}
	}
	third := issue(t, s, poolA)
	for _, verifier := range []instance{s, newInstance(t, endpoint)} {
		if err := verifier.Verify(context.Background(), poolA, first, source); status(t, err) != http.StatusUnauthorized {
			t.Errorf("the first token after a third issue: %v, want a 401", err)
		}
		for _, token := range []string{second, third} {
			if err := verifier.Verify(context.Background(), poolA, token, source); err != nil {
				t.Errorf("after three issues: %v", err)
			}
		}
	}

	// AWSCURRENT named: moto, unlike Secrets Manager, answers a read
	// that names no stage with the secret's first version once
	// UpdateSecretVersionStage has moved the label.
	out, err := secretsmanager.NewFromConfig(mototest.Config(t, endpoint)).GetSecretValue(context.Background(),
		&secretsmanager.GetSecretValueInput{SecretId: aws.String(scimauth.DefaultPrefix + poolA), VersionStage: aws.String("AWSCURRENT")})
	if err != nil {
		t.Fatal(err)
	}
	stored := aws.ToString(out.SecretString)
	var want []string
	for _, token := range []string{second, third} {
		sum := sha256.Sum256([]byte(token))
		want = append(want, `"`+hex.EncodeToString(sum[:])+`"`)
	}
	if stored != `{"sha256":[`+strings.Join(want, ",")+`]}` {
		t.Errorf("the secret holds %s, want the hashes of the two newest tokens, oldest first", stored)
	}
	for _, token := range []string{first, second, third} {
		if strings.Contains(stored, token) {
			t.Errorf("the secret holds a token")
		}
	}
}

// TestVerifyReadsTheSecretOnceInFiveMinutes: the hashes are read when
// first needed, used for five minutes, and a wrong token makes the secret
// be read again only once they are a minute old.
func TestVerifyReadsTheSecretOnceInFiveMinutes(t *testing.T) {
	endpoint := mototest.Start(t)
	token := issue(t, newInstance(t, endpoint), poolA)
	s := newInstance(t, endpoint)
	if n := s.calls.total(); n != 0 {
		t.Fatalf("a new Store made %d calls, want none", n)
	}
	steps := []struct {
		after time.Duration
		token string
		reads int // GetSecretValue calls so far
	}{
		{0, token, 1},
		{time.Second, token, 1},
		{30 * time.Second, "wrong", 1}, // hashes younger than RefreshAfter
		{scimauth.CacheTTL - time.Second, token, 1},
		{scimauth.CacheTTL, token, 2},
		{scimauth.CacheTTL + scimauth.RefreshAfter - time.Second, "wrong", 2},
		{scimauth.CacheTTL + scimauth.RefreshAfter, "wrong", 3},
		{scimauth.CacheTTL + scimauth.RefreshAfter + time.Second, "wrong", 3},
	}
	start := s.clock.Now()
	for _, step := range steps {
		s.clock.Set(start.Add(step.after))
		err := s.Verify(context.Background(), poolA, step.token, source)
		if (err == nil) != (step.token == token) {
			t.Fatalf("at +%s: %v", step.after, err)
		}
		if got := s.calls.count("GetSecretValue"); got != step.reads {
			t.Fatalf("at +%s: %d reads of the secret, want %d", step.after, got, step.reads)
		}
	}
}

// TestATokenIssuedElsewhereWorksWithinAMinute: an instance that cached a
// pool's hashes before another one issued a new token refuses the new
// token only until its hashes are RefreshAfter old, and meanwhile still
// takes the old one, as a rotation wants.
func TestATokenIssuedElsewhereWorksWithinAMinute(t *testing.T) {
	endpoint := mototest.Start(t)
	issuer, other := newInstance(t, endpoint), newInstance(t, endpoint)
	old := issue(t, issuer, poolA)
	if err := other.Verify(context.Background(), poolA, old, source); err != nil {
		t.Fatal(err)
	}
	fresh := issue(t, issuer, poolA)
	if err := issuer.Verify(context.Background(), poolA, fresh, source); err != nil {
		t.Fatalf("the issuing instance refuses its new token: %v", err)
	}
	other.clock.Advance(scimauth.RefreshAfter - time.Second)
	if err := other.Verify(context.Background(), poolA, fresh, "198.51.100.1"); status(t, err) != http.StatusUnauthorized {
		t.Fatalf("another instance, with hashes younger than RefreshAfter: %v, want a 401", err)
	}
	if err := other.Verify(context.Background(), poolA, old, source); err != nil {
		t.Fatalf("another instance refuses the old token meanwhile: %v", err)
	}
	other.clock.Advance(time.Second)
	if err := other.Verify(context.Background(), poolA, fresh, source); err != nil {
		t.Fatalf("another instance, with hashes RefreshAfter old: %v", err)
	}
}

// TestRepeatedFailuresThrottleTheirSource: MaxFailures wrong tokens from
// one source, whatever its port, make its next requests 429s, the right token's too, without
// a call to Secrets Manager, until the window ends; other sources are not
// affected.
func TestRepeatedFailuresThrottleTheirSource(t *testing.T) {
	endpoint := mototest.Start(t)
	token := issue(t, newInstance(t, endpoint), poolA)
	s := newInstance(t, endpoint)
	for i := range scimauth.MaxFailures {
		wrong := "wrong"
		if i%2 == 1 {
			wrong = "" // a missing token counts too
		}
		// From one address, over a new connection each time.
		from := fmt.Sprintf("192.0.2.10:%d", 50000+i)
		if err := s.Verify(context.Background(), poolA, wrong, from); status(t, err) != http.StatusUnauthorized {
			t.Fatalf("failure %d: %v, want a 401", i+1, err)
		}
		s.clock.Advance(time.Second)
	}
	calls := s.calls.total()
	err := s.Verify(context.Background(), poolA, token, source)
	if status(t, err) != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %v, want a 429", scimauth.MaxFailures, err)
	}
	elapsed := time.Duration(scimauth.MaxFailures) * time.Second
	if got, want := err.(*problem.Error).RetryAfter, int((scimauth.FailureWindow - elapsed).Seconds()); got != want {
		t.Errorf("Retry-After %d, want %d", got, want)
	}
	if s.calls.total() != calls {
		t.Error("a throttled request called Secrets Manager")
	}
	if err := s.Verify(context.Background(), poolA, token, "198.51.100.7:1"); err != nil {
		t.Errorf("another source: %v", err)
	}
	s.clock.Advance(scimauth.FailureWindow - elapsed)
	if err := s.Verify(context.Background(), poolA, token, source); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// TestConcurrentIssuesKeepBothTokens: an issue that another issue for the
// same pool overtakes, between its read of the secret and its write,
// starts again from the other's version, so both tokens work: whether the
// secret was still to be created, or to be given a new version.
func TestConcurrentIssuesKeepBothTokens(t *testing.T) {
	cases := []struct {
		name    string
		initial bool   // a token issued before, so the secret exists
		write   string // the action the overtaken issue is about to send
	}{
		{"both create the secret", false, "CreateSecret"},
		{"both add a version", true, "UpdateSecretVersionStage"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			endpoint := mototest.Start(t)
			slow, fast := newInstance(t, endpoint), newInstance(t, endpoint)
			if tc.initial {
				issue(t, fast, poolA)
			}
			var overtaking string
			slow.calls.beforeOnce(tc.write, func() { overtaking = issue(t, fast, poolA) })
			overtaken := issue(t, slow, poolA)
			if overtaking == "" {
				t.Fatalf("the overtaken issue sent no %s", tc.write)
			}
			fresh := newInstance(t, endpoint)
			for name, token := range map[string]string{"overtaking": overtaking, "overtaken": overtaken} {
				if err := fresh.Verify(context.Background(), poolA, token, source); err != nil {
					t.Errorf("the %s issue's token: %v", name, err)
				}
			}
		})
	}
}

// TestStoreCallsOnlyItsActions holds Actions, which the template's policy
// grants, to what a Store calls: issuing into a new and an existing
// secret, and verifying, calls each of them and nothing else.
func TestStoreCallsOnlyItsActions(t *testing.T) {
	endpoint := mototest.Start(t)
	s := newInstance(t, endpoint)
	issue(t, s, poolA)
	issue(t, s, poolA)
	s.clock.Advance(scimauth.CacheTTL)
	if err := s.Verify(context.Background(), poolA, "wrong", source); status(t, err) != http.StatusUnauthorized {
		t.Fatal(err)
	}
	s.calls.mu.Lock()
	called := slices.Compact(slices.Sorted(slices.Values(s.calls.actions)))
	s.calls.mu.Unlock()
	if !slices.Equal(called, scimauth.Actions) {
		t.Errorf("a Store called %v; Actions are %v", called, scimauth.Actions)
	}
}

// TestSecretsManagerFailureIsA5xxWithoutInternals: when Secrets Manager
// cannot be reached, Verify and Issue answer 502 (504 past the request's
// deadline) with the gateway's own detail; the cause is kept for the log.
func TestSecretsManagerFailureIsA5xxWithoutInternals(t *testing.T) {
	// A port that refuses: moto's, once it is stopped.
	closed := mototest.Config(t, "http://127.0.0.1:1")
	client := secretsmanager.NewFromConfig(closed, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	s := scimauth.New(client, scimauth.Options{})
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cases := []struct {
		name string
		ctx  context.Context
		call func(ctx context.Context) error
		want int
	}{
		{"Verify", context.Background(), func(ctx context.Context) error { return s.Verify(ctx, poolA, "token", source) }, http.StatusBadGateway},
		{"Issue", context.Background(), func(ctx context.Context) error { _, err := s.Issue(ctx, poolA); return err }, http.StatusBadGateway},
		{"Verify past its deadline", expired, func(ctx context.Context) error { return s.Verify(ctx, poolB, "token", source) }, http.StatusGatewayTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(tc.ctx)
			if got := status(t, err); got != tc.want {
				t.Fatalf("status %d (%v), want %d", got, err, tc.want)
			}
			p := err.(*problem.Error)
			if p.Cause == nil {
				t.Error("no cause to log")
			}
			for _, internal := range []string{"127.0.0.1", "dial", "GetSecretValue", "secretsmanager", "scim/"} {
				if strings.Contains(p.Detail, internal) {
					t.Errorf("detail %q tells of %q", p.Detail, internal)
				}
			}
		})
	}
}
