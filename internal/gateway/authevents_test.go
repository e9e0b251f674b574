package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// awkwardUsername needs percent-encoding in a path segment; the tests send
// it encoded and expect Cognito to receive it as it is.
const (
	awkwardUsername = "ops/ada%x"
	awkwardSegment  = "ops%2Fada%25x"
)

// signInEvent is one AuthEventType as the API reference shows it, dates in
// epoch seconds as Cognito's JSON has them.
func signInEvent() map[string]any {
	return map[string]any{
		"EventId":       "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b",
		"EventType":     "SignIn",
		"CreationDate":  1.7e9,
		"EventResponse": "Fail",
		"EventRisk": map[string]any{"RiskDecision": "Block", "RiskLevel": "High",
			"CompromisedCredentialsDetected": true},
		"ChallengeResponses": []any{map[string]any{"ChallengeName": "Password", "ChallengeResponse": "Failure"}},
		"EventContextData": map[string]any{"IpAddress": "192.0.2.10", "DeviceName": "Firefox, Linux",
			"Timezone": "+01:00", "City": "Lyon", "Country": "France"},
		"EventFeedback": map[string]any{"FeedbackValue": "Invalid", "Provider": "Admin", "FeedbackDate": 1.7e9},
	}
}

// TestListUserAuthEventsPagesWithTheExactInput: moto lacks
// AdminListUserAuthEvents, so the stand-in answers as the API reference
// shows; the gateway sends the pool, the decoded username and Limit as
// MaxResults, answers the events with their risk verdicts, and pages with
// NextToken and Link.
func TestListUserAuthEventsPagesWithTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("AdminListUserAuthEvents", func(input map[string]any) (int, any) {
		if input["NextToken"] == "page-2" {
			return http.StatusOK, map[string]any{"AuthEvents": []any{}}
		}
		return http.StatusOK, map[string]any{"AuthEvents": []any{signInEvent()}, "NextToken": "page-2"}
	})
	base := "/pools/" + poolID + "/users/" + awkwardSegment + "/auth-events"

	rec := serveStandIn(t, stub, "GET", base+"?Limit=1", "", nil)
	var page struct {
		AuthEvents []map[string]any
		NextToken  string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != http.StatusOK || page.NextToken == "" ||
		!strings.Contains(rec.Header().Get("Link"), "?Limit=1&NextToken="+page.NextToken+">") {
		t.Fatalf("first page: %d, Link %q: %s", rec.Code, rec.Header().Get("Link"), rec.Body)
	}
	if len(page.AuthEvents) != 1 {
		t.Fatalf("first page has %d events, want 1: %s", len(page.AuthEvents), rec.Body)
	}
	event := page.AuthEvents[0]
	risk, _ := event["EventRisk"].(map[string]any)
	if event["EventId"] != "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b" || event["CreationDate"] != "2023-11-14T22:13:20Z" ||
		risk["RiskDecision"] != "Block" || risk["CompromisedCredentialsDetected"] != true {
		t.Errorf("event %v", event)
	}

	rec = serveStandIn(t, stub, "GET", base+"?Limit=1&NextToken="+page.NextToken, "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Link") != "" {
		t.Fatalf("second page: %d, Link %q: %s", rec.Code, rec.Header().Get("Link"), rec.Body)
	}
	var inputs []map[string]any
	for _, c := range stub.Calls() {
		inputs = append(inputs, c.Input)
	}
	want := []map[string]any{
		{"UserPoolId": poolID, "Username": awkwardUsername, "MaxResults": 1.0},
		{"UserPoolId": poolID, "Username": awkwardUsername, "MaxResults": 1.0, "NextToken": "page-2"},
	}
	if !reflect.DeepEqual(inputs, want) {
		t.Errorf("AdminListUserAuthEvents inputs %v, want %v", inputs, want)
	}
}

// TestUserAuthEventsWithoutThreatProtectionIs400: a pool without threat
// protection keeps no history; Cognito's UserPoolAddOnNotEnabledException
// is the client's mistake, not the gateway's.
func TestUserAuthEventsWithoutThreatProtectionIs400(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("AdminListUserAuthEvents", cognitotest.Fail(http.StatusBadRequest, "UserPoolAddOnNotEnabledException",
		"Advanced security features are not enabled for this user pool."))
	rec := serveStandIn(t, stub, "GET", "/pools/"+poolID+"/users/ada/auth-events", "", nil)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("%d %s, want 400", rec.Code, rec.Body)
	}
}

// TestSetAuthEventFeedbackSendsTheExactInput: the path names the pool, the
// user and the event; the body only the verdict, which must be Valid or
// Invalid before Cognito is called.
func TestSetAuthEventFeedbackSendsTheExactInput(t *testing.T) {
	const eventID = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
	target := "/pools/" + poolID + "/users/" + awkwardSegment + "/auth-events/" + eventID + "/feedback"
	cases := []struct {
		name, body string
		status     int
		want       map[string]any // the input Cognito receives; nil: no call
	}{
		{"a verdict", `{"FeedbackValue": "Invalid"}`, http.StatusNoContent,
			map[string]any{"UserPoolId": poolID, "Username": awkwardUsername, "EventId": eventID, "FeedbackValue": "Invalid"}},
		{"a value Cognito does not know", `{"FeedbackValue": "Maybe"}`, http.StatusBadRequest, nil},
		{"a member the path gives", `{"FeedbackValue": "Valid", "EventId": "other"}`, http.StatusBadRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("AdminUpdateAuthEventFeedback", cognitotest.Reply(map[string]any{}))
			rec := serveStandIn(t, stub, "PUT", target, tc.body, nil)
			if rec.Code != tc.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.status)
			}
			if tc.want == nil {
				if calls := stub.Calls(); len(calls) != 0 {
					t.Errorf("Cognito was called: %s", callNames(stub))
				}
				return
			}
			if in := onlyInput(t, stub, "AdminUpdateAuthEventFeedback"); !reflect.DeepEqual(in, tc.want) {
				t.Errorf("AdminUpdateAuthEventFeedback input %v, want %v", in, tc.want)
			}
		})
	}
}
