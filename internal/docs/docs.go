// Package docs owns the browsable API reference served at /docs: an HTML
// page and the Redoc bundle it loads, both embedded in the binary, so that
// the page needs no CDN and no internet. It does not route or serve:
// package gateway answers the spec's meta operations with these bytes.
//
// The bundle is Redoc's standalone build, copied by `make docs-assets` from
// the npm package pinned in package.json and committed under assets/,
// gzipped, so that `go build` needs no npm. assets/provenance.txt records
// the package, its version and the SHA-256 of the file as npm ships it; the
// tests hold the copy to it, and to node_modules when npm has installed it.
package docs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
)

//go:embed page.html
var page []byte

// scriptGzip is the bundle, gzipped: 0.3 MB of the binary instead of 1.1.
// It is unzipped when first served, not at start-up.
//
//go:embed assets/redoc.standalone.js.gz
var scriptGzip []byte

//go:embed assets/redoc.standalone.js.LICENSE.txt
var scriptLicense []byte

// ContentSecurityPolicy is the page's policy: everything from this origin,
// nothing from anywhere else. Redoc injects its styles and starts its search
// worker from a blob.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Page returns the HTML page. It names the spec and the script by URLs
// relative to itself, so that it works under any path prefix.
func Page() []byte { return page }

// RedoclyLogo is the one URL Redoc 2's bundle fetches by itself: the logo
// in the sidebar's "API docs by Redocly" footer, which no option hides.
// Served, it becomes an empty data: URL, which fails to decode, and Redoc
// then drops the image (its onError). Offline, the real URL would log a
// failed load, and the page's CSP a violation.
const RedoclyLogo = "https://cdn.redoc.ly/redoc/logo-mini.svg"

// Asset is a file the page loads.
type Asset struct {
	ContentType string
	// content is computed on first use, so that a cold start pays nothing
	// for a page that few requests ask for.
	content func() content
}

type content struct {
	body []byte
	etag string
	// gzipped is body gzipped, made on first use: few clients ask for a
	// file uncompressed, and fewer processes serve /docs at all.
	gzipped func() encoded
}

// encoded is a file in one content coding, and its own validator: RFC 9110
// wants a strong ETag to tell the representations of a resource apart.
type encoded struct {
	body []byte
	etag string
}

// Body returns the file as served.
func (a Asset) Body() []byte { return a.content().body }

// ETag returns a strong validator of Body.
func (a Asset) ETag() string { return a.content().etag }

// Gzipped returns Body gzipped, for a client that accepts gzip, and its
// ETag. The embedded .gz cannot serve as is: the served bundle is rewritten
// (RedoclyLogo), so it is compressed again, once, in about 35 ms.
func (a Asset) Gzipped() (body []byte, etag string) {
	g := a.content().gzipped()
	return g.body, g.etag
}

var assets = map[string]Asset{
	"redoc.standalone.js": newAsset("text/javascript; charset=utf-8", func() []byte {
		return bytes.Replace(gunzip(scriptGzip), []byte(RedoclyLogo), []byte("data:,"), 1)
	}),
	"redoc.standalone.js.LICENSE.txt": newAsset("text/plain; charset=utf-8", func() []byte { return scriptLicense }),
}

// LookupAsset returns the file named name under /docs/.
func LookupAsset(name string) (Asset, bool) {
	a, ok := assets[name]
	return a, ok
}

func newAsset(contentType string, body func() []byte) Asset {
	return Asset{ContentType: contentType, content: sync.OnceValue(func() content {
		b := body()
		return content{body: b, etag: etagOf(b), gzipped: sync.OnceValue(func() encoded {
			z := gzipOf(b)
			return encoded{body: z, etag: etagOf(z)}
		})}
	})}
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// gzipOf compresses at gzip's default level: within 0.3% of the best
// level's size, in three quarters of its time.
func gzipOf(plain []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(plain); err != nil {
		panic(fmt.Sprintf("docs: gzip: %v", err)) // a bytes.Buffer does not fail
	}
	if err := w.Close(); err != nil {
		panic(fmt.Sprintf("docs: gzip: %v", err))
	}
	return buf.Bytes()
}

// gunzip unzips an embedded asset. The tests unzip every one, so a failure
// here is a broken build, not a bad request.
func gunzip(compressed []byte) []byte {
	r, err := gzip.NewReader(bytes.NewReader(compressed))
	if err == nil {
		var plain []byte
		if plain, err = io.ReadAll(r); err == nil {
			return plain
		}
	}
	panic(fmt.Sprintf("docs: embedded asset: %v", err))
}
