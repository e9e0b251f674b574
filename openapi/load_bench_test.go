package openapi

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkLoad is the document's share of a cold start.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLazily is the document's share of a cold start as the
// gateway loads it, with LoadSpec: the outline read where it lies, and
// nothing decoded but the document's head.
func BenchmarkLoadLazily(b *testing.B) {
	for b.Loop() {
		if _, err := LoadSpec(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is what Load cost before it was generated.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSpecBySize is a cold start's share of the document and its
// first request's, over synthetic documents of more and more operations:
// LoadSpec of what `make generate` writes, the route of a request, and
// its operation decoded. It stays flat as the document grows.
func BenchmarkLoadSpecBySize(b *testing.B) {
	r := exampleRequest(http.MethodGet, "/things3/{id}")
	for _, n := range []int{150, 1500, 15000} {
		generated, err := Generate(syntheticDocument(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("operations=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				spec, err := generated.LoadSpec()
				if err != nil {
					b.Fatal(err)
				}
				route, _, err := spec.FindRoute(r)
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := spec.Operation(route.Operation.OperationID); !ok {
					b.Fatal("no operation")
				}
			}
		})
	}
}
