package docs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository root, where package.json and node_modules live.
var root = filepath.Join("..", "..")

// provenance is assets/provenance.txt: "<package> <version> <file> sha256:<hex>",
// as `make docs-assets` writes it.
type provenance struct{ pkg, version, file, sha256 string }

func readProvenance(t *testing.T) provenance {
	t.Helper()
	line, err := os.ReadFile(filepath.Join("assets", "provenance.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(line))
	if len(fields) != 4 || !strings.HasPrefix(fields[3], "sha256:") {
		t.Fatalf("assets/provenance.txt is %q, not \"<package> <version> <file> sha256:<hex>\"", line)
	}
	return provenance{fields[0], fields[1], fields[2], strings.TrimPrefix(fields[3], "sha256:")}
}

// TestBundleIsThePinnedRedoc holds the committed bundle to its provenance,
// and the provenance to the pin in package.json and package-lock.json.
// Changing the pin without `make docs-assets`, or editing the bundle by
// hand, fails here.
func TestBundleIsThePinnedRedoc(t *testing.T) {
	p := readProvenance(t)
	sum := sha256.Sum256(gunzip(scriptGzip))
	if got := hex.EncodeToString(sum[:]); got != p.sha256 {
		t.Errorf("the embedded bundle's SHA-256 is %s; assets/provenance.txt records %s. Run `make docs-assets`.", got, p.sha256)
	}

	var manifest struct{ DevDependencies map[string]string }
	readJSON(t, filepath.Join(root, "package.json"), &manifest)
	if pin := manifest.DevDependencies[p.pkg]; pin != p.version {
		t.Errorf("package.json pins %s %q; the bundle was copied from %s. Pin an exact version and run `make docs-assets`.", p.pkg, pin, p.version)
	}
	var lock struct {
		Packages map[string]struct{ Version, Integrity string }
	}
	readJSON(t, filepath.Join(root, "package-lock.json"), &lock)
	locked := lock.Packages["node_modules/"+p.pkg]
	if locked.Version != p.version || locked.Integrity == "" {
		t.Errorf("package-lock.json has %s %q (integrity %q); the bundle was copied from %s", p.pkg, locked.Version, locked.Integrity, p.version)
	}
}

// TestBundleMatchesNodeModules compares the committed bundle with the file
// npm installed, which `npm ci` has checked against package-lock.json's
// integrity hash. CI runs `npm ci` first, so there it must be present.
func TestBundleMatchesNodeModules(t *testing.T) {
	p := readProvenance(t)
	dir := filepath.Join(root, "node_modules", p.pkg)
	installed, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.file)))
	if os.IsNotExist(err) && os.Getenv("CI") == "" {
		t.Skip("node_modules is not installed; run `npm ci` to compare the bundle with the npm package")
	}
	if err != nil {
		t.Fatalf("%v (run `npm ci`)", err)
	}
	var manifest struct{ Version string }
	readJSON(t, filepath.Join(dir, "package.json"), &manifest)
	if manifest.Version != p.version {
		t.Errorf("node_modules has %s %s, the bundle was copied from %s; run `npm ci`", p.pkg, manifest.Version, p.version)
	}
	if !bytes.Equal(installed, gunzip(scriptGzip)) {
		t.Errorf("the embedded bundle differs from %s; run `make docs-assets`", filepath.Join(dir, p.file))
	}
	license, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.file)+".LICENSE.txt"))
	if err != nil || !bytes.Equal(license, scriptLicense) {
		t.Errorf("the embedded license notices differ from the package's (%v); run `make docs-assets`", err)
	}
}

// TestPageLoadsNothingFromElsewhere: the page must work with no internet,
// so it names no URL with a scheme or a host.
func TestPageLoadsNothingFromElsewhere(t *testing.T) {
	for _, external := range []string{"http:", "https:", "//"} {
		if bytes.Contains(page, []byte(external)) {
			t.Errorf("page.html contains %q", external)
		}
	}
	for _, relative := range []string{`spec-url="openapi.yaml"`, `src="docs/redoc.standalone.js"`} {
		if !bytes.Contains(page, []byte(relative)) {
			t.Errorf("page.html lacks %s", relative)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestServedBundleFetchesNothing: the one URL the bundle would fetch is
// rewritten, once. A new Redoc that moves or drops it fails here, and the
// browser test says what it fetches instead.
func TestServedBundleFetchesNothing(t *testing.T) {
	script := gunzip(scriptGzip)
	if n := bytes.Count(script, []byte(RedoclyLogo)); n != 1 {
		t.Fatalf("the bundle names %s %d times, want once", RedoclyLogo, n)
	}
	served, _ := LookupAsset("redoc.standalone.js")
	if bytes.Contains(served.Body(), []byte("cdn.redoc.ly")) {
		t.Error("the served bundle still names cdn.redoc.ly")
	}
	if len(served.Body()) != len(script)-len(RedoclyLogo)+len("data:,") {
		t.Errorf("the served bundle is %d bytes; only the logo's URL should differ from the %d embedded", len(served.Body()), len(script))
	}
}
