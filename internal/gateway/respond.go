package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
)

// volatileMembers change without anyone changing the resource's
// configuration, so ETags leave them out.
var volatileMembers = []string{"EstimatedNumberOfUsers", "LastModifiedDate"}

// resourceETag is a strong validator of a resource's configuration, and the one
// way the gateway makes one: GET and HEAD, the answers of PUT and PATCH,
// and their If-Match check all hand it the SDK value Cognito described.
// It is a digest of that value's JSON as json.Marshal writes its document
// (members sorted, <, > and & escaped), of the members covered picks:
// those the operation shows, less the volatile ones (operation.etagFilter).
func resourceETag(resource any, covered cognito.Filter) string {
	buf := encodeBuffers.Get().(*[]byte)
	defer encodeBuffers.Put(buf)
	encoded, err := cognito.AppendJSON((*buf)[:0], resource, covered, true)
	if err != nil {
		encoded = nil // as json.Marshal would have returned
	}
	*buf = encoded[:0]
	return etagOf(encoded)
}

// etagOf is the ETag of a canonical encoding.
func etagOf(encoded []byte) string {
	sum := sha256.Sum256(encoded)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// writeAnswer sends a handler's answer as JSON.
func writeAnswer(w http.ResponseWriter, a *answer) {
	defer a.recycle()
	h := w.Header()
	for k, vs := range a.header {
		h[k] = vs
	}
	// Admin answers (client secrets among them) are never for a cache. Only
	// a handler that says otherwise, for a static file of /docs, opts out.
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	if a.status == http.StatusNoContent || (a.body == nil && a.raw == nil) {
		w.WriteHeader(a.status)
		return
	}
	body := a.raw
	if body == nil {
		buf := encodeBuffers.Get().(*[]byte)
		defer encodeBuffers.Put(buf)
		encoded, err := canonjson.Append((*buf)[:0], a.body, false)
		if err != nil {
			panic(fmt.Sprintf("encode answer: %v", err)) // only JSON-shaped trees reach here
		}
		// As json.Encoder writes it, newline and all.
		body = append(encoded, '\n')
		*buf = body[:0]
	}
	// A handler may name another type for a raw body, such as /docs's HTML.
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// sendFrom makes body, encoded in buf (from encodeBuffers), a's raw body,
// as json.Encoder writes it, newline and all. a keeps buf until
// writeAnswer has sent it.
func (a *answer) sendFrom(buf *[]byte, body []byte) {
	a.raw = append(body, '\n')
	*buf = a.raw[:0] // with the capacity it grew to
	a.buf = buf
}

// recycle gives a's buffer back to encodeBuffers, unless it grew past what
// is worth keeping for the next answer (a long page of users, say).
func (a *answer) recycle() {
	if a.buf != nil && cap(*a.buf) <= 64<<10 {
		encodeBuffers.Put(a.buf)
	}
	a.buf, a.raw = nil, nil
}

// encodeBuffers recycles the buffers answers and ETags are encoded in.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// basePath is the prefix the client called through, such as "/v1".
func basePath(r *http.Request) string {
	return strings.TrimSuffix(invocation.From(r.Context()).BasePath, "/")
}

// pathEscape escapes a value for one path segment, '/' included.
func pathEscape(s string) string { return url.PathEscape(s) }

func errMissingOutput(op *operation) error {
	return fmt.Errorf("%s: Cognito's answer has no %s", op.id, op.output)
}
