package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/redact"
)

// checkPool enforces the pool allow-list, as defence in depth behind IAM: a
// request naming any other pool is a 403 before Cognito is called. With an
// allow-list, the gateway manages only those pools, so it creates none: the
// spec marks that create x-refused-under-allow-list.
func (g *Gateway) checkPool(op *operation, path map[string]string) error {
	if len(g.opts.AllowedPools) == 0 {
		return nil
	}
	if pool, ok := path["poolId"]; ok && !slices.Contains(g.opts.AllowedPools, pool) {
		return problem.New(http.StatusForbidden, problem.CodeForbidden,
			"This gateway is not allowed to act on that user pool (ALLOWED_POOL_IDS).")
	}
	if op.refusedUnderAllowList {
		return problem.New(http.StatusForbidden, problem.CodeForbidden,
			"This gateway is limited to the pools in ALLOWED_POOL_IDS, so it creates no new pool.")
	}
	return nil
}

// checkTokenPool extends the allow-list to the routes that act as the
// signed-in user, whose pool is the one that issued the access token: a
// token of any other pool is a 403 before Cognito is called. The token's
// payload is read unverified; that is enough to refuse, and Cognito checks
// the signature of any token let through. Under an allow-list, a token
// whose payload does not name a Cognito pool is a 401, as Cognito would
// answer.
func (g *Gateway) checkTokenPool(token *claims) error {
	if len(g.opts.AllowedPools) == 0 {
		return nil
	}
	if token == nil {
		p := problem.New(http.StatusUnauthorized, problem.CodeUnauthorized,
			"The access token's payload does not name the user pool that issued it (iss).")
		p.Header = http.Header{}
		p.Header.Set("WWW-Authenticate", `Bearer realm="cognito", error="invalid_token"`)
		return p
	}
	if !slices.Contains(g.opts.AllowedPools, token.pool) {
		return problem.New(http.StatusForbidden, problem.CodeForbidden,
			"This gateway is not allowed to act on the user pool that issued the access token (ALLOWED_POOL_IDS).")
	}
	return nil
}

// deletePool is DELETE on a pool, refused with 409 while the pool's
// DeletionProtection is ACTIVE, before DeleteUserPool is called. Cognito
// refuses it too, with a 400 InvalidParameterException that reads like a
// mistake in the request; moto deletes the pool. Like If-Match, the check
// cannot close the window between the Describe and the Delete.
func deletePool(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	describe, remove := c.op.actions[0], c.op.actions[1]
	input, err := c.input() // UserPoolId, which both actions take
	if err != nil {
		return nil, err
	}
	out, err := g.call(ctx, describe, input)
	if err != nil {
		return nil, err
	}
	pool, _ := cognito.Member(out, "UserPool")
	if protection, _ := cognito.StringMember(pool, "DeletionProtection"); protection == "ACTIVE" {
		return nil, problem.New(http.StatusConflict, problem.CodeDeletionProtected,
			"The user pool has DeletionProtection ACTIVE, so it was not deleted. Turn protection off with PATCH first.")
	}
	if _, err := g.call(ctx, remove, input); err != nil {
		return nil, err
	}
	return &answer{status: c.op.status, header: http.Header{}}, nil
}

// access writes one line per request: what ran, how it ended and how long
// it took. The first request of a process is marked as its cold start.
func (g *Gateway) access(r *http.Request, requestID string, c *call, status int, cognitoCode string, took time.Duration) {
	route, operation, names := "", "", slog.AnyValue([]string(nil))
	if c.op != nil {
		route, operation, names = c.op.path, c.op.id, c.op.actionNames
	}
	ms := float64(took.Microseconds()) / 1000
	attrs := make([]slog.Attr, 0, 9+metricAttrs)
	attrs = append(attrs,
		slog.String("requestId", requestID),
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("operation", operation),
		slog.Attr{Key: "actions", Value: names},
		slog.Int("status", status),
		slog.String("cognitoError", cognitoCode),
		slog.Float64("durationMs", ms),
		slog.Bool("coldStart", g.served.Add(1) == 1),
	)
	attrs = appendMetrics(attrs, route, status, cognitoCode, ms)
	g.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// MetricsNamespace is the CloudWatch namespace of the gateway's metrics.
const MetricsNamespace = "CognitoAdminGateway"

// metricAttrs is how many attributes appendMetrics appends.
const metricAttrs = 8

// appendMetrics makes the access line a CloudWatch Embedded Metric Format
// record: in Lambda, CloudWatch Logs turns it into metrics with no API call.
// Requests and Latency by route and status class; Errors (5xx), Cognito
// throttles (after retries: every code the SDK's retryer takes for a
// throttle, the same list that makes the answer a 429) and the gateway's own
// throttles.
func appendMetrics(attrs []slog.Attr, route string, status int, cognitoCode string, ms float64) []slog.Attr {
	if route == "" {
		route = "unmatched"
	}
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	cognitoThrottled := cognito.Throttle(cognitoCode)
	return append(attrs,
		slog.Any("_aws", emfMetadata(time.Now())),
		slog.String("Route", route),
		slog.String("StatusClass", strconv.Itoa(status/100)+"xx"),
		slog.Int("Requests", 1),
		slog.Float64("Latency", ms),
		slog.Int("Errors", flag(status >= 500)),
		slog.Int("CognitoThrottles", flag(cognitoThrottled)),
		slog.Int("GatewayThrottles", flag(status == http.StatusTooManyRequests && cognitoCode == "")),
	)
}

// emfDirective declares the metrics of every access line; only the
// timestamp before it changes, so it is encoded once.
var emfDirective = []byte(`,"CloudWatchMetrics":[{"Namespace":"` + MetricsNamespace + `",` +
	`"Dimensions":[["Route","StatusClass"]],"Metrics":[` +
	`{"Name":"Requests","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds"},` +
	`{"Name":"Errors","Unit":"Count"},{"Name":"CognitoThrottles","Unit":"Count"},` +
	`{"Name":"GatewayThrottles","Unit":"Count"}]}]}`)

// emfMetadata is the "_aws" member of an EMF record made at now.
func emfMetadata(now time.Time) redact.Trusted {
	b := make([]byte, 0, 16+len(emfDirective)+20)
	b = append(b, `{"Timestamp":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	return append(b, emfDirective...)
}

// changes reports whether a method asks for a change, and so is audited.
func changes(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// createdNames maps each {Member} of a create's Location template (one its
// own path does not fill) to the path parameter that names the created
// resource in the spec: "/pools/{Id}" is the path "/pools/{poolId}", so a
// created pool's Id is audited as its poolId. The spec's x-location is
// the one list of what each create makes.
func createdNames(location, path string, paths map[string]*openapi3.PathItem) map[string]string {
	own := map[string]bool{}
	for _, name := range templateNames(path) {
		own[name] = true
	}
	want := strings.Split(location, "/")
	for other := range paths {
		got := strings.Split(other, "/")
		if len(got) != len(want) {
			continue
		}
		names := map[string]string{}
		for i := range want {
			member, isMember := placeholder(want[i])
			param, isParam := placeholder(got[i])
			if isMember != isParam || !isMember && want[i] != got[i] {
				names = nil
				break
			}
			if isMember && !own[member] {
				names[member] = param
			}
		}
		if names != nil {
			return names
		}
	}
	return nil
}

// placeholder returns the name in a "{name}" path segment.
func placeholder(segment string) (string, bool) {
	if len(segment) > 2 && segment[0] == '{' && segment[len(segment)-1] == '}' {
		return segment[1 : len(segment)-1], true
	}
	return "", false
}

// templateNames are the {names} in a path template.
func templateNames(path string) []string {
	var names []string
	for _, segment := range strings.Split(path, "/") {
		if name, ok := placeholder(segment); ok {
			names = append(names, name)
		}
	}
	return names
}

// audit writes the one structured record of a request that asked for a
// change. It holds who, what, on which pool and target, and the outcome;
// never a body, so never a password or token.
func (g *Gateway) audit(r *http.Request, info invocation.Info, requestID string, c *call, status int, cognitoCode string, took time.Duration) {
	caller := info.CallerARN
	if caller == "" {
		caller = "unknown"
	}
	// What the change names: its path, what a create made and, on the
	// routes that act as the signed-in user, what the token claims (never
	// the token itself).
	target := func(name string) (string, bool) {
		if v, ok := c.path[name]; ok {
			return v, true
		}
		v, ok := c.created[name]
		return v, ok
	}
	poolID, _ := target("poolId")
	if c.claims != nil && poolID == "" {
		poolID = c.claims.pool
	}
	attrs := []slog.Attr{
		slog.String("requestId", requestID),
		slog.String("caller", caller),
		slog.String("accessKey", info.AccessKey),
		slog.String("sourceIp", info.SourceIP),
		slog.String("method", r.Method),
		slog.String("route", c.op.path),
		slog.String("operation", c.op.id),
		slog.Attr{Key: "actions", Value: c.op.actionNames},
		slog.String("poolId", poolID),
	}
	// Every path parameter names what the change acts on, under its own
	// name, and so does what a create made (its own path does not hold it).
	for _, name := range c.op.pathParams {
		if v, ok := c.path[name]; ok && name != "poolId" {
			attrs = append(attrs, slog.String(name, v))
		}
	}
	for _, name := range sortedKeys(c.created) {
		if _, inPath := c.path[name]; !inPath && name != "poolId" {
			attrs = append(attrs, slog.String(name, c.created[name]))
		}
	}
	if c.claims != nil {
		attrs = append(attrs, slog.String("sub", c.claims.Subject), slog.String("username", c.claims.Username))
	}
	if dryRun(c) {
		attrs = append(attrs, slog.Bool("dryRun", true))
	}
	if c.reread != nil {
		p := problem.As(c.reread)
		code := p.CognitoCode
		if code == "" {
			code = p.Code
		}
		attrs = append(attrs, slog.Bool("applied", true), slog.String("rereadError", code))
		g.logger.Error("re-read after a change failed", "requestId", requestID, "method", r.Method,
			"path", r.URL.Path, "status", p.Status, "code", p.Code, "error", p.Error())
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.String("cognitoError", cognitoCode),
		slog.Float64("durationMs", float64(took.Microseconds())/1000),
	)
	g.logger.LogAttrs(r.Context(), slog.LevelInfo, "audit", attrs...)
}
