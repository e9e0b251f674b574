package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/docs"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestIfMatchFollowsRFC9110AgainstMoto: If-Match is "*" or a list of
// entity-tags, compared strongly (a weak tag never matches); a value that
// is neither is a 400 that names the header, not a 412; and a 412 carries
// the current ETag, to GET nothing more before retrying. Only a match
// changes the group.
func TestIfMatchFollowsRFC9110AgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "conditional")
	groups := "/pools/" + pool + "/groups"
	expect(t, m.do(t, "POST", groups, `{"GroupName": "editors", "Description": "before"}`, nil, nil), http.StatusCreated)
	target := groups + "/editors"
	current := m.do(t, "GET", target, "", nil, nil).Header.Get("ETag")
	if current == "" {
		t.Fatal("no ETag")
	}
	cases := []struct {
		name, ifMatch string
		status        int
	}{
		{"stale", `"stale"`, http.StatusPreconditionFailed},
		{"weak current", "W/" + current, http.StatusPreconditionFailed},
		{"stale list", `"a", W/"b"`, http.StatusPreconditionFailed},
		{"unquoted", "stale", http.StatusBadRequest},
		{"pasted inside quotes", `"` + current + `"`, http.StatusBadRequest},
		{"no comma between", `"a" "b"`, http.StatusBadRequest},
		{"star in a list", `*, "a"`, http.StatusBadRequest},
		{"space inside", `"a b"`, http.StatusBadRequest},
		{"unterminated", `"abc`, http.StatusBadRequest},
		{"only commas", `, ,`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := m.do(t, "PATCH", target, `{"Description": "after"}`, map[string]string{"If-Match": tc.ifMatch}, nil)
			expect(t, resp, tc.status)
			wantETag := ""
			if tc.status == http.StatusPreconditionFailed {
				wantETag = current
			} else {
				var p problemBody
				if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
					t.Fatal(err)
				}
				if len(p.Errors) != 1 || p.Errors[0].Parameter != "If-Match" {
					t.Errorf("errors %+v, want one naming If-Match", p.Errors)
				}
			}
			if got := resp.Header.Get("ETag"); got != wantETag {
				t.Errorf("ETag %q, want %q", got, wantETag)
			}
		})
	}
	out, err := m.Direct.GetGroup(context.Background(), &cip.GetGroupInput{UserPoolId: &pool, GroupName: aws.String("editors")})
	if err != nil {
		t.Fatal(err)
	}
	if d := aws.ToString(out.Group.Description); d != "before" {
		t.Fatalf("Description %q: a refused PATCH changed the group", d)
	}

	// A list that names the current ETag among others, and "*", match.
	for i, header := range []string{`"stale", %s, W/"x"`, "*", " , %s , "} {
		header = strings.ReplaceAll(header, "%s", current)
		resp := m.do(t, "PATCH", target, `{"Precedence": `+strconv.Itoa(i)+`}`, map[string]string{"If-Match": header}, nil)
		expect(t, resp, http.StatusOK)
		current = resp.Header.Get("ETag")
	}
}

func TestEntityTagsParseEveryLineOfTheHeader(t *testing.T) {
	list, ok, err := parseEntityTags([]string{`"a", W/"b"`, ` "c,d" `})
	if !ok || err != nil || len(list.tags) != 3 || list.tags[2].opaque != `"c,d"` || !list.tags[1].weak {
		t.Fatalf("%+v %v %v", list, ok, err)
	}
	if !list.matchStrong(`"c,d"`) || list.matchStrong(`"b"`) || !list.matchWeak(`"b"`) || !list.matchWeak(`W/"a"`) {
		t.Errorf("comparisons of %+v", list)
	}
	if _, ok, err := parseEntityTags(nil); ok || err != nil {
		t.Errorf("no header: %v %v", ok, err)
	}
}

// TestIfNoneMatchOfADocsFileComparesWeakly: If-None-Match reads the same
// lists as If-Match, compared weakly; one that cannot be read names nothing,
// and the file is sent whole.
func TestIfNoneMatchOfADocsFileComparesWeakly(t *testing.T) {
	script, ok := docs.LookupAsset("redoc.standalone.js")
	if !ok {
		t.Fatal("no Redoc bundle")
	}
	current := script.ETag()
	cases := []struct {
		ifNoneMatch string
		status      int
	}{
		{current, http.StatusNotModified},
		{`"a", W/` + current, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"a", "b"`, http.StatusOK},
		{`"a" ` + current, http.StatusOK},           // no comma: malformed
		{`*, ` + current, http.StatusOK},            // "*" only alone
		{strings.Trim(current, `"`), http.StatusOK}, // unquoted
	}
	for _, tc := range cases {
		t.Run(tc.ifNoneMatch, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/docs/redoc.standalone.js", nil)
			req.Header.Set("If-None-Match", tc.ifNoneMatch)
			rec := spectest.New(t).Serve(t, newTestGateway(t, cognitotest.New(t)), req)
			if rec.Code != tc.status || rec.Header().Get("ETag") != current {
				t.Errorf("%d, ETag %q; want %d, %q", rec.Code, rec.Header().Get("ETag"), tc.status, current)
			}
		})
	}
}
