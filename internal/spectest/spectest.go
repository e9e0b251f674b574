// Package spectest holds the gateway to its own contract in tests: every
// response a test sees is validated against the embedded OpenAPI document
// with kin-openapi's ValidateResponse, and a response the spec does not
// describe fails the test.
package spectest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/acme/cognito-admin-gateway/openapi"
)

// kin-openapi decodes neither HTML nor JavaScript. The /docs operations
// answer with both, as plain strings in the spec.
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder)
}

// Checker validates responses against the spec.
type Checker struct {
	Doc    *openapi3.T
	router routers.Router
}

// New loads the embedded spec.
func New(tb testing.TB) *Checker {
	tb.Helper()
	doc, err := openapi.Load()
	if err != nil {
		tb.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return &Checker{Doc: doc, router: router}
}

// Check fails tb unless the response to req is one the spec describes.
// Requests that match no operation must be answered with problem+json. A
// HEAD is checked as the GET it stands for (RFC 9110, section 9.3.2), less
// the body, which must be empty.
func (c *Checker) Check(tb testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	tb.Helper()
	probe := req.Clone(context.Background())
	probe.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	probe.Body = http.NoBody
	head := req.Method == http.MethodHead
	if head {
		probe.Method = http.MethodGet
		if len(body) > 0 {
			tb.Errorf("HEAD %s: the %d answer has a body of %d bytes", req.URL, status, len(body))
		}
	}
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			tb.Errorf("%s %s: no route, and the answer is %d %q, not problem+json", req.Method, req.URL, status, ct)
		}
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: head},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		tb.Errorf("%s %s: the %d answer breaks the spec: %v\nbody: %s", req.Method, req.URL, status, err, body)
	}
}

// Serve runs req through h and checks the answer against the spec.
func (c *Checker) Serve(tb testing.TB, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	c.Check(tb, req, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec
}

// Transport is an http.RoundTripper that checks every answer it carries.
func (c *Checker) Transport(tb testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		c.Check(tb, req, resp.StatusCode, resp.Header, body)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
