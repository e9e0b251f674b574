// Package host runs the gateway's http.Handler in one of its two homes:
// inside AWS Lambda behind an API Gateway REST API (payload 1.0), adapted by
// aws-lambda-go-api-proxy, or as a plain HTTP server for local use.
//
// It owns what differs between the two: where the request id, the caller and
// the stage prefix come from, and how the process starts and stops. It does
// not know about routes or Cognito.
package host

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"net/http"

	"github.com/acme/cognito-admin-gateway/internal/invocation"
)

// proxyHeaderPrefix starts the headers aws-lambda-go-api-proxy uses to carry
// the API Gateway context. A client can send them too, so they are removed
// from every event before the adapter sees it; the gateway reads the caller
// only from the request context.
const proxyHeaderPrefix = "x-golambdaproxy-"

// LambdaSafetyMargin is kept back from the invocation deadline, so that the
// gateway can still answer with a 504 before Lambda kills the invocation.
const LambdaSafetyMargin = 500 * time.Millisecond

// LambdaHandler adapts h to API Gateway REST API proxy events.
func LambdaHandler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	adapter := httpadapter.New(h)
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		stripProxyHeaders(&event)
		dropAcceptEncoding(&event)
		base := stripStage(&event)
		ctx = invocation.With(ctx, invocation.Info{
			RequestID: event.RequestContext.RequestID,
			CallerARN: event.RequestContext.Identity.UserArn,
			AccessKey: event.RequestContext.Identity.AccessKey,
			SourceIP:  event.RequestContext.Identity.SourceIP,
			BasePath:  base,
		})
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline.Add(-LambdaSafetyMargin))
			defer cancel()
		}
		return adapter.ProxyWithContext(ctx, event)
	}
}

func stripProxyHeaders(event *events.APIGatewayProxyRequest) {
	for k := range event.Headers {
		if strings.HasPrefix(strings.ToLower(k), proxyHeaderPrefix) {
			delete(event.Headers, k)
		}
	}
	for k := range event.MultiValueHeaders {
		if strings.HasPrefix(strings.ToLower(k), proxyHeaderPrefix) {
			delete(event.MultiValueHeaders, k)
		}
	}
}

// dropAcceptEncoding keeps the gateway from compressing in Lambda. API
// Gateway REST passes a compressed body, which the adapter sends base64,
// back to the client only as base64 text unless the API lists binary media
// types; the API compresses answers itself instead (MinimumCompressionSize
// in template.yaml).
func dropAcceptEncoding(event *events.APIGatewayProxyRequest) {
	for k := range event.Headers {
		if strings.EqualFold(k, "Accept-Encoding") {
			delete(event.Headers, k)
		}
	}
	for k := range event.MultiValueHeaders {
		if strings.EqualFold(k, "Accept-Encoding") {
			delete(event.MultiValueHeaders, k)
		}
	}
}

// stripStage makes event.Path the gateway's own route and returns the
// prefix the client called through (the stage, or a custom domain's base
// path), for links.
//
// API Gateway REST events carry the resource path in event.Path, still
// percent-encoded, and the full path the client called, stage included, in
// requestContext.path. Some setups (custom domains with base path mappings)
// put the prefix into event.Path as well; it is removed here so it never
// reaches routing.
func stripStage(event *events.APIGatewayProxyRequest) string {
	stage := event.RequestContext.Stage
	if stage != "" && stage != "$default" {
		prefix := "/" + stage
		if strings.HasPrefix(event.Path, prefix+"/") && !strings.HasPrefix(event.Resource, prefix+"/") {
			event.Path = strings.TrimPrefix(event.Path, prefix)
		}
	}
	full := event.RequestContext.Path
	if full == "" {
		return ""
	}
	route := event.Path
	if decoded, err := url.PathUnescape(route); err == nil && !strings.HasSuffix(full, route) {
		route = decoded
	}
	if strings.HasSuffix(full, route) {
		return strings.TrimSuffix(full, route)
	}
	return ""
}
