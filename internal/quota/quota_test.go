package quota

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultRatesAreAFifthOfCognitos(t *testing.T) {
	l := New(map[string]float64{"UserList": 2})
	cases := map[Category]struct {
		rps   float64
		burst int
	}{
		"UserUpdate":   {5, 5},   // 20% of 25
		"UserRead":     {24, 24}, // 20% of 120
		"UserList":     {2, 2},   // configured
		"UserPoolRead": {3, 3},   // 20% of 15
	}
	for category, want := range cases {
		bucket := l.buckets[category]
		if float64(bucket.Limit()) != want.rps || bucket.Burst() != want.burst {
			t.Errorf("%s: %v RPS with burst %d, want %v with burst %d",
				category, bucket.Limit(), bucket.Burst(), want.rps, want.burst)
		}
	}
}

func TestSlowRatesStillAllowOneCall(t *testing.T) {
	l := New(map[string]float64{"UserUpdate": 0.5})
	if burst := l.buckets["UserUpdate"].Burst(); burst != 1 {
		t.Errorf("burst %d, want 1", burst)
	}
}

func TestWaitRefusesAtOnceWhatTheDeadlineCannotWaitFor(t *testing.T) {
	l := New(map[string]float64{"UserUpdate": 1})
	if err := l.Wait(context.Background(), UserUpdate, "", ""); err != nil {
		t.Fatalf("first call: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := l.Wait(ctx, UserUpdate, "", "")
	if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
		t.Errorf("refusal took %v; it should not wait", elapsed)
	}
	var throttled *ThrottledError
	if !errors.As(err, &throttled) {
		t.Fatalf("error %v, want a *ThrottledError", err)
	}
	if throttled.Category != "UserUpdate" || throttled.RetryAfter <= 0 || throttled.RetryAfter > time.Second {
		t.Errorf("%+v, want UserUpdate and a RetryAfter within 1s", throttled)
	}
	if msg := err.Error(); msg != "throttled by the gateway to protect Cognito's shared quota (UserUpdate)" {
		t.Errorf("message %q", msg)
	}
	// Each category has a bucket of its own.
	if err := l.Wait(ctx, UserList, "", ""); err != nil {
		t.Errorf("other category: %v", err)
	}
}

func TestWaitWaitsWhenTheDeadlineAllows(t *testing.T) {
	l := New(map[string]float64{"UserUpdate": 20}) // a token every 50ms
	for range 20 {
		if err := l.Wait(context.Background(), UserUpdate, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	if err := l.Wait(ctx, UserUpdate, "", ""); err != nil {
		t.Fatalf("with room before the deadline: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 20*time.Millisecond {
		t.Errorf("waited %v for an empty bucket", elapsed)
	}
}

func TestWaitLetsUnknownCategoriesThrough(t *testing.T) {
	l := New(nil)
	for range 100 {
		if err := l.Wait(context.Background(), "SomeFutureCategory", "", ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseRates(t *testing.T) {
	cases := []struct {
		in      string
		want    map[string]float64
		wantErr string
	}{
		{in: "", want: map[string]float64{}},
		{in: "UserUpdate=5,UserList=6", want: map[string]float64{"UserUpdate": 5, "UserList": 6}},
		{in: " UserUpdate = 2.5 , ", want: map[string]float64{"UserUpdate": 2.5}},
		{in: "UserUpdates=5", wantErr: `unknown quota category "UserUpdates"; the gateway's categories are UserAccountRecovery,`},
		{in: "UserUpdate", wantErr: `"UserUpdate" is not Category=requests-per-second`},
		{in: "UserUpdate=fast", wantErr: "UserUpdate=fast: the rate must be a positive number"},
		{in: "UserUpdate=0", wantErr: "UserUpdate=0: the rate must be a positive number"},
		{in: "UserUpdate=NaN", wantErr: "the rate must be a positive number"},
		{in: "UserUpdate=1,UserUpdate=2", wantErr: "quota category UserUpdate is given twice"},
	}
	for _, tc := range cases {
		got, err := ParseRates(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseRates(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRates(%q): %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("ParseRates(%q) = %v, want %v", tc.in, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("ParseRates(%q)[%s] = %v, want %v", tc.in, k, got[k], v)
			}
		}
	}
}

// TestOnlyPacesTheNamedCategories: for a local Cognito, a burst of reads
// goes through at once, and a category the configuration names is still
// paced.
func TestOnlyPacesTheNamedCategories(t *testing.T) {
	l := Only(map[string]float64{"UserUpdate": 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for i := range 100 {
		if err := l.Wait(ctx, UserPoolRead, "", ""); err != nil {
			t.Fatalf("read %d of a burst: %v", i, err)
		}
	}
	if err := l.Wait(ctx, UserUpdate, "", ""); err != nil {
		t.Fatalf("first update: %v", err)
	}
	var throttled *ThrottledError
	if err := l.Wait(ctx, UserUpdate, "", ""); !errors.As(err, &throttled) || throttled.Category != "UserUpdate" {
		t.Errorf("second update within the second: %v, want a UserUpdate *ThrottledError", err)
	}
}

func TestShareTakesAFractionOfEachPacedCategoryInBucketsOfItsOwn(t *testing.T) {
	gateway := Only(map[string]float64{"UserList": 6, "UserUpdate": 5})
	jobs := gateway.Share(0.5)
	for category, want := range map[Category]float64{UserList: 3, UserUpdate: 2.5} {
		if got, ok := jobs.Rate(category); !ok || got != want {
			t.Errorf("%s: %v (paced %v), want %v", category, got, ok, want)
		}
	}
	if _, ok := jobs.Rate(UserRead); ok {
		t.Error("UserRead is paced by the share, but the gateway does not pace it")
	}
	// The job's bucket is its own: draining it leaves the gateway's full.
	for range 3 {
		_ = jobs.Wait(context.Background(), UserList, "us-east-1_A", "ListUsers")
	}
	if tokens := gateway.buckets[UserList].Tokens(); tokens < 5.9 {
		t.Errorf("the gateway's UserList bucket holds %v tokens after the job's calls, want 6", tokens)
	}
}

// startsPerSecond counts, for calls reserved all at once at now, the most
// that the limiter lets start within any one second.
func startsPerSecond(l *Limiter, now time.Time, calls int, category Category, poolID, action string) int {
	starts := make([]time.Duration, calls)
	for i := range starts {
		starts[i], _, _ = l.reserve(now, category, poolID, action)
	}
	most := 0
	for i, from := range starts {
		n := 0
		for _, at := range starts[i:] {
			if at-from < time.Second {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// TestFiftyClientWritesStayWithinTheCapPerPoolAndOperation: Cognito caps
// app client, group, provider and resource server actions at 5 a second
// per pool and operation, whatever the category's own rate. Counted on
// the reservations, not timed.
func TestFiftyClientWritesStayWithinTheCapPerPoolAndOperation(t *testing.T) {
	now := time.Now()
	for _, rates := range []map[string]float64{
		nil,                             // the default share: 3 a second
		{"UserPoolClientUpdate": 15},    // the whole quota
		{"UserPoolResourceUpdate": 100}, // above it
	} {
		for _, l := range []*Limiter{New(rates), Only(map[string]float64{"UserPoolClientUpdate": 15, "UserPoolResourceUpdate": 100})} {
			for _, call := range []struct {
				category Category
				action   string
			}{{UserPoolClientUpdate, "UpdateUserPoolClient"}, {UserPoolResourceUpdate, "CreateGroup"}} {
				if most := startsPerSecond(l, now, 50, call.category, "us-east-1_A", call.action); most > PerPoolOperationRPS {
					t.Errorf("rates %v: %d %s calls start within one second, want at most %d", rates, most, call.action, PerPoolOperationRPS)
				}
			}
		}
	}
}

// TestThePerPoolCapIsPerPoolAndOperation: another pool, or another
// operation, has its own 5 a second; only the category's bucket is shared.
func TestThePerPoolCapIsPerPoolAndOperation(t *testing.T) {
	l := Only(map[string]float64{"UserPoolClientUpdate": 100})
	now := time.Now()
	var started int
	for _, poolID := range []string{"us-east-1_A", "us-east-1_B"} {
		for _, action := range []string{"CreateUserPoolClient", "UpdateUserPoolClient"} {
			if delay, _, _ := l.reserve(now, UserPoolClientUpdate, poolID, action); delay == 0 {
				started++
			}
		}
	}
	if started != 4 {
		t.Errorf("%d of 4 calls on distinct pools and operations start at once, want 4", started)
	}
	if delay, _, _ := l.reserve(now, UserPoolRead, "us-east-1_A", "DescribeUserPool"); delay != 0 {
		t.Errorf("an unpaced category waits %v", delay)
	}
}

// TestAShareKeepsItsParentsCapPerPoolAndOperation: Cognito's cap of five a
// second per pool and operation is the pool's, whoever calls, so the job
// worker's Limiter and the gateway's draw on the same per-pool bucket.
func TestAShareKeepsItsParentsCapPerPoolAndOperation(t *testing.T) {
	gateway := Only(map[string]float64{"UserPoolClientUpdate": 100})
	jobs := gateway.Share(0.5)
	now := time.Now()
	var started int
	for _, l := range []*Limiter{gateway, jobs, gateway, jobs} {
		if delay, _, _ := l.reserve(now, UserPoolClientUpdate, "us-east-1_A", "UpdateUserPoolClient"); delay == 0 {
			started++
		}
	}
	if started != 1 {
		t.Errorf("%d of 4 calls from the gateway and its share start at once on one pool and operation, want 1", started)
	}
}
