package gateway

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/acme/cognito-admin-gateway/openapi"
)

// TestRouterFindsWhatGorillamuxFinds holds the trie router to kin-openapi's
// gorillamux router over the whole spec, which it replaced: the same route, parameters and error for every
// operation, every wrong method and paths that match nothing.
func TestRouterFindsWhatGorillamuxFinds(t *testing.T) {
	doc := loadSpec(t)
	whole, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	split := walkedRouter(t, doc)
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
}

// routingSpec has a literal segment where another template has a
// {param}, under a {param} of its own, and a base path of its servers.
const routingSpec = `
openapi: 3.0.3
info: {title: routing, version: "1"}
servers: [{url: %q}]
paths:
  /pools/{poolId}/users/{username}:
    get: {operationId: getUser, responses: {"200": {description: ok}}}
    delete: {operationId: deleteUser, responses: {"204": {description: ok}}}
  /pools/{poolId}/users/{username}/groups/{groupName}:
    put: {operationId: addUserToGroup, responses: {"204": {description: ok}}}
  /pools/{poolId}/users/import-jobs:
    get: {operationId: listImportJobs, responses: {"200": {description: ok}}}
  /pools/{poolId}/users/import-jobs/{jobId}:
    get: {operationId: getImportJob, responses: {"200": {description: ok}}}
  /pools/{poolId}/resource-servers/{identifier}:
    get: {operationId: getResourceServer, responses: {"200": {description: ok}}}
`

// TestRouterPrefersLiteralsAndKeepsEncodedSegments pins the trie's
// precedence (a literal before a {param}, the {param} tried when the
// literal branch leads nowhere, a 405 rather than another template) and
// its encoded segments ("%2F" inside one parameter, handed back encoded),
// each as gorillamux has it too.
func TestRouterPrefersLiteralsAndKeepsEncodedSegments(t *testing.T) {
	tests := []struct {
		name, method, target string
		want                 string // operationId, or the error
		params               map[string]string
	}{
		{"a literal before a parameter", "GET", "/pools/p/users/import-jobs",
			"listImportJobs", map[string]string{"poolId": "p"}},
		{"a parameter where no literal is", "GET", "/pools/p/users/ada",
			"getUser", map[string]string{"poolId": "p", "username": "ada"}},
		{"under the literal", "GET", "/pools/p/users/import-jobs/j1",
			"getImportJob", map[string]string{"poolId": "p", "jobId": "j1"}},
		{"the parameter when the literal branch leads nowhere", "PUT", "/pools/p/users/import-jobs/groups/admins",
			"addUserToGroup", map[string]string{"poolId": "p", "username": "import-jobs", "groupName": "admins"}},
		{"a method the literal lacks is a 405, not the parameter's", "DELETE", "/pools/p/users/import-jobs",
			routers.ErrMethodNotAllowed.Error(), nil},
		{"an encoded slash stays in its segment", "GET", "/pools/p/users/a%2Fb",
			"getUser", map[string]string{"poolId": "p", "username": "a%2Fb"}},
		{"an encoded slash after the literal's name", "GET", "/pools/p/users/import-jobs%2Fj1",
			"getUser", map[string]string{"poolId": "p", "username": "import-jobs%2Fj1"}},
		{"an encoded literal is a parameter", "GET", "/pools/p/users/import%2Djobs",
			"getUser", map[string]string{"poolId": "p", "username": "import%2Djobs"}},
		{"a URL identifier", "GET", "/pools/p/resource-servers/https:%2F%2Fapi.example.com%2Fv1",
			"getResourceServer", map[string]string{"poolId": "p", "identifier": "https:%2F%2Fapi.example.com%2Fv1"}},
		{"an unencoded URL identifier is more segments", "GET", "/pools/p/resource-servers/https://api.example.com",
			routers.ErrPathNotFound.Error(), nil},
		{"an empty segment matches no parameter", "GET", "/pools/p/users/",
			routers.ErrPathNotFound.Error(), nil},
		{"an empty segment in the middle", "PUT", "/pools//users/ada/groups/admins",
			routers.ErrPathNotFound.Error(), nil},
		{"a longer path", "GET", "/pools/p/users/ada/groups",
			routers.ErrPathNotFound.Error(), nil},
	}
	for _, base := range []string{"/", "/v1"} {
		doc, err := openapi3.NewLoader().LoadFromData(fmt.Appendf(nil, routingSpec, base))
		if err != nil {
			t.Fatal(err)
		}
		whole, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		for kind, trie := range map[string]*router{"walked": walkedRouter(t, doc), "generated": generatedRouter(t, doc)} {
			for _, tc := range tests {
				t.Run(kind+" "+base+" "+tc.name, func(t *testing.T) {
					r := httptest.NewRequest(tc.method, strings.TrimSuffix(base, "/")+tc.target, nil)
					route, params, err := trie.FindRoute(r)
					got := ""
					if err != nil {
						got = err.Error()
					} else {
						got = route.Operation.OperationID
					}
					if got != tc.want || !maps.Equal(params, tc.params) {
						t.Errorf("%s %s: %s %v; want %s %v", tc.method, tc.target, got, params, tc.want, tc.params)
					}
					wantRoute, wantParams, wantErr := whole.FindRoute(r)
					if wantErr != err || (wantRoute != nil && wantRoute.Operation.OperationID != route.Operation.OperationID) ||
						!maps.Equal(params, wantParams) {
						t.Errorf("gorillamux has %v %v %v", wantRoute, wantParams, wantErr)
					}
				})
			}
			// Without its base path, no route matches.
			if _, _, err := trie.FindRoute(httptest.NewRequest("GET", "/pools/p/users/ada", nil)); base != "/" && err != routers.ErrPathNotFound {
				t.Errorf("%s, under base %s, /pools/p/users/ada: %v; want %v", kind, base, err, routers.ErrPathNotFound)
			}
		}
	}
}

// walkedRouter is the router over doc as New makes it of a document
// already whole: its trie made by walking doc.
func walkedRouter(t *testing.T, doc *openapi3.T) *router {
	t.Helper()
	spec, err := openapi.SpecOf(doc)
	if err != nil {
		t.Fatal(err)
	}
	return newRouter(spec)
}

// generatedRouter is the router over doc as host.Build makes it of the
// embedded spec: its trie generated, as `make generate` does, and read
// where it lies.
func generatedRouter(t *testing.T, doc *openapi3.T) *router {
	t.Helper()
	generated, err := openapi.Generate(doc)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := generated.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return newRouter(spec)
}

// TestRouterRefusesWhatItCannotMatch: a template or a server the trie
// cannot match as gorillamux would is an error at start-up (New's; `make
// generate` refuses it in openapi.yaml), not a route that quietly never
// matches.
func TestRouterRefusesWhatItCannotMatch(t *testing.T) {
	tests := []struct{ name, server, path string }{
		{"a pattern", "/", "/pools/{poolId:[a-z]+}"},
		{"a parameter inside a segment", "/", "/pools/{poolId}.json"},
		{"two parameters in a segment", "/", "/pools/{a}{b}"},
		{"a server with a host", "https://cognito.example.com/v1", "/pools/{poolId}"},
		{"a server variable", "/{version}", "/pools/{poolId}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := &openapi3.T{OpenAPI: "3.0.3", Servers: openapi3.Servers{{URL: tc.server}}, Paths: openapi3.NewPaths()}
			doc.Paths.Set(tc.path, &openapi3.PathItem{Get: &openapi3.Operation{OperationID: "x"}})
			if _, err := New(nil, doc, Options{}); err == nil {
				t.Errorf("server %s, path %s: no error", tc.server, tc.path)
			}
		})
	}
}
