package gateway

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// specOp is the operation of the spec at method and path.
func specOp(t *testing.T, doc *openapi3.T, method, path string) *openapi3.Operation {
	t.Helper()
	item := doc.Paths.Find(path)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("no %s %s in the spec", method, path)
	}
	return item.GetOperation(method)
}

// TestAllowListRefusalIsTheSpecsToSay: what an allow-list refuses outright
// is the operation x-refused-under-allow-list marks, whatever its
// operationId.
func TestAllowListRefusalIsTheSpecsToSay(t *testing.T) {
	doc := loadSpec(t)
	specOp(t, doc, "POST", "/pools").OperationID = "makePool"
	specOp(t, doc, "POST", "/pools/{poolId}/groups").Extensions[extRefusedUnderAllowList] = true
	stub := cognitotest.New(t)
	g, err := New(stub.Client(), doc, Options{AllowedPools: []string{poolID}})
	if err != nil {
		t.Fatal(err)
	}
	for target, body := range map[string]string{"/pools": `{"PoolName": "new"}`, "/pools/" + poolID + "/groups": `{"GroupName": "new"}`} {
		req := httptest.NewRequest("POST", target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("POST %s under an allow-list: %d, want 403", target, rec.Code)
		}
	}
	if calls := callNames(stub); calls != "" {
		t.Errorf("Cognito was called: %s", calls)
	}
}

// TestMergedSchemaIsTheSpecsToSay: a PATCH's merged result is validated
// against the body of the operation x-merged-schema names, and against
// the PATCH's own without one.
func TestMergedSchemaIsTheSpecsToSay(t *testing.T) {
	group := "/pools/{poolId}/groups/{groupName}"
	cases := []struct {
		name, path, target string
		named              string // what the PATCH's x-merged-schema names, if anything
		status             int
	}{
		{"a pool, as its PUT", "/pools/{poolId}", "/pools/" + poolID, "replacePool", http.StatusOK},
		// CreateGroup requires GroupName, which no merged input holds.
		{"a pool, as a group's create", "/pools/{poolId}", "/pools/" + poolID, "createGroup", http.StatusBadRequest},
		{"a group, as its own PATCH", group, "/pools/" + poolID + "/groups/editors", "", http.StatusOK},
		{"a group, as a group's create", group, "/pools/" + poolID + "/groups/editors", "createGroup", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := loadSpec(t)
			patch := specOp(t, doc, "PATCH", tc.path)
			delete(patch.Extensions, extMergedSchema)
			if tc.named != "" {
				patch.Extensions[extMergedSchema] = tc.named
			}
			stub := cognitotest.New(t)
			stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
			stub.Handle("GetGroup", cognitotest.Reply(describedGroup()))
			stub.HandleOthers(cognitotest.Reply(map[string]any{}))
			g, err := New(stub.Client(), doc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("PATCH", tc.target+"?dryRun=true", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/merge-patch+json")
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == http.StatusBadRequest && !strings.Contains(rec.Body.String(), "patched resource would not be valid") {
				t.Errorf("not refused as a merge: %s", rec.Body)
			}
		})
	}
}

// TestMergedSchemasNameAPutOfTheSameResource: every x-merged-schema names
// an operation that exists, on the same path, with a JSON body to validate
// against.
func TestMergedSchemasNameAPutOfTheSameResource(t *testing.T) {
	doc := loadSpec(t)
	byID := map[string]string{} // operationId -> path
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			byID[op.OperationID] = path
		}
	}
	named := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ext, ok := op.Extensions[extMergedSchema]
			if !ok {
				continue
			}
			named++
			id, _ := ext.(string)
			where, exists := byID[id]
			if !exists {
				t.Errorf("%s %s: %s names %v, which is no operation", method, path, extMergedSchema, ext)
				continue
			}
			target := doc.Paths.Find(where).Put
			if where != path || target == nil || target.OperationID != id {
				t.Errorf("%s %s: %s names %s, which is not the PUT of the same path", method, path, extMergedSchema, id)
				continue
			}
			if target.RequestBody == nil || target.RequestBody.Value.Content.Get("application/json") == nil {
				t.Errorf("%s %s: %s names %s, which has no JSON body", method, path, extMergedSchema, id)
			}
		}
	}
	if named == 0 {
		t.Errorf("no operation has %s", extMergedSchema)
	}
}

// TestEveryMergePatchBesideAPutNamesItsSchema: a merge PATCH whose path
// has a PUT validates the merged whole against the PUT's body, so its
// x-merged-schema must say so; without it, the PATCH's own schema, where
// every member is optional, would let a merge drop a member the PUT
// requires.
func TestEveryMergePatchBesideAPutNamesItsSchema(t *testing.T) {
	merges := 0
	for path, item := range loadSpec(t).Paths.Map() {
		patch := item.Patch
		if patch == nil || patch.RequestBody == nil || patch.RequestBody.Value.Content.Get("application/merge-patch+json") == nil {
			continue
		}
		merges++
		named, _ := patch.Extensions[extMergedSchema].(string)
		if item.Put != nil && named != item.Put.OperationID {
			t.Errorf("PATCH %s (%s): %s is %q, want its PUT's %s", path, patch.OperationID, extMergedSchema, named, item.Put.OperationID)
		}
	}
	if merges == 0 {
		t.Error("no merge PATCH in the spec")
	}
}

// TestRefusedUnderAllowListIsABoolean: anything but true or false is a
// mistake in the spec, found at start-up.
func TestRefusedUnderAllowListIsABoolean(t *testing.T) {
	op := specOp(t, loadSpec(t), "POST", "/pools")
	op.Extensions[extRefusedUnderAllowList] = "yes"
	_, err := compileOperation("POST", "/pools", &openapi3.PathItem{}, op, cognito.Actions())
	if err == nil || !strings.Contains(err.Error(), extRefusedUnderAllowList) {
		t.Errorf("compiled with error %v, want one naming %s", err, extRefusedUnderAllowList)
	}
}

// TestSpecExtensionsAreKnown: an operation extension the gateway does not
// read, a misspelt x-merged-schema say, would be silently ignored; one the
// README's table leaves out, a mystery.
func TestSpecExtensionsAreKnown(t *testing.T) {
	known := map[string]bool{extAction: true, extOutput: true, extList: true, extLocation: true, extOmit: true,
		extSelect: true, extWhen: true, extAllowList: true, extRefusedUnderAllowList: true, extMergedSchema: true,
		extInput: true, extWrongCredential: true, extSCIM: true, extChangesNothing: true}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range known {
		if !strings.Contains(string(readme), "\n| `"+name+"` |") {
			t.Errorf("README's extension table lacks %s", name)
		}
	}
	for path, item := range loadSpec(t).Paths.Map() {
		for method, op := range item.Operations() {
			for name := range op.Extensions {
				if !known[name] {
					t.Errorf("%s %s: unknown extension %s", method, path, name)
				}
			}
		}
	}
}
