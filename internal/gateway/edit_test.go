package gateway

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// sendPatch runs one PATCH against a stand-in that describes describedPool.
func sendPatch(t *testing.T, target, body string, header map[string]string) (*httptest.ResponseRecorder, *cognitotest.Server) {
	t.Helper()
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	stub.Handle("UpdateUserPool", cognitotest.Reply(map[string]any{}))
	g := newTestGateway(t, stub)
	req := httptest.NewRequest("PATCH", target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return spectest.New(t).Serve(t, g, req), stub
}

func updateInput(t *testing.T, stub *cognitotest.Server) map[string]any {
	t.Helper()
	for _, c := range stub.Calls() {
		if c.Action == "UpdateUserPool" {
			return c.Input
		}
	}
	t.Fatal("UpdateUserPool was not called")
	return nil
}

func TestPatchPoolKeepsUnmentionedSettings(t *testing.T) {
	rec, stub := sendPatch(t, "/pools/"+poolID, `{"DeletionProtection": "ACTIVE"}`, nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	in := updateInput(t, stub)
	want := map[string]any{
		"UserPoolId":         poolID,
		"PoolName":           "example",
		"DeletionProtection": "ACTIVE",
		"MfaConfiguration":   "OFF",
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": 12.0, "RequireUppercase": true, "RequireLowercase": true,
			"RequireNumbers": true, "TemporaryPasswordValidityDays": 7.0}}, // the SDK leaves false out
		"LambdaConfig":        map[string]any{"PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"},
		"DeviceConfiguration": map[string]any{"ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": true},
		"UserPoolTags":        map[string]any{"team": "identity"},
		// UnusedAccountValidityDays is dropped: Cognito refuses it beside
		// TemporaryPasswordValidityDays.
		"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true},
		// The deprecated EmailVerificationMessage is dropped in favour of
		// the template that replaced it.
		"VerificationMessageTemplate": map[string]any{"EmailMessage": "Your code is {####}", "DefaultEmailOption": "CONFIRM_WITH_CODE"},
	}
	if !reflect.DeepEqual(in, want) {
		got, _ := json.MarshalIndent(in, "", " ")
		t.Errorf("UpdateUserPool input:\n%s", got)
	}
	if rec.Header().Get("ETag") == "" {
		t.Error("no ETag on the answer")
	}
}

func TestPatchNullRemovesAMember(t *testing.T) {
	rec, stub := sendPatch(t, "/pools/"+poolID, `{"LambdaConfig": null, "UserPoolTags": {"team": null, "env": "dev"}}`, nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	in := updateInput(t, stub)
	if _, ok := in["LambdaConfig"]; ok {
		t.Error("LambdaConfig survived null")
	}
	if tags := in["UserPoolTags"]; !reflect.DeepEqual(tags, map[string]any{"env": "dev"}) {
		t.Errorf("UserPoolTags %v", tags)
	}
}

func TestPatchDeprecatedMemberWinsWhenPatchedAlone(t *testing.T) {
	rec, stub := sendPatch(t, "/pools/"+poolID, `{"AdminCreateUserConfig": {"UnusedAccountValidityDays": 3}}`, nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	in := updateInput(t, stub)
	policy := in["Policies"].(map[string]any)["PasswordPolicy"].(map[string]any)
	if _, ok := policy["TemporaryPasswordValidityDays"]; ok {
		t.Error("TemporaryPasswordValidityDays kept beside the patched UnusedAccountValidityDays")
	}
}

func TestPatchResultIsValidatedBeforeUpdate(t *testing.T) {
	rec, stub := sendPatch(t, "/pools/"+poolID, `{"Policies": {"PasswordPolicy": {"MinimumLength": 200}}}`, nil)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "/Policies/PasswordPolicy/MinimumLength") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, c := range stub.Calls() {
		if c.Action == "UpdateUserPool" {
			t.Error("an invalid merge reached Cognito")
		}
	}
}

func TestPatchWithStaleIfMatchChangesNothing(t *testing.T) {
	rec, stub := sendPatch(t, "/pools/"+poolID, `{"DeletionProtection": "ACTIVE"}`, map[string]string{"If-Match": `"stale"`})
	if rec.Code != 412 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, c := range stub.Calls() {
		if c.Action == "UpdateUserPool" {
			t.Error("UpdateUserPool called despite a failed precondition")
		}
	}
}

func TestPatchWithCurrentIfMatchProceeds(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	stub.Handle("UpdateUserPool", cognitotest.Reply(map[string]any{}))
	g := newTestGateway(t, stub)
	checker := spectest.New(t)
	current := checker.Serve(t, g, httptest.NewRequest("GET", "/pools/"+poolID, nil)).Header().Get("ETag")
	req := httptest.NewRequest("PATCH", "/pools/"+poolID, strings.NewReader(`{"DeletionProtection": "ACTIVE"}`))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("If-Match", current)
	if rec := checker.Serve(t, g, req); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	updateInput(t, stub)
}

func TestPatchDryRunSendsNothing(t *testing.T) {
	rec, stub := sendPatch(t, "/pools/"+poolID+"?dryRun=true", `{"DeletionProtection": "ACTIVE"}`, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"DeletionProtection":"ACTIVE"`) ||
		!strings.Contains(rec.Body.String(), `"UserPoolId":"`+poolID+`"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, c := range stub.Calls() {
		if c.Action != "DescribeUserPool" {
			t.Errorf("dry run called %s", c.Action)
		}
	}
}

func TestPutSendsTheBodyAsIsAndDescribesAgain(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	stub.Handle("UpdateUserPool", cognitotest.Reply(map[string]any{}))
	g := newTestGateway(t, stub)
	req := httptest.NewRequest("PUT", "/pools/"+poolID, strings.NewReader(`{"MfaConfiguration": "OFF"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := spectest.New(t).Serve(t, g, req)
	if rec.Code != 200 || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if in := updateInput(t, stub); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "MfaConfiguration": "OFF"}) {
		t.Errorf("UpdateUserPool input %v", in)
	}
	var actions []string
	for _, c := range stub.Calls() {
		actions = append(actions, c.Action)
	}
	if strings.Join(actions, ",") != "UpdateUserPool,DescribeUserPool" {
		t.Errorf("calls %v", actions)
	}
}

// TestETagIgnoresVolatileMembers: the user count changes as users sign up;
// the configuration does not.
func TestETagIgnoresVolatileMembers(t *testing.T) {
	a, b := mustPool(t), mustPool(t)
	b["EstimatedNumberOfUsers"] = int64(999)
	if etag(a) != etag(b) {
		t.Error("ETag changed with EstimatedNumberOfUsers")
	}
	b["MfaConfiguration"] = "ON"
	if etag(a) == etag(b) {
		t.Error("ETag ignored a configuration change")
	}
}

func mustPool(t *testing.T) map[string]any {
	t.Helper()
	encoded, _ := json.Marshal(describedPool()["UserPool"])
	var pool map[string]any
	if err := json.Unmarshal(encoded, &pool); err != nil {
		t.Fatal(err)
	}
	return pool
}
