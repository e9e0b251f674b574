// Package openapi owns the gateway's API description, openapi.yaml, the
// single source of truth for routes, validation and the Cognito action each
// operation performs. The document is embedded in the binary, so the gateway
// reads no file at run time.
package openapi

import (
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var document []byte

// YAML returns the document as written.
func YAML() []byte { return document }

// Load parses the embedded document. Call it once at start-up. It does not
// run doc.Validate: the document's validity is a test, not a start-up cost.
func Load() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("load embedded openapi.yaml: %w", err)
	}
	return doc, nil
}
