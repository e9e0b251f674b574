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
	"bytes"
	"context"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask replaces a secret value.
const Mask = "[REDACTED]"

// Names are the member, parameter and header names whose values are secret.
var Names = []string{
	"Password", "TemporaryPassword", "ProposedPassword", "PreviousPassword",
	"ClientSecret", "AccessToken", "RefreshToken", "IdToken", "SecretHash",
	"Session", "Authorization",
	// The value of a new app client secret, in AddUserPoolClientSecret's answer.
	"ClientSecretValue",
	// A TOTP secret (AssociateSoftwareToken's answer) and a code of the
	// authenticator app (VerifySoftwareToken's input).
	"SecretCode", "UserCode",
	// Keys of an identity provider's ProviderDetails.
	"client_secret", "private_key",
	// /me's device verifier (ConfirmDevice's DeviceSecretVerifierConfig)
	// and passkey material: the challenge of StartWebAuthnRegistration's
	// options and the members of the credential a browser makes. Credential
	// itself is a JSON object, which the string patterns cannot mask whole;
	// its members are named so that they are.
	"PasswordVerifier", "Salt", "Credential", "challenge", "clientDataJSON", "attestationObject",
	// A pool's SCIM bearer token, in the answer of POST
	// /pools/{poolId}/scim/tokens; in any case, since nothing of the
	// gateway's own is called token. NextToken and the like are not
	// matched: a name matches whole.
	"Token",
}

// ExactNames are secret member names that are secret only in Cognito's
// exact spelling: in another case they are ordinary words of the gateway's
// own log lines, such as the problem's "code".
var ExactNames = []string{
	// VerifyUserAttribute's verification code.
	"Code",
}

// patterns are compiled when a string first may hold a secret, which is
// rare (see mayHoldSecret), rather than in every process's start-up.
var patterns = sync.OnceValue(func() (p struct{ jsonMember, assignment, credential *regexp.Regexp }) {
	names := strings.Join(Names, "|")
	for _, n := range ExactNames {
		names += "|(?-i:" + n + ")"
	}
	// "Password": "...", as JSON or Go's %q output.
	p.jsonMember = regexp.MustCompile(`(?i)("(?:` + names + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// Password=..., Password: ... as in headers, query strings and %+v output.
	p.assignment = regexp.MustCompile(`(?i)\b((?:` + names + `)\s*[=:]\s*)([^\s,&;}"\]]+)`)
	// A bearer or basic credential, wherever it appears.
	p.credential = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9\-_=.~+/]+`)
	return p
})

// String masks every secret in s.
func String(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	return mask(s)
}

func mask(s string) string {
	p := patterns()
	s = p.credential.ReplaceAllString(s, `${1}${2}`+Mask)
	s = p.jsonMember.ReplaceAllString(s, `${1}"`+Mask+`"`)
	return p.assignment.ReplaceAllString(s, `${1}`+Mask)
}

// lookup holds what the shortcuts below look names and keywords up in. It
// is built when first needed, not in every process's start-up.
var lookup = sync.OnceValue(func() *tables {
	t := &tables{names: make(map[string]struct{}, len(Names))}
	words := []string{"bearer", "basic"}
	for _, n := range Names {
		t.names[strings.ToLower(n)] = struct{}{}
		t.nameLengths |= 1 << len(n)
		words = append(words, strings.ToLower(n))
	}
	for _, w := range words {
		if !slices.ContainsFunc(words, func(o string) bool { return o != w && strings.Contains(w, o) }) {
			t.keywords[w[0]] = append(t.keywords[w[0]], []byte(w))
		}
	}
	return t
})

type tables struct {
	// keywords are what every pattern above needs to find in a string
	// before it can match: a secret's name, or a credential scheme; in
	// lower case, by their first byte. A word that holds another is left
	// out ("temporarypassword" holds "password"): a string with the longer
	// one has the shorter one too.
	keywords [utf8.RuneSelf][][]byte
	// names are Names in lower case; nameLengths has bit n set for each
	// length n among them, which rules out most names before the lookup.
	names       map[string]struct{}
	nameLengths uint64
}

// mayHoldSecret is false when none of the patterns can match s, which is
// the case for nearly every string a log line carries, and far cheaper to
// tell than running them. Only short ASCII strings are ruled out this way:
// the patterns fold case the Unicode way, where 'ſ' matches 's' and the
// Kelvin sign 'k'.
func mayHoldSecret(s string) bool {
	var lower [256]byte
	if len(s) > len(lower) {
		return true
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			return true
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		lower[i] = b
	}
	text, keywords := lower[:len(s)], &lookup().keywords
	for i, b := range text {
		for _, word := range keywords[b] {
			if bytes.HasPrefix(text[i:], word) {
				return true
			}
		}
	}
	// ExactNames match in their own case alone, so that the gateway's
	// own "code" and a route's "verification-code" take no regexp.
	return slices.ContainsFunc(ExactNames, func(n string) bool { return strings.Contains(s, n) })
}

// IsSecret reports whether name (any case, or for ExactNames that case)
// names a secret.
func IsSecret(name string) bool {
	if slices.Contains(ExactNames, name) {
		return true
	}
	// Nearly every name is short ASCII, looked up in lower case; the rest
	// are compared the way strings.EqualFold folds case ("ſession").
	var lower [32]byte
	if len(name) > len(lower) {
		return foldedSecret(name)
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b >= utf8.RuneSelf {
			return foldedSecret(name)
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		lower[i] = b
	}
	t := lookup()
	if t.nameLengths&(1<<len(name)) == 0 {
		return false
	}
	_, ok := t.names[string(lower[:len(name)])]
	return ok
}

func foldedSecret(name string) bool {
	if slices.Contains(ExactNames, name) {
		return true
	}
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
	if plain(r) {
		return h.next.Handle(ctx, r)
	}
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

// plain reports, cheaply, that attr would change nothing in r: every line
// the gateway logs per request is made of such attributes, and copying the
// record to change nothing cost a third of writing it.
func plain(r slog.Record) bool {
	if mayHoldSecret(r.Message) {
		return false
	}
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		ok = plainAttr(a)
		return ok
	})
	return ok
}

// plainAttr is false for any attribute that attr might change, and for
// kinds it does not tell apart cheaply (groups, errors, values that log
// themselves), which attr then handles.
func plainAttr(a slog.Attr) bool {
	if IsSecret(a.Key) {
		return false
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return !mayHoldSecret(a.Value.String())
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return true
	case slog.KindAny:
		switch x := a.Value.Any().(type) {
		case Trusted:
			return true
		case []string:
			for _, s := range x {
				if mayHoldSecret(s) {
					return false
				}
			}
			return true
		}
	}
	return false
}

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
		case Trusted:
			return a
		}
		return slog.String(a.Key, String(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// tree masks secret-named members, and secrets inside strings, of a
// JSON-shaped value, so that structured attributes keep their shape. It
// copies only what it changes: nearly always nothing.
func tree(v any) any {
	clean, _ := masked(v)
	return clean
}

// masked is tree, and whether it changed anything.
func masked(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		clean := String(x)
		return clean, clean != x
	case []string:
		return maskedSlice(x, func(s string) (string, bool) { m := String(s); return m, m != s })
	case []any:
		return maskedSlice(x, masked)
	case map[string]any:
		var clean map[string]any
		for k, item := range x {
			m, changed := any(Mask), true
			if !IsSecret(k) {
				m, changed = masked(item)
			}
			if changed {
				if clean == nil {
					clean = maps.Clone(x)
				}
				clean[k] = m
			}
		}
		if clean == nil {
			return x, false
		}
		return clean, true
	}
	return v, false
}

// Trusted is JSON the program itself encoded from constants and numbers,
// never from a request, such as CloudWatch metric metadata. It is logged as
// is, which spares it the masking that request-derived values need.
type Trusted []byte

// MarshalJSON returns t itself.
func (t Trusted) MarshalJSON() ([]byte, error) { return t, nil }

// maskedSlice masks each item of list, copying the list only if an item
// changes.
func maskedSlice[T any](list []T, mask func(T) (T, bool)) (any, bool) {
	var clean []T
	for i, item := range list {
		if m, changed := mask(item); changed {
			if clean == nil {
				clean = slices.Clone(list)
			}
			clean[i] = m
		}
	}
	if clean == nil {
		return list, false
	}
	return clean, true
}
