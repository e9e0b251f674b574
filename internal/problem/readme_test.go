package problem

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestREADMEListsEveryCode: the README's "Errors" names the gateway's own
// codes for clients to match on. The list is derived from nothing, so this
// holds it to the Code constants: a code added here must be documented.
func TestREADMEListsEveryCode(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "problem.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if !strings.HasPrefix(name.Name, "Code") || i >= len(spec.Values) {
				continue
			}
			if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				code, _ := strconv.Unquote(lit.Value)
				codes = append(codes, code)
			}
		}
		return true
	})
	if len(codes) == 0 {
		t.Fatal("problem.go declares no Code constants")
	}

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`the gateway's own codes \(([^)]*)\)`).FindSubmatch(readme)
	if list == nil {
		t.Fatal(`README.md has no "the gateway's own codes (...)" list`)
	}
	var listed []string
	for _, m := range regexp.MustCompile("`([A-Za-z]+)`").FindAllSubmatch(list[1], -1) {
		listed = append(listed, string(m[1]))
	}
	slices.Sort(codes)
	slices.Sort(listed)
	if !slices.Equal(codes, listed) {
		t.Errorf("README.md lists the codes %v; problem.go declares %v", listed, codes)
	}
}
