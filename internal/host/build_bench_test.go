package host

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkBuild is the work a cold start does before it serves, in
// process: configuration, the SDK client, the spec and the gateway.
func BenchmarkBuild(b *testing.B) {
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
	for k, v := range env {
		b.Setenv(k, v)
	}
	b.Setenv("AWS_CA_BUNDLE", "") // Lambda has none
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Build(context.Background(), func(k string) string { return env[k] }, logger); err != nil {
			b.Fatal(err)
		}
	}
}
