package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// issueScimToken is POST /pools/{poolId}/scim/tokens: a new bearer token
// for the pool's SCIM routes, from Options.SCIMTokens, answered once. It
// calls no Cognito action: the change is the token store's, and the pool
// id has passed the allow-list (checkPool). The answer is not a resource
// with a URL, hence a 200 rather than a 201; it is a credential, which
// writeAnswer keeps out of caches (Cache-Control: no-store) and the access
// and audit lines never carry, since they log no body.
func issueScimToken(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	if g.opts.SCIMTokens == nil {
		return nil, problem.Internal(errors.New("no SCIM token store: Options.SCIMTokens is nil"))
	}
	token, err := g.opts.SCIMTokens.Issue(ctx, c.path["poolId"])
	if err != nil {
		return nil, err
	}
	return &answer{status: http.StatusOK, body: map[string]any{"Token": token}}, nil
}
