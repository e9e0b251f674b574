package gateway

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"unicode/utf8"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Tags: a pool's tags are a resource of their own, on the pool's ARN. The
// editor does not fit them: Cognito has no action that takes the whole of
// them, so a change is a difference, sent as UntagResource and TagResource,
// and the resource is named by an ARN read from another action. Their
// operations name the actions in this order.
const (
	tagsDescribePool = iota // DescribeUserPool, for the ARN
	tagsList                // ListTagsForResource
	tagsUntag               // UntagResource
	tagsTag                 // TagResource
)

// maxTagKey is the longest tag key Cognito accepts, in characters; the
// spec can bound values and their count, but not map keys.
const maxTagKey = 128

// reservedTagPrefix starts the keys AWS sets itself, which no one else
// may set or remove, and which do not count towards the 50 tags a pool may
// have.
const reservedTagPrefix = "aws:"

// poolTags is what a tags operation starts from: the pool's ARN and its
// current tags.
type poolTags struct {
	arn  string
	tags map[string]string
}

// readTags reads the pool's ARN, then its tags.
func readTags(ctx context.Context, g *Gateway, c *call) (poolTags, error) {
	out, err := g.call(ctx, c.op.actions[tagsDescribePool], map[string]any{"UserPoolId": c.path["poolId"]})
	if err != nil {
		return poolTags{}, err
	}
	pool, _ := cognito.Member(out, "UserPool")
	arn, ok := cognito.StringMember(pool, "Arn")
	if !ok {
		return poolTags{}, problem.Internal(fmt.Errorf("DescribeUserPool answered without UserPool.Arn"))
	}
	tags, err := listTags(ctx, g, c, arn)
	return poolTags{arn: arn, tags: tags}, err
}

func listTags(ctx context.Context, g *Gateway, c *call, arn string) (map[string]string, error) {
	out, err := g.call(ctx, c.op.actions[tagsList], map[string]any{"ResourceArn": arn})
	if err != nil {
		return nil, err
	}
	listed, _ := cognito.Member(out, "Tags")
	tags, _ := listed.(map[string]string)
	if tags == nil {
		tags = map[string]string{}
	}
	return tags, nil
}

// tagsResource is the one representation of a pool's tags that answers and
// ETags are made from: Cognito's own ListTagsForResource shape.
func tagsResource(tags map[string]string) *cip.ListTagsForResourceOutput {
	return &cip.ListTagsForResourceOutput{Tags: tags}
}

// getTags is GET: the pool's tags and their ETag.
func getTags(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	current, err := readTags(ctx, g, c)
	if err != nil {
		return nil, err
	}
	return c.answerResource(http.StatusOK, tagsResource(current.tags), true)
}

// replaceTags is PUT: the body's tags become the pool's, but for the keys
// AWS set itself, which stay.
func replaceTags(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	return changeTags(ctx, g, c, func(current map[string]string) map[string]string {
		wanted := bodyTags(c.body)
		result := make(map[string]string, len(wanted))
		for key, value := range current {
			if reserved(key) {
				result[key] = value
			}
		}
		for key, value := range wanted {
			if value != nil {
				result[key] = *value
			}
		}
		return result
	})
}

// patchTags is PATCH: RFC 7396 on the tags, so a string sets a tag, null
// removes it, and a tag the patch does not name stays.
func patchTags(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	return changeTags(ctx, g, c, func(current map[string]string) map[string]string {
		result := maps.Clone(current)
		for key, value := range bodyTags(c.body) {
			if value == nil {
				delete(result, key)
				continue
			}
			result[key] = *value
		}
		return result
	})
}

// changeTags makes the pool's tags what apply makes of the current ones:
// checks the keys before Cognito is called, reads the tags, checks
// If-Match and the result's count, then sends the difference.
func changeTags(ctx context.Context, g *Gateway, c *call, apply func(current map[string]string) map[string]string) (*answer, error) {
	condition, conditional, err := ifMatch(c.req)
	if err != nil {
		return nil, err
	}
	if err := checkTagKeys(c.body); err != nil {
		return nil, err
	}
	current, err := readTags(ctx, g, c)
	if err != nil {
		return nil, err
	}
	if conditional {
		if err := checkIfMatch(condition, resourceETag(tagsResource(current.tags), c.op.etagFilter)); err != nil {
			return nil, err
		}
	}
	result := apply(current.tags)
	if c.op.mergedSchema != "" { // x-merged-schema: the PUT's limit of 50
		own := map[string]any{}
		for key, value := range result {
			if !reserved(key) {
				own[key] = value
			}
		}
		if err := g.validateMerged(c.op.mergedSchema, map[string]any{"Tags": own}); err != nil {
			return nil, err
		}
	}
	if dryRun(c) {
		return c.answerResource(http.StatusOK, tagsResource(result), false)
	}
	removed, set := tagChanges(current.tags, result)
	// Untag first: if TagResource then fails, only tags the request asked
	// to remove are gone, and a replay finishes the change. Tagging first
	// would be refused at the cap of 50 when a PUT swaps tags near it.
	if len(removed) > 0 {
		if _, err := g.call(ctx, c.op.actions[tagsUntag], map[string]any{"ResourceArn": current.arn, "TagKeys": removed}); err != nil {
			return nil, err
		}
	}
	if len(set) > 0 {
		if _, err := g.call(ctx, c.op.actions[tagsTag], map[string]any{"ResourceArn": current.arn, "Tags": set}); err != nil {
			return nil, err
		}
	}
	if len(removed) == 0 && len(set) == 0 {
		return c.answerResource(http.StatusOK, tagsResource(current.tags), true)
	}
	tags, err := listTags(ctx, g, c, current.arn)
	if err != nil {
		// Applied: as the editor does, answer with what the pool should
		// now have, without an ETag, and let the audit line say so.
		c.reread = err
		return c.answerResource(http.StatusOK, tagsResource(result), false)
	}
	return c.answerResource(http.StatusOK, tagsResource(tags), true)
}

// tagChanges are the keys to untag (sorted, for a stable input) and the
// tags to set to go from current to result. An unchanged tag is in
// neither, and a reserved one is never removed.
func tagChanges(current, result map[string]string) (removed []any, set map[string]any) {
	for _, key := range sortedKeys(current) {
		if _, kept := result[key]; !kept && !reserved(key) {
			removed = append(removed, key)
		}
	}
	set = map[string]any{}
	for key, value := range result {
		if old, ok := current[key]; !ok || old != value {
			set[key] = value
		}
	}
	return removed, set
}

// bodyTags is the body's Tags member: a value, or nil for a tag a PATCH
// removes. Validation has proved that each is a string or null.
func bodyTags(body map[string]any) map[string]*string {
	raw, _ := body["Tags"].(map[string]any)
	tags := make(map[string]*string, len(raw))
	for key, value := range raw {
		if s, ok := value.(string); ok {
			tags[key] = &s
			continue
		}
		tags[key] = nil
	}
	return tags
}

// checkTagKeys refuses, before Cognito is called, keys that Cognito
// would: empty or over 128 characters, or AWS's own.
func checkTagKeys(body map[string]any) error {
	raw, _ := body["Tags"].(map[string]any)
	var violations []problem.Violation
	for _, key := range sortedKeys(raw) {
		switch n := utf8.RuneCountInString(key); {
		case n == 0 || n > maxTagKey:
			violations = append(violations, problem.Violation{Pointer: pointer([]string{"Tags", key}),
				Message: fmt.Sprintf("a tag key is 1 to %d characters; this one has %d", maxTagKey, n)})
		case reserved(key):
			violations = append(violations, problem.Violation{Pointer: pointer([]string{"Tags", key}),
				Message: `keys beginning with "aws:" are AWS's own; they cannot be set or removed`})
		}
	}
	if violations != nil {
		return problem.Validation(violations)
	}
	return nil
}

// reserved reports whether key is one AWS set itself. AWS reserves the
// prefix in any case.
func reserved(key string) bool {
	return len(key) >= len(reservedTagPrefix) && strings.EqualFold(key[:len(reservedTagPrefix)], reservedTagPrefix)
}
