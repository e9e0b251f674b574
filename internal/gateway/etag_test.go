package gateway

import (
	"encoding/json"
	"flag"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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

// etagResource is a resource as TestETagOfEveryResource reads it.
type etagResource struct {
	name      string         // its key in testdata/etags.json
	described map[string]any // the answer of its GET's Cognito action
	put       string         // a PUT body, when its path has a PUT
	// also are the answers of the GET's other actions, by action, where
	// the first one only locates the resource (the pool's ARN for tags).
	also map[string]map[string]any
}

// etagResources are, by the operationId of each GET that declares an
// ETag, the resources TestETagOfEveryResource reads through it. All else
// it needs, the path, the actions, and whether there is a PUT, it reads
// from the spec.
func etagResources() map[string][]etagResource {
	return map[string][]etagResource{
		"getPool": {{"pool", describedPool(), `{"MfaConfiguration": "OFF"}`, nil},
			{"pool with HTML and non-ASCII strings", htmlPool(), `{"MfaConfiguration": "OFF"}`, nil}},
		"getGroup":                   {{"group", describedGroup(), "", nil}},
		"getClient":                  {{"client", describedClient(), `{"ClientName": "web-app"}`, nil}},
		"getMfa":                     {{"mfa", describedMfa(), `{"MfaConfiguration": "OFF"}`, nil}},
		"getIdentityProvider":        {{"identity provider", describedOIDCProvider(), `{"AttributeMapping": {"email": "email"}}`, nil}},
		"getResourceServer":          {{"resource server", describedResourceServer(), `{"Name": "Orders API"}`, nil}},
		"getLogDelivery":             {{"log delivery", describedLogDelivery(), `{"LogConfigurations": []}`, nil}},
		"getRiskConfiguration":       {{"risk configuration", describedRisk(""), `{}`, nil}},
		"getClientRiskConfiguration": {{"client risk configuration", describedRisk(clientID), `{}`, nil}},
		"getTerms":                   {{"terms", describedTerms(), `{"TermsName": "terms-of-use", "TermsSource": "LINK", "Enforcement": "NONE", "Links": {"cognito:default": "https://example.com/terms"}}`, nil}},
		"getCustomDomain": {{"custom domain", poolNaming(customDomain),
			`{"Domain": "` + customDomain + `", "CustomDomainConfig": {"CertificateArn": "` + certificateARN + `"}}`,
			map[string]map[string]any{"DescribeUserPoolDomain": describedCustomDomain()}}},
		"getDomain": {{"prefix domain", poolNaming(""), `{"Domain": "example-corp", "ManagedLoginVersion": 2}`,
			map[string]map[string]any{"DescribeUserPoolDomain": describedPrefixDomain()}}},
		"getBranding": {{"branding", describedBranding(), `{"Settings": {"categories": {}}}`, nil}},
		"getTags": {{"tags", describedPool(), `{"Tags": {"team": "identity"}}`,
			map[string]map[string]any{"ListTagsForResource": {"Tags": map[string]any{"team": "identity"}}}}},
	}
}

// etagOfNoResource are the GETs with an ETag whose PUT answers something
// else than the resource, and which have no PATCH, each with why and
// where its ETag is tested instead.
var etagOfNoResource = map[string]string{
	"getConfiguration": "its PUT answers what an apply did, not the document; " +
		"TestConfigurationApplyHonoursIfMatchAndDryRunAndTwiceChangesNothing and " +
		"TestConfigurationExportsJSONAndYAMLWithOneStrongETagAndNoSecret hold its ETag",
}

// TestETagOfEveryResource: every resource whose GET declares an ETag gets
// the same one from its GET, from the If-Match check of its PUT and PATCH
// (accepted, and named by a 412) and from the answer to its PATCH. The
// values are goldens, because clients hold them: a change of how an ETag
// is computed must show here. The resources are the spec's: a new GET
// with an ETag fails here until etagResources has its described answer.
func TestETagOfEveryResource(t *testing.T) {
	type etagCase struct {
		etagResource
		target, describe string
		others           []string // the actions of the path's PUT and PATCH
	}
	var cases []etagCase
	resources := etagResources()
	for path, item := range loadSpec(t).Paths.Map() {
		get := item.Get
		if get == nil || get.Extensions[extAction] == nil {
			continue // /docs's files have ETags of their own
		}
		if get.Extensions[extSCIM] != nil {
			continue // SCIM's meta.version: TestSCIMIfMatchAgainstMoto
		}
		if r := get.Responses.Status(200); r == nil || r.Value == nil || r.Value.Headers["ETag"] == nil {
			continue
		}
		if reason, ok := etagOfNoResource[get.OperationID]; ok {
			t.Logf("%s: %s", get.OperationID, reason)
			continue
		}
		described, ok := resources[get.OperationID]
		delete(resources, get.OperationID)
		if !ok {
			t.Errorf("GET %s (%s) declares an ETag: add its resource to etagResources", path, get.OperationID)
			continue
		}
		describe, _ := stringList(extAction, get.Extensions[extAction])
		var others []string
		for _, op := range []*openapi3.Operation{item.Put, item.Patch} {
			if op != nil {
				names, _ := stringList(extAction, op.Extensions[extAction])
				for _, name := range names {
					if name != describe[0] {
						others = append(others, name)
					}
				}
			}
		}
		for _, r := range described {
			if (item.Put != nil) != (r.put != "") {
				t.Errorf("%s: a PUT body %q, but the path has a PUT: %v", r.name, r.put, item.Put != nil)
			}
			cases = append(cases, etagCase{r, exampleTarget(t, path), describe[0], others})
		}
	}
	for id := range resources {
		t.Errorf("etagResources has %s, which is no GET with an ETag", id)
	}
	slices.SortFunc(cases, func(a, b etagCase) int { return strings.Compare(a.name, b.name) })
	got := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			for _, action := range tc.others {
				stub.Handle(action, cognitotest.Reply(map[string]any{}))
			}
			stub.Handle(tc.describe, cognitotest.Reply(tc.described))
			for action, answer := range tc.also {
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
