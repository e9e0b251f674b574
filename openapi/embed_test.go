package openapi

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
	"github.com/acme/cognito-admin-gateway/openapi/internal/outline"
)

// TestLoadedDocumentIsFresh fails when openapi.yaml changed and openapi.bin
// or outline.bin was not regenerated.
func TestLoadedDocumentIsFresh(t *testing.T) {
	document, index, err := outline.Generate(YAML())
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !bytes.Equal([]byte(loaded), document) {
		t.Error("openapi.bin is stale: openapi.yaml changed since it was generated; run go generate ./openapi")
	}
	if !bytes.Equal([]byte(outlined), index) {
		t.Error("outline.bin is stale: openapi.yaml changed since it was generated; run go generate ./openapi")
	}
}

// TestLoadIsTheLoadersDocument holds the decoded document to the one
// kin-openapi's loader makes of openapi.yaml: every exported field equal, and
// every $ref pointing at its component's one value, as the loader leaves it.
func TestLoadIsTheLoadersDocument(t *testing.T) {
	generated, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, generated, parsed, "doc")
}

// TestLoadLazilyCompletesToTheLoadersDocument: a lazily loaded document,
// completed, is the loader's document; before, its operations and its
// components are empty, and an operation completes alone.
func TestLoadLazilyCompletesToTheLoadersDocument(t *testing.T) {
	doc, lazy, parsed := lazyAndParsed(t)
	get := doc.Paths.Value("/pools/{poolId}").Get
	if get.OperationID != "getPool" || get.Responses != nil || get.Extensions != nil {
		t.Fatalf("before completion, getPool is %+v; want only its id", get)
	}
	if doc.Components == nil || doc.Components.Schemas != nil || doc.Components.SecuritySchemes != nil {
		t.Fatal("the components were decoded before anything asked for the whole document")
	}
	lazy.Complete(get)
	answer := get.Responses.Value("200")
	if answer == nil || answer.Value.Content["application/json"].Schema.Value.Properties == nil {
		t.Fatal("completing getPool left it, or the schema of its answer, empty")
	}
	if put := doc.Paths.Value("/pools/{poolId}").Put; put.Responses != nil {
		t.Fatal("completing getPool decoded replacePool too")
	}
	if doc.Components.Schemas != nil {
		t.Fatal("completing getPool decoded the components too")
	}
	lazy.Complete(doc)
	if doc.Components.Schemas["UserPoolType"].Value != answer.Value.Content["application/json"].Schema.Value {
		t.Error("the components and getPool's answer do not share the UserPoolType schema")
	}
	checkSame(t, doc, parsed, "doc")
}

// TestCompleteRequestLeavesTheAnswersSchemasEmpty: CompleteRequest decodes
// all that a request reads, as the loader has it, and not the schemas of
// the operation's answers; Complete decodes them later, still shared.
func TestCompleteRequestLeavesTheAnswersSchemasEmpty(t *testing.T) {
	doc, lazy, parsed := lazyAndParsed(t)
	const path = "/pools/{poolId}"
	patch, want := doc.Paths.Value(path).Patch, parsed.Paths.Value(path).Patch
	lazy.CompleteRequest(patch)
	checkSame(t, patch.Parameters, want.Parameters, "parameters")
	checkSame(t, patch.RequestBody, want.RequestBody, "requestBody")
	checkSame(t, patch.Security, want.Security, "security")
	checkSame(t, patch.Extensions, want.Extensions, "extensions")
	if patch.OperationID != want.OperationID || len(patch.Responses.Map()) != len(want.Responses.Map()) {
		t.Fatalf("patchPool is %+v; want %+v", patch, want)
	}
	ok := patch.Responses.Value("200")
	if _, etag := ok.Value.Headers["ETag"]; !etag || ok.Value.Headers["ETag"].Value.Schema == nil {
		t.Error("the ETag header of patchPool's answer was left empty")
	}
	answer := ok.Value.Content["application/json"].Schema.Value
	if answer.Properties != nil || answer.Type != nil {
		t.Error("CompleteRequest decoded the schema of patchPool's answer")
	}
	lazy.Complete(doc)
	if answer.Properties == nil || doc.Components.Schemas["UserPoolType"].Value != answer {
		t.Error("completing the document left the answer's schema empty, or unshared")
	}
	// The responses patchPool shares with other operations and the
	// components, decoded alone above, are whole now too.
	checkSame(t, doc, parsed, "doc")
}

// TestCompleteAfterCompleteRequest: whatever CompleteRequest left empty,
// Complete decodes, whether it is given the operation again or another
// that shares a response with it.
func TestCompleteAfterCompleteRequest(t *testing.T) {
	const path = "/pools/{poolId}"
	for _, then := range []string{"the operation", "another"} {
		t.Run(then, func(t *testing.T) {
			doc, lazy, parsed := lazyAndParsed(t)
			get := doc.Paths.Value(path).Get
			lazy.CompleteRequest(get)
			got, want := get, parsed.Paths.Value(path).Get
			if then == "another" {
				// replacePool's 400 is getPool's, decoded without its
				// schema by CompleteRequest.
				got, want = doc.Paths.Value(path).Put, parsed.Paths.Value(path).Put
			}
			lazy.Complete(got)
			checkSame(t, got, want, then)
		})
	}
}

func TestLoadReturnsANewDocumentEachTime(t *testing.T) {
	a, _ := Load()
	b, _ := Load()
	if a == b || a.Paths == b.Paths || a.Components.Schemas["UserPoolType"].Value == b.Components.Schemas["UserPoolType"].Value {
		t.Error("two loads share values; a caller changing one would change the other")
	}
}

// loadLazily returns the document as Load does, but for its operations and
// $ref'd components, which are decoded when lazy is first given a part of
// the document that leads to them: an operation, a path item's
// parameters, the document itself. Until then they are empty, but for each
// operation's OperationID. It is how LoadSpec decoded the document before
// the outline, and how these tests reach its parts still empty.
func loadLazily() (doc *openapi3.T, l *lazy, err error) {
	doc, c, err := compact.DecodeLazily(loaded)
	if err != nil {
		return nil, nil, fmt.Errorf("openapi.bin: %w; run go generate ./openapi", err)
	}
	return doc, &lazy{c: c}, nil
}

// lazyAndParsed is the document loaded lazily, and as the loader parses
// openapi.yaml.
func lazyAndParsed(t *testing.T) (*openapi3.T, *lazy, *openapi3.T) {
	t.Helper()
	doc, lazy, err := loadLazily()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	return doc, lazy, parsed
}

// checkSame fails t with the first differences between got, decoded, and
// want, parsed, sharing of structs included.
func checkSame(t *testing.T, got, want any, path string) {
	t.Helper()
	c := comparison{pairs: map[[2]address]bool{}, seen: map[address]address{}}
	c.compare(reflect.ValueOf(got), reflect.ValueOf(want), path)
	for _, d := range c.diffs[:min(len(c.diffs), 20)] {
		t.Error(d)
	}
}

// address identifies a struct: a struct and its first field share a
// pointer.
type address struct {
	pointer uintptr
	typ     reflect.Type
}

type comparison struct {
	pairs map[[2]address]bool
	// seen maps each decoded struct to the parsed one it stands for, so
	// that sharing is compared too.
	seen  map[address]address
	diffs []string
}

var mapLikeTypes = map[reflect.Type]bool{
	reflect.TypeFor[*openapi3.Paths]():     true,
	reflect.TypeFor[*openapi3.Responses](): true,
	reflect.TypeFor[*openapi3.Callback]():  true,
}

func (c *comparison) compare(a, b reflect.Value, path string) {
	if a.Type() != b.Type() {
		c.diffs = append(c.diffs, fmt.Sprintf("%s: %s, want %s", path, a.Type(), b.Type()))
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				c.diffs = append(c.diffs, fmt.Sprintf("%s: nil %v, want nil %v", path, a.IsNil(), b.IsNil()))
			}
			return
		}
		if a.Elem().Kind() == reflect.Struct {
			aa, ba := address{a.Pointer(), a.Type()}, address{b.Pointer(), b.Type()}
			if other, ok := c.seen[aa]; ok && other != ba {
				c.diffs = append(c.diffs, fmt.Sprintf("%s: shares a value the loader does not share here", path))
				return
			}
			c.seen[aa] = ba
			pair := [2]address{aa, ba}
			if c.pairs[pair] {
				return
			}
			c.pairs[pair] = true
		}
		if mapLikeTypes[a.Type()] {
			c.compare(a.MethodByName("Map").Call(nil)[0], b.MethodByName("Map").Call(nil)[0], path)
			c.compare(a.Elem().FieldByName("Extensions"), b.Elem().FieldByName("Extensions"), path+".Extensions")
			return
		}
		c.compare(a.Elem(), b.Elem(), path)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				c.diffs = append(c.diffs, fmt.Sprintf("%s: %v, want %v", path, a, b))
			}
			return
		}
		c.compare(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() {
				c.compare(a.Field(i), b.Field(i), path+"."+f.Name)
			}
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: %d items (nil %v), want %d (nil %v)", path, a.Len(), a.IsNil(), b.Len(), b.IsNil()))
			return
		}
		for i := range a.Len() {
			c.compare(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: %d entries (nil %v), want %d (nil %v)", path, a.Len(), a.IsNil(), b.Len(), b.IsNil()))
			return
		}
		for _, k := range b.MapKeys() {
			av := a.MapIndex(k)
			if !av.IsValid() {
				c.diffs = append(c.diffs, fmt.Sprintf("%s: no %v", path, k))
				continue
			}
			c.compare(av, b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k))
		}
	default:
		if !a.Equal(b) {
			c.diffs = append(c.diffs, fmt.Sprintf("%s: %v, want %v", path, a, b))
		}
	}
}
