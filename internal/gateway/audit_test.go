package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestAuditNamesWhatACreateMadeAgainstMoto: a create's audit line names
// the resource it made, as a later change of it would, so that a search
// by poolId, username, groupName or clientId finds its creation too.
func TestAuditNamesWhatACreateMadeAgainstMoto(t *testing.T) {
	var logs bytes.Buffer
	m := startMotoGateway(t)
	m = m.with(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

	var pool map[string]any
	expect(t, m.do(t, "POST", "/pools", `{"PoolName": "audited"}`, nil, &pool), http.StatusCreated)
	id, _ := pool["Id"].(string)
	B := "/pools/" + id
	expect(t, m.do(t, "POST", B+"/users", `{"Username": "ada", "MessageAction": "SUPPRESS"}`, nil, nil), http.StatusCreated)
	expect(t, m.do(t, "POST", B+"/groups", `{"GroupName": "admins"}`, nil, nil), http.StatusCreated)
	var client map[string]any
	expect(t, m.do(t, "POST", B+"/clients", `{"ClientName": "back-office"}`, nil, &client), http.StatusCreated)

	records := logRecords(t, &logs, "audit")
	want := []map[string]any{
		{"operation": "createPool", "poolId": id},
		{"operation": "createUser", "poolId": id, "username": "ada"},
		{"operation": "createGroup", "poolId": id, "groupName": "admins"},
		{"operation": "createClient", "poolId": id, "clientId": client["ClientId"]},
	}
	if len(records) != len(want) {
		t.Fatalf("%d audit records, want %d: %s", len(records), len(want), logs.String())
	}
	for i, w := range want {
		for k, v := range w {
			if records[i][k] != v || v == nil || v == "" {
				t.Errorf("%s: audit %s = %v, want %v", w["operation"], k, records[i][k], v)
			}
		}
	}
}

// TestEveryCreateNamesWhatItMade holds the spec's creates to the audit: each
// x-location names one created resource by a path parameter of the spec,
// which the import job create (not in moto) shows end to end.
func TestEveryCreateNamesWhatItMade(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("CreateUserImportJob", cognitotest.Reply(map[string]any{"UserImportJob": importJob("Created")}))
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	// A create is an operation whose 201 declares a Location: each must
	// have an x-location, and only those. A PUT that creates the one
	// resource its path names (a pool's domain) answers with its own URL:
	// the path parameters, which the audit records anyway, name it.
	declared := map[string]bool{}
	for _, item := range loadSpec(t).Paths.Map() {
		for method, op := range item.Operations() {
			created := op.Responses.Status(http.StatusCreated)
			declared[op.OperationID] = created != nil && created.Value.Headers["Location"] != nil && method != http.MethodPut
		}
	}
	creates := 0
	for _, id := range g.spec.OperationIDs() {
		o := g.operationByID(id)
		if declared[id] != (o.location != "") {
			t.Errorf("%s (%s): a 201 with Location %v, but x-location %q", id, o.path, declared[id], o.location)
		}
		if o.location == "" {
			continue
		}
		creates++
		if len(o.created) != 1 {
			t.Errorf("%s (%s): the audit would name %v of what it created", id, o.path, o.created)
		}
	}
	if creates == 0 {
		t.Error("no operation with x-location")
	}
	req := httptest.NewRequest("POST", "/pools/"+poolID+"/import-jobs",
		strings.NewReader(`{"JobName": "migrate", "CloudWatchLogsRoleArn": "`+logsRoleARN+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if rec := spectest.New(t).Serve(t, g, req); rec.Code != http.StatusCreated {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	records := logRecords(t, &logs, "audit")
	if len(records) != 1 || records[0]["jobId"] != jobID || records[0]["poolId"] != poolID {
		t.Errorf("audit %v", records)
	}
}

// TestMeChangeAuditNamesTheTokensUser: a change through /me is audited
// with the pool, sub and username its token claims, and the token itself
// appears in no log line.
func TestMeChangeAuditNamesTheTokensUser(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("UpdateUserAttributes", cognitotest.Reply(map[string]any{}))
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	token := tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/" + poolID,
		"sub": "0a1b2c3d-4e5f", "username": "ada", "token_use": "access"})
	req := httptest.NewRequest("PATCH", "/me/attributes", strings.NewReader(`{"UserAttributes": [{"Name": "nickname", "Value": "A"}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if rec := spectest.New(t).Serve(t, g, req); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	records := logRecords(t, &logs, "audit")
	if len(records) != 1 {
		t.Fatalf("%d audit records: %s", len(records), logs.String())
	}
	for k, v := range map[string]string{"poolId": poolID, "sub": "0a1b2c3d-4e5f", "username": "ada", "operation": "updateMyAttributes"} {
		if records[0][k] != v {
			t.Errorf("audit %s = %v, want %q", k, records[0][k], v)
		}
	}
	payload := strings.Split(token, ".")[1]
	if strings.Contains(logs.String(), payload) {
		t.Errorf("the token reached the log: %s", logs.String())
	}
}

// TestChangeAppliedButNotReadAgain: when the Update succeeded and the
// Describe after it failed, the change is made. The client gets 200 with
// what was sent and no ETag, not a 502 that says nothing changed; the audit
// line says the change was applied, and why the resource was not read.
func TestChangeAppliedButNotReadAgain(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		describe, update           string
		current                    any
		calls                      string
		sent                       map[string]any // members the answer must hold
	}{
		{"patch a pool", "PATCH", "/pools/" + poolID, `{"DeletionProtection": "ACTIVE"}`,
			"DescribeUserPool", "UpdateUserPool", describedPool(), "DescribeUserPool,UpdateUserPool,DescribeUserPool",
			map[string]any{"UserPoolId": poolID, "DeletionProtection": "ACTIVE"}},
		{"replace a pool", "PUT", "/pools/" + poolID, `{"MfaConfiguration": "OFF"}`,
			"DescribeUserPool", "UpdateUserPool", describedPool(), "UpdateUserPool,DescribeUserPool",
			map[string]any{"UserPoolId": poolID, "MfaConfiguration": "OFF"}},
		{"patch a group", "PATCH", "/pools/" + poolID + "/groups/admins", `{"Description": "People"}`,
			"GetGroup", "UpdateGroup", map[string]any{"Group": map[string]any{"GroupName": "admins", "UserPoolId": poolID, "Precedence": 1}},
			"GetGroup,UpdateGroup,GetGroup",
			map[string]any{"GroupName": "admins", "Description": "People", "Precedence": 1.0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			var updated atomic.Bool
			stub.Handle(c.describe, func(map[string]any) (int, any) {
				if !updated.Load() {
					return http.StatusOK, c.current
				}
				return http.StatusInternalServerError, map[string]any{"__type": "InternalErrorException", "message": "internal detail 0xfeed"}
			})
			stub.Handle(c.update, func(map[string]any) (int, any) {
				updated.Store(true)
				return http.StatusOK, map[string]any{}
			})
			var logs bytes.Buffer
			g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") != "" {
				t.Fatalf("%d, ETag %q: %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
			}
			if calls := callNames(stub); calls != c.calls {
				t.Errorf("calls %s", calls)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.sent {
				if got, _ := json.Marshal(body[k]); string(got) != toJSON(t, v) {
					t.Errorf("answer %s = %s, want %v", k, got, v)
				}
			}
			if strings.Contains(rec.Body.String(), "0xfeed") {
				t.Errorf("the answer carries Cognito's message: %s", rec.Body)
			}
			records := logRecords(t, &logs, "audit")
			if len(records) != 1 || records[0]["applied"] != true || records[0]["rereadError"] != "InternalErrorException" || records[0]["status"] != 200.0 {
				t.Errorf("audit %v", records)
			}
			if errors := logRecords(t, &logs, "re-read after a change failed"); len(errors) != 1 || errors[0]["level"] != "ERROR" {
				t.Errorf("the re-read's failure is not logged: %s", logs.String())
			}
		})
	}
}

// TestAuditNamesEveryPathParameter: the audit line of every change names
// each parameter of its route's path, under the parameter's own name, with
// no list to keep: a route added with a new parameter (teamName here) is
// audited by it too.
func TestAuditNamesEveryPathParameter(t *testing.T) {
	doc := loadSpec(t)
	deleteGroup := *doc.Paths.Find("/pools/{poolId}/groups/{groupName}").Delete
	deleteGroup.OperationID = "deleteTeam"
	deleteGroup.Parameters = openapi3.Parameters{deleteGroup.Parameters[0], {Value: &openapi3.Parameter{
		Name: "teamName", In: "path", Required: true, Example: "team-1",
		Schema:     openapi3.NewStringSchema().NewRef(),
		Extensions: map[string]any{extMember: "GroupName"}}}}
	doc.Paths.Set("/pools/{poolId}/teams/{teamName}", &openapi3.PathItem{Delete: &deleteGroup})
	var logs bytes.Buffer
	g, err := New(cognitotest.New(t).Client(), doc, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if changesNothing, _ := op.Extensions[extChangesNothing].(bool); method == http.MethodGet || changesNothing {
				continue
			}
			changes++
			// Each parameter's example, as a contract tool would send it.
			want := map[string]string{}
			target := path
			for _, ref := range op.Parameters {
				if p := ref.Value; p.In == "path" {
					want[p.Name] = fmt.Sprint(p.Example)
					target = strings.Replace(target, "{"+p.Name+"}", url.PathEscape(want[p.Name]), 1)
				}
			}
			if strings.Contains(target, "{") {
				t.Fatalf("%s %s: a path parameter without its declaration", method, path)
			}
			logs.Reset()
			g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
			records := logRecords(t, &logs, "audit")
			if len(records) != 1 {
				t.Errorf("%s %s: %d audit records", method, target, len(records))
				continue
			}
			for name, value := range want {
				if records[0][name] != value {
					t.Errorf("%s %s (%s): audit %s = %v, want %q", method, path, op.OperationID, name, records[0][name], value)
				}
			}
		}
	}
	if changes < 30 {
		t.Errorf("only %d changes in the spec", changes)
	}
}
