package gateway

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cursor"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Guards: the pool allow-list (ALLOWED_POOL_IDS) on paths, /me tokens and
// pool listings, and the refusal to delete a pool with deletion protection.

// checkPool enforces the pool allow-list, as defence in depth behind IAM: a
// request naming any other pool is a 403 before Cognito is called. With an
// allow-list, the gateway manages only those pools, so it creates none: the
// spec marks that create x-refused-under-allow-list.
func (g *Gateway) checkPool(op *operation, path map[string]string) error {
	if len(g.opts.AllowedPools) == 0 {
		return nil
	}
	if pool, ok := path["poolId"]; ok && !slices.Contains(g.opts.AllowedPools, pool) {
		return problem.New(http.StatusForbidden, problem.CodeForbidden,
			"This gateway is not allowed to act on that user pool (ALLOWED_POOL_IDS).")
	}
	if op.refusedUnderAllowList {
		return problem.New(http.StatusForbidden, problem.CodeForbidden,
			"This gateway is limited to the pools in ALLOWED_POOL_IDS, so it creates no new pool.")
	}
	return nil
}

// checkTokenPool extends the allow-list to the routes that act as the
// signed-in user, whose pool is the one that issued the access token: a
// token of any other pool is a 403 before Cognito is called. The token's
// payload is read unverified; that is enough to refuse, and Cognito checks
// the signature of any token let through. Under an allow-list, a token
// whose payload does not name a Cognito pool is a 401, as Cognito would
// answer.
func (g *Gateway) checkTokenPool(token *claims) error {
	if len(g.opts.AllowedPools) == 0 {
		return nil
	}
	if token == nil {
		p := problem.New(http.StatusUnauthorized, problem.CodeUnauthorized,
			"The access token's payload does not name the user pool that issued it (iss).")
		p.Header = http.Header{}
		p.Header.Set("WWW-Authenticate", `Bearer realm="cognito", error="invalid_token"`)
		return p
	}
	if !slices.Contains(g.opts.AllowedPools, token.pool) {
		return problem.New(http.StatusForbidden, problem.CodeForbidden,
			"This gateway is not allowed to act on the user pool that issued the access token (ALLOWED_POOL_IDS).")
	}
	return nil
}

// deletePool is DELETE on a pool, refused with 409 while the pool's
// DeletionProtection is ACTIVE, before DeleteUserPool is called. Cognito
// refuses it too, with a 400 InvalidParameterException that reads like a
// mistake in the request; moto deletes the pool. Like If-Match, the check
// cannot close the window between the Describe and the Delete.
func deletePool(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	describe, remove := c.op.actions[0], c.op.actions[1]
	input, err := c.input() // UserPoolId, which both actions take
	if err != nil {
		return nil, err
	}
	out, err := g.call(ctx, describe, input)
	if err != nil {
		return nil, err
	}
	pool, _ := cognito.Member(out, "UserPool")
	if protection, _ := cognito.StringMember(pool, "DeletionProtection"); protection == "ACTIVE" {
		return nil, problem.New(http.StatusConflict, problem.CodeDeletionProtected,
			"The user pool has DeletionProtection ACTIVE, so it was not deleted. Turn protection off with PATCH first.")
	}
	if _, err := g.call(ctx, remove, input); err != nil {
		return nil, err
	}
	return &answer{status: c.op.status, header: http.Header{}}, nil
}

// fillPage answers a list that the pool allow-list filters (x-allow-list)
// with pages as full as the client asked for. Cognito lists every pool of
// the account; shown as Cognito pages them, the allowed few would be spread
// over pages that are mostly empty, and the number of empty pages would
// tell how many other pools there are. So each page reads Cognito's pages
// until it has Limit allowed items, every allowed pool has been shown, or
// the list ends, and stops early, with a NextToken, when the request's
// deadline leaves no time for another read.
//
// The NextToken holds a position: Cognito's token of the page to read
// next, how many of that page's items were already passed (a page can stop
// in the middle of Cognito's), and how many allowed items were shown
// before, so that the last page says so without a further, empty one.
func (g *Gateway) fillPage(ctx context.Context, c *call, input map[string]any) (*answer, error) {
	action := c.op.actions[0]
	limitMember, pageSize, limit := c.pageLimits(input)
	tokenMember := c.nextTokenMember()
	at := position{}
	if token, ok := input[tokenMember].(string); ok {
		var err error
		if at, err = parsePosition(token, pageSize); err != nil {
			return nil, problem.Validation([]problem.Violation{{Parameter: "NextToken", Message: err.Error()}})
		}
	}
	allowed := slices.Compact(slices.Sorted(slices.Values(g.opts.AllowedPools)))
	var items reflect.Value // the page, a slice of Cognito's item type
	shown := 0
	deadline, hasDeadline := ctx.Deadline()
	var slowest time.Duration
	for read := 0; ; read++ {
		page := maps.Clone(input)
		page[limitMember] = int64(pageSize)
		delete(page, tokenMember)
		if at.token != "" {
			page[tokenMember] = at.token
		}
		started := time.Now()
		out, err := g.call(ctx, action, page)
		if err != nil {
			if read > 0 && ctx.Err() != nil {
				// The deadline came during a further read: what was read
				// is an answer, and at is where the next one resumes.
				return c.listAnswer(sliceOrNil(items), at.String())
			}
			return nil, err
		}
		slowest = max(slowest, time.Since(started))
		list := reflect.ValueOf(nil)
		if member, ok := cognito.Member(out, c.op.list); ok {
			list = reflect.ValueOf(member)
		}
		next, _ := cognito.StringMember(out, tokenMember)
		n := 0
		if list.Kind() == reflect.Slice {
			n = list.Len()
			if !items.IsValid() {
				items = reflect.MakeSlice(list.Type(), 0, limit)
			}
		}
		isAllowed := func(i int) bool {
			id, _ := cognito.StringMember(list.Index(i).Interface(), c.op.allowList)
			_, found := slices.BinarySearch(allowed, id)
			return found
		}
		i := min(at.skip, n)
		for ; i < n && shown < limit && at.seen < len(allowed); i++ {
			if isAllowed(i) {
				items = reflect.Append(items, list.Index(i))
				shown++
				at.seen++
			}
		}
		if at.seen >= len(allowed) {
			// Every allowed pool has been shown: nothing is left to page.
			return c.listAnswer(sliceOrNil(items), "")
		}
		for rest := i; rest < n; rest++ {
			if isAllowed(rest) {
				// The page is full, and this Cognito page holds more.
				at.skip = i
				return c.listAnswer(sliceOrNil(items), at.String())
			}
		}
		if next == "" {
			return c.listAnswer(sliceOrNil(items), "")
		}
		at = position{token: next, seen: at.seen}
		if shown >= limit || hasDeadline && time.Until(deadline) < 2*slowest {
			return c.listAnswer(sliceOrNil(items), at.String())
		}
	}
}

// pageLimits are the input member that takes a page's size, the most
// Cognito gives in one page (the parameter's maximum), and the client's
// Limit.
func (c *call) pageLimits(input map[string]any) (member string, pageSize, limit int) {
	for _, p := range c.op.params {
		if p.name != "Limit" {
			continue
		}
		member, pageSize = p.member, 60
		if p.max != nil {
			pageSize = int(*p.max)
		}
		limit = pageSize
		switch v := input[p.member].(type) {
		case int64:
			limit = int(v)
		case int:
			limit = v
		case float64:
			limit = int(v)
		}
		return member, pageSize, max(1, min(limit, pageSize))
	}
	return "MaxResults", 60, 60
}

// position is where a filled page stopped in Cognito's list.
type position struct {
	token string // Cognito's token of the page to read next; "" for the first
	skip  int    // the items of that page already passed
	seen  int    // the allowed items shown on the pages before
}

// String is the position as a NextToken holds it: "seen.skip.token".
func (p position) String() string {
	return strconv.Itoa(p.seen) + "." + strconv.Itoa(p.skip) + "." + p.token
}

func parsePosition(s string, pageSize int) (position, error) {
	seen, rest, ok1 := strings.Cut(s, ".")
	skip, token, ok2 := strings.Cut(rest, ".")
	p := position{token: token}
	var err1, err2 error
	p.seen, err1 = strconv.Atoi(seen)
	p.skip, err2 = strconv.Atoi(skip)
	if !ok1 || !ok2 || errors.Join(err1, err2) != nil || p.seen < 0 || p.skip < 0 || p.skip > pageSize {
		return position{}, cursor.ErrMalformed
	}
	return p, nil
}

// sliceOrNil is the slice items holds, or nil if no page had a list.
func sliceOrNil(items reflect.Value) any {
	if !items.IsValid() {
		return nil
	}
	return items.Interface()
}
