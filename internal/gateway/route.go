package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Routing: which spec operation a request is for (a 404, or a 405 with
// Allow, when none is), its path parameters percent-decoded, and HEAD as the
// GET without its body.

// router finds a request's route in the spec with kin-openapi's gorillamux
// router, split by the number of segments in the path: a request is matched
// only against the path templates as long as its own path, by a router over
// those templates alone.
//
// A gorillamux router over the whole spec compiles a regular expression per
// path (half a millisecond of every cold start) and tries them one by one on
// every request. Split, each router is built the first time a request needs
// it, from a handful of templates, and tries only those.
type router struct {
	// bySegments holds the templates with a given number of segments.
	bySegments map[int]*routeGroup
	// whole is set instead when the spec has something a segment count
	// cannot sort: a server or path with a base path of its own, or a
	// template variable with a pattern, which can match across '/'.
	whole *routeGroup
}

// routeGroup is a gorillamux router over some of the spec's paths, built
// once, when first needed.
type routeGroup struct {
	doc    *openapi3.T // the spec, with only this group's paths
	once   sync.Once
	router routers.Router
	err    error
}

func newRouter(doc *openapi3.T) (*router, error) {
	r := &router{bySegments: map[int]*routeGroup{}}
	if !splittable(doc) {
		r.whole = &routeGroup{doc: doc}
		return r, r.whole.build()
	}
	for path, item := range doc.Paths.Map() {
		n := strings.Count(path, "/")
		group := r.bySegments[n]
		if group == nil {
			sub := *doc
			sub.Paths = openapi3.NewPaths()
			group = &routeGroup{doc: &sub}
			r.bySegments[n] = group
		}
		group.doc.Paths.Set(path, item)
	}
	return r, nil
}

// splittable reports whether every route matches a fixed number of
// segments: servers are bare hosts and variables are plain {name}.
func splittable(doc *openapi3.T) bool {
	plainServers := func(servers openapi3.Servers) bool {
		for _, s := range servers {
			if strings.Trim(s.URL, "/") != "" {
				return false
			}
		}
		return true
	}
	if !plainServers(doc.Servers) {
		return false
	}
	for path, item := range doc.Paths.Map() {
		if !plainServers(item.Servers) || strings.Contains(path, ":") {
			return false
		}
	}
	return true
}

func (g *routeGroup) build() error {
	g.once.Do(func() { g.router, g.err = gorillamux.NewRouter(g.doc) })
	return g.err
}

// FindRoute is gorillamux's FindRoute, over the templates as long as r's
// path.
func (rt *router) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	group := rt.whole
	if group == nil {
		// gorillamux matches the path as sent, so "a%2Fb" is one segment.
		group = rt.bySegments[strings.Count(r.URL.EscapedPath(), "/")]
		if group == nil {
			return nil, nil, routers.ErrPathNotFound
		}
	}
	if err := group.build(); err != nil {
		return nil, nil, err
	}
	return group.router.FindRoute(r)
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
