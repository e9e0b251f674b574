package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/docs"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

func TestMetaDocuments(t *testing.T) {
	script, _ := docs.LookupAsset("redoc.standalone.js")
	runExchanges(t, []exchange{
		{name: "the spec as JSON", method: "GET", target: "/openapi.json",
			status: 200, headers: map[string]string{"Content-Type": "application/json"},
			has: []string{`"openapi":"3.0.3"`, `"operationId":"getDocs"`}},
		{name: "the spec as YAML, as written", method: "GET", target: "/openapi.yaml",
			status: 200, headers: map[string]string{"Content-Type": "application/yaml", "Cache-Control": "no-store"},
			has: []string{"openapi: 3.0.3\n", "operationId: getOpenAPIYAML", "# In AWS, API Gateway checks"}},
		{name: "the reference page", method: "GET", target: "/docs",
			status: 200, headers: map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Content-Security-Policy": docs.ContentSecurityPolicy,
				"Cache-Control":           "no-store",
			},
			has: []string{`<redoc spec-url="openapi.yaml"`, `<script src="docs/redoc.standalone.js">`}},
		{name: "the Redoc bundle may be cached", method: "GET", target: "/docs/redoc.standalone.js",
			status: 200, headers: map[string]string{
				"Content-Type":  "text/javascript; charset=utf-8",
				"Cache-Control": "max-age=86400",
				"ETag":          script.ETag(),
			},
			has: []string{"Redoc"}},
		{name: "the Redoc bundle revalidates with If-None-Match", method: "GET", target: "/docs/redoc.standalone.js",
			header: map[string]string{"If-None-Match": `"other", W/` + script.ETag()},
			status: 304, headers: map[string]string{"ETag": script.ETag(), "Cache-Control": "max-age=86400"}},
		{name: "a stale copy gets the bundle again", method: "GET", target: "/docs/redoc.standalone.js",
			header: map[string]string{"If-None-Match": `"stale"`},
			status: 200, headers: map[string]string{"ETag": script.ETag()}},
		{name: "the bundle's license notices", method: "GET", target: "/docs/redoc.standalone.js.LICENSE.txt",
			status: 200, headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			has: []string{"MIT"}},
		{name: "a file /docs does not have is 404", method: "GET", target: "/docs/jquery.js",
			status: 404, code: "RouteNotFound"},
		{name: "the page is read-only", method: "POST", target: "/docs",
			status: 405, code: "MethodNotAllowed", headers: map[string]string{"Allow": "GET, HEAD"}},
	})
}

// TestDocsAssetsHonourAcceptEncoding: the bundle is 1.1 MB, 0.3 MB gzipped.
// A client that accepts gzip gets it, under an ETag of its own; any other
// gets the file as is; a cache keys both on Accept-Encoding.
func TestDocsAssetsHonourAcceptEncoding(t *testing.T) {
	checker := spectest.New(t)
	g := newTestGateway(t, cognitotest.New(t))
	for _, name := range []string{"redoc.standalone.js", "redoc.standalone.js.LICENSE.txt"} {
		asset, _ := docs.LookupAsset(name)
		_, gzipETag := asset.Gzipped()
		if gzipETag == asset.ETag() {
			t.Fatalf("%s: the gzipped and plain files share the ETag %s", name, gzipETag)
		}
		cases := []struct {
			acceptEncoding, ifNoneMatch string
			status                      int
			gzipped                     bool
		}{
			{"", "", 200, false},
			{"gzip, deflate, br", "", 200, true},
			{"br;q=1.0, gzip;q=0.8", "", 200, true},
			{"*", "", 200, true},
			{"gzip;q=0", "", 200, false},
			{"*, gzip;q=0", "", 200, false},
			{"identity", "", 200, false},
			{"gzip", gzipETag, 304, true},
			{"gzip", asset.ETag(), 200, true}, // the plain file's ETag is not the gzipped one's
			{"", gzipETag, 200, false},
		}
		for _, tc := range cases {
			req := httptest.NewRequest("GET", "/docs/"+name, nil)
			if tc.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			if tc.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tc.ifNoneMatch)
			}
			rec := checker.Serve(t, g, req)
			where := name + " with Accept-Encoding " + tc.acceptEncoding + ", If-None-Match " + tc.ifNoneMatch
			if rec.Code != tc.status {
				t.Fatalf("%s: status %d, want %d", where, rec.Code, tc.status)
			}
			wantETag, wantEncoding := asset.ETag(), ""
			if tc.gzipped {
				wantETag, wantEncoding = gzipETag, "gzip"
			}
			if got := rec.Header().Get("ETag"); got != wantETag {
				t.Errorf("%s: ETag %s, want %s", where, got, wantETag)
			}
			if got := rec.Header().Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("%s: Vary %q", where, got)
			}
			if tc.status != http.StatusOK {
				continue
			}
			if got := rec.Header().Get("Content-Encoding"); got != wantEncoding {
				t.Errorf("%s: Content-Encoding %q, want %q", where, got, wantEncoding)
			}
			body := rec.Body.Bytes()
			if tc.gzipped {
				r, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if body, err = io.ReadAll(r); err != nil {
					t.Fatalf("%s: %v", where, err)
				}
			}
			if !bytes.Equal(body, asset.Body()) {
				t.Errorf("%s: the body, decoded, is not the file (%d bytes, want %d)", where, len(body), len(asset.Body()))
			}
		}
	}
}
