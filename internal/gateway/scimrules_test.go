package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/scim"
)

// scimError decodes a SCIM error answer and fails unless it is one: RFC
// 7644's schema, status as a string, in application/scim+json.
func scimError(t *testing.T, rec *httptest.ResponseRecorder, status int, scimType string) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != scim.ContentType {
		t.Errorf("Content-Type %q, want %q", ct, scim.ContentType)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	schemas, _ := body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("schemas %v", body["schemas"])
	}
	if body["status"] != itoa(status) {
		t.Errorf("status member %#v, want the string %q", body["status"], itoa(status))
	}
	if got, _ := body["scimType"].(string); got != scimType {
		t.Errorf("scimType %q, want %q", got, scimType)
	}
	return body
}

func itoa(n int) string {
	raw, _ := json.Marshal(n)
	return string(raw)
}

func serveSCIMRequest(g http.Handler, method, target, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", scim.ContentType)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

const poolA, poolB = "us-east-1_PoolA", "us-east-1_PoolB"

// TestSCIMTokenIsCheckedBeforeCognito: a missing or wrong token, and a
// token of another pool, are a 401 in SCIM's schema, and the stand-in
// Cognito records no call; the pool's own token reaches it.
func TestSCIMTokenIsCheckedBeforeCognito(t *testing.T) {
	tokens := poolTokens{poolA: "token-a", poolB: "token-b"}
	cases := []struct {
		name, token string
		tokens      SCIMTokens
	}{
		{"no Authorization", "", tokens},
		{"a wrong token", "token-x", tokens},
		{"pool B's token on pool A", "token-b", tokens},
		{"no token store", "token-a", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			standin := cognitotest.New(t)
			g, err := New(standin.Client(), loadSpec(t), Options{SCIMTokens: tc.tokens})
			if err != nil {
				t.Fatal(err)
			}
			rec := serveSCIMRequest(g, http.MethodGet, "/pools/"+poolA+"/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ada"`), tc.token, "")
			scimError(t, rec, http.StatusUnauthorized, "")
			if calls := standin.Calls(); len(calls) != 0 {
				t.Errorf("Cognito was called: %v", calls[0].Action)
			}
		})
	}
	t.Run("the pool's own token", func(t *testing.T) {
		standin := cognitotest.New(t)
		standin.Handle("DescribeUserPool", cognitotest.Reply(map[string]any{"UserPool": map[string]any{"Id": poolA}}))
		standin.Handle("ListUsers", cognitotest.Reply(map[string]any{"Users": []any{}}))
		g, err := New(standin.Client(), loadSpec(t), Options{SCIMTokens: tokens})
		if err != nil {
			t.Fatal(err)
		}
		rec := serveSCIMRequest(g, http.MethodGet, "/pools/"+poolA+"/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ada"`), "token-a", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%d: %s", rec.Code, rec.Body)
		}
		var actions []string
		for _, c := range standin.Calls() {
			actions = append(actions, c.Action)
			if c.Action == "ListUsers" && c.Input["Filter"] != `username = "ada"` {
				t.Errorf("ListUsers Filter %v, want Cognito's own search for the userName", c.Input["Filter"])
			}
		}
		if strings.Join(actions, ",") != "DescribeUserPool,ListUsers" {
			t.Errorf("calls %v", actions)
		}
	})
}

// refuseAll is a Limiter with no room before any deadline.
type refuseAll struct{}

func (refuseAll) Wait(context.Context, quota.Category, string, string) error {
	return &quota.ThrottledError{RetryAfter: 3e9}
}

// TestSCIMRoutesAnswerTheGatewaysOwnErrorsInSCIMSchema: the stages before
// package scim (allow-list, routing, validation, pacing) and a failing
// Cognito answer in SCIM's error schema on SCIM routes, never in
// problem+json, and a 5xx carries no cause.
func TestSCIMRoutesAnswerTheGatewaysOwnErrorsInSCIMSchema(t *testing.T) {
	tokens := poolTokens{poolA: "token-a", poolB: "token-b"}
	users := "/pools/" + poolA + "/scim/v2/Users"
	cases := []struct {
		name           string
		opts           Options
		method, target string
		body           string
		status         int
		scimType       string
	}{
		{name: "a pool outside the allow-list", opts: Options{AllowedPools: []string{poolB}},
			method: http.MethodGet, target: users, status: http.StatusForbidden},
		{name: "no such SCIM resource", method: http.MethodGet, target: "/pools/" + poolA + "/scim/v2/Devices",
			status: http.StatusNotFound},
		{name: "a method the resource lacks", method: http.MethodPost, target: "/pools/" + poolA + "/scim/v2/ServiceProviderConfig",
			body: "{}", status: http.StatusMethodNotAllowed},
		{name: "an unknown query parameter", method: http.MethodGet, target: users + "?sortBy=userName",
			status: http.StatusBadRequest, scimType: "invalidValue"},
		{name: "a body that is not JSON", method: http.MethodPost, target: users, body: "{",
			status: http.StatusBadRequest, scimType: "invalidSyntax"},
		{name: "the gateway's own pacing", opts: Options{Limiter: refuseAll{}}, method: http.MethodGet, target: users,
			status: http.StatusTooManyRequests},
		{name: "Cognito failing", method: http.MethodGet, target: users, status: http.StatusBadGateway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			standin := cognitotest.New(t)
			standin.HandleOthers(cognitotest.Fail(http.StatusInternalServerError, "InternalErrorException", "secret internals"))
			tc.opts.SCIMTokens = tokens
			g, err := New(standin.Client(), loadSpec(t), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			rec := serveSCIMRequest(g, tc.method, tc.target, "token-a", tc.body)
			body := scimError(t, rec, tc.status, tc.scimType)
			if detail, _ := body["detail"].(string); strings.Contains(detail, "secret internals") {
				t.Errorf("detail %q carries Cognito's message", detail)
			}
			if tc.status == http.StatusTooManyRequests && rec.Header().Get("Retry-After") != "3" {
				t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
		})
	}
}

// TestSCIMDiscoveryDeclaresWhatIsSupported: ServiceProviderConfig says
// what the handlers do (ETags and If-Match, PATCH, filters; no bulk, sort
// or password change), which the library's own would not (etag false);
// the schemas include the enterprise extension.
func TestSCIMDiscoveryDeclaresWhatIsSupported(t *testing.T) {
	standin := cognitotest.New(t)
	g, err := New(standin.Client(), loadSpec(t), Options{SCIMTokens: poolTokens{poolA: "token-a"}})
	if err != nil {
		t.Fatal(err)
	}
	base := "/pools/" + poolA + "/scim/v2"
	rec := serveSCIMRequest(g, http.MethodGet, base+"/ServiceProviderConfig", "token-a", "")
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %v: %s", rec.Code, err, rec.Body)
	}
	supported := map[string]bool{}
	for _, feature := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
		m, _ := raw[feature].(map[string]any)
		supported[feature], _ = m["supported"].(bool)
	}
	want := map[string]bool{"patch": true, "bulk": false, "filter": true, "changePassword": false, "sort": false, "etag": true}
	for feature, w := range want {
		if supported[feature] != w {
			t.Errorf("%s supported %v, want %v", feature, supported[feature], w)
		}
	}
	rec = serveSCIMRequest(g, http.MethodGet, base+"/Schemas", "token-a", "")
	if !strings.Contains(rec.Body.String(), scim.EnterpriseURN) {
		t.Errorf("Schemas lacks the enterprise extension: %s", rec.Body)
	}
	rec = serveSCIMRequest(g, http.MethodGet, base+"/ResourceTypes/Group", "token-a", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"endpoint":"/Groups"`) {
		t.Errorf("ResourceTypes/Group: %d %s", rec.Code, rec.Body)
	}
	if calls := standin.Calls(); len(calls) != 0 {
		t.Errorf("discovery called Cognito: %v", calls[0].Action)
	}
}

// createSCIMUser creates a user through SCIM and returns its id.
func (p *scimPool) createSCIMUser(t *testing.T, body string) string {
	t.Helper()
	resp, out := p.scim(t, http.MethodPost, "/Users", body, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", resp.StatusCode, out)
	}
	id, _ := out["id"].(string)
	return id
}

// TestSCIMFiltersAgainstMoto: the filters identity providers send, those
// Cognito's Filter answers and those answered by listing, are exact; a
// filter on an attribute the pool does not keep is a 400 invalidFilter.
func TestSCIMFiltersAgainstMoto(t *testing.T) {
	p := startSCIMPool(t, nil, Options{})
	expect(t, p.do(t, http.MethodPost, "/pools/"+p.pool+"/scim/setup", "", nil, nil), http.StatusOK)
	ada := p.createSCIMUser(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","externalId":"e-ada",
		"emails":[{"value":"ada@example.com","type":"work","primary":true}],"name":{"givenName":"Ada"}}`)
	bob := p.createSCIMUser(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob","externalId":"e-bob",
		"emails":[{"value":"bob@example.com","type":"work","primary":true}],"active":false}`)
	resp, _ := p.scim(t, http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"admins","members":[{"value":"`+ada+`"}]}`, nil)
	expect(t, resp, http.StatusCreated)
	resp, _ = p.scim(t, http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"staff"}`, nil)
	expect(t, resp, http.StatusCreated)
	cases := []struct {
		resource, filter string
		want             []string // ids
		scimType         string
	}{
		{"Users", `userName eq "ada"`, []string{ada}, ""},
		{"Users", `userName eq "nobody"`, nil, ""},
		{"Users", `externalId eq "e-bob"`, []string{bob}, ""},
		{"Users", `id eq "` + ada + `"`, []string{ada}, ""},
		{"Users", `emails[type eq "work"].value eq "bob@example.com"`, []string{bob}, ""},
		{"Users", `emails[type eq "home"].value eq "bob@example.com"`, nil, ""},
		{"Users", `emails[type eq "work" and value eq "ada@example.com"]`, []string{ada}, ""},
		{"Users", `active eq false`, []string{bob}, ""},
		{"Users", `emails.value eq "ada@example.com"`, []string{ada}, ""},
		{"Users", `userName sw "a" or externalId eq "e-bob"`, []string{ada, bob}, ""},
		{"Users", `title eq "Engineer"`, nil, "invalidFilter"},
		{"Users", `userName eq`, nil, "invalidFilter"},
		{"Groups", `displayName eq "admins"`, []string{"admins"}, ""},
		{"Groups", `members.value eq "` + ada + `"`, []string{"admins"}, ""},
		{"Groups", `externalId eq "x"`, nil, "invalidFilter"},
	}
	for _, tc := range cases {
		t.Run(tc.resource+" "+tc.filter, func(t *testing.T) {
			resp, out := p.scim(t, http.MethodGet, "/"+tc.resource+"?filter="+url.QueryEscape(tc.filter), "", nil)
			if tc.scimType != "" {
				if resp.StatusCode != http.StatusBadRequest || out["scimType"] != tc.scimType {
					t.Fatalf("%d %v, want 400 %s", resp.StatusCode, out, tc.scimType)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %v", resp.StatusCode, out)
			}
			var got []string
			resources, _ := out["Resources"].([]any)
			for _, r := range resources {
				got = append(got, r.(map[string]any)["id"].(string))
			}
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") || out["totalResults"] != float64(len(want)) {
				t.Errorf("got %v (totalResults %v), want %v", got, out["totalResults"], want)
			}
		})
	}
	t.Run("startIndex and count page over every user", func(t *testing.T) {
		seen := map[string]bool{}
		for start := 1; start <= 2; start++ {
			_, out := p.scim(t, http.MethodGet, "/Users?count=1&startIndex="+itoa(start), "", nil)
			resources, _ := out["Resources"].([]any)
			if out["totalResults"] != float64(2) || len(resources) != 1 || out["startIndex"] != float64(start) {
				t.Fatalf("page %d: %v", start, out)
			}
			seen[resources[0].(map[string]any)["id"].(string)] = true
		}
		if !seen[ada] || !seen[bob] {
			t.Errorf("pages showed %v", seen)
		}
	})
}

// TestSCIMIfMatchAgainstMoto: meta.version is the ETag; a PATCH or DELETE
// with another version is a 412 and changes nothing, with the current
// one it goes through.
func TestSCIMIfMatchAgainstMoto(t *testing.T) {
	p := startSCIMPool(t, nil, Options{})
	id := p.createSCIMUser(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","name":{"givenName":"Ada"}}`)
	resp, user := p.scim(t, http.MethodGet, "/Users/"+id, "", nil)
	meta, _ := user["meta"].(map[string]any)
	version, _ := meta["version"].(string)
	if version == "" || resp.Header.Get("ETag") != version {
		t.Fatalf("ETag %q, meta.version %q", resp.Header.Get("ETag"), version)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name.givenName","value":"Augusta"}]}`
	resp, out := p.scim(t, http.MethodPatch, "/Users/"+id, patch, map[string]string{"If-Match": `W/"0000"`})
	if resp.StatusCode != http.StatusPreconditionFailed || out["status"] != "412" {
		t.Fatalf("stale If-Match: %d %v", resp.StatusCode, out)
	}
	resp, out = p.scim(t, http.MethodDelete, "/Users/"+id, "", map[string]string{"If-Match": `W/"0000"`})
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match on DELETE: %d %v", resp.StatusCode, out)
	}
	got, err := p.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &p.pool, Username: aws.String("ada")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got.UserAttributes {
		if *a.Name == "given_name" && *a.Value != "Ada" {
			t.Fatalf("a refused PATCH changed given_name to %q", *a.Value)
		}
	}
	resp, out = p.scim(t, http.MethodPatch, "/Users/"+id, patch, map[string]string{"If-Match": version})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("current If-Match: %d %v", resp.StatusCode, out)
	}
	if newMeta, _ := out["meta"].(map[string]any); newMeta["version"] == version {
		t.Errorf("the version did not change with the user")
	}
}

// TestSCIMPoolSettingsAgainstMoto: a pool set to disable on DELETE keeps
// the user, disabled, and one set not to verify emails leaves
// email_verified unset; another pool keeps the defaults.
func TestSCIMPoolSettingsAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	ctx := context.Background()
	pools := map[string]string{}
	for _, name := range []string{"custom", "default"} {
		out, err := m.Direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		pools[name] = *out.UserPool.Id
	}
	settings := map[string]scim.Settings{pools["custom"]: {OnDelete: "disable", VerifyEmail: new(false)}}
	g := m.with(t, Options{SCIMSettings: settings, SCIMTokens: poolTokens{pools["custom"]: "c", pools["default"]: "d"}})
	for name, token := range map[string]string{"custom": "c", "default": "d"} {
		p := &scimPool{motoGateway: g, pool: pools[name], token: token}
		id := p.createSCIMUser(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","emails":[{"value":"ada@example.com","primary":true}]}`)
		user, err := m.Direct.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pools[name]), Username: aws.String("ada")})
		if err != nil {
			t.Fatal(err)
		}
		verified := ""
		for _, a := range user.UserAttributes {
			if *a.Name == "email_verified" {
				verified = *a.Value
			}
		}
		resp, _ := p.scim(t, http.MethodDelete, "/Users/"+id, "", nil)
		expect(t, resp, http.StatusNoContent)
		after, err := m.Direct.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pools[name]), Username: aws.String("ada")})
		var missing *types.UserNotFoundException
		switch name {
		case "custom":
			if verified != "" {
				t.Errorf("custom: email_verified %q, want unset", verified)
			}
			if err != nil || after.Enabled {
				t.Errorf("custom: after DELETE, %v, enabled %v; want kept, disabled", err, after != nil && after.Enabled)
			}
		case "default":
			if verified != "true" {
				t.Errorf("default: email_verified %q, want true", verified)
			}
			if !errors.As(err, &missing) {
				t.Errorf("default: after DELETE the user is still there (%v)", err)
			}
		}
	}
}

// TestSCIMSetupIsIdempotentAgainstMoto: the setup call adds the mapping's
// custom attributes once; a second call adds none and succeeds.
func TestSCIMSetupIsIdempotentAgainstMoto(t *testing.T) {
	p := startSCIMPool(t, nil, Options{})
	var first, second struct{ Added, Attributes []string }
	expect(t, p.do(t, http.MethodPost, "/pools/"+p.pool+"/scim/setup", "", nil, &first), http.StatusOK)
	expect(t, p.do(t, http.MethodPost, "/pools/"+p.pool+"/scim/setup", "", nil, &second), http.StatusOK)
	want := scim.CustomAttributes()
	if strings.Join(first.Added, ",") != strings.Join(want, ",") || len(second.Added) != 0 ||
		strings.Join(second.Attributes, ",") != strings.Join(want, ",") {
		t.Errorf("first %+v, second %+v", first, second)
	}
	pool, err := p.Direct.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: &p.pool})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, a := range pool.UserPool.SchemaAttributes {
		have[*a.Name] = true
	}
	for _, name := range want {
		if !have["custom:"+name] {
			t.Errorf("the pool lacks custom:%s", name)
		}
	}
}

// TestSCIMUserNameIsTheEmailWhereUsersSignInByEmail: in a pool whose
// username attribute is email, userName is the email, found by Cognito's
// email search, and Cognito's own username (a generated id) is not shown.
func TestSCIMUserNameIsTheEmailWhereUsersSignInByEmail(t *testing.T) {
	p := startSCIMPool(t, &cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}}, Options{})
	id := p.createSCIMUser(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}`)
	resp, out := p.scim(t, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "ada@example.com"`), "", nil)
	resources, _ := out["Resources"].([]any)
	if resp.StatusCode != http.StatusOK || len(resources) != 1 {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	user := resources[0].(map[string]any)
	if user["id"] != id || user["userName"] != "ada@example.com" {
		t.Errorf("found %v", user)
	}
}

// TestSCIMGroupReadWithoutMembersSparesCognito: Entra ID reads a group
// with excludedAttributes=members; its members are then neither read
// (no ListUsersInGroup) nor returned.
func TestSCIMGroupReadWithoutMembersSparesCognito(t *testing.T) {
	standin := cognitotest.New(t)
	standin.Handle("GetGroup", cognitotest.Reply(map[string]any{"Group": map[string]any{"GroupName": "editors", "UserPoolId": poolA}}))
	standin.Handle("DescribeUserPool", cognitotest.Reply(map[string]any{"UserPool": map[string]any{"Id": poolA}}))
	standin.Handle("ListUsersInGroup", cognitotest.Reply(map[string]any{"Users": []any{map[string]any{"Username": "ada",
		"Attributes": []any{map[string]any{"Name": "sub", "Value": "9f3c1a2e"}}}}}))
	g, err := New(standin.Client(), loadSpec(t), Options{SCIMTokens: poolTokens{poolA: "token-a"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query       string
		withMembers bool
	}{{"?excludedAttributes=members", false}, {"", true}} {
		before := len(standin.Calls())
		rec := serveSCIMRequest(g, http.MethodGet, "/pools/"+poolA+"/scim/v2/Groups/editors"+tc.query, "token-a", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.query, rec.Code, rec.Body)
		}
		read := false
		for _, c := range standin.Calls()[before:] {
			read = read || c.Action == "ListUsersInGroup"
		}
		if read != tc.withMembers || strings.Contains(rec.Body.String(), `"members"`) != tc.withMembers {
			t.Errorf("%q: members read %v, in the answer %v; want %v", tc.query, read,
				strings.Contains(rec.Body.String(), `"members"`), tc.withMembers)
		}
	}
}

// TestSCIMCreateIsAuditedWithWhatItMade: the audit line of a SCIM create
// names the user it made by its id, as every create's names what it made;
// no line carries the SCIM token.
func TestSCIMCreateIsAuditedWithWhatItMade(t *testing.T) {
	m := startMotoGateway(t)
	out, err := m.Direct.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("scim")})
	if err != nil {
		t.Fatal(err)
	}
	pool := *out.UserPool.Id
	var logs bytes.Buffer
	g, err := New(cip.NewFromConfig(mototest.Config(t, m.endpoint)), loadSpec(t), Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), SCIMTokens: poolTokens{pool: "token-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := serveSCIMRequest(g, http.MethodPost, "/pools/"+pool+"/scim/v2/Users", "token-secret",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada"}`)
	var user map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &user); err != nil || rec.Code != http.StatusCreated {
		t.Fatalf("%d %v: %s", rec.Code, err, rec.Body)
	}
	records := logRecords(t, &logs, "audit")
	if len(records) != 1 || records[0]["operation"] != "createSCIMUser" || records[0]["userId"] != user["id"] || records[0]["poolId"] != pool {
		t.Errorf("audit %v, want createSCIMUser of %v", records, user["id"])
	}
	if strings.Contains(logs.String(), "token-secret") {
		t.Error("a log line carries the SCIM token")
	}
}
