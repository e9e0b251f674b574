package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/routers"

	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// Routing: which spec operation a request is for (a 404, or a 405 with
// Allow, when none is), its path parameters percent-decoded, and HEAD as the
// GET without its body.

// router finds a request's route in the trie of the spec's path
// templates, one level per segment: a lookup walks as many nodes as the
// path has segments, however many routes the spec has. The trie is built
// at `make generate` time, with the spec's index of operations, and read
// where it lies in the binary (openapi.Spec.FindRoute), so that a cold
// start builds nothing for it however many routes the spec has. The
// gorillamux routers it replaced (kin-openapi's, one per segment count)
// tried a regular expression per template of the request's length, one
// after the other, and compiled them on the first request of that length.
//
// It matches the path as sent (EscapedPath), so that "a%2Fb" is one segment,
// and hands the parameters back still encoded, as gorillamux did:
// decodePathParams decodes them. A literal segment takes precedence over a
// {param} at the same place; the {param} branch is tried only when the
// literal branch leads to no route. A {param} matches one segment, never an
// empty one. When a path matches, a method it lacks is a 405: no other
// template is tried for it. The spec refuses, when it is generated or
// made (openapi.SpecOf), what a segment trie cannot match as gorillamux
// would: a server with a host or a variable, and a segment that is neither
// a literal nor one whole {name} ({name:pattern}, {a}.json).
type router struct{ spec *openapi.Spec }

func newRouter(spec *openapi.Spec) *router { return &router{spec: spec} }

// FindRoute is the route of r, with its path parameters as sent
// (percent-encoded); or routers.ErrPathNotFound, or
// routers.ErrMethodNotAllowed when the path matches a template that has no
// operation for r's method. The route's operation is bare but for its
// OperationID. The route is the router's own: do not change it.
func (rt *router) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	return rt.spec.FindRoute(r)
}

// headResponse answers a HEAD request: it drops the body of the GET's
// answer, so that none is sent whatever carries the answer (net/http, or
// the Lambda adapter).
type headResponse struct{ http.ResponseWriter }

func (h headResponse) Write(body []byte) (int, error) { return len(body), nil }

// routeError turns a router miss into 404, or 405 with Allow.
func (g *Gateway) routeError(r *http.Request, err error) error {
	if !errors.Is(err, routers.ErrMethodNotAllowed) {
		return problem.New(http.StatusNotFound, problem.CodeNotFound,
			fmt.Sprintf("No resource at %s.", r.URL.Path))
	}
	var allow []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, _, miss := g.router.FindRoute(probe); miss != nil {
			continue
		}
		allow = append(allow, method)
		if method == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	sort.Strings(allow)
	p := problem.New(http.StatusMethodNotAllowed, problem.CodeMethodNotAllowed,
		fmt.Sprintf("%s is not allowed on %s. Allowed: %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
	p.Header = http.Header{"Allow": {strings.Join(allow, ", ")}}
	return p
}

// decodePathParams percent-decodes the router's parameters: the router
// matches the encoded path, so that "a%2Fb" is one segment, and hands the
// values back still encoded.
func decodePathParams(raw map[string]string) (map[string]string, error) {
	decoded := make(map[string]string, len(raw))
	for name, value := range raw {
		v, err := url.PathUnescape(value)
		if err != nil {
			return nil, problem.Validation([]problem.Violation{{Parameter: name,
				Message: fmt.Sprintf("path parameter %q is not validly percent-encoded", name)}})
		}
		decoded[name] = v
	}
	return decoded, nil
}
