// Package invocation carries what the gateway knows about one request's
// origin: the request id, the caller as API Gateway authenticated it, and the
// base path the client used. The Lambda host fills it from the API Gateway
// request context; locally it stays mostly empty. It is never read from
// request headers, which a client controls.
package invocation

import "context"

// Info describes one invocation.
type Info struct {
	// RequestID is API Gateway's request id in Lambda mode.
	RequestID string
	// CallerARN, AccessKey and SourceIP come from requestContext.identity.
	CallerARN string
	AccessKey string
	SourceIP  string
	// BasePath is the prefix before the gateway's own routes in the URL the
	// client called, such as the stage "/v1". Links and Location use it.
	BasePath string
	// Malformed, when set, is why the host could not make an HTTP request
	// of what it received (a Lambda event with a body marked base64 that
	// is not, say). The request then stands in for it, and the gateway
	// answers with Malformed instead of serving it.
	Malformed error
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the info in ctx, or the zero Info.
func From(ctx context.Context) Info {
	info, _ := ctx.Value(key{}).(Info)
	return info
}
