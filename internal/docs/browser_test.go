package docs_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// settle is how long a page may go on reporting after it has rendered: a
// late fetch, or a worker that fails to start.
const settle = time.Second

// TestDocsRenderInChromium loads /docs from the real handler in headless
// Chromium, at the root as `make run` serves it and under a stage prefix as
// API Gateway does, and checks that the operations render, that nothing
// went to the console as an error, and that nothing was fetched from
// anywhere but the gateway. The screenshots are kept as test artifacts:
// `go test -artifacts -outputdir DIR ./internal/docs` (make test does).
func TestDocsRenderInChromium(t *testing.T) {
	g := newGateway(t)
	mux := http.NewServeMux()
	mux.Handle("/v1/", http.StripPrefix("/v1", g))
	mux.Handle("/", g)
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	b := startBrowser(t, 1280, 2000)
	artifacts := t.ArtifactDir()

	for _, tc := range []struct{ name, prefix, screenshot string }{
		{"at the root", "", "docs.png"},
		{"under a stage prefix", "/v1", "docs-under-stage.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A bound, not a goal: Redoc renders 120 operations, and under
			// -race on a loaded machine that took over 60 s.
			ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
			defer cancel()
			base := server.URL + tc.prefix
			// A deep link, so that the screenshot shows the PATCH pool
			// operation and the sidebar lists the operations of its tag.
			p, err := b.open(ctx, base+"/docs#tag/Pools/operation/patchPool")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.WaitForText(ctx, ".menu-content", "Pools", "Users", "Groups", "Clients", "Devices",
				"Import jobs", "Self-service", "Change some of a user pool's settings"); err != nil {
				t.Fatalf("the operation list: %v", err)
			}
			if _, err := p.WaitForText(ctx, "body", "UpdateUserPool", "PATCH"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(settle)
			shot, err := p.Screenshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(artifacts, tc.screenshot)
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", path)

			for _, e := range p.Errors() {
				t.Errorf("console error: %s", e)
			}
			for _, url := range offsite(p.Requests(), base+"/") {
				t.Errorf("the page fetched %s, which is not under %s/", url, base)
			}
			// Relative URLs that resolved under the prefix, not at the root.
			for _, want := range []string{base + "/openapi.yaml", base + "/docs/redoc.standalone.js"} {
				if !slices.Contains(p.Requests(), want) {
					t.Errorf("the page never fetched %s; it fetched %q", want, p.Requests())
				}
			}
		})
	}
}

// TestBrowserCheckSeesErrors pins the checks above to what they catch, on a
// page that gets each of them wrong on purpose.
func TestBrowserCheckSeesErrors(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>
<p>Broken on purpose</p>
<script>console.error("deliberate console error")</script>
<script>notAFunction()</script>
<script src="missing.js"></script>
<img src="https://cdn.example.invalid/logo.png">
</body></html>`)
	}))
	t.Cleanup(server.Close)
	b := startBrowser(t, 800, 600)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.open(ctx, server.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitForText(ctx, "body", "Broken on purpose"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(settle)
	errors := strings.Join(p.Errors(), "\n")
	for _, want := range []string{"deliberate console error", "notAFunction", "404"} {
		if !strings.Contains(errors, want) {
			t.Errorf("the errors do not mention %q:\n%s", want, errors)
		}
	}
	if got := offsite(p.Requests(), server.URL+"/"); !slices.Contains(got, "https://cdn.example.invalid/logo.png") {
		t.Errorf("offsite requests %q miss the CDN image", got)
	}
}

func newGateway(t *testing.T) http.Handler {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cognitotest.New(t).Client(), doc, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// offsite returns the requested URLs not under base. The page's own data:
// and blob: URLs (icons, Redoc's search worker) never leave the browser.
func offsite(requests []string, base string) []string {
	var out []string
	for _, url := range requests {
		if strings.HasPrefix(url, base) || strings.HasPrefix(url, "data:") || strings.HasPrefix(url, "blob:") {
			continue
		}
		out = append(out, url)
	}
	return out
}
