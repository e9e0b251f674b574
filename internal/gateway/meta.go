package gateway

import (
	"context"
	"fmt"
	"net/http"

	"github.com/acme/cognito-admin-gateway/internal/docs"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// The meta operations answer with documents about the gateway itself, not
// Cognito: the spec as YAML (serveSpec, beside the editors, answers it as
// JSON) and the browsable API reference at /docs.

// serveSpecYAML answers GET /openapi.yaml with the document as written.
func serveSpecYAML(_ context.Context, _ *Gateway, _ *call) (*answer, error) {
	return &answer{status: http.StatusOK, header: http.Header{"Content-Type": {"application/yaml"}},
		raw: openapi.YAML()}, nil
}

// serveDocsPage answers GET /docs with the page that renders the spec.
func serveDocsPage(_ context.Context, _ *Gateway, _ *call) (*answer, error) {
	return &answer{status: http.StatusOK, header: http.Header{
		"Content-Type":            {"text/html; charset=utf-8"},
		"Content-Security-Policy": {docs.ContentSecurityPolicy},
	}, raw: docs.Page()}, nil
}

// serveDocsAsset answers GET /docs/{asset} with a file the page loads. It is
// the one answer a browser may cache: it changes only with the binary.
func serveDocsAsset(_ context.Context, _ *Gateway, c *call) (*answer, error) {
	name := c.path["asset"]
	asset, ok := docs.LookupAsset(name)
	if !ok {
		return nil, problem.New(http.StatusNotFound, problem.CodeNotFound, fmt.Sprintf("/docs has no file %q.", name))
	}
	etag := asset.ETag()
	header := http.Header{}
	header.Set("ETag", etag)
	header.Set("Cache-Control", "max-age=86400")
	if noneMatch(c.req.Header.Get("If-None-Match"), etag) {
		return &answer{status: http.StatusNotModified, header: header}, nil
	}
	header.Set("Content-Type", asset.ContentType)
	return &answer{status: http.StatusOK, header: header, raw: asset.Body()}, nil
}

// noneMatch reports whether an If-None-Match value names etag, with the weak
// comparison RFC 9110 prescribes for it.
func noneMatch(ifNoneMatch, etag string) bool {
	// A malformed value names nothing: the file is sent whole.
	list, ok, err := parseEntityTags([]string{ifNoneMatch})
	return ok && err == nil && list.matchWeak(etag)
}
