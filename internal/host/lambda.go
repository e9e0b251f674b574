// Package host runs the gateway's http.Handler in one of its two homes:
// inside AWS Lambda behind an API Gateway REST API (payload 1.0), answered
// through aws-lambda-go-api-proxy's response writer, or as a plain HTTP
// server for local use.
//
// It owns what differs between the two: how an event becomes a request,
// where the request id, the caller and the stage prefix come from, and how
// the process starts and stops. It does not know about routes or Cognito.
package host

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// proxyHeaderPrefix starts the headers aws-lambda-go-api-proxy uses to carry
// the API Gateway context. A client can send them too, so they are removed
// from every event before it becomes a request; the gateway reads the
// caller only from the request context.
const proxyHeaderPrefix = "x-golambdaproxy-"

// LambdaSafetyMargin is kept back from the invocation deadline, so that the
// gateway can still answer with a 504 before Lambda kills the invocation.
const LambdaSafetyMargin = 500 * time.Millisecond

// LambdaHandler adapts h to API Gateway REST API proxy events. An event
// that cannot be an HTTP request (a body marked base64 that is not, control
// characters in the path, an invalid method) is still handed to h, which
// answers it with a 400 and logs it like any request: it is never a
// function error.
func LambdaHandler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		dropHeaders(&event)
		base := stripStage(&event)
		info := invocation.Info{
			RequestID: event.RequestContext.RequestID,
			CallerARN: event.RequestContext.Identity.UserArn,
			AccessKey: event.RequestContext.Identity.AccessKey,
			SourceIP:  event.RequestContext.Identity.SourceIP,
			BasePath:  base,
		}
		req, err := eventRequest(event)
		if err != nil {
			info.Malformed = err
			req = malformedRequest(event)
		}
		ctx = invocation.With(ctx, info)
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline.Add(-LambdaSafetyMargin))
			defer cancel()
		}
		w := core.NewProxyResponseWriter()
		h.ServeHTTP(w, req.WithContext(ctx))
		return w.GetProxyResponse()
	}
}

// eventRequest makes the HTTP request an event stands for, as
// aws-lambda-go-api-proxy's own conversion does, but quietly: that one
// prints the whole URL, query string and all, when the URL does not parse,
// and so could put an AccessToken=... query value in the log. Its errors
// are *problem.Error 400s that say what is wrong without echoing the event.
func eventRequest(event events.APIGatewayProxyRequest) (*http.Request, error) {
	body := []byte(event.Body)
	if event.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(event.Body)
		if err != nil {
			return nil, problem.New(http.StatusBadRequest, problem.CodeMalformedBody,
				"The body is marked as base64-encoded but is not valid base64.")
		}
		body = decoded
	}
	if event.HTTPMethod == "" {
		return nil, problem.New(http.StatusBadRequest, problem.CodeMalformedRequest,
			"The event has no httpMethod: it is not an API Gateway REST proxy event.")
	}
	path := event.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	target := "https://" + event.RequestContext.DomainName + path + eventQuery(event)
	req, err := http.NewRequest(strings.ToUpper(event.HTTPMethod), target, bytes.NewReader(body))
	var urlErr *url.Error
	switch {
	case errors.As(err, &urlErr):
		return nil, problem.New(http.StatusBadRequest, problem.CodeMalformedRequest,
			"The event's path and domain name do not make a valid URL.")
	case err != nil:
		return nil, problem.New(http.StatusBadRequest, problem.CodeMalformedRequest,
			"The event's httpMethod is not a valid HTTP method.")
	}
	req.RemoteAddr = event.RequestContext.Identity.SourceIP
	if event.MultiValueHeaders != nil {
		for k, values := range event.MultiValueHeaders {
			for _, v := range values {
				req.Header.Add(k, v)
			}
		}
	} else {
		for k, v := range event.Headers {
			req.Header.Add(k, v)
		}
	}
	req.RequestURI = req.URL.RequestURI()
	return req, nil
}

// eventQuery is the event's query string, "" or starting with "?". The
// multi-value parameters have every value; the single-value ones only the
// last of each, so they count only when the others are missing.
func eventQuery(event events.APIGatewayProxyRequest) string {
	query := url.Values(event.MultiValueQueryStringParameters)
	if len(query) == 0 {
		query = url.Values{}
		for k, v := range event.QueryStringParameters {
			query.Set(k, v)
		}
	}
	if len(query) == 0 {
		return ""
	}
	return "?" + query.Encode()
}

// malformedRequest stands for an event that could not be made a request,
// so that the gateway answers and logs it: it carries the method if it is
// a valid one, and nothing of the path, query or body.
func malformedRequest(event events.APIGatewayProxyRequest) *http.Request {
	method := strings.ToUpper(event.HTTPMethod)
	if _, err := http.NewRequest(method, "/", nil); err != nil || method == "" {
		method = ""
	}
	return &http.Request{
		Method: method, URL: &url.URL{Path: "/"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, RemoteAddr: event.RequestContext.Identity.SourceIP,
	}
}

// dropHeaders removes, from both of an event's header maps, two kinds of
// header. The adapter's own X-GoLambdaProxy-* headers, which a client can
// forge: the gateway reads the caller only from the request context. And
// Accept-Encoding, which keeps the gateway from compressing in Lambda: API
// Gateway REST passes a compressed body, which the adapter sends base64,
// back to the client only as base64 text unless the API lists binary media
// types; the API compresses answers itself instead (MinimumCompressionSize
// in template.yaml).
func dropHeaders(event *events.APIGatewayProxyRequest) {
	dropped := func(name string) bool {
		return strings.HasPrefix(strings.ToLower(name), proxyHeaderPrefix) || strings.EqualFold(name, "Accept-Encoding")
	}
	for k := range event.Headers {
		if dropped(k) {
			delete(event.Headers, k)
		}
	}
	for k := range event.MultiValueHeaders {
		if dropped(k) {
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
