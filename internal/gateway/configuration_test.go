package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"go.yaml.in/yaml/v3"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// A pool's configuration document, against moto: export, plan, apply and
// clone through the gateway, and each checked with moto directly.

// startConfigurationGateway is a gateway in front of moto, behind the
// stand-in that keeps the pool settings moto lacks (threat protection,
// log delivery) and forwards every other action to moto; Direct is moto.
func startConfigurationGateway(t *testing.T) *motoGateway {
	t.Helper()
	endpoint := mototest.Start(t)
	stub := cognitotest.New(t)
	stub.Forward(endpoint)
	stub.KeepPoolSettings()
	return serveMoto(t, stub.URL, cip.NewFromConfig(mototest.Config(t, endpoint)), Options{})
}

// direct calls one action on moto, behind the gateway's back.
func (m *motoGateway) direct(t *testing.T, action, input string) map[string]any {
	t.Helper()
	out, err := cognito.Actions()[action].Call(context.Background(), m.Direct, []byte(input))
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	doc, _ := cognito.Document(out).(map[string]any)
	return doc
}

const (
	configOIDCSecret = "oidc-s3cret-value"
)

// configuredPool makes a pool with a domain, an OIDC provider with a
// secret, a resource server, two groups and two app clients, one with a
// secret, and answers its id and the secret client's secret.
func configuredPool(t *testing.T, m *motoGateway, domain string) (poolID, clientSecret string) {
	t.Helper()
	out := m.direct(t, "CreateUserPool", `{"PoolName": "staging", "UserPoolTags": {"team": "identity"},
		"LambdaConfig": {"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre"},
		"Policies": {"PasswordPolicy": {"MinimumLength": 12}}}`)
	poolID = out["UserPool"].(map[string]any)["Id"].(string)
	pool := `"UserPoolId": "` + poolID + `", `
	m.direct(t, "CreateUserPoolDomain", `{`+pool+`"Domain": "`+domain+`"}`)
	m.direct(t, "CreateIdentityProvider", `{`+pool+`"ProviderName": "corp", "ProviderType": "OIDC",
		"ProviderDetails": {"client_id": "gw", "client_secret": "`+configOIDCSecret+`", "authorize_scopes": "openid",
		"oidc_issuer": "https://oidc.example.com", "attributes_request_method": "GET"}}`)
	m.direct(t, "CreateResourceServer", `{`+pool+`"Identifier": "https://api.example.com", "Name": "API",
		"Scopes": [{"ScopeName": "read", "ScopeDescription": "Read"}]}`)
	m.direct(t, "CreateGroup", `{`+pool+`"GroupName": "admins", "Precedence": 1}`)
	m.direct(t, "CreateGroup", `{`+pool+`"GroupName": "readers", "Description": "read only"}`)
	m.direct(t, "CreateUserPoolClient", `{`+pool+`"ClientName": "web", "SupportedIdentityProviders": ["COGNITO", "corp"],
		"AllowedOAuthScopes": ["https://api.example.com/read"], "AllowedOAuthFlows": ["code"],
		"CallbackURLs": ["https://app.example.com/cb"], "AllowedOAuthFlowsUserPoolClient": true}`)
	client := m.direct(t, "CreateUserPoolClient", `{`+pool+`"ClientName": "back-office", "GenerateSecret": true}`)
	return poolID, client["UserPoolClient"].(map[string]any)["ClientSecret"].(string)
}

// configuration GETs the pool's document, and its ETag.
func (m *motoGateway) configuration(t *testing.T, poolID string) (map[string]any, string, []byte) {
	t.Helper()
	var doc map[string]any
	resp := m.do(t, "GET", "/pools/"+poolID+"/configuration", "", nil, &doc)
	expect(t, resp, http.StatusOK)
	raw, _ := io.ReadAll(resp.Body)
	return doc, resp.Header.Get("ETag"), raw
}

func encodeJSON(t *testing.T, v any) string {
	t.Helper()
	encoded, err := canonjson.Append(nil, v, false)
	if err != nil {
		t.Fatal(err)
	}
	return string(encoded)
}

type planAnswerBody struct {
	Changes []struct {
		Action, Target, Impossible string
		Input                      map[string]any
		Diff                       []map[string]any
	}
}

func (p planAnswerBody) targets() []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Action+" "+c.Target)
	}
	return out
}

func TestConfigurationExportsJSONAndYAMLWithOneStrongETagAndNoSecret(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, clientSecret := configuredPool(t, m, "export-example")
	doc, etag, raw := m.configuration(t, poolID)
	if !strings.HasPrefix(etag, `"`) {
		t.Errorf("ETag %q is not strong", etag)
	}
	for _, secret := range []string{configOIDCSecret, clientSecret} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the document holds a secret: %s", raw)
		}
	}
	clients := doc["Clients"].(map[string]any)
	if clients["back-office"].(map[string]any)["ClientSecret"] != "<kept secret>" {
		t.Errorf("back-office's secret is not the marker: %v", clients["back-office"])
	}
	details := doc["IdentityProviders"].(map[string]any)["corp"].(map[string]any)["ProviderDetails"].(map[string]any)
	if details["client_secret"] != "<kept secret>" {
		t.Errorf("corp's client_secret is not the marker: %v", details)
	}
	if web := clients["web"].(map[string]any); web["ClientId"] != nil || !strings.Contains(encodeJSON(t, web), `"corp"`) {
		t.Errorf("web is not by name, or lost its provider: %v", web)
	}

	resp := m.do(t, "GET", "/pools/"+poolID+"/configuration", "", map[string]string{"Accept": "application/yaml"}, nil)
	expect(t, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q, want application/yaml", ct)
	}
	if got := resp.Header.Get("ETag"); got != etag {
		t.Errorf("the YAML's ETag %s differs from the JSON's %s", got, etag)
	}
	body, _ := io.ReadAll(resp.Body)
	var fromYAML any
	if err := yaml.Unmarshal(body, &fromYAML); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if encodeJSON(t, fromYAML) != encodeJSON(t, doc) {
		t.Errorf("the YAML document differs from the JSON one:\n%s\n%s", body, raw)
	}
}

func TestConfigurationPlanOfTheExportHasNoChangeInJSONOrYAML(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "plan-example")
	doc, _, _ := m.configuration(t, poolID)
	var plan planAnswerBody
	expect(t, m.do(t, "POST", "/pools/"+poolID+"/configuration/plan?prune=true", encodeJSON(t, doc), nil, &plan), http.StatusOK)
	if len(plan.Changes) != 0 {
		t.Errorf("a plan of the export has changes: %q", plan.targets())
	}
	asYAML, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, m.do(t, "POST", "/pools/"+poolID+"/configuration/plan?prune=true", string(asYAML),
		map[string]string{"Content-Type": "application/yaml"}, &plan), http.StatusOK)
	if len(plan.Changes) != 0 {
		t.Errorf("a plan of the YAML export has changes: %q", plan.targets())
	}
}

func TestConfigurationApplyHonoursIfMatchAndDryRunAndTwiceChangesNothing(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "apply-example")
	doc, etag, _ := m.configuration(t, poolID)
	doc["Groups"].(map[string]any)["readers"].(map[string]any)["Description"] = "read only, audited"
	doc["Groups"].(map[string]any)["ops"] = map[string]any{"Precedence": 5}
	// admins' precedence is left out of the document: an apply keeps
	// whatever the group has then.
	delete(doc["Groups"].(map[string]any)["admins"].(map[string]any), "Precedence")
	target := "/pools/" + poolID + "/configuration"

	var plan planAnswerBody
	expect(t, m.do(t, "PUT", target+"?dryRun=true", encodeJSON(t, doc), nil, &plan), http.StatusOK)
	if want := "CreateGroup Groups/ops,UpdateGroup Groups/readers"; strings.Join(plan.targets(), ",") != want {
		t.Errorf("dry run: %q, want %s", plan.targets(), want)
	}
	if got := m.direct(t, "GetGroup", `{"UserPoolId": "`+poolID+`", "GroupName": "readers"}`); got["Group"].(map[string]any)["Description"] != "read only" {
		t.Errorf("a dry run changed the group: %v", got)
	}

	m.direct(t, "UpdateGroup", `{"UserPoolId": "`+poolID+`", "GroupName": "admins", "Precedence": 2}`)
	expect(t, m.do(t, "PUT", target, encodeJSON(t, doc), map[string]string{"If-Match": etag}, nil), http.StatusPreconditionFailed)
	_, etag, _ = m.configuration(t, poolID)

	var outcome struct {
		Applied, NotTried []map[string]any
		Failed            map[string]any
	}
	expect(t, m.do(t, "PUT", target, encodeJSON(t, doc), map[string]string{"If-Match": etag}, &outcome), http.StatusOK)
	if len(outcome.Applied) != 2 || outcome.Failed != nil || len(outcome.NotTried) != 0 {
		t.Errorf("apply: %+v", outcome)
	}
	got := m.direct(t, "GetGroup", `{"UserPoolId": "`+poolID+`", "GroupName": "admins"}`)
	if got["Group"].(map[string]any)["Precedence"] != int64(2) && got["Group"].(map[string]any)["Precedence"] != int32(2) {
		t.Errorf("an apply reset admins' precedence, which the document leaves out: %v", got)
	}
	expect(t, m.do(t, "PUT", target, encodeJSON(t, doc), nil, &outcome), http.StatusOK)
	if len(outcome.Applied) != 0 {
		t.Errorf("the same document applied again changed: %+v", outcome.Applied)
	}
}

// failingWrites is a Limiter that lets every call through but the nth
// write, which it throttles: a failure in the middle of an apply, with
// the rest of the calls made against moto.
type failingWrites struct {
	mu     sync.Mutex
	writes int
	nth    int
}

func (f *failingWrites) Wait(_ context.Context, category quota.Category, _, _ string) error {
	if !strings.HasSuffix(string(category), "Update") {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writes++; f.writes == f.nth {
		return &quota.ThrottledError{Category: category}
	}
	return nil
}

func TestConfigurationApplyStopsAtTheFirstFailureAndAuditsEachChange(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "failure-example")
	doc, _, _ := m.configuration(t, poolID)
	groups := doc["Groups"].(map[string]any)
	for _, name := range []string{"a", "b", "c", "d"} {
		groups[name] = map[string]any{"Description": "group " + name}
	}
	var logs bytes.Buffer
	g := m.with(t, Options{Limiter: &failingWrites{nth: 3}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	var outcome struct {
		Applied, NotTried []map[string]any
		Failed            map[string]any
	}
	expect(t, g.do(t, "PUT", "/pools/"+poolID+"/configuration", encodeJSON(t, doc), nil, &outcome), http.StatusOK)
	targetsOf := func(changes []map[string]any) (out []string) {
		for _, c := range changes {
			out = append(out, c["Target"].(string))
		}
		return out
	}
	if got := strings.Join(targetsOf(outcome.Applied), ","); got != "Groups/a,Groups/b" {
		t.Errorf("applied %s", got)
	}
	if outcome.Failed["Target"] != "Groups/c" || outcome.Failed["Problem"].(map[string]any)["code"] != "GatewayThrottled" {
		t.Errorf("failed %v", outcome.Failed)
	}
	if got := strings.Join(targetsOf(outcome.NotTried), ","); got != "Groups/d" {
		t.Errorf("not tried %s", got)
	}
	for name, want := range map[string]bool{"a": true, "b": true, "c": false, "d": false} {
		_, err := cognito.Actions()["GetGroup"].Call(context.Background(), m.Direct, []byte(`{"UserPoolId": "`+poolID+`", "GroupName": "`+name+`"}`))
		if (err == nil) != want {
			t.Errorf("group %s exists: %v, want %v", name, err == nil, want)
		}
	}
	var lines []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var record map[string]any
		if err := json.Unmarshal(line, &record); err == nil && record["msg"] == "audit" && record["changeTarget"] != nil {
			lines = append(lines, record)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d audit lines of changes, want 3: %s", len(lines), logs.Bytes())
	}
	for i, want := range []struct {
		target  string
		applied bool
	}{{"Groups/a", true}, {"Groups/b", true}, {"Groups/c", false}} {
		if lines[i]["changeTarget"] != want.target || lines[i]["applied"] != want.applied ||
			lines[i]["changeAction"] != "CreateGroup" || lines[i]["changePoolId"] != poolID {
			t.Errorf("audit line %d: %v, want %s applied=%v", i, lines[i], want.target, want.applied)
		}
	}
	if lines[2]["cognitoError"] != "GatewayThrottled" {
		t.Errorf("the failed change's audit line: %v", lines[2])
	}
}

func TestConfigurationPruneDeletesOnlyWhenAsked(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "prune-example")
	doc, _, _ := m.configuration(t, poolID)
	delete(doc["Groups"].(map[string]any), "readers")
	delete(doc["Clients"].(map[string]any), "back-office")
	target := "/pools/" + poolID + "/configuration"
	var plan planAnswerBody
	expect(t, m.do(t, "POST", target+"/plan", encodeJSON(t, doc), nil, &plan), http.StatusOK)
	if len(plan.Changes) != 0 {
		t.Errorf("without prune, a plan deletes: %q", plan.targets())
	}
	expect(t, m.do(t, "POST", target+"/plan?prune=true", encodeJSON(t, doc), nil, &plan), http.StatusOK)
	// Clients before groups: the reverse of the order things are made in.
	if want := "DeleteUserPoolClient Clients/back-office,DeleteGroup Groups/readers"; strings.Join(plan.targets(), ",") != want {
		t.Errorf("prune plan: %q, want %s", plan.targets(), want)
	}
	expect(t, m.do(t, "PUT", target+"?prune=true", encodeJSON(t, doc), nil, nil), http.StatusOK)
	after, _, _ := m.configuration(t, poolID)
	if _, ok := after["Groups"].(map[string]any)["readers"]; ok {
		t.Errorf("readers was not pruned")
	}
}

func TestConfigurationRefusesTwoItemsOfOneName(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "twice-example")
	second := m.direct(t, "CreateUserPoolClient", `{"UserPoolId": "`+poolID+`", "ClientName": "web"}`)
	id := second["UserPoolClient"].(map[string]any)["ClientId"].(string)
	var p map[string]any
	expect(t, m.do(t, "GET", "/pools/"+poolID+"/configuration", "", nil, &p), http.StatusConflict)
	if p["code"] != "AmbiguousName" || !strings.Contains(p["detail"].(string), id) || !strings.Contains(p["detail"].(string), `"web"`) {
		t.Errorf("409: %v", p)
	}
}

func TestConfigurationRefusesASecretInTheDocumentAndAWrongType(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "refuse-example")
	target := "/pools/" + poolID + "/configuration"
	for name, body := range map[string]string{
		"secret": `{"IdentityProviders": {"corp": {"ProviderDetails": {"client_secret": "plain"}}}}`,
		"type":   `{"Groups": {"admins": {"Precedence": "first"}}}`,
	} {
		var p map[string]any
		expect(t, m.do(t, "PUT", target, body, nil, &p), http.StatusBadRequest)
		if strings.Contains(encodeJSON(t, p), "plain") {
			t.Errorf("%s: the answer repeats the secret: %v", name, p)
		}
	}
}

func TestClonePoolCopiesTheConfigurationAndDiffersOnlyWhereItMust(t *testing.T) {
	m := startConfigurationGateway(t)
	poolID, _ := configuredPool(t, m, "clone-source")
	source, _, _ := m.configuration(t, poolID)
	var logs bytes.Buffer
	logged := m.with(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	var answer map[string]any
	resp := logged.do(t, "POST", "/pools/"+poolID+"/clone", `{"PoolName": "production", "Domain": "clone-target",
		"Secrets": {"IdentityProviders": {"corp": {"client_secret": "prod-secret"}}}}`, nil, &answer)
	expect(t, resp, http.StatusCreated)
	cloneID, _ := answer["UserPoolId"].(string)
	if cloneID == "" || resp.Header.Get("Location") != "/pools/"+cloneID || answer["Failed"] != nil {
		t.Fatalf("clone: %s %v", resp.Header.Get("Location"), answer)
	}
	// One audit line per change made on the clone, which each names.
	applied := 0
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var record map[string]any
		if json.Unmarshal(line, &record) == nil && record["changeTarget"] != nil {
			applied++
			if record["changePoolId"] != cloneID || record["applied"] != true {
				t.Errorf("audit of a clone's change: %v", record)
			}
		}
	}
	if applied == 0 || applied != len(answer["Applied"].([]any)) {
		t.Errorf("%d audit lines of changes for %d applied", applied, len(answer["Applied"].([]any)))
	}
	if bytes.Contains(logs.Bytes(), []byte("prod-secret")) {
		t.Error("the log holds the secret given for the clone")
	}
	var plan planAnswerBody
	expect(t, m.do(t, "POST", "/pools/"+cloneID+"/configuration/plan?prune=true", encodeJSON(t, source), nil, &plan), http.StatusOK)
	// The documented differences: the pool's name, and the domain, which
	// Cognito cannot rename.
	if want := "UpdateUserPool Pool,UpdateUserPoolDomain Domain"; strings.Join(plan.targets(), ",") != want {
		t.Fatalf("plan of the source against the clone: %q, want %s: %+v", plan.targets(), want, plan.Changes)
	}
	if diff := encodeJSON(t, plan.Changes[0].Diff); diff != `[{"From":"production","Path":"/PoolName","To":"staging"}]` {
		t.Errorf("the pool differs in more than its name: %s", diff)
	}
	provider := m.direct(t, "DescribeIdentityProvider", `{"UserPoolId": "`+cloneID+`", "ProviderName": "corp"}`)
	if got := provider["IdentityProvider"].(map[string]any)["ProviderDetails"].(map[string]any)["client_secret"]; got != "prod-secret" {
		t.Errorf("the clone's provider secret is %v", got)
	}
	if strings.Contains(encodeJSON(t, answer), "prod-secret") {
		t.Errorf("the clone's answer shows the secret it was given")
	}

	// Under an allow-list, as pool creation is, a clone is refused.
	allowed := m.with(t, Options{AllowedPools: []string{poolID}})
	expect(t, allowed.do(t, "POST", "/pools/"+poolID+"/clone", `{"PoolName": "other"}`, nil, nil), http.StatusForbidden)
	// And an apply or export of a pool outside it.
	expect(t, allowed.do(t, "GET", "/pools/"+cloneID+"/configuration", "", nil, nil), http.StatusForbidden)
}
