package openapi

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
)

// TestSpecHandsOutOperationsWhole: whether loaded lazily or whole, a Spec
// routes every operation of the loader's document by its outline, hands
// each out with all a request reads of it as the loader has it, and the
// document whole.
func TestSpecHandsOutOperationsWhole(t *testing.T) {
	lazySpec, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, spec := range map[string]*Spec{"LoadSpec": lazySpec, "SpecOf(Load())": SpecOf(loaded)} {
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
					bare := spec.Outline().Paths.Value(path).GetOperation(method)
					if bare == nil || bare.OperationID != want.OperationID || bare.Responses != nil {
						t.Errorf("%s %s: the outline has %+v; want only the id %s", method, path, bare, want.OperationID)
					}
					got, ok := spec.Operation(want.OperationID)
					if !ok || got.Method != method || got.Path != path {
						t.Errorf("%s is at %s %s (found %v), want %s %s", want.OperationID, got.Method, got.Path, ok, method, path)
						continue
					}
					checkRequestParts(t, got, want, item.Parameters)
				}
			}
			if n < 50 || len(spec.Outline().Paths.Map()) != len(parsed.Paths.Map()) {
				t.Errorf("%d operations, the outline %d paths; want at least 50 and %d", n,
					len(spec.Outline().Paths.Map()), len(parsed.Paths.Map()))
			}
			checkSame(t, spec.Document(), parsed, "doc")
		})
	}
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
// operation, and asking for one decodes that one.
func TestLoadSpecDecodesAnOperationWhenAskedFor(t *testing.T) {
	spec, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	item := spec.doc.Paths.Value("/pools/{poolId}")
	if item.Get.Responses != nil || item.Patch.Responses != nil {
		t.Fatal("LoadSpec decoded operations no one asked for")
	}
	spec.Operation("getPool")
	if item.Get.Responses == nil || item.Patch.Responses != nil {
		t.Error("Operation(getPool) left it empty, or decoded patchPool too")
	}
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
	data, err := compact.Generate([]byte(pathParameters))
	if err != nil {
		t.Fatal(err)
	}
	doc, c, err := compact.DecodeLazily(string(data))
	if err != nil {
		t.Fatal(err)
	}
	op, ok := newSpec(doc, &lazy{c: c}).Operation("getPool")
	if !ok || len(op.PathParameters) != 1 {
		t.Fatalf("getPool found %v, with path parameters %v", ok, op.PathParameters)
	}
	p := op.PathParameters[0].Value
	if p.Name != "poolId" || p.In != "path" || p.Schema.Value.MaxLength == nil {
		t.Errorf("the path item's parameter is %+v", p)
	}
}
