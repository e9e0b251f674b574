package gateway

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// moto 5.2.1 lacks the replica actions, so every test here runs against
// the stand-in, which answers as the API reference documents them.

const replicasPath = "/pools/" + poolID + "/replicas"

// replica is a UserPoolReplicaType as Cognito answers it.
func replica(region, status string) map[string]any {
	return map[string]any{"RegionName": region, "Role": "SECONDARY", "Status": status,
		"UserPoolArn": "arn:aws:cognito-idp:" + region + ":123456789012:userpool/" + poolID}
}

// TestCreateReplicaSendsTheExactInput: 201, the replica's Location by its
// Region, and an audit line that names it.
func TestCreateReplicaSendsTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("CreateUserPoolReplica", cognitotest.Reply(map[string]any{"UserPoolReplica": replica("eu-west-1", "CREATING")}))
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	req := httptest.NewRequest("POST", replicasPath, strings.NewReader(`{"RegionName": "eu-west-1", "UserPoolTags": {"team": "identity"}}`))
	req.Header.Set("Content-Type", "application/json")
	rec := spectest.New(t).Serve(t, g, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "RegionName": "eu-west-1", "UserPoolTags": map[string]any{"team": "identity"}}
	if got := onlyInput(t, stub, "CreateUserPoolReplica"); !reflect.DeepEqual(got, want) {
		t.Errorf("input %v, want %v", got, want)
	}
	if target := stub.Calls()[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.CreateUserPoolReplica" {
		t.Errorf("X-Amz-Target %q", target)
	}
	if loc := rec.Header().Get("Location"); loc != replicasPath+"/eu-west-1" {
		t.Errorf("Location %q", loc)
	}
	if body := rec.Body.String(); !strings.Contains(body, `"Status":"CREATING"`) || !strings.Contains(body, `"RegionName":"eu-west-1"`) {
		t.Errorf("body %s", body)
	}
	if audit := logRecords(t, &logs, "audit"); len(audit) != 1 || audit[0]["regionName"] != "eu-west-1" {
		t.Errorf("audit %v", audit)
	}
}

// TestReplicaRequestsAreCheckedBeforeCognito: a Region name that no Region
// has, a missing one, and a Status UpdateUserPoolReplica does not take are
// refused, and Cognito is not called.
func TestReplicaRequestsAreCheckedBeforeCognito(t *testing.T) {
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	cases := []struct {
		name, method, target, body string
		header                     map[string]string
		pointer                    string
	}{
		{"a Region in capitals", "POST", replicasPath, `{"RegionName": "EU-WEST-1"}`, nil, `"/RegionName"`},
		{"a Region with an underscore", "POST", replicasPath, `{"RegionName": "eu_west_1"}`, nil, `"/RegionName"`},
		{"a Region too short", "POST", replicasPath, `{"RegionName": "eu-1"}`, nil, `"/RegionName"`},
		{"no Region", "POST", replicasPath, `{"UserPoolTags": {"team": "identity"}}`, nil, `RegionName`},
		{"a Region name in the path", "PATCH", replicasPath + "/eu%20west", `{"Status": "ACTIVE"}`, merge, `"regionName"`},
		{"a status that is Cognito's to set", "PATCH", replicasPath + "/eu-west-1", `{"Status": "DELETING"}`, merge, `"/Status"`},
		{"no status", "PATCH", replicasPath + "/eu-west-1", `{}`, merge, `Status`},
		{"a member UpdateUserPoolReplica lacks", "PATCH", replicasPath + "/eu-west-1", `{"Status": "ACTIVE", "Role": "PRIMARY"}`, merge, `Role`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			rec := serveStandIn(t, stub, tc.method, tc.target, tc.body, tc.header)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.pointer) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if calls := stub.Calls(); len(calls) != 0 {
				t.Errorf("Cognito called: %s", callNames(stub))
			}
		})
	}
}

// TestPatchReplicaSendsTheStatusAlone: UpdateUserPoolReplica sets Status
// and resets nothing, so the PATCH is one call with the body as it came,
// in either media type, and no Describe before it.
func TestPatchReplicaSendsTheStatusAlone(t *testing.T) {
	for _, mediaType := range []string{"application/merge-patch+json", "application/json"} {
		t.Run(mediaType, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("UpdateUserPoolReplica", cognitotest.Reply(map[string]any{"UserPoolReplica": replica("eu-west-1", "INACTIVE")}))
			rec := serveStandIn(t, stub, "PATCH", replicasPath+"/eu-west-1", `{"Status": "INACTIVE"}`,
				map[string]string{"Content-Type": mediaType})
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"Status":"INACTIVE"`) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			want := map[string]any{"UserPoolId": poolID, "RegionName": "eu-west-1", "Status": "INACTIVE"}
			if got := onlyInput(t, stub, "UpdateUserPoolReplica"); !reflect.DeepEqual(got, want) {
				t.Errorf("input %v, want %v", got, want)
			}
			if got := callNames(stub); got != "UpdateUserPoolReplica" {
				t.Errorf("calls %s", got)
			}
			if target := stub.Calls()[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.UpdateUserPoolReplica" {
				t.Errorf("X-Amz-Target %q", target)
			}
		})
	}
}

// TestDeleteReplicaAnswersTheReplicaBeingDeleted: the deletion takes a
// while, and Cognito answers the replica, DELETING, which the 200 shows.
func TestDeleteReplicaAnswersTheReplicaBeingDeleted(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DeleteUserPoolReplica", cognitotest.Reply(map[string]any{"UserPoolReplica": replica("us-gov-west-1", "DELETING")}))
	rec := serveStandIn(t, stub, "DELETE", replicasPath+"/us-gov-west-1", "", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"Status":"DELETING"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "RegionName": "us-gov-west-1"}
	if got := onlyInput(t, stub, "DeleteUserPoolReplica"); !reflect.DeepEqual(got, want) {
		t.Errorf("input %v, want %v", got, want)
	}
	if target := stub.Calls()[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.DeleteUserPoolReplica" {
		t.Errorf("X-Amz-Target %q", target)
	}
}

// TestListReplicasPagesWithNextToken: ListUserPoolReplicas takes no page
// size, so there is no Limit; NextToken and Link page as elsewhere.
func TestListReplicasPagesWithNextToken(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("ListUserPoolReplicas", func(input map[string]any) (int, any) {
		if input["NextToken"] == "page-2" {
			return http.StatusOK, map[string]any{"UserPoolReplicas": []any{replica("ap-southeast-2", "ACTIVE")}}
		}
		return http.StatusOK, map[string]any{"NextToken": "page-2", "UserPoolReplicas": []any{replica("eu-west-1", "ACTIVE")}}
	})
	rec := serveStandIn(t, stub, "GET", replicasPath, "", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"RegionName":"eu-west-1"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	next, _, found := strings.Cut(strings.TrimPrefix(rec.Header().Get("Link"), "<"), ">")
	if !found {
		t.Fatalf("no Link: %q", rec.Header().Get("Link"))
	}
	rec = serveStandIn(t, stub, "GET", next, "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Link") != "" || !strings.Contains(rec.Body.String(), `"RegionName":"ap-southeast-2"`) {
		t.Fatalf("second page: %d %s", rec.Code, rec.Body)
	}
	calls := stub.Calls()
	want := []map[string]any{{"UserPoolId": poolID}, {"UserPoolId": poolID, "NextToken": "page-2"}}
	if len(calls) != 2 || !reflect.DeepEqual(calls[0].Input, want[0]) || !reflect.DeepEqual(calls[1].Input, want[1]) {
		t.Errorf("calls %v, want the inputs %v", calls, want)
	}
	if target := calls[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService.ListUserPoolReplicas" {
		t.Errorf("X-Amz-Target %q", target)
	}

	rec = serveStandIn(t, cognitotest.New(t), "GET", replicasPath+"?Limit=10", "", nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"Limit"`) {
		t.Errorf("Limit: %d %s", rec.Code, rec.Body)
	}
}
