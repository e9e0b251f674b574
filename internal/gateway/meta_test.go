package gateway

import (
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/docs"
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
