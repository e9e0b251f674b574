package main

import (
	"strings"
	"testing"
)

func TestTableShowsWhyARatioMissesItsGoal(t *testing.T) {
	var tb table
	tb.add(row{name: "list", gateway: 99.2, anchor: 72.5, ratio: 1.3024, unit: "%.1f", goal: "≤ 1.3 × SDK", met: false})
	tb.add(row{name: "allocs", gateway: 1117, anchor: 1013, unit: "%.0f"})
	var b strings.Builder
	tb.print(&b)
	out := b.String()
	for _, want := range []string{"| 1.302 |", "≤ 1.3 × SDK (NOT met)", "| 1.10  |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
