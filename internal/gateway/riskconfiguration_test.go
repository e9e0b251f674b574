package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// moto lacks DescribeRiskConfiguration and SetRiskConfiguration: these
// tests run against the JSON-RPC stand-in, which answers as the API
// reference documents and records the exact input.

const (
	riskPath       = "/pools/" + poolID + "/risk-configuration"
	clientRiskPath = "/pools/" + poolID + "/clients/" + clientID + "/risk-configuration"
	sesIdentityARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
)

// riskSettings are the three configurations SetRiskConfiguration takes, all
// set: compromised credentials, account takeover with its emails, and IP
// exceptions. Each call builds them anew, so a test may change its copy.
func riskSettings() map[string]any {
	email := func(subject string) map[string]any {
		return map[string]any{"Subject": subject, "TextBody": "We noticed a sign-in from a new place.", "HtmlBody": "<p>We noticed a sign-in from a new place.</p>"}
	}
	return map[string]any{
		"CompromisedCredentialsRiskConfiguration": map[string]any{
			"EventFilter": []any{"SIGN_IN", "PASSWORD_CHANGE"},
			"Actions":     map[string]any{"EventAction": "BLOCK"},
		},
		"AccountTakeoverRiskConfiguration": map[string]any{
			"Actions": map[string]any{
				"LowAction":    map[string]any{"EventAction": "NO_ACTION", "Notify": false},
				"MediumAction": map[string]any{"EventAction": "MFA_IF_CONFIGURED", "Notify": true},
				"HighAction":   map[string]any{"EventAction": "BLOCK", "Notify": false},
			},
			"NotifyConfiguration": map[string]any{
				"SourceArn": sesIdentityARN, "From": "security@example.com", "ReplyTo": "help@example.com",
				"BlockEmail": email("Sign-in blocked"), "MfaEmail": email("Sign-in challenged"), "NoActionEmail": email("New sign-in"),
			},
		},
		"RiskExceptionConfiguration": map[string]any{
			"BlockedIPRangeList": []any{"192.0.2.0/24"},
			"SkippedIPRangeList": []any{"198.51.100.0/24", "203.0.113.7/32"},
		},
	}
}

// describedRisk is DescribeRiskConfiguration's answer: the settings plus
// the read-only members, which must never be sent back. clientID is the
// ClientId Cognito describes, empty for none.
func describedRisk(clientID string) map[string]any {
	risk := riskSettings()
	risk["UserPoolId"] = poolID
	risk["LastModifiedDate"] = 1.7005e9
	if clientID != "" {
		risk["ClientId"] = clientID
	}
	return map[string]any{"RiskConfiguration": risk}
}

// TestPatchRiskConfigurationSendsTheOtherConfigurationsWhole pins the exact
// SetRiskConfiguration input of a PATCH that changes one member of the
// account-takeover configuration: SetRiskConfiguration removes what it is
// not given, so compromised-credentials detection and the IP exceptions
// must be sent again whole, and the read-only UserPoolId, ClientId and
// LastModifiedDate of the description must not be. A plain write of the
// patch would send the account-takeover actions alone.
func TestPatchRiskConfigurationSendsTheOtherConfigurationsWhole(t *testing.T) {
	cases := []struct {
		name, target string
		// described is the ClientId DescribeRiskConfiguration answers with.
		// Cognito's name for a pool's own configuration is ALL (CloudFormation's
		// UserPoolRiskConfigurationAttachment); the API reference does not say
		// whether Describe echoes it, so the pool case makes it do so. A client
		// without a configuration of its own is described with its pool's,
		// without ClientId.
		described string
		ids       map[string]any // the identifying input members, from the path
	}{
		{"pool", riskPath, "ALL", map[string]any{"UserPoolId": poolID}},
		{"client with its own configuration", clientRiskPath, clientID, map[string]any{"UserPoolId": poolID, "ClientId": clientID}},
		{"client using its pool's", clientRiskPath, "", map[string]any{"UserPoolId": poolID, "ClientId": clientID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeRiskConfiguration", cognitotest.Reply(describedRisk(tc.described)))
			stub.Handle("SetRiskConfiguration", cognitotest.Reply(describedRisk(tc.described)))
			rec := serveStandIn(t, stub, "PATCH", tc.target,
				`{"AccountTakeoverRiskConfiguration": {"Actions": {"HighAction": {"Notify": true}}}}`,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			want := riskSettings()
			want["AccountTakeoverRiskConfiguration"].(map[string]any)["Actions"].(map[string]any)["HighAction"] =
				map[string]any{"EventAction": "BLOCK", "Notify": true}
			for member, value := range tc.ids {
				want[member] = value
			}
			if in := onlyInput(t, stub, "SetRiskConfiguration"); !reflect.DeepEqual(in, want) {
				t.Errorf("SetRiskConfiguration input\n%v\nwant\n%v", in, want)
			}
			for _, c := range stub.Calls() {
				if c.Action == "DescribeRiskConfiguration" && !reflect.DeepEqual(c.Input, tc.ids) {
					t.Errorf("DescribeRiskConfiguration input %v, want %v", c.Input, tc.ids)
				}
			}
			if got := callNames(stub); got != "DescribeRiskConfiguration,SetRiskConfiguration,DescribeRiskConfiguration" {
				t.Errorf("calls %s", got)
			}
		})
	}
}

// TestPutRiskConfigurationSendsTheBodyAsIs: PUT keeps Cognito's
// replacement, so what the body leaves out is not sent, and is removed.
func TestPutRiskConfigurationSendsTheBodyAsIs(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeRiskConfiguration", cognitotest.Reply(describedRisk(clientID)))
	stub.Handle("SetRiskConfiguration", cognitotest.Reply(describedRisk(clientID)))
	body := `{"CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "NO_ACTION"}}}`
	rec := serveStandIn(t, stub, "PUT", clientRiskPath, body, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "ClientId": clientID,
		"CompromisedCredentialsRiskConfiguration": map[string]any{"Actions": map[string]any{"EventAction": "NO_ACTION"}}}
	if in := onlyInput(t, stub, "SetRiskConfiguration"); !reflect.DeepEqual(in, want) {
		t.Errorf("SetRiskConfiguration input\n%v\nwant\n%v", in, want)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["ClientId"] != clientID || got["LastModifiedDate"] == nil || got["AccountTakeoverRiskConfiguration"] == nil {
		t.Errorf("PUT answers %v, want the configuration as described again", got)
	}
}

// TestPatchRiskConfigurationDryRunOrStaleIfMatchSetsNothing: a dry run
// answers with the input it would send; a stale If-Match is a 412; neither
// calls SetRiskConfiguration.
func TestPatchRiskConfigurationDryRunOrStaleIfMatchSetsNothing(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeRiskConfiguration", cognitotest.Reply(describedRisk("")))
	patch := `{"RiskExceptionConfiguration": {"SkippedIPRangeList": null}}`
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}

	rec := serveStandIn(t, stub, "PATCH", riskPath+"?dryRun=true", patch, merge)
	if rec.Code != http.StatusOK {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	var preview map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &preview); err != nil {
		t.Fatal(err)
	}
	want := riskSettings()
	want["UserPoolId"] = poolID
	want["RiskExceptionConfiguration"] = map[string]any{"BlockedIPRangeList": []any{"192.0.2.0/24"}}
	if !reflect.DeepEqual(preview, want) {
		t.Errorf("dry run preview\n%v\nwant\n%v", preview, want)
	}

	rec = serveStandIn(t, stub, "PATCH", riskPath, patch, map[string]string{
		"Content-Type": "application/merge-patch+json", "If-Match": `"stale"`})
	if rec.Code != http.StatusPreconditionFailed || rec.Header().Get("ETag") == "" {
		t.Errorf("stale If-Match: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	if got := callNames(stub); got != "DescribeRiskConfiguration,DescribeRiskConfiguration" {
		t.Errorf("calls %s, want two Describes and no Set", got)
	}
}

// TestPatchRiskConfigurationRefusesAnInvalidMergeBeforeCognito: the merged
// whole is held to the PUT schema, so a patch that removes a required
// member, or sets an action Cognito lacks, is a 400 and nothing is set.
func TestPatchRiskConfigurationRefusesAnInvalidMergeBeforeCognito(t *testing.T) {
	for _, patch := range []string{
		`{"CompromisedCredentialsRiskConfiguration": {"Actions": null}}`,
		`{"AccountTakeoverRiskConfiguration": {"Actions": {"HighAction": {"EventAction": "PANIC"}}}}`,
		`{"AccountTakeoverRiskConfiguration": {"NotifyConfiguration": {"SourceArn": "not-an-arn"}}}`,
	} {
		t.Run(patch, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeRiskConfiguration", cognitotest.Reply(describedRisk("")))
			rec := serveStandIn(t, stub, "PATCH", riskPath, patch, map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
			if got := callNames(stub); got != "DescribeRiskConfiguration" {
				t.Errorf("calls %s, want the Describe alone", got)
			}
		})
	}
}

// TestGetRiskConfigurationAnswersTheDescription: GET is the description as
// Cognito gives it, read-only members included, with an ETag.
func TestGetRiskConfigurationAnswersTheDescription(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeRiskConfiguration", cognitotest.Reply(describedRisk(clientID)))
	rec := serveStandIn(t, stub, "GET", clientRiskPath, "", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := riskSettings()
	want["UserPoolId"], want["ClientId"], want["LastModifiedDate"] = poolID, clientID, "2023-11-20T17:06:40Z"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET answers\n%v\nwant\n%v", got, want)
	}
	if in := onlyInput(t, stub, "DescribeRiskConfiguration"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "ClientId": clientID}) {
		t.Errorf("DescribeRiskConfiguration input %v", in)
	}
}
