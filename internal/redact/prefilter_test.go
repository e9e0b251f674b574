package redact

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// FuzzMayHoldSecret holds the shortcut in String to the patterns it skips:
// whatever it rules out, the patterns leave alone.
func FuzzMayHoldSecret(f *testing.F) {
	for _, s := range []string{
		"request", "ListUsers", "us-east-1_Example1", `{"Password":"x"}`, "bearer abc",
		"PASSWORD=x", "ſession=x", "AccessToKen=x", "basic\tx", "Sess ion=x", `{"Code":"1"}`, "code=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayHoldSecret(s) && mask(s) != s {
			t.Errorf("mayHoldSecret(%q) is false, but the patterns mask it to %q", s, mask(s))
		}
	})
}

// FuzzIsSecret holds IsSecret's lookup to comparing with every name the way
// strings.EqualFold does.
func FuzzIsSecret(f *testing.F) {
	for _, s := range append([]string{"", "password", "PASSWORD", "ſession", "SeſſIon", "accessToKen",
		"requestId", "Requests", "passwords", "a_very_long_attribute_name_over_32_bytes", "code"}, append(Names, ExactNames...)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := IsSecret(name), foldedSecret(name); got != want {
			t.Errorf("IsSecret(%q) = %v, EqualFold with Names says %v", name, got, want)
		}
	})
}

func TestIsSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"Password": true, "password": true, "TEMPORARYPASSWORD": true, "ſession": true, "idtoken": true,
		"Authorization": true, "Requests": false, "passwords": false, "NextToken": false, "": false,
		"Token": true, "token": true,
		"Code": true, "code": false, "CODE": false, "salt": true, "PasswordVerifier": true, "Challenge": true,
	} {
		if got := IsSecret(name); got != want {
			t.Errorf("IsSecret(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestUnicodeCaseFoldingStillMasks(t *testing.T) {
	// 'ſ' folds to 's' and the Kelvin sign to 'k' in the patterns.
	for _, s := range []string{`{"ſession":"abc123"}`, "x AccessToKen=abc123"} {
		if got := String(s); got == s {
			t.Errorf("String(%q) masked nothing", s)
		}
	}
}

// BenchmarkPlainRecord is the redacting handler on a line like the access
// line: nothing in it is secret, so the handler only has to tell so.
func BenchmarkPlainRecord(b *testing.B) {
	h := Handler(discard{})
	attrs := []slog.Attr{
		slog.String("requestId", "8f14e45f-ceea-467a-9d3c-2b5e0e0a7c51"),
		slog.String("method", "GET"),
		slog.String("route", "/pools/{poolId}/users"),
		slog.String("operation", "listUsers"),
		slog.Any("actions", []string{"ListUsers"}),
		slog.Int("status", 200),
		slog.String("cognitoError", ""),
		slog.Float64("durationMs", 1.25),
		slog.Bool("coldStart", false),
		slog.Any("_aws", Trusted(`{"Timestamp":1}`)),
		slog.String("Route", "/pools/{poolId}/users"),
		slog.String("StatusClass", "2xx"),
		slog.Int("Requests", 1),
		slog.Float64("Latency", 1.25),
		slog.Int("Errors", 0),
		slog.Int("CognitoThrottles", 0),
		slog.Int("GatewayThrottles", 0),
	}
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(attrs...)
	ctx := context.Background()
	for b.Loop() {
		if err := h.Handle(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// discard is a handler that drops every record, so that the benchmark
// measures the redaction alone.
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return true }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
