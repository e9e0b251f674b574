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
	if err := l.Wait(context.Background(), UserUpdate); err != nil {
		t.Fatalf("first call: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := l.Wait(ctx, UserUpdate)
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
	if err := l.Wait(ctx, UserList); err != nil {
		t.Errorf("other category: %v", err)
	}
}

func TestWaitWaitsWhenTheDeadlineAllows(t *testing.T) {
	l := New(map[string]float64{"UserUpdate": 20}) // a token every 50ms
	for range 20 {
		if err := l.Wait(context.Background(), UserUpdate); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	if err := l.Wait(ctx, UserUpdate); err != nil {
		t.Fatalf("with room before the deadline: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 20*time.Millisecond {
		t.Errorf("waited %v for an empty bucket", elapsed)
	}
}

func TestWaitLetsUnknownCategoriesThrough(t *testing.T) {
	l := New(nil)
	for range 100 {
		if err := l.Wait(context.Background(), "SomeFutureCategory"); err != nil {
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
		if err := l.Wait(ctx, UserPoolRead); err != nil {
			t.Fatalf("read %d of a burst: %v", i, err)
		}
	}
	if err := l.Wait(ctx, UserUpdate); err != nil {
		t.Fatalf("first update: %v", err)
	}
	var throttled *ThrottledError
	if err := l.Wait(ctx, UserUpdate); !errors.As(err, &throttled) || throttled.Category != "UserUpdate" {
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
		_ = jobs.Wait(context.Background(), UserList)
	}
	if tokens := gateway.buckets[UserList].Tokens(); tokens < 5.9 {
		t.Errorf("the gateway's UserList bucket holds %v tokens after the job's calls, want 6", tokens)
	}
}
