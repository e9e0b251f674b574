package cursor

import (
	"encoding/base64"
	"errors"
	"net/url"
	"testing"
)

// TestRoundTrip: Decode gives back Cognito's token exactly, and the cursor
// needs no escaping in a query string or a Link header.
func TestRoundTrip(t *testing.T) {
	tests := []struct{ scope, token string }{
		{"listUsers us-east-1_abc", "a"},
		{"listUsers us-east-1_abc", "AAEAAHh0+/sample/token=="},
		{"listUserPools", "eyJuZXh0IjoidXMtZWFzdC0xX3p6eiJ9"},
		{"", "token for an empty scope"},
		{"listGroups us-east-1_abc", "bytes \x00\xff\xfe and caf\u00e9"},
	}
	for _, tt := range tests {
		cursor := Encode(tt.scope, tt.token)
		if url.QueryEscape(cursor) != cursor {
			t.Errorf("cursor %q needs escaping in a query", cursor)
		}
		got, err := Decode(tt.scope, cursor)
		if err != nil || got != tt.token {
			t.Errorf("Decode(%q, Encode(%q)) = %q, %v", tt.scope, tt.token, got, err)
		}
		if again := Encode(tt.scope, tt.token); again != cursor {
			t.Errorf("Encode is not stable: %q then %q", cursor, again)
		}
	}
}

// TestDecodeRefusesAnotherScope: a cursor replayed against another pool or
// query is refused before Cognito sees it.
func TestDecodeRefusesAnotherScope(t *testing.T) {
	cursor := Encode("listUsers us-east-1_abc Filter=email", "token")
	for _, scope := range []string{
		"listUsers us-east-1_xyz Filter=email",
		"listUsers us-east-1_abc",
		"listGroups us-east-1_abc Filter=email",
		"",
	} {
		if _, err := Decode(scope, cursor); !errors.Is(err, ErrScope) {
			t.Errorf("scope %q: %v, want ErrScope", scope, err)
		}
	}
}

// TestDecodeRefusesTampering: changing the scope digest, or cutting the
// cursor down to it, is caught; the cursor binds a token to its query, it
// does not sign the token.
func TestDecodeRefusesTampering(t *testing.T) {
	const scope = "listUsers us-east-1_abc"
	raw, err := base64.RawURLEncoding.DecodeString(Encode(scope, "token"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"first digest byte", flip(raw, 0), ErrScope},
		{"last digest byte", flip(raw, digestLen-1), ErrScope},
		{"cut to the digest", raw[:digestLen], ErrMalformed},
		{"cut inside the digest", raw[:digestLen-1], ErrMalformed},
	}
	for _, tt := range tests {
		cursor := base64.RawURLEncoding.EncodeToString(tt.raw)
		if token, err := Decode(scope, cursor); !errors.Is(err, tt.want) {
			t.Errorf("%s: %q, %v; want %v", tt.name, token, err, tt.want)
		}
	}
}

// TestDecodeRefusesMalformedCursors: what the gateway cannot have issued
// is ErrMalformed, whatever it holds.
func TestDecodeRefusesMalformedCursors(t *testing.T) {
	valid := Encode("listUserPools", "AAEAAHh0+/sample/token==")
	for _, cursor := range []string{
		"",
		"a",
		"not a cursor",
		"ab%2Fcd",
		valid[:len(valid)-1] + "!",
		// Standard base64, with '+' and '/', is not what Encode writes.
		base64.StdEncoding.EncodeToString([]byte("\xfb\xff\xbf 12345678 token")),
	} {
		if token, err := Decode("listUserPools", cursor); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %q, %v; want ErrMalformed", cursor, token, err)
		}
	}
}

// TestDecodeToleratesPadding: a client that pads the cursor as standard
// base64 still gets its page.
func TestDecodeToleratesPadding(t *testing.T) {
	cursor := Encode("listUserPools", "token")
	for _, padded := range []string{cursor + "=", cursor + "=="} {
		if token, err := Decode("listUserPools", padded); err != nil || token != "token" {
			t.Errorf("%q: %q, %v", padded, token, err)
		}
	}
}

func flip(raw []byte, i int) []byte {
	tampered := append([]byte(nil), raw...)
	tampered[i] ^= 0x01
	return tampered
}
