package gateway

import (
	"context"
	"errors"
	"math"

	"github.com/acme/cognito-admin-gateway/internal/quota"

	"encoding/json"
	"github.com/acme/cognito-admin-gateway/internal/userfilter"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cursor"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// translate is the handler of every ordinary operation: the request's
// parameters and body become the action's input, and the action's output
// becomes the answer the spec describes.
func translate(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	input, err := c.input()
	if err != nil {
		return nil, err
	}
	out, err := g.invoke(ctx, c.op.actions[0], input)
	if err != nil {
		return nil, err
	}
	if c.op.id == "listPools" {
		pools, _ := out["UserPools"].([]any)
		out["UserPools"] = g.allowedPoolsOnly(pools)
	}
	return c.shape(out)
}

// invoke calls one Cognito action with a JSON-shaped input.
func (g *Gateway) invoke(ctx context.Context, a cognito.Action, input map[string]any) (map[string]any, error) {
	if g.opts.Limiter != nil {
		if err := g.opts.Limiter.Wait(ctx, a.Name); err != nil {
			return nil, throttled(err)
		}
	}
	encoded, err := json.Marshal(input)
	if err != nil {
		return nil, problem.Internal(err)
	}
	out, err := a.Call(ctx, g.client, encoded)
	if err != nil {
		return nil, cognito.Problem(err)
	}
	doc, _ := cognito.Document(out).(map[string]any)
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
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

// shape turns an action's output into the answer the spec describes.
func (c *call) shape(out map[string]any) (*answer, error) {
	a := &answer{status: c.op.status, header: http.Header{}}
	switch {
	case a.status == http.StatusNoContent:
		return a, nil
	case c.op.list != "":
		items, _ := out[c.op.list].([]any)
		if items == nil {
			items = []any{}
		}
		body := map[string]any{c.op.list: items}
		if token, _ := out[c.nextTokenMember()].(string); token != "" {
			next := cursor.Encode(c.scope(), token)
			body["NextToken"] = next
			a.header.Set("Link", "<"+c.nextURL(next)+`>; rel="next"`)
		}
		a.body = body
	case c.op.output != "":
		resource, _ := out[c.op.output].(map[string]any)
		if resource == nil {
			return nil, problem.Internal(errMissingOutput(c.op))
		}
		a.body = c.trim(resource)
	default:
		a.body = out
	}
	if c.op.location != "" {
		if resource, ok := a.body.(map[string]any); ok {
			a.header.Set("Location", c.base()+c.expand(c.op.location, resource))
		}
	}
	if c.op.etag {
		if resource, ok := a.body.(map[string]any); ok {
			a.header.Set("ETag", etag(resource))
		}
	}
	return a, nil
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
	q := c.req.URL.Query()
	q.Set("NextToken", next)
	return c.base() + c.req.URL.EscapedPath() + "?" + q.Encode()
}

// expand fills {Member} from the resource and {param} from the path.
func (c *call) expand(template string, resource map[string]any) string {
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
		value, ok := resource[name].(string)
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
