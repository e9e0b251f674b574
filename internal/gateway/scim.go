package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/scim"
)

// SCIM: the operations the spec marks x-scim are a pool's SCIM 2.0
// service provider (package scim). They pass the gateway's stages like
// any other (the allow-list, validation, the access and audit lines),
// with a SCIM client's bearer token checked first, and every error,
// the stages' own included, is written in SCIM's error schema.

// extSCIM marks an operation that package scim serves.
const extSCIM = "x-scim"

// serveSCIM hands the request to the SCIM server, whose Cognito calls
// go through the gateway's paced path, limited to the actions the
// operation's x-cognito-action names: the spec stays the list that the
// IAM policy is held to.
func serveSCIM(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	pool := c.path["poolId"]
	base := invocation.From(ctx).BasePath + "/pools/" + url.PathEscape(pool) + "/scim/v2"
	res, err := g.scim.Serve(c.req, pool, base, scimCognito{g: g, op: c.op})
	if err != nil {
		return nil, err
	}
	var raw []byte
	if len(res.Body) > 0 {
		raw = res.Body
	}
	if res.Status == http.StatusCreated && len(c.op.created) > 0 {
		// The audit line names what a create made, by the member of the
		// answer its x-location names ({id}).
		var made map[string]any
		_ = json.Unmarshal(raw, &made)
		c.created = map[string]string{}
		for member, param := range c.op.created {
			c.created[param], _ = made[member].(string)
		}
	}
	return &answer{status: res.Status, header: res.Header, raw: raw}, nil
}

// setupSCIM adds the custom attributes the SCIM mapping needs and the
// pool lacks.
func setupSCIM(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	added, err := scim.Setup(ctx, scimCognito{g: g, op: c.op}, c.path["poolId"])
	if err != nil {
		return nil, err
	}
	body := map[string]any{"Added": jsonStrings(added), "Attributes": jsonStrings(scim.CustomAttributes())}
	return &answer{status: c.op.status, header: http.Header{}, body: body}, nil
}

// jsonStrings is a JSON-shaped list, as answers are encoded.
func jsonStrings(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// scimCognito is package scim's Cognito: g.call, for the op's actions.
type scimCognito struct {
	g  *Gateway
	op *operation
}

func (s scimCognito) Call(ctx context.Context, name string, input map[string]any) (any, error) {
	i := slices.IndexFunc(s.op.actions, func(a cognito.Action) bool { return a.Name == name })
	if i < 0 {
		return nil, problem.Internal(fmt.Errorf("%s calls %s, which its %s does not name", s.op.id, name, extAction))
	}
	return s.g.call(ctx, s.op.actions[i], input)
}

// verifySCIMToken checks a SCIM client's bearer token for the pool,
// before anything else is done for the request: a wrong one never
// reaches Cognito. Without a token store every SCIM request is refused.
func (g *Gateway) verifySCIMToken(r *http.Request, pool string) error {
	if g.opts.SCIMTokens == nil {
		p := problem.New(http.StatusUnauthorized, problem.CodeUnauthorized, "This gateway has no SCIM token store: it accepts no SCIM request.")
		p.Header = http.Header{"Www-Authenticate": {`Bearer realm="scim"`}}
		return p
	}
	token := ""
	if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(value)
	}
	source := invocation.From(r.Context()).SourceIP
	if source == "" {
		source, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	return g.opts.SCIMTokens.Verify(r.Context(), pool, token, source)
}

// isSCIMPath reports whether a path the router did not match is under a
// pool's /scim/v2, whose 404 and 405 are SCIM errors too.
func isSCIMPath(path string) bool {
	_, rest, ok := strings.Cut(path, "/pools/")
	if !ok {
		return false
	}
	segments := strings.Split(rest, "/")
	return len(segments) >= 3 && segments[1] == "scim" && segments[2] == "v2"
}
