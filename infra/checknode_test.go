// Package infra holds local-development support: the moto start script, sam
// local's environment, and the Node.js check of `make lint`. Its only Go is
// these tests, which hold those files to what they promise.
package infra

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// nodePath finds node. .ci/run installs the npm packages with it, so CI
// never skips these tests.
func nodePath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err == nil {
		return path
	}
	const hint = "no node on PATH: install Node.js (package.json engines.node says which)"
	if os.Getenv("CI") != "" {
		t.Fatal(hint)
	}
	t.Skip(hint)
	return ""
}

// TestCheckNodeRefusesUnsupportedVersions: `make lint` must stop, naming
// the requirement, on a Node that Redocly CLI does not support, and pass on
// one it does.
func TestCheckNodeRefusesUnsupportedVersions(t *testing.T) {
	node := nodePath(t)
	cases := []struct {
		version string
		ok      bool
	}{
		{"20.19.0", true},
		{"v20.20.2", true},
		{"22.12.0", true},
		{"24.1.0", true},
		{"18.20.4", false},
		{"20.18.3", false},
		{"21.7.3", false},
		{"22.11.0", false},
		{"not-a-version", false},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			out, err := exec.Command(node, "check-node.mjs", tc.version).CombinedOutput()
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted an unsupported Node.js")
			}
			if !strings.Contains(string(out), "make lint needs Node.js >=20.19.0") || !strings.Contains(string(out), strings.TrimPrefix(tc.version, "v")) {
				t.Errorf("the message does not say what is needed and what was found: %s", out)
			}
		})
	}
}

// TestNodeRequirementIsRedoclysOwn: package.json's engines.node, which
// check-node.mjs and npm (engine-strict) enforce, must allow exactly the
// Node.js versions of the pinned Redocly CLI's engines, as package-lock.json
// records them; a new pin with other engines must move it too.
func TestNodeRequirementIsRedoclysOwn(t *testing.T) {
	var manifest struct {
		Engines struct{ Node string } `json:"engines"`
	}
	readJSON(t, filepath.Join("..", "package.json"), &manifest)
	var lock struct {
		Packages map[string]struct {
			Engines struct{ Node string } `json:"engines"`
		} `json:"packages"`
	}
	readJSON(t, filepath.Join("..", "package-lock.json"), &lock)
	redocly, ok := lock.Packages["node_modules/@redocly/cli"]
	if !ok {
		t.Fatal("package-lock.json has no node_modules/@redocly/cli")
	}
	if got, want := alternatives(manifest.Engines.Node), alternatives(redocly.Engines.Node); !slices.Equal(got, want) {
		t.Errorf("package.json engines.node is %q; the pinned Redocly CLI supports %q", manifest.Engines.Node, redocly.Engines.Node)
	}
}

// alternatives are a range's "||" alternatives, sorted, so that two ways of
// writing one range compare equal.
func alternatives(r string) []string {
	var alts []string
	for _, alt := range strings.Split(r, "||") {
		alts = append(alts, strings.Join(strings.Fields(alt), " "))
	}
	slices.Sort(alts)
	return alts
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
