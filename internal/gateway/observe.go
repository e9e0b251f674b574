package gateway

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/redact"
)

// Observing: the access line of every request (with its EMF metrics) and the
// audit line of every change.

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
	who := len(attrs)
	attrs = append(attrs,
		slog.Int("status", status),
		slog.String("cognitoError", cognitoCode),
		slog.Float64("durationMs", float64(took.Microseconds())/1000),
	)
	g.logger.LogAttrs(r.Context(), slog.LevelInfo, "audit", attrs...)
	g.auditChanges(r, attrs[:who], c.changes)
}

// auditChanges writes one more audit line for each Cognito change a
// configuration apply tried: who and the request, as on the request's
// line, then the change's pool, action and target, and how it ended
// (applied, or the code Cognito refused it with). What an apply did not
// try has no line; its answer lists it.
func (g *Gateway) auditChanges(r *http.Request, who []slog.Attr, changes []changeRecord) {
	for _, change := range changes {
		attrs := append(who[:len(who):len(who)],
			slog.String("changePoolId", change.poolID),
			slog.String("changeAction", change.action),
			slog.String("changeTarget", change.target),
			slog.Bool("applied", change.err == nil),
		)
		if change.err != nil {
			p := problem.As(change.err)
			code := p.CognitoCode
			if code == "" {
				code = p.Code
			}
			attrs = append(attrs, slog.Int("status", p.Status), slog.String("cognitoError", code))
		}
		g.logger.LogAttrs(r.Context(), slog.LevelInfo, "audit", attrs...)
	}
}
