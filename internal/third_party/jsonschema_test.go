package thirdparty

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	jsonschemaModule = "github.com/santhosh-tekuri/jsonschema/v6"
	kinOpenAPIModule = "github.com/getkin/kin-openapi"
	jsonschemaCopy   = "./internal/third_party/jsonschema"
)

// copiedVersion is the upstream version the copy was taken from, as the
// heading of its README.md records it.
func copiedVersion(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("jsonschema/README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^# (\S+) (v\S+), patched$`).FindSubmatch(readme)
	if m == nil || string(m[1]) != jsonschemaModule {
		t.Fatalf("jsonschema/README.md does not begin with %q", "# "+jsonschemaModule+" vX.Y.Z, patched")
	}
	return string(m[2])
}

// goModule runs the go command at the module's root.
func goModule(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// TestJSONSchemaCopyIsTheVersionKinOpenAPIRequires: the copy stands in for
// one upstream version. When a kin-openapi upgrade asks for another one,
// the replace directive would silently keep the old code in its place:
// this fails instead, and says to take the copy again from the new version
// (UPSTREAM.md says how), or to drop it if upstream took the change.
func TestJSONSchemaCopyIsTheVersionKinOpenAPIRequires(t *testing.T) {
	copied := copiedVersion(t)

	var selected struct {
		Path, Version string
		Replace       *struct{ Path string }
	}
	var kin struct{ Version string }
	dec := json.NewDecoder(bytes.NewReader(goModule(t, "list", "-m", "-json", jsonschemaModule, kinOpenAPIModule)))
	if err := dec.Decode(&selected); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&kin); err != nil {
		t.Fatal(err)
	}
	if selected.Replace == nil || selected.Replace.Path != jsonschemaCopy {
		t.Errorf("go.mod does not replace %s with %s: drop the copy, or restore the directive", jsonschemaModule, jsonschemaCopy)
	}
	if selected.Version != copied {
		t.Errorf("the build selects %s %s, and the copy is of %s: take the copy again from %s (UPSTREAM.md)",
			jsonschemaModule, selected.Version, copied, selected.Version)
	}

	// go mod graph lists what each module version requires; the edge from
	// the kin-openapi the build selects is the one that matters.
	required := ""
	scanner := bufio.NewScanner(bytes.NewReader(goModule(t, "mod", "graph")))
	for scanner.Scan() {
		from, to, ok := strings.Cut(scanner.Text(), " ")
		if ok && from == kinOpenAPIModule+"@"+kin.Version && strings.HasPrefix(to, jsonschemaModule+"@") {
			required = strings.TrimPrefix(to, jsonschemaModule+"@")
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if required != copied {
		t.Errorf("%s %s requires %s %q, and the copy is of %s: take the copy again from that version (UPSTREAM.md)",
			kinOpenAPIModule, kin.Version, jsonschemaModule, required, copied)
	}
}

// TestJSONSchemaInitCompilesNothing is why the copy exists: linking the
// package must not compile its meta-schemas at start-up. Upstream's init
// allocates 1.7 MB in 21,000 allocations; the copy's, its package variables
// only (8 KB). The test binary, which links the copy, runs itself again
// with the runtime's init trace.
func TestJSONSchemaInitCompilesNothing(t *testing.T) {
	const bound = 64 << 10
	if os.Getenv("THIRDPARTY_INITTRACE") != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestJSONSchemaInitCompilesNothing$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "THIRDPARTY_INITTRACE=1")
	trace, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, trace)
	}
	// init github.com/santhosh-tekuri/jsonschema/v6 @0.5 ms, 0.1 ms clock, 8096 bytes, 137 allocs
	m := regexp.MustCompile(`(?m)^init ` + regexp.QuoteMeta(jsonschemaModule) + ` @.* clock, (\d+) bytes, (\d+) allocs$`).FindSubmatch(trace)
	if m == nil {
		t.Fatalf("no init line for %s in the trace:\n%s", jsonschemaModule, trace)
	}
	if bytes, _ := strconv.Atoi(string(m[1])); bytes > bound {
		t.Errorf("linking %s costs %s bytes in %s allocations at start-up, over %d: has its init come back?", jsonschemaModule, m[1], m[2], bound)
	}
}

// TestJSONSchemaCompilesWithItsMetaSchemas: compiled on first use, the
// meta-schemas still check every schema, however many compilers start at
// once.
func TestJSONSchemaCompilesWithItsMetaSchemas(t *testing.T) {
	tests := []struct {
		name, schema string
		wantCompiled bool
	}{
		{"valid", `{"type": "string", "minLength": 2}`, true},
		{"type is no type name", `{"type": 5}`, false},
		{"minLength is negative", `{"minLength": -1}`, false},
	}
	var wg sync.WaitGroup
	for i, tt := range tests {
		wg.Go(func() {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.schema))
			if err != nil {
				t.Error(err)
				return
			}
			c := jsonschema.NewCompiler()
			url := "file:///schema" + strconv.Itoa(i) + ".json"
			if err := c.AddResource(url, doc); err != nil {
				t.Error(err)
				return
			}
			schema, err := c.Compile(url)
			if (err == nil) != tt.wantCompiled {
				t.Errorf("%s: compiling %s: %v", tt.name, tt.schema, err)
				return
			}
			if schema == nil {
				return
			}
			if err := schema.Validate("a"); err == nil {
				t.Errorf("%s: %q is valid", tt.name, "a")
			}
			if err := schema.Validate("ab"); err != nil {
				t.Errorf("%s: %q: %v", tt.name, "ab", err)
			}
		})
	}
	wg.Wait()
}
