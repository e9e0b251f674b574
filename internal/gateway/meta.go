package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/buildinfo"
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

// serveDocsAsset answers GET /docs/{asset} with a file the page loads,
// gzipped when the client accepts it (Redoc's bundle is 1.1 MB, 0.3 MB
// gzipped). It is the one answer a browser may cache: it changes only with
// the binary.
func serveDocsAsset(_ context.Context, _ *Gateway, c *call) (*answer, error) {
	name := c.path["asset"]
	asset, ok := docs.LookupAsset(name)
	if !ok {
		return nil, problem.New(http.StatusNotFound, problem.CodeNotFound, fmt.Sprintf("/docs has no file %q.", name))
	}
	header := http.Header{}
	header.Set("Vary", "Accept-Encoding")
	header.Set("Cache-Control", "max-age=86400")
	body, etag := asset.Body(), asset.ETag()
	if acceptsGzip(c.req.Header.Values("Accept-Encoding")) {
		body, etag = asset.Gzipped()
		header.Set("Content-Encoding", "gzip")
	}
	header.Set("ETag", etag)
	if noneMatch(c.req.Header.Get("If-None-Match"), etag) {
		return &answer{status: http.StatusNotModified, header: header}, nil
	}
	header.Set("Content-Type", asset.ContentType)
	return &answer{status: http.StatusOK, header: header, raw: body}, nil
}

// acceptsGzip reads Accept-Encoding as RFC 9110 section 12.5.3 does: gzip
// (or x-gzip) is acceptable if it is listed, or "*" is and gzip is not, with
// a weight above zero.
func acceptsGzip(acceptEncoding []string) bool {
	gzip, star := -1.0, -1.0
	for _, line := range acceptEncoding {
		for _, item := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(item, ";")
			weight := 1.0
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				w, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
				if err != nil {
					w = 0 // a weight that does not parse accepts nothing
				}
				weight = w
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzip = max(gzip, weight)
			case "*":
				star = max(star, weight)
			}
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}

// noneMatch reports whether an If-None-Match value names etag, with the weak
// comparison RFC 9110 prescribes for it.
func noneMatch(ifNoneMatch, etag string) bool {
	// A malformed value names nothing: the file is sent whole.
	list, ok, err := parseEntityTags([]string{ifNoneMatch})
	return ok && err == nil && list.matchWeak(etag)
}

// serveSpec answers GET /openapi.json with the document the gateway runs on.
func serveSpec(_ context.Context, g *Gateway, _ *call) (*answer, error) {
	encoded, err := json.Marshal(g.spec.Document())
	if err != nil {
		return nil, problem.Internal(err)
	}
	return &answer{status: http.StatusOK, header: http.Header{}, raw: encoded}, nil
}

// health answers GET /health with the build, without calling Cognito. With
// ?deep=true it also proves Cognito answers, with the cheapest call the
// function's role may make: ListUserPools for one pool.
func health(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	body := map[string]any{
		"status":  "ok",
		"version": buildinfo.Version(),
		"commit":  buildinfo.Commit(),
		"api":     g.spec.Head().Info.Version,
	}
	if c.query.Get("deep") == "true" {
		if _, err := g.call(ctx, c.op.actions[0], map[string]any{"MaxResults": 1}); err != nil {
			return nil, err
		}
		body["cognito"] = "ok"
	}
	return &answer{status: http.StatusOK, header: http.Header{}, body: body}, nil
}
