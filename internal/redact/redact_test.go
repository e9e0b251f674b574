package redact

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestStringMasksSecrets(t *testing.T) {
	cases := []struct{ in, secret string }{
		{`{"Username":"ann","Password":"hunter2!Aa"}`, "hunter2!Aa"},
		{`{"TemporaryPassword": "Tmp#12345"}`, "Tmp#12345"},
		{`{"SecretCode":"JBSWY3DPEHPK3PXP"}`, "JBSWY3DPEHPK3PXP"},
		{`{"UserCode": "402719", "FriendlyDeviceName": "phone"}`, "402719"},
		{`{"clientsecret":"s3cr3t\"quoted"}`, `s3cr3t`},
		{`Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig`, "eyJhbGciOi"},
		{`authorization=Basic dXNlcjpwYXNz`, "dXNlcjpwYXNz"},
		{`{AccessToken:tok-123 Session:sess-456}`, "tok-123"},
		{`{AccessToken:tok-123 Session:sess-456}`, "sess-456"},
		{`RefreshToken=r-789&x=1`, "r-789"},
		{`{"ProviderDetails":{"client_id":"abc","client_secret":"oidc-s3cret"}}`, "oidc-s3cret"},
		{`{"ProviderDetails":{"private_key":"-----BEGIN PRIVATE KEY-----MIGT"}}`, "MIGT"},
		{`{"ClientSecretDescriptor":{"ClientSecretId":"c--1","ClientSecretValue":"gen3rated"}}`, "gen3rated"},
		{`{"AccessToken":"x","AttributeName":"email","Code":"731904"}`, "731904"},
		{`{Code:731904 AttributeName:email}`, "731904"},
		{`{"DeviceSecretVerifierConfig":{"PasswordVerifier":"pv-8842","Salt":"salt-7731"}}`, "pv-8842"},
		{`{"DeviceSecretVerifierConfig":{"PasswordVerifier":"pv-8842","Salt":"salt-7731"}}`, "salt-7731"},
		{`{"CredentialCreationOptions":{"challenge":"ch-5520","rp":{"id":"example.com"}}}`, "ch-5520"},
		{`{"Credential":{"id":"AQID","response":{"clientDataJSON":"cd-9917","attestationObject":"ao-3310"}}}`, "cd-9917"},
		{`{"Credential":{"id":"AQID","response":{"clientDataJSON":"cd-9917","attestationObject":"ao-3310"}}}`, "ao-3310"},
		{`{"Token":"scim-tok-4410"}`, "scim-tok-4410"},
		{`/pools/p/scim/v2/Users?token=scim-tok-5521`, "scim-tok-5521"},
	}
	for _, c := range cases {
		if got := String(c.in); strings.Contains(got, c.secret) {
			t.Errorf("String(%q) = %q still holds %q", c.in, got, c.secret)
		}
	}
	for _, plain := range []string{`{"Username":"ann"}`, `{"code":"CodeMismatchException","status":400}`, `code=NotAuthorizedException`,
		`{"NextToken":"page-2"}`, `NextToken=page-2`} {
		if got := String(plain); got != plain {
			t.Errorf("masked a non-secret: %q", got)
		}
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

// TestHandlerMasksOneSecretAmongPlainAttributes: a record of plain
// attributes, which the handler passes on without copying, is still
// masked when any one attribute or its message holds a secret.
func TestHandlerMasksOneSecretAmongPlainAttributes(t *testing.T) {
	plain := []slog.Attr{
		slog.String("route", "/pools/{poolId}"), slog.Int("status", 200), slog.Bool("coldStart", false),
		slog.Float64("durationMs", 1.5), slog.Any("actions", []string{"DescribeUserPool"}),
		slog.Any("_aws", Trusted(`{"Timestamp":1}`)),
	}
	cases := []struct {
		name, message string
		secret        slog.Attr
		leak          string
	}{
		{"a string", "request", slog.String("cognitoError", "Bearer tok-1"), "tok-1"},
		{"a secret's name", "request", slog.Int("Password", 123456), "123456"},
		{"a list", "request", slog.Any("actions", []string{"ok", `{"AccessToken":"at-2"}`}), "at-2"},
		{"the message", "Session=sess-3", slog.String("x", "y"), "sess-3"},
		{"an error", "request", slog.Any("error", errors.New("ClientSecret: cs-4")), "cs-4"},
		{"a group", "request", slog.Group("g", slog.String("IdToken", "id-5")), "id-5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(Handler(slog.NewJSONHandler(&buf, nil)))
			for _, at := range []int{0, len(plain)} { // first and last
				attrs := append(append(slices.Clone(plain[:at]), c.secret), plain[at:]...)
				logger.LogAttrs(context.Background(), slog.LevelInfo, c.message, attrs...)
			}
			if strings.Contains(buf.String(), c.leak) || !strings.Contains(buf.String(), `"route":"/pools/{poolId}"`) {
				t.Errorf("logged %s", buf.String())
			}
		})
	}
	var buf bytes.Buffer
	slog.New(Handler(slog.NewJSONHandler(&buf, nil))).LogAttrs(context.Background(), slog.LevelInfo, "request", plain...)
	if !strings.Contains(buf.String(), `"actions":["DescribeUserPool"],"_aws":{"Timestamp":1}`) {
		t.Errorf("plain attributes changed: %s", buf.String())
	}
}
