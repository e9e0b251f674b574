// Command gen writes, from the package directory, what the gateway loads
// instead of openapi.yaml: openapi.bin, the document as kin-openapi loads
// it in package compact's form, and outline.bin, its operation index,
// route trie and head (package outline). `go generate ./openapi` runs it.
package main

import (
	"log"
	"os"

	"github.com/acme/cognito-admin-gateway/openapi/internal/outline"
)

func main() {
	yaml, err := os.ReadFile("openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	document, index, err := outline.Generate(yaml)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("openapi.bin", document, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("outline.bin", index, 0o644); err != nil {
		log.Fatal(err)
	}
}
