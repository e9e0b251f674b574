package gateway

import (
	"encoding/json"
	"flag"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

var update = flag.Bool("update", false, "rewrite the goldens in testdata/")

// htmlPool is a described pool whose strings hold what JSON encoders
// write differently: <, > and & (escaped in an ETag's encoding, not in an
// answer's), non-ASCII letters, and U+2028, which both escape.
func htmlPool() map[string]any {
	described := describedPool()
	pool := described["UserPool"].(map[string]any)
	pool["UserPoolTags"] = map[string]any{"team": "<R&D> Zürich", "città": "東京 \u2028 ok"}
	pool["EmailVerificationSubject"] = "Vérifiez <votre> adresse & merci"
	pool["VerificationMessageTemplate"] = map[string]any{
		"EmailMessage": "<p>Votre code : {####} &amp; ça</p>", "EmailSubject": "Code <Ünïcode>",
		"DefaultEmailOption": "CONFIRM_WITH_CODE"}
	delete(pool, "EmailVerificationMessage")
	return described
}

// TestETagOfEveryResource: every resource whose GET declares an ETag gets
// the same one from its GET, from the If-Match check of its PUT and PATCH
// (accepted, and named by a 412) and from the answer to its PATCH. The
// values are goldens, because clients hold them: a change of how an ETag
// is computed must show here.
func TestETagOfEveryResource(t *testing.T) {
	client := "/pools/" + poolID + "/clients/" + clientID
	cases := []struct {
		name, target     string
		describe, update string
		described        map[string]any
		put              string // a PUT body, if the resource has a PUT
		// located are the answers of the actions that find a resource
		// the path does not name, by action.
		located map[string]map[string]any
	}{
		{"pool", "/pools/" + poolID, "DescribeUserPool", "UpdateUserPool", describedPool(), `{"MfaConfiguration": "OFF"}`, nil},
		{"pool with HTML and non-ASCII strings", "/pools/" + poolID, "DescribeUserPool", "UpdateUserPool", htmlPool(), `{"MfaConfiguration": "OFF"}`, nil},
		{"group", "/pools/" + poolID + "/groups/editors", "GetGroup", "UpdateGroup", describedGroup(), "", nil},
		{"client", client, "DescribeUserPoolClient", "UpdateUserPoolClient", describedClient(), `{"ClientName": "web-app"}`, nil},
		{"mfa", "/pools/" + poolID + "/mfa", "GetUserPoolMfaConfig", "SetUserPoolMfaConfig", describedMfa(), `{"MfaConfiguration": "OFF"}`, nil},
		{"identity provider", "/pools/" + poolID + "/identity-providers/corp-oidc", "DescribeIdentityProvider", "UpdateIdentityProvider", describedOIDCProvider(), `{"AttributeMapping": {"email": "email"}}`, nil},
		{"resource server", resourceServerPath, "DescribeResourceServer", "UpdateResourceServer", describedResourceServer(), `{"Name": "Orders API"}`, nil},
		{"custom domain", "/pools/" + poolID + "/custom-domain", "DescribeUserPoolDomain", "UpdateUserPoolDomain", describedCustomDomain(),
			`{"Domain": "` + customDomain + `", "CustomDomainConfig": {"CertificateArn": "` + certificateARN + `"}}`,
			map[string]map[string]any{"DescribeUserPool": poolNaming(customDomain)}},
		{"prefix domain", "/pools/" + poolID + "/domain", "DescribeUserPoolDomain", "UpdateUserPoolDomain", describedPrefixDomain(),
			`{"Domain": "example-corp", "ManagedLoginVersion": 2}`, map[string]map[string]any{"DescribeUserPool": poolNaming("")}},
	}
	got := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(tc.describe, cognitotest.Reply(tc.described))
			stub.Handle(tc.update, cognitotest.Reply(map[string]any{}))
			for action, answer := range tc.located {
				stub.Handle(action, cognitotest.Reply(answer))
			}
			rec := serveStandIn(t, stub, "GET", tc.target, "", nil)
			etag := rec.Header().Get("ETag")
			if rec.Code != http.StatusOK || etag == "" {
				t.Fatalf("GET: %d, ETag %q: %s", rec.Code, etag, rec.Body)
			}
			got[tc.name] = etag
			merge := map[string]string{"Content-Type": "application/merge-patch+json"}
			writes := []struct{ method, body string }{{"PATCH", `{}`}}
			if tc.put != "" {
				writes = append(writes, struct{ method, body string }{"PUT", tc.put})
			}
			for _, w := range writes {
				header := map[string]string{"If-Match": etag}
				if w.method == "PATCH" {
					maps.Copy(header, merge)
				}
				rec := serveStandIn(t, stub, w.method, tc.target, w.body, header)
				if rec.Code != http.StatusOK {
					t.Errorf("%s with the GET's ETag: %d %s", w.method, rec.Code, rec.Body)
				}
				if answered := rec.Header().Get("ETag"); answered != etag {
					t.Errorf("%s answers with ETag %s, want the GET's %s", w.method, answered, etag)
				}
				header["If-Match"] = `"stale"`
				rec = serveStandIn(t, stub, w.method, tc.target, w.body, header)
				if rec.Code != http.StatusPreconditionFailed || rec.Header().Get("ETag") != etag {
					t.Errorf("%s with a stale ETag: %d, ETag %s, want 412 and the GET's %s", w.method, rec.Code, rec.Header().Get("ETag"), etag)
				}
			}
		})
	}
	if len(got) != len(cases) {
		return // a GET failed, reported above
	}
	checkGolden(t, "etags.json", got)
}

// checkGolden compares got, as indented JSON, with testdata/name, or
// rewrites the file under -update.
func checkGolden(t *testing.T, name string, got any) {
	t.Helper()
	encoded, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	encoded = append(encoded, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, encoded, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != string(encoded) {
		t.Errorf("%s changed:\n%s\nwant:\n%s", path, encoded, want)
	}
}

// TestETagGoldensCoverEveryResourceWithAnETag: a new Cognito resource
// whose GET declares an ETag must join TestETagOfEveryResource.
func TestETagGoldensCoverEveryResourceWithAnETag(t *testing.T) {
	var ids []string
	for _, item := range loadSpec(t).Paths.Map() {
		for method, op := range item.Operations() {
			if method != http.MethodGet || op.Extensions[extAction] == nil {
				continue // /docs's files have ETags of their own
			}
			if r := op.Responses.Status(200); r != nil && r.Value != nil && r.Value.Headers["ETag"] != nil {
				ids = append(ids, op.OperationID)
			}
		}
	}
	slices.Sort(ids)
	if want := []string{"getClient", "getCustomDomain", "getDomain", "getGroup", "getIdentityProvider", "getMfa", "getPool", "getResourceServer"}; !slices.Equal(ids, want) {
		t.Errorf("GETs with an ETag: %v, want %v: add the new ones to TestETagOfEveryResource", ids, want)
	}
}
