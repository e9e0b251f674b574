package compact

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// shared is a document whose two operations answer with the same $ref'd
// response, the only way to its schema but through the components.
const shared = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: a
      responses:
        "200": {$ref: '#/components/responses/Only'}
  /b:
    get:
      operationId: b
      responses:
        "200": {$ref: '#/components/responses/Only'}
components:
  responses:
    Only:
      description: the one answer
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Unique'}
  schemas:
    Unique:
      type: object
      properties:
        name: {type: string}
`

func lazyShared(t *testing.T) (*openapi3.T, *Lazy) {
	t.Helper()
	data, err := Generate([]byte(shared))
	if err != nil {
		t.Fatal(err)
	}
	doc, lazy, err := DecodeLazily(string(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc, lazy
}

func schemaOf(r *openapi3.Response) *openapi3.Schema {
	return r.Content.Get("application/json").Schema.Value
}

// TestFillDecodesAStructAlone: Fill decodes the struct given, and leaves
// the shared structs it leads to empty.
func TestFillDecodesAStructAlone(t *testing.T) {
	doc, lazy := lazyShared(t)
	a := doc.Paths.Value("/a").Get
	lazy.Fill(a)
	only := a.Responses.Value("200")
	if only == nil || only.Value == nil || only.Value.Description != nil {
		t.Fatalf("Fill(a) left a empty, or decoded its shared response: %+v", only)
	}
	lazy.Fill(only.Value)
	if only.Value.Description == nil || *only.Value.Description != "the one answer" {
		t.Fatalf("Fill(response) left it empty: %+v", only.Value)
	}
	if s := schemaOf(only.Value); s.Type != nil || s.Properties != nil {
		t.Fatalf("Fill(response) decoded its schema too: %+v", s)
	}
}

// TestCompleteDecodesWhatFillLeftEmpty: Complete decodes what a struct
// Fill decoded leads to, given that struct or something that leads to it.
func TestCompleteDecodesWhatFillLeftEmpty(t *testing.T) {
	for _, given := range []string{"a", "b"} {
		t.Run(given, func(t *testing.T) {
			doc, lazy := lazyShared(t)
			a := doc.Paths.Value("/a").Get
			lazy.Fill(a)
			only := a.Responses.Value("200").Value
			lazy.Fill(only)
			// b is still empty: decoding it whole meets the response Fill
			// decoded, and must go on into it.
			lazy.Complete(doc.Paths.Value("/" + given).Get)
			if s := schemaOf(only); s.Properties["name"] == nil {
				t.Fatalf("Complete(%s) left the response's schema empty: %+v", given, s)
			}
			if b := doc.Paths.Value("/b").Get; given == "b" && b.Responses.Value("200").Value != only {
				t.Fatal("a and b do not share their response")
			}
		})
	}
}

// TestSharedIsWhatTheDocumentReaches: a struct handed out by its number
// before anything is decoded is the one the document leads to once
// decoded, filled then, and an operation has its id from the start.
func TestSharedIsWhatTheDocumentReaches(t *testing.T) {
	parsed, err := Parse([]byte(shared))
	if err != nil {
		t.Fatal(err)
	}
	data, number, err := EncodeShared(parsed)
	if err != nil {
		t.Fatal(err)
	}
	opNumber, ok := number(parsed.Paths.Value("/b").Get)
	itemNumber, itemOK := number(parsed.Paths.Value("/b"))
	if !ok || !itemOK {
		t.Fatal("an operation or a path item is not shared")
	}
	lazy, err := Open(string(data))
	if err != nil {
		t.Fatal(err)
	}
	b, item := Shared[openapi3.Operation](lazy, opNumber), Shared[openapi3.PathItem](lazy, itemNumber)
	if b.OperationID != "b" || b.Responses != nil || item.Get != nil {
		t.Fatalf("before anything is decoded, b is %+v and its path item %+v; want only b's id", b, item)
	}
	doc, err := lazy.Document()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Paths.Value("/b") != item || item.Get != b || schemaOf(b.Responses.Value("200").Value).Properties["name"] == nil {
		t.Error("the document does not lead to the structs handed out, or left them empty")
	}
}
