// Command gen writes openapi.bin, openapi.yaml as kin-openapi loads it in
// package compact's form, from the package directory: `go generate
// ./openapi` runs it.
package main

import (
	"log"
	"os"

	"github.com/acme/cognito-admin-gateway/openapi/internal/compact"
)

func main() {
	yaml, err := os.ReadFile("openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	data, err := compact.Generate(yaml)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("openapi.bin", data, 0o644); err != nil {
		log.Fatal(err)
	}
}
