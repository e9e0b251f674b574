package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/invocation"
)

// volatileMembers change without anyone changing the resource's
// configuration, so ETags leave them out.
var volatileMembers = []string{"EstimatedNumberOfUsers", "LastModifiedDate"}

// etag is a strong validator of a resource's configuration: a digest of its
// canonical JSON (encoding/json sorts map keys) without volatile members.
func etag(resource map[string]any) string {
	stable := make(map[string]any, len(resource))
	for k, v := range resource {
		stable[k] = v
	}
	for _, k := range volatileMembers {
		delete(stable, k)
	}
	encoded, _ := json.Marshal(stable)
	sum := sha256.Sum256(encoded)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// writeAnswer sends a handler's answer as JSON.
func writeAnswer(w http.ResponseWriter, a *answer) {
	h := w.Header()
	for k, vs := range a.header {
		h[k] = vs
	}
	// Admin answers (client secrets among them) are never for a cache.
	h.Set("Cache-Control", "no-store")
	if a.status == http.StatusNoContent || (a.body == nil && a.raw == nil) {
		w.WriteHeader(a.status)
		return
	}
	body := a.raw
	if body == nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(a.body); err != nil {
			panic(fmt.Sprintf("encode answer: %v", err)) // only JSON-shaped trees reach here
		}
		body = buf.Bytes()
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// basePath is the prefix the client called through, such as "/v1".
func basePath(r *http.Request) string {
	return strings.TrimSuffix(invocation.From(r.Context()).BasePath, "/")
}

// pathEscape escapes a value for one path segment, '/' included.
func pathEscape(s string) string { return url.PathEscape(s) }

func errMissingOutput(op *operation) error {
	return fmt.Errorf("%s: Cognito's answer has no %s", op.id, op.output)
}
