package gateway

import (
	"context"
	"errors"
	"maps"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cursor"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/userfilter"
)

// translate is the handler of every ordinary operation: the request's
// parameters and body become the action's input, and the action's output
// becomes the answer the spec describes.
func translate(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	input, err := c.input()
	if err != nil {
		return nil, err
	}
	if c.op.allowList != "" && len(g.opts.AllowedPools) > 0 {
		return g.fillPage(ctx, c, input)
	}
	out, err := g.call(ctx, c.op.actions[0], input)
	if err != nil {
		return nil, err
	}
	return c.shape(out)
}

// call calls one Cognito action with a JSON-shaped input, and returns the
// SDK's output.
func (g *Gateway) call(ctx context.Context, a cognito.Action, input map[string]any) (any, error) {
	if g.opts.Limiter != nil {
		if err := g.opts.Limiter.Wait(ctx, a.Category); err != nil {
			return nil, throttled(err)
		}
	}
	buf := encodeBuffers.Get().(*[]byte)
	defer encodeBuffers.Put(buf)
	encoded, err := canonjson.Append((*buf)[:0], input, true)
	if err != nil {
		return nil, problem.Internal(err)
	}
	*buf = encoded[:0]
	out, err := a.Call(ctx, g.client, encoded)
	if err != nil {
		return nil, cognito.Problem(err)
	}
	return out, nil
}

// throttled is the answer when the gateway's own rate limit, kept below
// Cognito's shared quota, has no room before the request's deadline.
func throttled(err error) error {
	p := problem.New(http.StatusTooManyRequests, problem.CodeThrottled, err.Error())
	p.RetryAfter = 1
	var wait *quota.ThrottledError
	if errors.As(err, &wait) {
		p.RetryAfter = max(1, int(math.Ceil(wait.RetryAfter.Seconds())))
	}
	return p
}

// input merges the body, path and query parameters into the action's input.
func (c *call) input() (map[string]any, error) {
	input := make(map[string]any, len(c.body)+len(c.op.params))
	for k, v := range c.body {
		input[k] = v
	}
	for _, p := range c.op.params {
		switch p.in {
		case "path":
			input[p.member] = c.path[p.name]
		case "query":
			values, present := c.query[p.name]
			if !present {
				if p.def != nil {
					input[p.member] = p.def
				}
				continue
			}
			if p.name == "NextToken" {
				token, err := cursor.Decode(c.scope(), values[0])
				if err != nil {
					return nil, problem.Validation([]problem.Violation{{Parameter: p.name, Message: err.Error()}})
				}
				input[p.member] = token
				continue
			}
			if check := queryChecks[p.member]; check != nil {
				if err := check(values[0]); err != nil {
					return nil, problem.Validation([]problem.Violation{{Parameter: p.name, Message: err.Error()}})
				}
			}
			input[p.member] = queryValue(p.kind, values)
		}
	}
	if c.op.accessToken {
		input["AccessToken"] = c.accessToken
	}
	return input, nil
}

// queryChecks are checks beyond the spec's schema for query parameters, by
// the Cognito member they fill.
var queryChecks = map[string]func(string) error{
	"Filter": userfilter.Check,
}

// queryValue converts query strings to the JSON type the spec declares.
// Validation has already proved that they convert.
func queryValue(kind string, values []string) any {
	switch kind {
	case "array":
		list := make([]any, len(values))
		for i, v := range values {
			list[i] = v
		}
		return list
	case "integer":
		n, _ := strconv.ParseInt(values[0], 10, 64)
		return n
	case "boolean":
		b, _ := strconv.ParseBool(values[0])
		return b
	}
	return values[0]
}

// scope identifies the query a paging cursor belongs to: the operation, its
// path parameters and every query parameter but the paging ones.
func (c *call) scope() string {
	var b strings.Builder
	b.WriteString(c.op.id)
	for _, k := range sortedKeys(c.path) {
		b.WriteString("\x00" + k + "=" + c.path[k])
	}
	for _, k := range sortedKeys(c.query) {
		if k == "NextToken" || k == "Limit" {
			continue
		}
		for _, v := range c.query[k] {
			b.WriteString("\x00" + k + "=" + v)
		}
	}
	return b.String()
}

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
	switch {
	case c.op.output == "":
		return c.resourceOf(a, buf, out, cognito.Filter{}, c.op.etag)
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
	body, err := cognito.AppendList(body, items, nil, false)
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
