package openapi

import "testing"

// BenchmarkLoad is the document's share of a cold start.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLazily is the document's share of a cold start as the
// gateway loads it, with LoadSpec.
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
