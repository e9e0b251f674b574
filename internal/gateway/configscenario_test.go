package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// configGateway is the gateway served over HTTP in front of moto with the
// stateful stand-in beside it, as the acceptance scenario of the pool
// configuration document runs it.
type configGateway struct {
	URL   string
	stand *cognitotest.Server
	// direct is a Cognito client of its own, not the gateway's, to check
	// what the gateway did behind its back.
	direct *cip.Client
	log    *lockedBuffer
}

// records are the log's JSON records whose msg is msg, in order.
func (l *lockedBuffer) records(tb testing.TB, msg string) []map[string]any {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		if record["msg"] == msg {
			out = append(out, record)
		}
	}
	return out
}

func (l *lockedBuffer) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
}

func startConfigGateway(tb testing.TB) *configGateway {
	tb.Helper()
	stand := cognitotest.Beside(tb, mototest.Start(tb))
	spec, err := openapi.Load()
	if err != nil {
		tb.Fatal(err)
	}
	log := &lockedBuffer{}
	// The gateway's own client retries as in production; the stand-in's
	// Client does not, which is what a direct check wants.
	client := cip.NewFromConfig(mototest.Config(tb, stand.URL))
	g, err := New(client, spec, Options{Logger: slog.New(slog.NewJSONHandler(log, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	server := httptest.NewServer(g)
	tb.Cleanup(server.Close)
	return &configGateway{URL: server.URL, stand: stand, direct: stand.Client(), log: log}
}

// do sends one request and answers its response, body read.
func (c *configGateway) do(tb testing.TB, method, path string, body []byte, header map[string]string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// json sends one request, fails unless its status is want, and decodes
// its JSON answer.
func (c *configGateway) json(tb testing.TB, want int, method, path string, body any, header map[string]string) (*http.Response, map[string]any) {
	tb.Helper()
	var encoded []byte
	if body != nil {
		var err error
		if encoded, err = json.Marshal(body); err != nil {
			tb.Fatal(err)
		}
	}
	resp, raw := c.do(tb, method, path, encoded, header)
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return resp, out
}

// export answers a pool's configuration document and its ETag.
func (c *configGateway) export(tb testing.TB, poolID string) (map[string]any, string) {
	tb.Helper()
	resp, doc := c.json(tb, http.StatusOK, http.MethodGet, "/pools/"+poolID+"/configuration", nil, nil)
	etag := resp.Header.Get("ETag")
	if etag == "" || strings.HasPrefix(etag, "W/") {
		tb.Fatalf("export's ETag %q, want a strong one", etag)
	}
	return doc, etag
}

// plan answers the changes a plan of doc against poolID lists.
func (c *configGateway) plan(tb testing.TB, poolID string, doc map[string]any) []any {
	tb.Helper()
	_, plan := c.json(tb, http.StatusOK, http.MethodPost, "/pools/"+poolID+"/configuration/plan", doc, nil)
	changes, ok := plan["Changes"].([]any)
	if !ok {
		tb.Fatalf("plan without Changes: %v", plan)
	}
	return changes
}

// deepCopy is doc as a new tree, which a test may change.
func deepCopy(tb testing.TB, doc map[string]any) map[string]any {
	tb.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// at is the object at path in tree, made if missing.
func at(tree map[string]any, path ...string) map[string]any {
	for _, name := range path {
		next, ok := tree[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			tree[name] = next
		}
		tree = next
	}
	return tree
}

// itemNamed is the object in the list at tree[list] whose member key is name.
func itemNamed(tb testing.TB, tree map[string]any, list, key, name string) map[string]any {
	tb.Helper()
	items, _ := tree[list].([]any)
	for _, item := range items {
		if object, _ := item.(map[string]any); object[key] == name {
			return object
		}
	}
	tb.Fatalf("no %s with %s %q in %v", list, key, name, tree)
	return nil
}

// poolChange is one change to a featurePool's document, by the target a
// plan names it with, and the same change to a snapshot of the pool, so
// that a test can tell what an apply must change from what it must not.
type poolChange struct {
	target string
	doc    func(doc map[string]any)
	shot   func(tb testing.TB, shot map[string]any)
}

// fiveChanges are five changes to a featurePool, one in each of five
// sections.
func fiveChanges() []poolChange {
	cancel := map[string]any{"ScopeName": "orders.cancel", "ScopeDescription": "Cancel orders"}
	callbacks := []any{"https://app.example.com/cb", "https://app.example.com/cb2"}
	mapping := map[string]any{"email": "mail", "name": "displayName"}
	return []poolChange{{
		target: "Pool",
		doc:    func(doc map[string]any) { at(doc, "Pool", "Policies", "PasswordPolicy")["MinimumLength"] = 14.0 },
		shot: func(_ testing.TB, shot map[string]any) {
			at(shot, "Pool", "UserPool", "Policies", "PasswordPolicy")["MinimumLength"] = 14.0
		},
	}, {
		target: "ResourceServers/https://api.example.com",
		doc: func(doc map[string]any) {
			server := at(doc, "ResourceServers", "https://api.example.com")
			server["Scopes"] = append(server["Scopes"].([]any), cancel)
		},
		shot: func(tb testing.TB, shot map[string]any) {
			server := itemNamed(tb, at(shot, "ResourceServers"), "ResourceServers", "Identifier", "https://api.example.com")
			server["Scopes"] = append(server["Scopes"].([]any), cancel)
		},
	}, {
		target: "IdentityProviders/corp-saml",
		doc:    func(doc map[string]any) { at(doc, "IdentityProviders", "corp-saml")["AttributeMapping"] = mapping },
		shot: func(_ testing.TB, shot map[string]any) {
			at(shot, "IdentityProvider saml", "IdentityProvider")["AttributeMapping"] = mapping
		},
	}, {
		target: "Groups/readers",
		doc:    func(doc map[string]any) { at(doc, "Groups", "readers")["Description"] = "the readers, read only" },
		shot: func(tb testing.TB, shot map[string]any) {
			itemNamed(tb, at(shot, "Groups"), "Groups", "GroupName", "readers")["Description"] = "the readers, read only"
		},
	}, {
		target: "Clients/web",
		doc:    func(doc map[string]any) { at(doc, "Clients", "web")["CallbackURLs"] = callbacks },
		shot: func(_ testing.TB, shot map[string]any) {
			at(shot, "Client web", "UserPoolClient")["CallbackURLs"] = callbacks
		},
	}}
}

// withFiveChanges is doc with the five changes made.
func withFiveChanges(tb testing.TB, doc map[string]any) map[string]any {
	tb.Helper()
	changed := deepCopy(tb, doc)
	for _, change := range fiveChanges() {
		change.doc(changed)
	}
	return changed
}

// targets are the targets of a plan's changes, or of an outcome's list.
func targets(tb testing.TB, changes any) []string {
	tb.Helper()
	list, _ := changes.([]any)
	var out []string
	for _, change := range list {
		target, _ := change.(map[string]any)["Target"].(string)
		out = append(out, target)
	}
	return out
}

// expectChanged makes, in shot, the changes of fiveChanges with the given
// targets.
func expectChanged(tb testing.TB, shot map[string]any, applied []string) {
	tb.Helper()
	for _, change := range fiveChanges() {
		if slices.Contains(applied, change.target) {
			change.shot(tb, shot)
		}
	}
}

// TestPromoteScenarioOnAPoolUsingEveryFeature is the acceptance
// scenario: export a pool that uses every feature, clone it, plan the
// export against the clone (only the differences the README documents),
// then change five things, plan, apply, plan again (nothing), and check
// with a Cognito client of its own that nothing else changed.
func TestPromoteScenarioOnAPoolUsingEveryFeature(t *testing.T) {
	c := startConfigGateway(t)
	staging := everyFeaturePool(t, c.direct, "staging", "staging-acme")

	doc, etag := c.export(t, staging.ID)
	raw, _ := json.Marshal(doc)
	for _, secret := range []string{"oidc-s3cret", heldClientSecret(t, c, staging)} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the export holds a secret: %s", raw)
		}
	}
	if changes := c.plan(t, staging.ID, doc); len(changes) != 0 {
		t.Fatalf("a plan of the export has %d changes: %v", len(changes), changes)
	}
	// The same in YAML, as it is kept in git: same ETag, and a plan of it
	// is empty too.
	resp, yaml := c.do(t, http.MethodGet, "/pools/"+staging.ID+"/configuration", nil, map[string]string{"Accept": "application/yaml"})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != etag {
		t.Fatalf("YAML export: %d, ETag %q, want 200 and the JSON's %q", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
	resp, plan := c.do(t, http.MethodPost, "/pools/"+staging.ID+"/configuration/plan", yaml, map[string]string{"Content-Type": "application/yaml"})
	if resp.StatusCode != http.StatusOK || !bytes.Contains(plan, []byte(`"Changes":[]`)) {
		t.Fatalf("a plan of the YAML export: %d %s, want no change", resp.StatusCode, plan)
	}

	// The clone: a plan of staging's document against it shows only what
	// the README documents cannot be the same.
	var cloned map[string]any
	clone := map[string]any{"PoolName": "production", "Domain": "production-acme",
		"Secrets": map[string]any{"IdentityProviders": map[string]any{"corp-oidc": map[string]any{"client_secret": "production-oidc-s3cret"}}}}
	resp, cloned = c.json(t, http.StatusCreated, http.MethodPost, "/pools/"+staging.ID+"/clone", clone, nil)
	cloneID, _ := cloned["UserPoolId"].(string)
	if cloneID == "" || resp.Header.Get("Location") != "/pools/"+cloneID {
		t.Fatalf("clone: Location %q, answer %v", resp.Header.Get("Location"), cloned)
	}
	if cloned["Failed"] != nil {
		t.Fatalf("clone: %v", cloned)
	}
	var differences []string
	for _, change := range c.plan(t, cloneID, doc) {
		change := change.(map[string]any)
		difference := fmt.Sprintf("%s %s", change["Action"], change["Target"])
		if reason, ok := change["Impossible"].(string); ok && reason != "" {
			difference += " impossible"
		}
		for _, d := range change["Diff"].([]any) {
			d := d.(map[string]any)
			difference += fmt.Sprintf(" %s: %v to %v", d["Path"], d["From"], d["To"])
		}
		differences = append(differences, difference)
	}
	// What README.md's Clone lists: the pool's name, and the domain, which
	// Cognito cannot rename. Ids are not in the document, and secrets are
	// the marker on both sides.
	documented := []string{
		"UpdateUserPool Pool /PoolName: production to staging",
		"UpdateUserPoolDomain Domain impossible /Domain: production-acme to staging-acme",
	}
	if !slices.Equal(differences, documented) {
		t.Errorf("a plan of staging's document against its clone:\n%s\nwant only the documented differences:\n%s", strings.Join(differences, "\n"), strings.Join(documented, "\n"))
	}

	// Apply five changes; the pool's every other setting stays.
	before := staging.snapshot(t, c.direct)
	changed := withFiveChanges(t, doc)
	changes := c.plan(t, staging.ID, changed)
	if got := targets(t, changes); len(got) != 5 {
		t.Errorf("a plan of five changes has %d: %v", len(got), changes)
	}
	_, outcome := c.json(t, http.StatusOK, http.MethodPut, "/pools/"+staging.ID+"/configuration", changed, map[string]string{"If-Match": etag})
	if applied, _ := outcome["Applied"].([]any); len(applied) != len(changes) || outcome["Failed"] != nil {
		t.Fatalf("apply: %v", outcome)
	}
	if again := c.plan(t, staging.ID, changed); len(again) != 0 {
		t.Fatalf("a plan after the apply has %d changes: %v", len(again), again)
	}
	after := staging.snapshot(t, c.direct)
	expectChanged(t, before, targets(t, changes))
	if diff := treeDiff(after, before, ""); len(diff) != 0 {
		t.Errorf("after the apply, the pool differs from its five changes alone:\n%s", strings.Join(diff, "\n"))
	}
}

// heldClientSecret is the back-office client's secret, as Cognito holds it.
func heldClientSecret(tb testing.TB, c *configGateway, pool featurePool) string {
	tb.Helper()
	shot := pool.snapshot(tb, c.direct)
	secret, _ := at(shot, "Client back-office", "UserPoolClient")["ClientSecret"].(string)
	if secret == "" {
		tb.Fatal("the back-office client has no secret")
	}
	return secret
}

// TestApplyStoppedByARefusedWriteSaysWhatWasApplied: Cognito refuses the
// third write of an apply of five changes. The answer and the audit say
// that the first two were made, the third failed and why, and the last two
// were not tried; Cognito, read by a client of its own, holds exactly the
// first two.
func TestApplyStoppedByARefusedWriteSaysWhatWasApplied(t *testing.T) {
	c := startConfigGateway(t)
	pool := everyFeaturePool(t, c.direct, "staging", "staging-acme")
	doc, etag := c.export(t, pool.ID)
	changed := withFiveChanges(t, doc)
	planned := targets(t, c.plan(t, pool.ID, changed))
	if len(planned) != 5 {
		t.Fatalf("a plan of five changes has %d: %v", len(planned), planned)
	}
	before := pool.snapshot(t, c.direct)
	c.log.reset()

	c.stand.RefuseWrite(3, http.StatusBadRequest, "ConcurrentModificationException", "Refused by the test.")
	_, outcome := c.json(t, http.StatusOK, http.MethodPut, "/pools/"+pool.ID+"/configuration", changed, map[string]string{"If-Match": etag})

	if got := targets(t, outcome["Applied"]); !slices.Equal(got, planned[:2]) {
		t.Errorf("Applied %v, want %v", got, planned[:2])
	}
	failed, _ := outcome["Failed"].(map[string]any)
	problem, _ := failed["Problem"].(map[string]any)
	if failed["Target"] != planned[2] || problem["code"] != "ConcurrentModificationException" || problem["status"] != 409.0 {
		t.Errorf("Failed %v, want %s refused with Cognito's ConcurrentModificationException", failed, planned[2])
	}
	if got := targets(t, outcome["NotTried"]); !slices.Equal(got, planned[3:]) {
		t.Errorf("NotTried %v, want %v", got, planned[3:])
	}

	after := pool.snapshot(t, c.direct)
	expectChanged(t, before, planned[:2])
	if diff := treeDiff(after, before, ""); len(diff) != 0 {
		t.Errorf("after the failed apply, the pool differs from its first two changes alone:\n%s", strings.Join(diff, "\n"))
	}

	// One audit line for the request, and one per change tried, under its
	// requestId.
	var audited []string
	for _, line := range c.log.records(t, "audit") {
		target, ok := line["changeTarget"].(string)
		if !ok {
			continue
		}
		audited = append(audited, fmt.Sprintf("%s %s applied=%v %v", line["changeAction"], target, line["applied"], line["cognitoError"]))
	}
	want := []string{
		fmt.Sprintf("%s %s applied=true <nil>", actionOf(t, outcome["Applied"], 0), planned[0]),
		fmt.Sprintf("%s %s applied=true <nil>", actionOf(t, outcome["Applied"], 1), planned[1]),
		fmt.Sprintf("%s %s applied=false ConcurrentModificationException", failed["Action"], planned[2]),
	}
	if !slices.Equal(audited, want) {
		t.Errorf("audit lines of the changes:\n%s\nwant:\n%s", strings.Join(audited, "\n"), strings.Join(want, "\n"))
	}
}

// actionOf is the Action of the i-th change of a list in an answer.
func actionOf(tb testing.TB, changes any, i int) any {
	tb.Helper()
	list, _ := changes.([]any)
	if i >= len(list) {
		tb.Fatalf("no change %d in %v", i, changes)
	}
	return list[i].(map[string]any)["Action"]
}

// treeDiff lists where got and want, JSON trees, differ: each path with
// both values.
func treeDiff(got, want any, path string) []string {
	gotObject, gotIsObject := got.(map[string]any)
	wantObject, wantIsObject := want.(map[string]any)
	if gotIsObject && wantIsObject {
		var out []string
		for _, key := range slices.Sorted(maps.Keys(gotObject)) {
			out = append(out, treeDiff(gotObject[key], wantObject[key], path+"/"+key)...)
		}
		for _, key := range slices.Sorted(maps.Keys(wantObject)) {
			if _, ok := gotObject[key]; !ok {
				out = append(out, treeDiff(nil, wantObject[key], path+"/"+key)...)
			}
		}
		return out
	}
	gotList, gotIsList := got.([]any)
	wantList, wantIsList := want.([]any)
	if gotIsList && wantIsList && len(gotList) == len(wantList) {
		var out []string
		for i := range gotList {
			out = append(out, treeDiff(gotList[i], wantList[i], fmt.Sprintf("%s/%d", path, i))...)
		}
		return out
	}
	if reflect.DeepEqual(got, want) {
		return nil
	}
	gotRaw, _ := json.Marshal(got)
	wantRaw, _ := json.Marshal(want)
	return []string{fmt.Sprintf("%s: %s, want %s", path, gotRaw, wantRaw)}
}
