package gateway

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cursor"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/userfilter"
)

// Calling: a request's path, query and body become the action's input, and
// the action is called, paced by the Limiter, through the action table.

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
	poolID, _ := input["UserPoolId"].(string)
	if err := g.pace(ctx, a, poolID); err != nil {
		return nil, err
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

// pace waits until a may be called on poolID, by the Limiter's buckets,
// or answers 429 when it cannot be before ctx's deadline.
func (g *Gateway) pace(ctx context.Context, a cognito.Action, poolID string) error {
	if g.opts.Limiter == nil {
		return nil
	}
	if err := g.opts.Limiter.Wait(ctx, a.Category, poolID, a.Name); err != nil {
		return throttled(err)
	}
	return nil
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
	for member, v := range c.op.fixed {
		setMember(input, member, v)
	}
	for _, p := range c.op.params {
		switch p.in {
		case "path":
			setMember(input, p.member, c.path[p.name])
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

// setMember sets a member of input. A dotted name (User.ProviderName)
// reaches into a structure: AdminDisableProviderForUser names its user by
// three members of User, which a path's segments give one by one.
func setMember(input map[string]any, member string, v any) {
	for {
		outer, rest, nested := strings.Cut(member, ".")
		if !nested {
			input[member] = v
			return
		}
		inner, ok := input[outer].(map[string]any)
		if !ok {
			inner = map[string]any{}
			input[outer] = inner
		}
		input, member = inner, rest
	}
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
