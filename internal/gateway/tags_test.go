package gateway

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// moto 5.2.1 has none of ListTagsForResource, TagResource and
// UntagResource, so these tests run against a stand-in that keeps a pool's
// tags as Cognito does, refuses more than 50 of them as Cognito does, and
// records the exact input of every call.

const (
	tagsPath = "/pools/" + poolID + "/tags"
	poolARN  = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolID
	// stackTag is a tag AWS set itself, which no one else may change.
	stackTag = "aws:cloudformation:stack-name"
)

// taggedPool is the stand-in's state: one pool's tags.
type taggedPool struct {
	mu   sync.Mutex
	tags map[string]string
}

func (p *taggedPool) current() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.tags)
}

// ownTags counts the tags that count towards Cognito's cap of 50.
func ownTags(tags map[string]string) int {
	n := 0
	for key := range tags {
		if !strings.HasPrefix(key, "aws:") {
			n++
		}
	}
	return n
}

// tagStandIn answers DescribeUserPool with poolARN and the tag actions on
// a pool with tags, as the API reference describes them.
func tagStandIn(t *testing.T, tags map[string]string) (*cognitotest.Server, *taggedPool) {
	t.Helper()
	pool := &taggedPool{tags: tags}
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	wrongARN := func(input map[string]any) bool { return input["ResourceArn"] != poolARN }
	notFound := map[string]any{"__type": "ResourceNotFoundException", "message": "no such resource"}
	stub.Handle("ListTagsForResource", func(input map[string]any) (int, any) {
		if wrongARN(input) {
			return http.StatusBadRequest, notFound
		}
		return http.StatusOK, map[string]any{"Tags": pool.current()}
	})
	stub.Handle("TagResource", func(input map[string]any) (int, any) {
		if wrongARN(input) {
			return http.StatusBadRequest, notFound
		}
		pool.mu.Lock()
		defer pool.mu.Unlock()
		next := maps.Clone(pool.tags)
		for key, value := range input["Tags"].(map[string]any) {
			next[key] = value.(string)
		}
		if ownTags(next) > 50 {
			return http.StatusBadRequest, map[string]any{"__type": "InvalidParameterException", "message": "a user pool can have as many as 50 tags"}
		}
		pool.tags = next
		return http.StatusOK, map[string]any{}
	})
	stub.Handle("UntagResource", func(input map[string]any) (int, any) {
		if wrongARN(input) {
			return http.StatusBadRequest, notFound
		}
		pool.mu.Lock()
		defer pool.mu.Unlock()
		for _, key := range input["TagKeys"].([]any) {
			delete(pool.tags, key.(string))
		}
		return http.StatusOK, map[string]any{}
	})
	return stub, pool
}

// tagCalls are the inputs of the tag-changing calls, in order.
func tagCalls(stub *cognitotest.Server) []string {
	var calls []string
	for _, c := range stub.Calls() {
		if c.Action == "TagResource" || c.Action == "UntagResource" {
			calls = append(calls, fmt.Sprintf("%s %v", c.Action, c.Input))
		}
	}
	return calls
}

// answeredTags are the tags of an answer's body.
func answeredTags(t *testing.T, body string) map[string]string {
	t.Helper()
	var answer struct{ Tags map[string]string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return answer.Tags
}

func TestGetTagsListsThemOnThePoolsARN(t *testing.T) {
	stub, _ := tagStandIn(t, map[string]string{"team": "identity", stackTag: "auth"})
	rec := serveStandIn(t, stub, "GET", tagsPath, "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got, want := strings.TrimSpace(rec.Body.String()), `{"Tags":{"aws:cloudformation:stack-name":"auth","team":"identity"}}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	if got := callNames(stub); got != "DescribeUserPool,ListTagsForResource" {
		t.Errorf("calls %s", got)
	}
	if in := onlyInput(t, stub, "ListTagsForResource"); !reflect.DeepEqual(in, map[string]any{"ResourceArn": poolARN}) {
		t.Errorf("ListTagsForResource input %v", in)
	}

	empty, _ := tagStandIn(t, map[string]string{})
	if rec := serveStandIn(t, empty, "GET", tagsPath, "", nil); strings.TrimSpace(rec.Body.String()) != `{"Tags":{}}` {
		t.Errorf("a pool without tags: %d %s", rec.Code, rec.Body)
	}
}

// TestPutTagsReplacesThemAll: the keys the body leaves out are untagged,
// the new and changed ones tagged, an unchanged one is sent in neither,
// and AWS's own tag stays.
func TestPutTagsReplacesThemAll(t *testing.T) {
	stub, pool := tagStandIn(t, map[string]string{"team": "identity", "env": "prod", "cost": "4711", "old": "x", stackTag: "auth"})
	rec := serveStandIn(t, stub, "PUT", tagsPath, `{"Tags": {"team": "platform", "env": "prod", "owner": "ops"}}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]string{"team": "platform", "env": "prod", "owner": "ops", stackTag: "auth"}
	if got := pool.current(); !reflect.DeepEqual(got, want) {
		t.Errorf("the pool's tags %v, want %v", got, want)
	}
	if got := answeredTags(t, rec.Body.String()); !reflect.DeepEqual(got, want) {
		t.Errorf("answered %v, want %v", got, want)
	}
	wantCalls := []string{
		fmt.Sprintf("UntagResource %v", map[string]any{"ResourceArn": poolARN, "TagKeys": []any{"cost", "old"}}),
		fmt.Sprintf("TagResource %v", map[string]any{"ResourceArn": poolARN, "Tags": map[string]any{"owner": "ops", "team": "platform"}}),
	}
	if got := tagCalls(stub); !slices.Equal(got, wantCalls) {
		t.Errorf("tag calls\n%v\nwant\n%v", got, wantCalls)
	}
	if got := callNames(stub); got != "DescribeUserPool,ListTagsForResource,UntagResource,TagResource,ListTagsForResource" {
		t.Errorf("calls %s", got)
	}
	// The answer's ETag is the next GET's.
	if get := serveStandIn(t, stub, "GET", tagsPath, "", nil); get.Header().Get("ETag") != rec.Header().Get("ETag") {
		t.Errorf("PUT answered ETag %s, GET %s", rec.Header().Get("ETag"), get.Header().Get("ETag"))
	}
}

// TestPutTagsSwapsTagsAtTheCapOf50: untagging comes first, so a PUT that
// replaces some of 50 tags with as many others is never refused for
// holding 55 in between, and a pool never loses a tag the body kept.
func TestPutTagsSwapsTagsAtTheCapOf50(t *testing.T) {
	current, wanted := map[string]string{}, map[string]any{}
	for i := range 50 {
		current[fmt.Sprintf("k%02d", i)] = "v"
		if i >= 5 {
			wanted[fmt.Sprintf("k%02d", i)] = "v"
		}
	}
	for i := range 5 {
		wanted[fmt.Sprintf("new%d", i)] = "n"
	}
	stub, pool := tagStandIn(t, current)
	body, _ := json.Marshal(map[string]any{"Tags": wanted})
	rec := serveStandIn(t, stub, "PUT", tagsPath, string(body), nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	got := pool.current()
	if len(got) != 50 || got["new4"] != "n" || got["k49"] != "v" || got["k00"] != "" {
		t.Errorf("the pool's tags %v", got)
	}
}

// TestPatchTagsSetsAndRemovesWhatItNames: a string sets a tag, null
// removes it, and a patch that changes nothing calls neither TagResource
// nor UntagResource.
func TestPatchTagsSetsAndRemovesWhatItNames(t *testing.T) {
	initial := func() map[string]string {
		return map[string]string{"team": "identity", "cost": "4711", stackTag: "auth"}
	}
	cases := []struct {
		name, patch string
		want        map[string]string
		calls       []string
	}{
		{"set one, remove one", `{"Tags": {"owner": "ops", "cost": null}}`,
			map[string]string{"team": "identity", "owner": "ops", stackTag: "auth"},
			[]string{
				fmt.Sprintf("UntagResource %v", map[string]any{"ResourceArn": poolARN, "TagKeys": []any{"cost"}}),
				fmt.Sprintf("TagResource %v", map[string]any{"ResourceArn": poolARN, "Tags": map[string]any{"owner": "ops"}}),
			}},
		{"change a value", `{"Tags": {"team": "platform"}}`,
			map[string]string{"team": "platform", "cost": "4711", stackTag: "auth"},
			[]string{fmt.Sprintf("TagResource %v", map[string]any{"ResourceArn": poolARN, "Tags": map[string]any{"team": "platform"}})}},
		{"an empty patch", `{}`, initial(), nil},
		{"an empty Tags", `{"Tags": {}}`, initial(), nil},
		{"the same value, and null for a tag the pool lacks", `{"Tags": {"team": "identity", "gone": null}}`, initial(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub, pool := tagStandIn(t, initial())
			rec := serveStandIn(t, stub, "PATCH", tagsPath, tc.patch, map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if got := pool.current(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("the pool's tags %v, want %v", got, tc.want)
			}
			if got := answeredTags(t, rec.Body.String()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("answered %v, want %v", got, tc.want)
			}
			if got := tagCalls(stub); !slices.Equal(got, tc.calls) {
				t.Errorf("tag calls\n%v\nwant\n%v", got, tc.calls)
			}
		})
	}
}

// TestTagsDryRunAndStaleIfMatchChangeNothing: a dry run answers with the
// tags the pool would have, and a stale If-Match is a 412 with the current
// ETag; neither tags nor untags.
func TestTagsDryRunAndStaleIfMatchChangeNothing(t *testing.T) {
	initial := map[string]string{"team": "identity", "cost": "4711", stackTag: "auth"}
	stub, pool := tagStandIn(t, maps.Clone(initial))
	etag := serveStandIn(t, stub, "GET", tagsPath, "", nil).Header().Get("ETag")
	cases := []struct{ method, body, want string }{
		{"PUT", `{"Tags": {"owner": "ops"}}`, `{"Tags":{"aws:cloudformation:stack-name":"auth","owner":"ops"}}`},
		{"PATCH", `{"Tags": {"owner": "ops", "cost": null}}`, `{"Tags":{"aws:cloudformation:stack-name":"auth","owner":"ops","team":"identity"}}`},
	}
	for _, tc := range cases {
		rec := serveStandIn(t, stub, tc.method, tagsPath+"?dryRun=true", tc.body, nil)
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusOK || got != tc.want || rec.Header().Get("ETag") != "" {
			t.Errorf("%s dry run: %d %s, ETag %q; want %s and no ETag", tc.method, rec.Code, got, rec.Header().Get("ETag"), tc.want)
		}
		rec = serveStandIn(t, stub, tc.method, tagsPath, tc.body, map[string]string{"If-Match": `"stale"`})
		if rec.Code != http.StatusPreconditionFailed || rec.Header().Get("ETag") != etag {
			t.Errorf("%s with a stale ETag: %d, ETag %q, want 412 and %s", tc.method, rec.Code, rec.Header().Get("ETag"), etag)
		}
	}
	if calls := tagCalls(stub); calls != nil {
		t.Errorf("tag calls %v", calls)
	}
	if got := pool.current(); !reflect.DeepEqual(got, initial) {
		t.Errorf("the pool's tags %v, want %v", got, initial)
	}
	// The current ETag lets the change through.
	rec := serveStandIn(t, stub, "PATCH", tagsPath, `{"Tags": {"cost": null}}`, map[string]string{"If-Match": etag})
	if _, left := pool.current()["cost"]; rec.Code != http.StatusOK || left {
		t.Errorf("PATCH with the current ETag: %d %s", rec.Code, rec.Body)
	}
}

// TestTagsBreakingCognitosRulesAreRefused: keys the spec cannot check are
// checked before Cognito is called; a PATCH that would leave more than 50
// tags is refused after reading them, before any change.
func TestTagsBreakingCognitosRulesAreRefused(t *testing.T) {
	many := map[string]any{}
	for i := range 51 {
		many[fmt.Sprintf("k%02d", i)] = "v"
	}
	tooMany, _ := json.Marshal(map[string]any{"Tags": many})
	long := strings.Repeat("é", 129)
	cases := []struct{ name, method, body, pointer, calls string }{
		{"an aws: key", "PUT", `{"Tags": {"AWS:owner": "x"}}`, `"/Tags/AWS:owner"`, ""},
		{"removing an aws: tag", "PATCH", `{"Tags": {"` + stackTag + `": null}}`, `"/Tags/aws:cloudformation:stack-name"`, ""},
		{"a key of 129 characters", "PATCH", `{"Tags": {"` + long + `": "x"}}`, `"/Tags/` + long + `"`, ""},
		{"an empty key", "PUT", `{"Tags": {"": "x"}}`, `"/Tags/"`, ""},
		{"a value of 257 characters", "PUT", `{"Tags": {"team": "` + strings.Repeat("v", 257) + `"}}`, `"/Tags/team"`, ""},
		{"51 tags", "PUT", string(tooMany), `"/Tags"`, ""},
		{"a patch to 51 tags", "PATCH", `{"Tags": {"one": "more"}}`, `"/Tags"`, "DescribeUserPool,ListTagsForResource"},
		{"null Tags", "PATCH", `{"Tags": null}`, `"/Tags"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			current := map[string]string{stackTag: "auth"}
			for i := range 50 {
				current[fmt.Sprintf("k%02d", i)] = "v"
			}
			stub, _ := tagStandIn(t, current)
			rec := serveStandIn(t, stub, tc.method, tagsPath, tc.body, nil)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.pointer) {
				t.Fatalf("%d %s, want 400 at %s", rec.Code, rec.Body, tc.pointer)
			}
			if got := callNames(stub); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
		})
	}
}
