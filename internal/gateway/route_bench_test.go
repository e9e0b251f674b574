package gateway

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/acme/cognito-admin-gateway/openapi"
)

// BenchmarkRoute measures the router against the one it replaced,
// "before" (segmentCountRouter: a gorillamux router per segment count),
// and "after" (the trie, generated), over the spec and over a synthetic
// spec of 150 operations, for the route last in gorillamux's matching
// order: "lookup" is one FindRoute, "build" a cold start's share (making
// the router, and for the trie the Spec it reads it from, as LoadSpec
// does of what `make generate` wrote, and its first lookup, which is when
// the old one built its gorillamux router). `make bench` reports them.
func BenchmarkRoute(b *testing.B) {
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	specs := []struct {
		name string
		doc  *openapi3.T
	}{
		{"spec", doc},
		{"ops150", syntheticSpec(doc, 150)},
	}
	// Each kind prepares, once, what a cold start finds in the binary,
	// and returns what makes the router at start-up.
	kinds := []struct {
		name    string
		prepare func(*openapi3.T) (func() (routers.Router, error), error)
	}{
		{"before", func(doc *openapi3.T) (func() (routers.Router, error), error) {
			return func() (routers.Router, error) { return newSegmentCountRouter(doc), nil }, nil
		}},
		{"after", func(doc *openapi3.T) (func() (routers.Router, error), error) {
			generated, err := openapi.Generate(doc)
			if err != nil {
				return nil, err
			}
			return func() (routers.Router, error) {
				spec, err := generated.LoadSpec()
				if err != nil {
					return nil, err
				}
				return newRouter(spec), nil
			}, nil
		}},
	}
	for _, s := range specs {
		r := lastRouteRequest(s.doc)
		for _, rt := range kinds {
			start, err := rt.prepare(s.doc)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("lookup/"+s.name+"/"+rt.name, func(b *testing.B) {
				router, err := start()
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := router.FindRoute(r); err != nil {
					b.Fatalf("%s: %v", r.URL, err)
				}
				b.ReportAllocs()
				for b.Loop() {
					_, _, _ = router.FindRoute(r)
				}
			})
			b.Run("build/"+s.name+"/"+rt.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					router, err := start()
					if err != nil {
						b.Fatal(err)
					}
					if _, _, err := router.FindRoute(r); err != nil {
						b.Fatalf("%s: %v", r.URL, err)
					}
				}
			})
		}
	}
}

// syntheticSpec is doc grown to at least n operations, as the spec grows:
// copies of its pool-level paths under new literal names
// (/pools/{poolId}/copy1-users/...), their operations' ids suffixed
// (listUsersCopy1).
func syntheticSpec(doc *openapi3.T, n int) *openapi3.T {
	grown := *doc
	grown.Paths = openapi3.NewPaths()
	count := 0
	for path, item := range doc.Paths.Map() {
		grown.Paths.Set(path, item)
		count += len(item.Operations())
	}
	paths := slices.Sorted(maps.Keys(doc.Paths.Map())) // the same copies every run
	for i := 1; count < n; i++ {
		for _, path := range paths {
			item := doc.Paths.Value(path)
			rest, ok := strings.CutPrefix(path, "/pools/{poolId}/")
			if !ok || count >= n {
				continue
			}
			grown.Paths.Set(fmt.Sprintf("/pools/{poolId}/copy%d-%s", i, rest), copyOperations(item, i))
			count += len(item.Operations())
		}
	}
	return &grown
}

// copyOperations is item with its operations copied, each id suffixed
// with copy, as a spec's operationIds are each its own.
func copyOperations(item *openapi3.PathItem, copy int) *openapi3.PathItem {
	copied := *item
	for method, op := range item.Operations() {
		renamed := *op
		renamed.OperationID = fmt.Sprintf("%sCopy%d", op.OperationID, copy)
		copied.SetOperation(method, &renamed)
	}
	return &copied
}

// lastRouteRequest is a request for the path gorillamux tries last, with
// one of its operations' methods.
func lastRouteRequest(doc *openapi3.T) *http.Request {
	order := doc.Paths.InMatchingOrder()
	path := order[len(order)-1]
	method := ""
	for m := range doc.Paths.Value(path).Operations() {
		method = m
	}
	target := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
	r, _ := http.NewRequest(method, target, nil)
	return r
}

// segmentCountRouter is the router before the trie, kept as the baseline
// of BenchmarkRoute: kin-openapi's gorillamux router, split by the number
// of segments of the path, each built when a request first needs it.
type segmentCountRouter struct {
	bySegments map[int]*segmentGroup
}

type segmentGroup struct {
	doc    *openapi3.T
	once   sync.Once
	router routers.Router
	err    error
}

func newSegmentCountRouter(doc *openapi3.T) *segmentCountRouter {
	r := &segmentCountRouter{bySegments: map[int]*segmentGroup{}}
	for path, item := range doc.Paths.Map() {
		n := strings.Count(path, "/")
		group := r.bySegments[n]
		if group == nil {
			sub := *doc
			sub.Paths = openapi3.NewPaths()
			group = &segmentGroup{doc: &sub}
			r.bySegments[n] = group
		}
		group.doc.Paths.Set(path, item)
	}
	return r
}

func (rt *segmentCountRouter) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	group := rt.bySegments[strings.Count(r.URL.EscapedPath(), "/")]
	if group == nil {
		return nil, nil, routers.ErrPathNotFound
	}
	group.once.Do(func() { group.router, group.err = gorillamux.NewRouter(group.doc) })
	if group.err != nil {
		return nil, nil, group.err
	}
	return group.router.FindRoute(r)
}
