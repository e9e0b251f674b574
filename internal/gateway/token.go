package gateway

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// accessTokenPattern is Cognito's AccessToken pattern, anchored.
var accessTokenPattern = regexp.MustCompile(`^[A-Za-z0-9\-_=.]+$`)

// tokenRefused turns Cognito's NotAuthorizedException on a /me operation
// into a 401: there it means the token is expired, revoked or forged, which
// is an authentication failure, not a missing permission.
func tokenRefused(err error) error {
	p := problem.As(err)
	if p.CognitoCode != "NotAuthorizedException" {
		return err
	}
	p.Status = http.StatusUnauthorized
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
