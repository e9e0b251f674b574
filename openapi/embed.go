// Package openapi owns the gateway's API description, openapi.yaml, the
// single source of truth for routes, validation and the Cognito action each
// operation performs. The document is embedded in the binary, so the gateway
// reads no file at run time; and it is embedded loaded, as openapi.bin, so
// the gateway parses no YAML at run time either. Its outline, outline.bin
// (the index of its operations, the trie of its paths), is embedded too,
// so that a start builds neither: LoadSpec reads both where they lie.
package openapi

import (
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
)

// openapi.bin is openapi.yaml as kin-openapi's loader resolves it. Run
// `go generate ./openapi` whenever the YAML changes; a test fails while it
// is stale.
//
//go:generate go run ./internal/gen

//go:embed openapi.yaml
var document []byte

//go:embed openapi.bin
var loaded string

// outline.bin is the index of openapi.bin's operations, the trie of its
// paths and its head (package outline), which LoadSpec reads where it
// lies; the same `go generate ./openapi` writes it, and a test fails
// while it is stale.
//
//go:embed outline.bin
var outlined string

// YAML returns the document as written.
func YAML() []byte { return document }

// Load returns the document, $refs resolved, as kin-openapi's loader makes
// it of openapi.yaml, in a fraction of a millisecond: parsing the YAML took
// 34 ms of every cold start. Each call returns a new document. It does not
// run doc.Validate: the document's validity is a test, not a start-up cost.
func Load() (*openapi3.T, error) {
	doc, err := compact.Decode(loaded)
	if err != nil {
		return nil, fmt.Errorf("openapi.bin: %w; run go generate ./openapi", err)
	}
	return doc, nil
}

// lazy decodes the parts of a lazily loaded document. It is safe for
// concurrent use; a part it returned from can be read concurrently.
type lazy struct{ c *compact.Lazy }

// Complete decodes all of part.
func (l *lazy) Complete(part any) { l.c.Complete(part) }

// CompleteRequest decodes what serving a request of op reads: op itself,
// its parameters, request body and security requirements, and its
// responses but for their content. The schemas of its answers, the largest
// part of most operations, stay empty until Complete is given them (the
// whole document, for one): a request never reads them.
func (l *lazy) CompleteRequest(op *openapi3.Operation) {
	l.c.Fill(op)
	l.c.Complete(op.Parameters)
	l.c.Complete(op.RequestBody)
	l.c.Complete(op.Security)
	if op.Responses == nil {
		return
	}
	for _, r := range op.Responses.Map() {
		l.c.Fill(r.Value)
		if r.Value != nil {
			l.c.Complete(r.Value.Headers)
		}
	}
}

// Parse loads openapi.yaml itself with kin-openapi's loader, as Load did
// before openapi.bin. Tests hold Load to it.
func Parse() (*openapi3.T, error) {
	return compact.Parse(document)
}
