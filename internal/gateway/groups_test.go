package gateway

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

const editorsRoleARN = "arn:aws:iam::123456789012:role/editors"

// createPool makes an empty pool behind the gateway's back.
func createPool(t *testing.T, m *motoGateway, name string) string {
	t.Helper()
	out, err := m.Direct.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.UserPool.Id
}

// nextLink is the target of a Link header with rel="next", or "".
func nextLink(resp *http.Response) string {
	link := resp.Header.Get("Link")
	if link == "" {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
}

// collectPages follows Link rel="next" from first and returns the value of
// member name in every item of every page, and the number of pages.
func collectPages(t *testing.T, m *motoGateway, first, list, member string) ([]string, int) {
	t.Helper()
	var names []string
	pages := 0
	for target := first; target != ""; pages++ {
		if pages > 10 {
			t.Fatalf("paging from %s does not end", first)
		}
		var page map[string]any
		resp := m.do(t, "GET", target, "", nil, &page)
		expect(t, resp, http.StatusOK)
		items, ok := page[list].([]any)
		if !ok {
			t.Fatalf("%s: no %s list: %v", target, list, page)
		}
		for _, item := range items {
			name, _ := item.(map[string]any)[member].(string)
			names = append(names, name)
		}
		target = nextLink(resp)
		if _, has := page["NextToken"]; has != (target != "") {
			t.Errorf("%s: NextToken and Link disagree: %v, Link %q", first, page["NextToken"], target)
		}
	}
	sort.Strings(names)
	return names, pages
}

func TestGroupLifecycleAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "groups")
	base := "/pools/" + pool + "/groups"

	var created map[string]any
	resp := m.do(t, "POST", base, `{"GroupName": "editors", "Description": "Publish articles", "Precedence": 10, "RoleArn": "`+editorsRoleARN+`"}`, nil, &created)
	expect(t, resp, http.StatusCreated)
	if loc := resp.Header.Get("Location"); loc != base+"/editors" {
		t.Errorf("Location %q", loc)
	}
	if created["GroupName"] != "editors" || created["UserPoolId"] != pool {
		t.Errorf("created %v", created)
	}
	expect(t, m.do(t, "POST", base, `{"GroupName": "editors"}`, nil, nil), http.StatusConflict)

	var got map[string]any
	resp = m.do(t, "GET", base+"/editors", "", nil, &got)
	expect(t, resp, http.StatusOK)
	if got["Description"] != "Publish articles" || got["RoleArn"] != editorsRoleARN || resp.Header.Get("ETag") == "" {
		t.Errorf("GET: %v, ETag %q", got, resp.Header.Get("ETag"))
	}

	for _, name := range []string{"readers", "admins"} {
		expect(t, m.do(t, "POST", base, `{"GroupName": "`+name+`"}`, nil, nil), http.StatusCreated)
	}
	names, pages := collectPages(t, m, base+"?Limit=1", "Groups", "GroupName")
	if strings.Join(names, ",") != "admins,editors,readers" || pages != 3 {
		t.Errorf("paging with Limit=1 gave %v in %d pages", names, pages)
	}

	var patched map[string]any
	resp = m.do(t, "PATCH", base+"/editors", `{"Precedence": 3}`,
		map[string]string{"Content-Type": "application/merge-patch+json"}, &patched)
	expect(t, resp, http.StatusOK)
	if patched["Precedence"] != 3.0 || resp.Header.Get("ETag") == "" {
		t.Errorf("PATCH answer %v, ETag %q", patched, resp.Header.Get("ETag"))
	}
	out, err := m.Direct.GetGroup(context.Background(), &cip.GetGroupInput{UserPoolId: &pool, GroupName: aws.String("editors")})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.Group; aws.ToInt32(g.Precedence) != 3 || aws.ToString(g.Description) != "Publish articles" || aws.ToString(g.RoleArn) != editorsRoleARN {
		t.Errorf("after PATCH Precedence: Precedence %d, Description %q, RoleArn %q",
			aws.ToInt32(g.Precedence), aws.ToString(g.Description), aws.ToString(g.RoleArn))
	}

	expect(t, m.do(t, "DELETE", base+"/editors", "", nil, nil), http.StatusNoContent)
	expect(t, m.do(t, "GET", base+"/editors", "", nil, nil), http.StatusNotFound)
}

func TestPatchGroupWithStaleIfMatchOrDryRunChangesNothingAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "groups")
	target := "/pools/" + pool + "/groups/editors"
	expect(t, m.do(t, "POST", "/pools/"+pool+"/groups", `{"GroupName": "editors", "Description": "before", "Precedence": 1}`, nil, nil), http.StatusCreated)
	etag := m.do(t, "GET", target, "", nil, nil).Header.Get("ETag")

	expect(t, m.do(t, "PATCH", target, `{"Description": "after"}`, map[string]string{"If-Match": `"stale"`}, nil), http.StatusPreconditionFailed)

	var preview map[string]any
	expect(t, m.do(t, "PATCH", target+"?dryRun=true", `{"Description": "after"}`, nil, &preview), http.StatusOK)
	want := map[string]any{"UserPoolId": pool, "GroupName": "editors", "Description": "after", "Precedence": 1.0}
	if !reflect.DeepEqual(preview, want) {
		t.Errorf("dry run preview %v, want %v", preview, want)
	}

	out, err := m.Direct.GetGroup(context.Background(), &cip.GetGroupInput{UserPoolId: &pool, GroupName: aws.String("editors")})
	if err != nil {
		t.Fatal(err)
	}
	if d := aws.ToString(out.Group.Description); d != "before" {
		t.Errorf("Description %q: a refused or dry-run PATCH changed the group", d)
	}
	if again := m.do(t, "GET", target, "", nil, nil).Header.Get("ETag"); again != etag {
		t.Errorf("ETag moved from %s to %s", etag, again)
	}

	// The current ETag lets the change through.
	expect(t, m.do(t, "PATCH", target, `{"Description": "after"}`, map[string]string{"If-Match": etag}, nil), http.StatusOK)
}

// TestGroupNameWithASlashIsOnePathSegment: Cognito allows punctuation such as
// '/' in group names, so Location must escape it and the route must take it
// back as one segment.
func TestGroupNameWithASlashIsOnePathSegment(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "groups")
	resp := m.do(t, "POST", "/pools/"+pool+"/groups", `{"GroupName": "team/ops"}`, nil, nil)
	expect(t, resp, http.StatusCreated)
	loc := resp.Header.Get("Location")
	if loc != "/pools/"+pool+"/groups/team%2Fops" {
		t.Fatalf("Location %q", loc)
	}
	var got map[string]any
	expect(t, m.do(t, "GET", loc, "", nil, &got), http.StatusOK)
	if got["GroupName"] != "team/ops" {
		t.Errorf("GET %s: %v", loc, got)
	}
}

func TestListUsersInGroupPagesThroughMembersAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "members")
	ctx := context.Background()
	if _, err := m.Direct.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("staff")}); err != nil {
		t.Fatal(err)
	}
	for _, username := range []string{"ada", "grace", "outsider"} {
		if _, err := m.Direct.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String(username)}); err != nil {
			t.Fatal(err)
		}
		if username == "outsider" {
			continue
		}
		if _, err := m.Direct.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: &pool, GroupName: aws.String("staff"), Username: aws.String(username)}); err != nil {
			t.Fatal(err)
		}
	}
	names, pages := collectPages(t, m, "/pools/"+pool+"/groups/staff/users?Limit=1", "Users", "Username")
	if strings.Join(names, ",") != "ada,grace" || pages != 2 {
		t.Errorf("members %v in %d pages, want ada and grace in 2", names, pages)
	}
	expect(t, m.do(t, "GET", "/pools/"+pool+"/groups/nobody/users", "", nil, nil), http.StatusNotFound)
}

// describedGroup is GetGroup's answer as the API reference shows it.
func describedGroup() map[string]any {
	return map[string]any{"Group": map[string]any{
		"GroupName": "editors", "UserPoolId": poolID, "Description": "Publish articles",
		"Precedence": 10, "RoleArn": editorsRoleARN, "CreationDate": 1.7e9, "LastModifiedDate": 1.7e9,
	}}
}

// TestPatchGroupSendsUnmentionedMembersAgain: UpdateGroup resets what it is
// not given, so the PATCH must send the described members it does not change.
// (moto keeps them anyway, so only a stand-in can pin this.)
func TestPatchGroupSendsUnmentionedMembersAgain(t *testing.T) {
	cases := []struct {
		name, patch string
		want        map[string]any
	}{
		{"one member changes", `{"Precedence": 3}`, map[string]any{
			"UserPoolId": poolID, "GroupName": "editors", "Description": "Publish articles", "Precedence": 3.0, "RoleArn": editorsRoleARN}},
		{"null removes a member", `{"RoleArn": null}`, map[string]any{
			"UserPoolId": poolID, "GroupName": "editors", "Description": "Publish articles", "Precedence": 10.0}},
		// moto keeps a member it is not sent, so there this changes nothing.
		{"null removes several", `{"Description": null, "Precedence": null}`, map[string]any{
			"UserPoolId": poolID, "GroupName": "editors", "RoleArn": editorsRoleARN}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("GetGroup", cognitotest.Reply(describedGroup()))
			stub.Handle("UpdateGroup", cognitotest.Reply(describedGroup()))
			rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/groups/editors", tc.patch,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if in := onlyInput(t, stub, "UpdateGroup"); !reflect.DeepEqual(in, tc.want) {
				t.Errorf("UpdateGroup input %v, want %v", in, tc.want)
			}
			if got := callNames(stub); got != "GetGroup,UpdateGroup,GetGroup" {
				t.Errorf("calls %s", got)
			}
		})
	}
}

func TestPatchGroupRefusesAnInvalidPatchBeforeCognito(t *testing.T) {
	stub := cognitotest.New(t)
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/groups/editors", `{"Precedence": -1, "GroupName": "renamed"}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"/Precedence"`) || !strings.Contains(rec.Body.String(), "GroupName") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if calls := stub.Calls(); len(calls) != 0 {
		t.Errorf("Cognito was called: %v", calls)
	}
}
