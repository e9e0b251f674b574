package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cursor"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Shaping: an action's output becomes the answer the spec describes: the
// resource, list or nothing, with Location, Link and ETag, written from the
// SDK value.

// shape turns an action's output into the answer the spec describes. The
// body is written straight from the SDK's output (cognito.AppendJSON), as
// the JSON of its document.
func (c *call) shape(out any) (_ *answer, err error) {
	a := &answer{status: c.status(), header: http.Header{}}
	if a.status == http.StatusNoContent {
		return a, nil
	}
	if c.op.list != "" {
		items, _ := cognito.Member(out, c.op.list)
		token, _ := cognito.StringMember(out, c.nextTokenMember())
		return c.listAnswer(items, token)
	}
	buf := encodeBuffers.Get().(*[]byte)
	defer func() {
		if err != nil {
			encodeBuffers.Put(buf)
		}
	}()
	if c.op.output == "" {
		// The whole output, less x-cognito-omit: VerifySoftwareToken's
		// Session, which only the sign-in flow uses.
		return c.resourceOf(a, buf, out, c.shown(), c.op.etag)
	}
	// The output member the spec names, trimmed.
	resource, ok := cognito.Member(out, c.op.output)
	if !ok || !cognito.IsObject(resource) {
		return nil, problem.Internal(errMissingOutput(c.op))
	}
	return c.resourceOf(a, buf, resource, c.shown(), c.op.etag)
}

// listAnswer answers with a page of items (an SDK slice, or nil for
// none) and, unless token is empty, the NextToken that resumes at token.
func (c *call) listAnswer(items any, token string) (*answer, error) {
	a := &answer{status: c.op.status, header: http.Header{}}
	buf := encodeBuffers.Get().(*[]byte)
	body := (*buf)[:0]
	next := ""
	if token != "" {
		next = cursor.Encode(c.scope(), token)
		a.header.Set("Link", "<"+c.nextURL(next)+`>; rel="next"`)
	}
	// {list, NextToken}, members in encoding/json's order.
	body = append(body, '{')
	if next != "" && "NextToken" < c.op.list {
		body = appendMember(body, "NextToken", next)
		body = append(body, ',')
	}
	body = canonjson.AppendString(body, c.op.list, false)
	body = append(body, ':')
	body, err := cognito.AppendList(body, items, nil, c.shown(), false)
	if err != nil {
		encodeBuffers.Put(buf)
		return nil, problem.Internal(err)
	}
	if next != "" && "NextToken" > c.op.list {
		body = append(body, ',')
		body = appendMember(body, "NextToken", next)
	}
	body = append(body, '}')
	a.sendFrom(buf, body)
	return a, nil
}

// answerResource answers with status and resource, an SDK value, trimmed
// as the operation says, and with its ETag if withETag.
func (c *call) answerResource(status int, resource any, withETag bool) (*answer, error) {
	buf := encodeBuffers.Get().(*[]byte)
	a, err := c.resourceOf(&answer{status: status, header: http.Header{}}, buf, resource, c.shown(), withETag)
	if err != nil {
		encodeBuffers.Put(buf)
	}
	return a, err
}

// resourceOf completes a with the body of resource, members as shown picks
// them, encoded in buf, which a keeps; its Location, if the operation has
// one; and its ETag if withETag.
func (c *call) resourceOf(a *answer, buf *[]byte, resource any, shown cognito.Filter, withETag bool) (*answer, error) {
	resource = c.op.hide(resource)
	body, err := cognito.AppendMembers((*buf)[:0], resource, shown, false, nil)
	if err != nil {
		return nil, problem.Internal(err)
	}
	// A status an x-status-when rule chose means nothing was created.
	if c.op.location != "" && a.status == c.op.status {
		a.header.Set("Location", c.base()+c.expand(c.op.location, func(name string) (string, bool) {
			if !shown.Keeps(name) {
				return "", false
			}
			value, ok := cognito.StringMember(resource, name)
			if param := c.op.created[name]; ok && param != "" {
				if c.created == nil {
					c.created = make(map[string]string, len(c.op.created))
				}
				c.created[param] = value
			}
			return value, ok
		}))
	}
	if withETag {
		a.header.Set("ETag", resourceETag(resource, c.op.etagFilter))
	}
	a.sendFrom(buf, body)
	return a, nil
}

// status is the call's success status: that of the first x-status-when rule
// its body matches, else the operation's.
func (c *call) status() int {
	for _, r := range c.op.when {
		if v, ok := c.body[r.Member].(string); ok && v == r.Equals {
			return r.Status
		}
	}
	return c.op.status
}

// shown picks the output members the operation returns: x-cognito-select,
// or else all but x-cognito-omit.
func (c *call) shown() cognito.Filter {
	if len(c.op.only) > 0 {
		return cognito.Filter{Only: c.op.only}
	}
	return cognito.Filter{Omit: c.op.omit}
}

func appendMember(dst []byte, name, value string) []byte {
	dst = canonjson.AppendString(dst, name, false)
	dst = append(dst, ':')
	return canonjson.AppendString(dst, value, false)
}

// trim applies the operation's x-cognito-select and x-cognito-omit.
func (c *call) trim(resource map[string]any) map[string]any {
	if len(c.op.only) > 0 {
		selected := make(map[string]any, len(c.op.only))
		for _, name := range c.op.only {
			if v, ok := resource[name]; ok {
				selected[name] = v
			}
		}
		return selected
	}
	for _, name := range c.op.omit {
		delete(resource, name)
	}
	for member, keys := range c.op.hiddenKeys {
		if values, ok := resource[member].(map[string]any); ok {
			kept := make(map[string]any, len(values))
			for k, v := range values {
				if !slices.Contains(keys, k) {
					kept[k] = v
				}
			}
			resource[member] = kept
		}
	}
	return resource
}

// nextTokenMember is the output member holding Cognito's paging token. It
// has the name of the input member the NextToken parameter fills.
func (c *call) nextTokenMember() string {
	for _, p := range c.op.params {
		if p.name == "NextToken" {
			return p.member
		}
	}
	return "NextToken"
}

// base is the path prefix the client called through, e.g. the stage.
func (c *call) base() string { return basePath(c.req) }

// nextURL is the request's own URL with NextToken replaced.
func (c *call) nextURL(next string) string {
	q := maps.Clone(c.query)
	q.Set("NextToken", next)
	return c.base() + c.req.URL.EscapedPath() + "?" + q.Encode()
}

// expand fills {Member} from the resource (through member) and {param}
// from the path.
func (c *call) expand(template string, member func(name string) (string, bool)) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			b.WriteString(template)
			return b.String()
		}
		end := strings.IndexByte(template[open:], '}')
		if end < 0 {
			b.WriteString(template)
			return b.String()
		}
		b.WriteString(template[:open])
		name := template[open+1 : open+end]
		value, ok := member(name)
		if !ok {
			value = c.path[name]
		}
		b.WriteString(pathEscape(value))
		template = template[open+end+1:]
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// volatileMembers change without anyone changing the resource's
// configuration, so ETags leave them out. A domain's AWSAccountId names its
// owner, not its configuration, and moto makes a new one up on every
// DescribeUserPoolDomain.
var volatileMembers = []string{"EstimatedNumberOfUsers", "LastModifiedDate", "AWSAccountId"}

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
