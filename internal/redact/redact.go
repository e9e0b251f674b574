// Package redact keeps secrets out of every log line: passwords, temporary
// passwords, client secrets, tokens, sessions and Authorization headers.
//
// Handler wraps any slog.Handler, so redaction holds whatever a call site
// logs: attributes named after a secret are masked, and secret members
// inside any logged string (JSON bodies, SDK error text, headers) are masked
// too. The gateway never logs request or response bodies on purpose; this is
// the net under that rule.
package redact

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// Mask replaces a secret value.
const Mask = "[REDACTED]"

// Names are the member, parameter and header names whose values are secret.
var Names = []string{
	"Password", "TemporaryPassword", "ProposedPassword", "PreviousPassword",
	"ClientSecret", "AccessToken", "RefreshToken", "IdToken", "SecretHash",
	"Session", "Authorization",
}

var (
	names = strings.Join(Names, "|")
	// "Password": "...", as JSON or Go's %q output.
	jsonMember = regexp.MustCompile(`(?i)("(?:` + names + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// Password=..., Password: ... as in headers, query strings and %+v output.
	assignment = regexp.MustCompile(`(?i)\b((?:` + names + `)\s*[=:]\s*)([^\s,&;}"\]]+)`)
	// A bearer or basic credential, wherever it appears.
	credential = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9\-_=.~+/]+`)
)

// String masks every secret in s.
func String(s string) string {
	s = credential.ReplaceAllString(s, `${1}${2}`+Mask)
	s = jsonMember.ReplaceAllString(s, `${1}"`+Mask+`"`)
	return assignment.ReplaceAllString(s, `${1}`+Mask)
}

// IsSecret reports whether name (any case) names a secret.
func IsSecret(name string) bool {
	for _, n := range Names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// Handler wraps h so that no record it handles carries a secret.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	clean := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		clean.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, clean)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = attr(a)
	}
	return handler{h.next.WithAttrs(clean)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.next.WithGroup(name)} }

func attr(a slog.Attr) slog.Attr {
	if IsSecret(a.Key) {
		return slog.String(a.Key, Mask)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, String(x.Error()))
		case []string, map[string]any, []any:
			return slog.Any(a.Key, tree(x))
		}
		return slog.String(a.Key, String(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// tree copies a JSON-shaped value, masking secret-named members and secrets
// inside strings, so that structured attributes keep their shape.
func tree(v any) any {
	switch x := v.(type) {
	case string:
		return String(x)
	case []string:
		clean := make([]string, len(x))
		for i, s := range x {
			clean[i] = String(s)
		}
		return clean
	case []any:
		clean := make([]any, len(x))
		for i, item := range x {
			clean[i] = tree(item)
		}
		return clean
	case map[string]any:
		clean := make(map[string]any, len(x))
		for k, item := range x {
			if IsSecret(k) {
				clean[k] = Mask
				continue
			}
			clean[k] = tree(item)
		}
		return clean
	}
	return v
}
