package gateway

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// accessTokenPattern is Cognito's AccessToken pattern, anchored.
var accessTokenPattern = regexp.MustCompile(`^[A-Za-z0-9\-_=.]+$`)

// tokenRefused turns Cognito's NotAuthorizedException on a /me operation
// into a 401: there it means the token is expired, revoked or forged, which
// is an authentication failure, not a missing permission.
//
// ChangePassword answers the same exception for a wrong PreviousPassword,
// which is no reason to sign in again: on an operation whose spec names
// such a member (x-wrong-credential), an exception whose message does not
// speak of the token ("Access Token has expired", "Invalid Access Token")
// is the wrong credential, a 403 without WWW-Authenticate. Its detail is
// the gateway's own, so that nothing of the request is repeated.
func tokenRefused(err error, wrongCredential string) error {
	p := problem.As(err)
	if p.CognitoCode != "NotAuthorizedException" {
		return err
	}
	if wrongCredential != "" && !strings.Contains(strings.ToLower(p.Detail), "token") {
		p.Status = http.StatusForbidden
		p.Detail = wrongCredential + " is not the user's current one."
		return p
	}
	// Cognito's own words are not repeated: they are the one place a
	// token could come back (moto's message for a token it does not know
	// is the token).
	p.Status = http.StatusUnauthorized
	p.Detail = "Cognito refused the access token: it is expired, revoked, or not one of this user pool's. Sign in again."
	p.Header = http.Header{}
	p.Header.Set("WWW-Authenticate", `Bearer realm="cognito", error="invalid_token"`)
	return p
}

// bearerToken reads the end user's access token from Authorization: Bearer.
// A missing or malformed one is a 401 before Cognito is called. The token is
// never put in an error or a log.
func bearerToken(r *http.Request) (string, error) {
	header := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 16384 || !accessTokenPattern.MatchString(token) {
		detail := "This operation acts as a signed-in user: send the user's Cognito access token as Authorization: Bearer <token>."
		if header != "" {
			detail = "The Authorization header is not a well-formed bearer access token."
		}
		p := problem.New(http.StatusUnauthorized, problem.CodeUnauthorized, detail)
		p.Header = http.Header{}
		p.Header.Set("WWW-Authenticate", `Bearer realm="cognito"`)
		return "", p
	}
	return token, nil
}

// claims are what the gateway reads of an access token's payload: the
// issuer, which names the user pool, and the user. They are read without
// checking the signature, which only Cognito can do and does on every call;
// so they decide nothing but a refusal before Cognito is called (the
// allow-list), and what the audit line says the token claimed.
type claims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Username string `json:"username"`
	// pool is the user pool id that ends Issuer.
	pool string
}

// readClaims decodes the payload of a JWT access token. It returns nil
// unless the payload is base64url JSON whose iss is a Cognito user pool's:
// https://cognito-idp.<region>.amazonaws.com/<poolId> (amazonaws.com.cn in
// China).
func readClaims(token string) *claims {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil
	}
	issuer, err := url.Parse(c.Issuer)
	if err != nil || issuer.Scheme != "https" || !strings.HasPrefix(issuer.Host, "cognito-idp.") ||
		issuer.RawQuery != "" || issuer.Fragment != "" {
		return nil
	}
	c.pool = strings.TrimPrefix(issuer.Path, "/")
	if c.pool == "" || strings.Contains(c.pool, "/") {
		return nil
	}
	return &c
}
