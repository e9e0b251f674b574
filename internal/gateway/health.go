package gateway

import (
	"context"
	"net/http"

	"github.com/acme/cognito-admin-gateway/internal/buildinfo"
)

// health answers GET /health with the build, without calling Cognito. With
// ?deep=true it also proves Cognito answers, with the cheapest call the
// function's role may make: ListUserPools for one pool.
func health(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	body := map[string]any{
		"status":  "ok",
		"version": buildinfo.Version(),
		"commit":  buildinfo.Commit(),
		"api":     g.spec.Outline().Info.Version,
	}
	if c.query.Get("deep") == "true" {
		if _, err := g.call(ctx, c.op.actions[0], map[string]any{"MaxResults": 1}); err != nil {
			return nil, err
		}
		body["cognito"] = "ok"
	}
	return &answer{status: http.StatusOK, header: http.Header{}, body: body}, nil
}
