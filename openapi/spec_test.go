package openapi

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
)

// TestSpecHandsOutOperationsWhole: whether loaded lazily or whole, a Spec
// routes every operation of the loader's document, hands each out with
// all a request reads of it as the loader has it, and the document whole.
func TestSpecHandsOutOperationsWhole(t *testing.T) {
	lazySpec, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	wholeSpec, err := SpecOf(loaded)
	if err != nil {
		t.Fatal(err)
	}
	for name, spec := range map[string]*Spec{"LoadSpec": lazySpec, "SpecOf(Load())": wholeSpec} {
		t.Run(name, func(t *testing.T) {
			parsed, err := Parse()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := spec.Operation("noSuchOperation"); ok {
				t.Error("an operation the document lacks was found")
			}
			n := 0
			for path, item := range parsed.Paths.Map() {
				for method, want := range item.Operations() {
					n++
					route, _, err := spec.FindRoute(exampleRequest(method, path))
					if err != nil || route.Operation.OperationID != want.OperationID || route.Path != path || route.Method != method {
						t.Errorf("%s %s: routed to %+v (%v); want %s", method, path, route, err, want.OperationID)
						continue
					}
					if name == "LoadSpec" && route.Operation.Responses != nil {
						t.Errorf("%s: the route's operation is %+v; want only its id", want.OperationID, route.Operation)
					}
					got, ok := spec.Operation(want.OperationID)
					if !ok || got.Method != method || got.Path != path {
						t.Errorf("%s is at %s %s (found %v), want %s %s", want.OperationID, got.Method, got.Path, ok, method, path)
						continue
					}
					checkRequestParts(t, got, want, item.Parameters)
				}
			}
			if n < 50 || spec.Len() != n || !slices.Equal(spec.Paths(), slices.Sorted(maps.Keys(parsed.Paths.Map()))) {
				t.Errorf("%d operations, the spec %d and paths %v; want at least 50, the same, and the document's", n,
					spec.Len(), spec.Paths())
			}
			checkSame(t, spec.Document(), parsed, "doc")
		})
	}
}

// TestLoadSpecIndexesWhatWalkingTheDocumentFinds holds the index and the
// trie generated into outline.bin to those made by walking the loader's
// document: the same operations at the same places, the same route, path
// parameters and error for every operation, wrong method and unmatched
// path, and the same head.
func TestLoadSpecIndexesWhatWalkingTheDocumentFinds(t *testing.T) {
	generated, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	walked, err := SpecOf(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(generated.OperationIDs(), walked.OperationIDs()) || !slices.Equal(generated.Paths(), walked.Paths()) {
		t.Fatalf("operations %v and paths %v; walking the document finds %v and %v",
			generated.OperationIDs(), generated.Paths(), walked.OperationIDs(), walked.Paths())
	}
	for _, id := range walked.OperationIDs() {
		i, ok := generated.Index(id)
		j, _ := walked.Index(id)
		if !ok || i != j {
			t.Errorf("%s: at %d (found %v); walking the document, at %d", id, i, ok, j)
		}
	}
	targets := []string{"/", "/nowhere", "/pools/", "/pools//users", "/pools/a/b/c/d/e/f/g/h", "/pools/a%2Fb", "/POOLS"}
	variable := regexp.MustCompile(`\{[^}]+\}`)
	for path := range parsed.Paths.Map() {
		targets = append(targets, variable.ReplaceAllString(path, "a%2Fb"), variable.ReplaceAllString(path, "a")+"/")
	}
	for _, target := range targets {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			r, err := http.NewRequest(method, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			gotRoute, gotParams, gotErr := generated.FindRoute(r)
			wantRoute, wantParams, wantErr := walked.FindRoute(r)
			if gotErr != wantErr || !maps.Equal(gotParams, wantParams) ||
				(wantRoute != nil && (gotRoute.Path != wantRoute.Path || gotRoute.Operation.OperationID != wantRoute.Operation.OperationID)) {
				t.Errorf("%s %s: %v %v %v; walking the document, %v %v %v", method, target,
					gotRoute, gotParams, gotErr, wantRoute, wantParams, wantErr)
			}
		}
	}
	head := generated.Head()
	checkSame(t, head.Info, parsed.Info, "info")
	checkSame(t, head.Servers, parsed.Servers, "servers")
	checkSame(t, head.Security, parsed.Security, "security")
	if head.OpenAPI != parsed.OpenAPI || head.Paths.Len() != 0 {
		t.Errorf("the head is OpenAPI %s with %d paths; want %s and none", head.OpenAPI, head.Paths.Len(), parsed.OpenAPI)
	}
}

// exampleRequest is a request of method for path, each {param} filled.
func exampleRequest(method, path string) *http.Request {
	r, _ := http.NewRequest(method, regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "a"), nil)
	return r
}

// checkRequestParts holds what a request reads of an operation to the
// loader's.
func checkRequestParts(t *testing.T, got Operation, want *openapi3.Operation, pathParameters openapi3.Parameters) {
	t.Helper()
	id := want.OperationID
	checkSame(t, got.Operation.Parameters, want.Parameters, id+".parameters")
	checkSame(t, got.Operation.RequestBody, want.RequestBody, id+".requestBody")
	checkSame(t, got.Operation.Security, want.Security, id+".security")
	checkSame(t, got.Operation.Extensions, want.Extensions, id+".extensions")
	checkSame(t, got.PathParameters, pathParameters, id+" path parameters")
	for status, r := range want.Responses.Map() {
		checkSame(t, got.Operation.Responses.Value(status).Value.Headers, r.Value.Headers, id+"."+status+".headers")
	}
}

// TestLoadSpecDecodesAnOperationWhenAskedFor: a cold start decodes no
// operation, routing decodes none either, and asking for one decodes that
// one.
func TestLoadSpecDecodesAnOperationWhenAskedFor(t *testing.T) {
	spec, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := spec.FindRoute(exampleRequest(http.MethodGet, "/pools/{poolId}")); err != nil {
		t.Fatal(err)
	}
	get, patch := sharedOperation(t, spec, "getPool"), sharedOperation(t, spec, "patchPool")
	if get.Responses != nil || patch.Responses != nil {
		t.Fatal("LoadSpec or FindRoute decoded operations no one asked for")
	}
	spec.Operation("getPool")
	if get.Responses == nil || patch.Responses != nil {
		t.Error("Operation(getPool) left it empty, or decoded patchPool too")
	}
}

// sharedOperation is the operation id of a Spec from LoadSpec as its
// decoder holds it, decoded or not.
func sharedOperation(t *testing.T, spec *Spec, id string) *openapi3.Operation {
	t.Helper()
	i, ok := spec.Index(id)
	if !ok {
		t.Fatalf("no operation %s", id)
	}
	return compact.Shared[openapi3.Operation](spec.decode.c, int(spec.outline.Operation(i).Number))
}

// TestLoadSpecCostsTheSameForAnyNumberOfOperations: what LoadSpec
// allocates does not grow with the document; it did, by one or more
// allocations an operation, when it decoded the paths and made an outline
// and an index of them.
func TestLoadSpecCostsTheSameForAnyNumberOfOperations(t *testing.T) {
	allocations := map[int]float64{}
	r := exampleRequest(http.MethodGet, "/things3/{id}")
	for _, n := range []int{10, 500} {
		generated, err := Generate(syntheticDocument(n))
		if err != nil {
			t.Fatal(err)
		}
		allocations[n] = testing.AllocsPerRun(20, func() {
			spec, err := generated.LoadSpec()
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := spec.FindRoute(r); err != nil {
				t.Fatal(err)
			}
		})
	}
	if allocations[10] != allocations[500] {
		t.Errorf("LoadSpec and a first lookup allocate %v times over 10 operations, %v times over 500",
			allocations[10], allocations[500])
	}
}

// syntheticDocument has n operations: a GET and a DELETE under each of
// n/2 paths, the GETs answering with one shared schema.
func syntheticDocument(n int) *openapi3.T {
	thing := &openapi3.SchemaRef{Ref: "#/components/schemas/Thing", Value: openapi3.NewObjectSchema().
		WithProperty("name", openapi3.NewStringSchema())}
	doc := &openapi3.T{OpenAPI: "3.0.3", Info: &openapi3.Info{Title: "things", Version: "1"}, Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{"Thing": thing}}}
	id := &openapi3.ParameterRef{Value: openapi3.NewPathParameter("id").WithSchema(openapi3.NewStringSchema())}
	for i := range n / 2 {
		ok := openapi3.NewResponse().WithDescription("the thing").WithJSONSchemaRef(thing)
		doc.Paths.Set(fmt.Sprintf("/things%d/{id}", i), &openapi3.PathItem{
			Parameters: openapi3.Parameters{id},
			Get: &openapi3.Operation{OperationID: fmt.Sprintf("getThing%d", i),
				Responses: openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{Value: ok}))},
			Delete: &openapi3.Operation{OperationID: fmt.Sprintf("deleteThing%d", i),
				Responses: openapi3.NewResponses(openapi3.WithStatus(204, &openapi3.ResponseRef{
					Value: openapi3.NewResponse().WithDescription("gone")}))},
		})
	}
	return doc
}

// generatedSpec is the Spec LoadSpec would make were doc openapi.yaml.
func generatedSpec(t testing.TB, doc *openapi3.T) *Spec {
	t.Helper()
	generated, err := Generate(doc)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := generated.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// pathParameters is a document whose path item declares a parameter
// for all its operations, from the components.
const pathParameters = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pools/{poolId}:
    parameters:
      - $ref: '#/components/parameters/PoolId'
    get:
      operationId: getPool
      responses:
        "200": {description: the pool}
components:
  parameters:
    PoolId:
      name: poolId
      in: path
      required: true
      schema: {type: string, maxLength: 55}
`

// TestOperationDecodesItsPathItemsParameters: the parameters an operation
// inherits from its path item are handed out decoded too.
func TestOperationDecodesItsPathItemsParameters(t *testing.T) {
	doc, err := compact.Parse([]byte(pathParameters))
	if err != nil {
		t.Fatal(err)
	}
	spec := generatedSpec(t, doc)
	op, ok := spec.Operation("getPool")
	if !ok || len(op.PathParameters) != 1 {
		t.Fatalf("getPool found %v, with path parameters %v", ok, op.PathParameters)
	}
	p := op.PathParameters[0].Value
	if p.Name != "poolId" || p.In != "path" || p.Schema.Value.MaxLength == nil {
		t.Errorf("the path item's parameter is %+v", p)
	}
}

// TestSpecOfRefusesWhatTheRouterCannotMatch: a template or a server the
// trie cannot match as gorillamux would, or two operations with one id,
// is an error when the Spec is made, not a route that quietly never
// matches.
func TestSpecOfRefusesWhatTheRouterCannotMatch(t *testing.T) {
	tests := []struct{ name, server, path, other string }{
		{"a pattern", "/", "/pools/{poolId:[a-z]+}", ""},
		{"a parameter inside a segment", "/", "/pools/{poolId}.json", ""},
		{"two parameters in a segment", "/", "/pools/{a}{b}", ""},
		{"a server with a host", "https://cognito.example.com/v1", "/pools/{poolId}", ""},
		{"a server variable", "/{version}", "/pools/{poolId}", ""},
		{"two templates for the same requests", "/", "/pools/{poolId}", "/pools/{id}"},
		{"one operationId twice", "/", "/pools/{poolId}", "/users"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := &openapi3.T{OpenAPI: "3.0.3", Servers: openapi3.Servers{{URL: tc.server}}, Paths: openapi3.NewPaths()}
			doc.Paths.Set(tc.path, &openapi3.PathItem{Get: &openapi3.Operation{OperationID: "x"}})
			if tc.other != "" {
				doc.Paths.Set(tc.other, &openapi3.PathItem{Get: &openapi3.Operation{OperationID: "x"}})
			}
			if _, err := SpecOf(doc); err == nil {
				t.Errorf("server %s, paths %s %s: no error", tc.server, tc.path, tc.other)
			}
			if _, err := Generate(doc); err == nil {
				t.Errorf("generated, server %s, paths %s %s: no error", tc.server, tc.path, tc.other)
			}
		})
	}
}
