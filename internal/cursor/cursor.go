// Package cursor turns Cognito's paging tokens into the gateway's NextToken:
// opaque, URL-safe, and bound to the query that produced it.
//
// Cognito's tokens hold characters such as '+', '/' and '=' that a client
// must otherwise escape, and a token replayed against another pool or filter
// gets a confusing error from Cognito. A cursor is base64url of a scope digest
// and Cognito's token, so reuse elsewhere is caught before Cognito is called.
package cursor

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// ErrScope means the cursor was issued for a different query.
var ErrScope = errors.New("the NextToken was issued for a different query")

// ErrMalformed means the cursor is not one the gateway issued.
var ErrMalformed = errors.New("the NextToken is not one this gateway issued")

const digestLen = 8

// Encode wraps Cognito's token for the query identified by scope.
func Encode(scope, token string) string {
	digest := sha256.Sum256([]byte(scope))
	raw := make([]byte, 0, digestLen+len(token))
	raw = append(raw, digest[:digestLen]...)
	raw = append(raw, token...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// Decode returns Cognito's token from a cursor issued for scope.
func Decode(scope, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(cursor, "="))
	if err != nil || len(raw) <= digestLen {
		return "", ErrMalformed
	}
	digest := sha256.Sum256([]byte(scope))
	if string(raw[:digestLen]) != string(digest[:digestLen]) {
		return "", ErrScope
	}
	return string(raw[digestLen:]), nil
}
