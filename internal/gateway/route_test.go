package gateway

import (
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// TestRouterFindsWhatGorillamuxFinds holds the split router to a gorillamux
// router over the whole spec: the same route, parameters and error for every
// operation, every wrong method and paths that match nothing.
func TestRouterFindsWhatGorillamuxFinds(t *testing.T) {
	doc := loadSpec(t)
	whole, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	split, err := newRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	if split.whole != nil {
		t.Fatal("the spec is not split by segment count")
	}
	variable := regexp.MustCompile(`\{[^}]+\}`)
	targets := []string{"/", "/nowhere", "/pools/", "/pools//users", "/pools/a/b/c/d/e/f/g/h",
		"/pools/a%2Fb", "/pools/a%2Fb/users/c%2Fd", "/me/devices/x/y", "/POOLS"}
	for path := range doc.Paths.Map() {
		targets = append(targets, variable.ReplaceAllString(path, "a"),
			variable.ReplaceAllString(path, "a%2Fb"), variable.ReplaceAllString(path, "a")+"/")
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead}
	for _, target := range targets {
		for _, method := range methods {
			r, err := http.NewRequest(method, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantRoute, wantParams, wantErr := whole.FindRoute(r)
			gotRoute, gotParams, gotErr := split.FindRoute(r)
			if !errors.Is(gotErr, wantErr) && gotErr != wantErr {
				t.Errorf("%s %s: error %v, want %v", method, target, gotErr, wantErr)
				continue
			}
			if wantRoute == nil {
				if gotRoute != nil {
					t.Errorf("%s %s: found %s, want nothing", method, target, gotRoute.Path)
				}
				continue
			}
			if gotRoute == nil || gotRoute.Path != wantRoute.Path || gotRoute.Operation != wantRoute.Operation ||
				gotRoute.PathItem != wantRoute.PathItem || !reflect.DeepEqual(gotParams, wantParams) {
				t.Errorf("%s %s: found %v %v, want %s %v", method, target, gotRoute, gotParams, wantRoute.Path, wantParams)
			}
		}
	}
	// Every group builds, as the whole router did at start-up.
	for n, group := range split.bySegments {
		if err := group.build(); err != nil {
			t.Errorf("the routes of %d segments: %v", n, err)
		}
	}
}
