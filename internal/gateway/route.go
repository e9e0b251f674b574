package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Routing: which spec operation a request is for (a 404, or a 405 with
// Allow, when none is), its path parameters percent-decoded, and HEAD as the
// GET without its body.

// router finds a request's route in a trie of the spec's path templates, one
// level per segment, built once at start-up: a lookup walks as many nodes as
// the path has segments, however many routes the spec has. The gorillamux
// routers it replaced (kin-openapi's, one per segment count) tried a regular
// expression per template of the request's length, one after the other, and
// compiled them on the first request of that length.
//
// It matches the path as sent (EscapedPath), so that "a%2Fb" is one segment,
// and hands the parameters back still encoded, as gorillamux did:
// decodePathParams decodes them. A literal segment takes precedence over a
// {param} at the same place; the {param} branch is tried only when the
// literal branch leads to no route. A {param} matches one segment, never an
// empty one. When a path matches, a method it lacks is a 405: no other
// template is tried for it.
type router struct {
	root routeNode
	// literals are every node's literal branches, in one map for the
	// whole trie: a lookup hashes each segment once, however many
	// branches its node has, and a cold start makes one map, not one per
	// node.
	literals map[routeBranch]*routeNode
}

// routeNode is one segment of the templates that reach it.
type routeNode struct {
	param *routeNode // any one {name} segment
	end   *routeEnd  // the template that ends here, if any
}

// routeBranch is the literal segment of a node's branch, as written in the
// template.
type routeBranch struct {
	from    *routeNode
	segment string
}

// routeEnd is a template, with its route for each method it has, made
// once: FindRoute returns these, which callers only read.
type routeEnd struct {
	path   string
	params []routeParam
	routes []routers.Route
}

// routeParam is a {name} of a template and the index of its segment.
type routeParam struct {
	segment int
	name    string
}

// routeMethods are those a path item can have an operation for.
var routeMethods = [...]string{http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead,
	http.MethodOptions, http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace}

// newRouter builds the trie of doc's paths, each under the base path of
// its servers. It refuses what a segment trie cannot match as gorillamux
// would: a server with a host or a variable, and a segment that is neither
// a literal nor one whole {name} ({name:pattern}, {a}.json).
func newRouter(doc *openapi3.T) (*router, error) {
	rt := &router{literals: map[routeBranch]*routeNode{}}
	bases, err := basePaths(doc.Servers)
	if err != nil {
		return nil, err
	}
	for path, item := range doc.Paths.Map() {
		itemBases := bases
		if len(item.Servers) > 0 {
			if itemBases, err = basePaths(item.Servers); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		for _, base := range itemBases {
			if err := rt.add(doc, base, path, item); err != nil {
				return nil, err
			}
		}
	}
	return rt, nil
}

// basePaths are the path parts of servers' URLs, "" for "/" or none.
func basePaths(servers openapi3.Servers) ([]string, error) {
	if len(servers) == 0 {
		return []string{""}, nil
	}
	bases := make([]string, 0, len(servers))
	for _, s := range servers {
		if s.URL == "" {
			bases = append(bases, "")
			continue
		}
		if !strings.HasPrefix(s.URL, "/") || strings.HasPrefix(s.URL, "//") || strings.ContainsAny(s.URL, "{}?#") {
			return nil, fmt.Errorf("server %q: the router takes only a base path, such as / or /v1", s.URL)
		}
		bases = append(bases, strings.TrimSuffix(s.URL, "/"))
	}
	return bases, nil
}

func (rt *router) add(doc *openapi3.T, base, path string, item *openapi3.PathItem) error {
	node := &rt.root
	end := &routeEnd{path: path}
	rest := strings.TrimPrefix(base+path, "/")
	for i, more := 0, true; more; i++ {
		var segment string
		segment, rest, more = strings.Cut(rest, "/")
		if name, ok := strings.CutPrefix(segment, "{"); ok {
			name, ok = strings.CutSuffix(name, "}")
			if !ok || name == "" || strings.ContainsAny(name, "{}:") {
				return fmt.Errorf("%s: segment %q: the router takes a literal or one whole {name}", path, segment)
			}
			end.params = append(end.params, routeParam{segment: i, name: name})
			if node.param == nil {
				node.param = &routeNode{}
			}
			node = node.param
			continue
		}
		if strings.ContainsAny(segment, "{}") {
			return fmt.Errorf("%s: segment %q: the router takes a literal or one whole {name}", path, segment)
		}
		next := rt.literals[routeBranch{node, segment}]
		if next == nil {
			next = &routeNode{}
			rt.literals[routeBranch{node, segment}] = next
		}
		node = next
	}
	if node.end != nil {
		return fmt.Errorf("%s and %s match the same requests", node.end.path, path)
	}
	for _, method := range routeMethods {
		if op := item.GetOperation(method); op != nil {
			end.routes = append(end.routes, routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op})
		}
	}
	node.end = end
	return nil
}

// FindRoute is the route of r, with its path parameters as sent
// (percent-encoded); or routers.ErrPathNotFound, or
// routers.ErrMethodNotAllowed when the path matches a template that has no
// operation for r's method. The route is the router's own: do not change it.
func (rt *router) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	path := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return nil, nil, routers.ErrPathNotFound
	}
	end := rt.find(&rt.root, rest)
	if end == nil {
		return nil, nil, routers.ErrPathNotFound
	}
	var route *routers.Route
	for i := range end.routes {
		if end.routes[i].Method == r.Method {
			route = &end.routes[i]
			break
		}
	}
	if route == nil {
		return nil, nil, routers.ErrMethodNotAllowed
	}
	params := make(map[string]string, len(end.params))
	segment := 0
	for _, p := range end.params {
		for ; segment < p.segment; segment++ {
			_, rest, _ = strings.Cut(rest, "/")
		}
		params[p.name], _, _ = strings.Cut(rest, "/")
	}
	return route, params, nil
}

// find is the template that matches path, the segments under n joined by
// '/': the literal branch first, the {param} branch when the literal one
// leads to none.
func (rt *router) find(n *routeNode, path string) *routeEnd {
	segment, rest, more := strings.Cut(path, "/")
	if next := rt.literals[routeBranch{n, segment}]; next != nil {
		if end := rt.next(next, rest, more); end != nil {
			return end
		}
	}
	if n.param == nil || segment == "" {
		return nil
	}
	return rt.next(n.param, rest, more)
}

// next is the template that ends at n, when the path has no more
// segments, or else the one below n that matches the rest.
func (rt *router) next(n *routeNode, rest string, more bool) *routeEnd {
	if !more {
		return n.end
	}
	return rt.find(n, rest)
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
