package main

import (
	"fmt"
	"io"
	"strings"
)

// row is one case: the gateway's figure, its anchor's, and the goal.
type row struct {
	name            string
	gateway, anchor float64
	unit            string  // the format of both figures
	ratio           float64 // when not 0, the ratio measured (else gateway/anchor)
	noRatio         bool    // the anchor is a limit or absent, not a floor
	goal            string
	met             bool
}

type table struct{ rows []row }

func (t *table) add(r row) { t.rows = append(t.rows, r) }

func (t *table) print(w io.Writer) {
	cells := [][]string{{"case", "gateway", "anchor", "ratio", "goal"}}
	for _, r := range t.rows {
		measured := r.gateway / r.anchor
		if r.ratio != 0 {
			measured = r.ratio
		}
		// A ratio held to a goal gets a third decimal: 1.302 is over 1.3,
		// which "1.30" would hide.
		format := "%.2f"
		if r.goal != "" {
			format = "%.3f"
		}
		anchor, ratio := fmt.Sprintf(r.unit, r.anchor), fmt.Sprintf(format, measured)
		if r.noRatio {
			anchor = "-"
			ratio = "-"
		}
		goal := r.goal
		if goal != "" {
			if r.met {
				goal += " (met)"
			} else {
				goal += " (NOT met)"
			}
		}
		cells = append(cells, []string{r.name, fmt.Sprintf(r.unit, r.gateway), anchor, ratio, goal})
	}
	widths := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], len([]rune(s)))
		}
	}
	line := func(c []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, s := range c {
			b.WriteString(" " + s + strings.Repeat(" ", widths[i]-len([]rune(s))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(cells[0])
	sep := make([]string, len(widths))
	for i, n := range widths {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	for _, c := range cells[1:] {
		line(c)
	}
}
