package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestStringMasksSecrets(t *testing.T) {
	cases := []struct{ in, secret string }{
		{`{"Username":"ann","Password":"hunter2!Aa"}`, "hunter2!Aa"},
		{`{"TemporaryPassword": "Tmp#12345"}`, "Tmp#12345"},
		{`{"clientsecret":"s3cr3t\"quoted"}`, `s3cr3t`},
		{`Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig`, "eyJhbGciOi"},
		{`authorization=Basic dXNlcjpwYXNz`, "dXNlcjpwYXNz"},
		{`{AccessToken:tok-123 Session:sess-456}`, "tok-123"},
		{`{AccessToken:tok-123 Session:sess-456}`, "sess-456"},
		{`RefreshToken=r-789&x=1`, "r-789"},
	}
	for _, c := range cases {
		if got := String(c.in); strings.Contains(got, c.secret) {
			t.Errorf("String(%q) = %q still holds %q", c.in, got, c.secret)
		}
	}
	if got := String(`{"Username":"ann"}`); got != `{"Username":"ann"}` {
		t.Errorf("masked a non-secret: %q", got)
	}
}

func TestHandlerMasksEveryAttribute(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(Handler(slog.NewJSONHandler(&buf, nil))).With("Session", "sess-1")
	logger.Info("login for Bearer tok-2",
		"Password", "pw-3",
		"error", errors.New(`InvalidParameter: {"ClientSecret":"cs-4"}`),
		slog.Group("request", "Authorization", "Basic YWI6Y2Q=", "body", `{"IdToken":"id-5"}`),
		"tree", map[string]any{"RefreshToken": "rt-6", "list": []any{`Bearer bt-7`, 3}})
	if !strings.Contains(buf.String(), `"list":["Bearer [REDACTED]",3]`) {
		t.Errorf("a structured attribute lost its shape: %s", buf.String())
	}
	for _, secret := range []string{"sess-1", "tok-2", "pw-3", "cs-4", "YWI6Y2Q=", "id-5", "rt-6", "bt-7"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log line holds %q: %s", secret, buf.String())
		}
	}
}
