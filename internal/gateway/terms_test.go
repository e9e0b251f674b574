package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// moto has no terms actions, so every test here pins the JSON-RPC input
// on the stand-in and answers as the API reference documents.
const (
	termsID   = "8c8d9e4c-3f1a-4b6e-9c2d-0a1b2c3d4e5f"
	termsPath = "/pools/" + poolID + "/terms/" + termsID
)

func termsLinks() map[string]any {
	return map[string]any{
		"cognito:default": "https://example.com/terms",
		"cognito:spanish": "https://example.com/es/terms",
	}
}

// describedTerms is a DescribeTerms answer.
func describedTerms() map[string]any {
	return map[string]any{"Terms": map[string]any{
		"TermsId": termsID, "UserPoolId": poolID, "ClientId": clientID,
		"TermsName": "terms-of-use", "TermsSource": "LINK", "Enforcement": "NONE",
		"Links":        termsLinks(),
		"CreationDate": 1.7e9, "LastModifiedDate": 1.7e9,
	}}
}

// updateTermsInput is the UpdateTerms input a write of the whole described
// document with links sends.
func updateTermsInput(name string, links map[string]any) map[string]any {
	return map[string]any{"UserPoolId": poolID, "TermsId": termsID,
		"TermsName": name, "TermsSource": "LINK", "Enforcement": "NONE", "Links": links}
}

// TestTermsCreateListGetDeleteSendTheExactInput: each route sends its one
// action, X-Amz-Target and body as the API reference has them, and shapes
// the answer: 201 with Location, a page with Link, an ETag, a 204.
func TestTermsCreateListGetDeleteSendTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("CreateTerms", cognitotest.Reply(describedTerms()))
	stub.Handle("DescribeTerms", cognitotest.Reply(describedTerms()))
	stub.Handle("DeleteTerms", cognitotest.Reply(map[string]any{}))
	stub.Handle("ListTerms", cognitotest.Reply(map[string]any{
		"Terms": []any{map[string]any{"TermsId": termsID, "TermsName": "terms-of-use", "Enforcement": "NONE",
			"CreationDate": 1.7e9, "LastModifiedDate": 1.7e9}},
		"NextToken": "page-2",
	}))
	base := "/pools/" + poolID + "/terms"

	rec := serveStandIn(t, stub, "POST", base, `{"ClientId": "`+clientID+`", "TermsName": "terms-of-use",
		"TermsSource": "LINK", "Enforcement": "NONE", "Links": {"cognito:default": "https://example.com/terms",
		"cognito:spanish": "https://example.com/es/terms"}}`, nil)
	if rec.Code != http.StatusCreated || rec.Header().Get("Location") != termsPath {
		t.Fatalf("POST: %d, Location %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "ClientId": clientID, "TermsName": "terms-of-use",
		"TermsSource": "LINK", "Enforcement": "NONE", "Links": termsLinks()}
	if in := onlyInput(t, stub, "CreateTerms"); !reflect.DeepEqual(in, want) {
		t.Errorf("CreateTerms input %v, want %v", in, want)
	}

	rec = serveStandIn(t, stub, "GET", base+"?Limit=1", "", nil)
	var page struct{ NextToken string }
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != http.StatusOK || page.NextToken == "" ||
		!strings.Contains(rec.Header().Get("Link"), "?Limit=1&NextToken="+page.NextToken+">") {
		t.Fatalf("GET list: %d, Link %q: %s", rec.Code, rec.Header().Get("Link"), rec.Body)
	}
	if in := onlyInput(t, stub, "ListTerms"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "MaxResults": 1.0}) {
		t.Errorf("ListTerms input %v", in)
	}

	rec = serveStandIn(t, stub, "GET", termsPath, "", nil)
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("GET: %d, ETag %q: %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	if !reflect.DeepEqual(got["Links"], termsLinks()) || got["ClientId"] != clientID || got["CreationDate"] != "2023-11-14T22:13:20Z" {
		t.Errorf("GET answer %v", got)
	}
	if in := onlyInput(t, stub, "DescribeTerms"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "TermsId": termsID}) {
		t.Errorf("DescribeTerms input %v", in)
	}

	rec = serveStandIn(t, stub, "DELETE", termsPath, "", nil)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if in := onlyInput(t, stub, "DeleteTerms"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "TermsId": termsID}) {
		t.Errorf("DeleteTerms input %v", in)
	}
	for _, c := range stub.Calls() {
		if target := c.Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService."+c.Action {
			t.Errorf("%s sent with X-Amz-Target %q", c.Action, target)
		}
	}
}

// TestCreateTermsThatExistIsAConflict: a client has one document of each
// name; Cognito's TermsExistsException is a 409 with its message.
func TestCreateTermsThatExistIsAConflict(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("CreateTerms", cognitotest.Fail(http.StatusBadRequest, "TermsExistsException", "Terms already exist for this client."))
	rec := serveStandIn(t, stub, "POST", "/pools/"+poolID+"/terms", `{"ClientId": "`+clientID+`", "TermsName": "privacy-policy",
		"TermsSource": "LINK", "Enforcement": "NONE", "Links": {"cognito:default": "https://example.com/privacy"}}`, nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Terms already exist") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// TestPatchTermsMergesLinksByLanguage: UpdateTerms replaces the whole
// document, so a PATCH sends every member again, with Links merged as RFC
// 7396 merges an object: by language, null removing one.
func TestPatchTermsMergesLinksByLanguage(t *testing.T) {
	cases := []struct {
		name, patch string
		want        map[string]any
	}{
		{"a name alone keeps every link", `{"TermsName": "privacy-policy"}`, updateTermsInput("privacy-policy", termsLinks())},
		{"a new language is added, the others stay", `{"Links": {"cognito:french": "https://example.com/fr/terms"}}`,
			updateTermsInput("terms-of-use", map[string]any{"cognito:default": "https://example.com/terms",
				"cognito:spanish": "https://example.com/es/terms", "cognito:french": "https://example.com/fr/terms"})},
		{"a changed link changes alone", `{"Links": {"cognito:default": "https://example.com/terms/v2"}}`,
			updateTermsInput("terms-of-use", map[string]any{"cognito:default": "https://example.com/terms/v2",
				"cognito:spanish": "https://example.com/es/terms"})},
		{"a null link removes that language", `{"Links": {"cognito:spanish": null}}`,
			updateTermsInput("terms-of-use", map[string]any{"cognito:default": "https://example.com/terms"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeTerms", cognitotest.Reply(describedTerms()))
			stub.Handle("UpdateTerms", cognitotest.Reply(describedTerms()))
			rec := serveStandIn(t, stub, "PATCH", termsPath, tc.patch, map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if in := onlyInput(t, stub, "UpdateTerms"); !reflect.DeepEqual(in, tc.want) {
				t.Errorf("UpdateTerms input %v, want %v", in, tc.want)
			}
			if got := callNames(stub); got != "DescribeTerms,UpdateTerms,DescribeTerms" {
				t.Errorf("calls %s", got)
			}
		})
	}
}

// TestPatchTermsDryRunAndStaleIfMatchChangeNothing: a dry run answers with
// the merged UpdateTerms input; a stale If-Match is a 412. Neither updates.
func TestPatchTermsDryRunAndStaleIfMatchChangeNothing(t *testing.T) {
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	stub := cognitotest.New(t)
	stub.Handle("DescribeTerms", cognitotest.Reply(describedTerms()))

	rec := serveStandIn(t, stub, "PATCH", termsPath+"?dryRun=true", `{"Links": {"cognito:spanish": null}}`, merge)
	var preview map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &preview); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	if want := updateTermsInput("terms-of-use", map[string]any{"cognito:default": "https://example.com/terms"}); !reflect.DeepEqual(preview, want) {
		t.Errorf("dry run %v, want %v", preview, want)
	}

	merge["If-Match"] = `"stale"`
	if rec := serveStandIn(t, stub, "PATCH", termsPath, `{"TermsName": "privacy-policy"}`, merge); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "DescribeTerms,DescribeTerms" {
		t.Errorf("calls %s", got)
	}
}

// TestReplaceTermsSendsTheWholeDocument: PUT is UpdateTerms as Cognito
// has it, with the identifiers from the path.
func TestReplaceTermsSendsTheWholeDocument(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeTerms", cognitotest.Reply(describedTerms()))
	stub.Handle("UpdateTerms", cognitotest.Reply(describedTerms()))
	rec := serveStandIn(t, stub, "PUT", termsPath, `{"TermsName": "terms-of-use", "TermsSource": "LINK",
		"Enforcement": "NONE", "Links": {"cognito:default": "https://example.com/terms/v2"}}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := updateTermsInput("terms-of-use", map[string]any{"cognito:default": "https://example.com/terms/v2"})
	if in := onlyInput(t, stub, "UpdateTerms"); !reflect.DeepEqual(in, want) {
		t.Errorf("UpdateTerms input %v, want %v", in, want)
	}
}

// TestTermsRefuseWhatCognitoWouldBeforeCallingIt: Cognito's constraints
// are the spec's, on the body, the path and the merged result of a PATCH.
func TestTermsRefuseWhatCognitoWouldBeforeCallingIt(t *testing.T) {
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	whole := `"TermsSource": "LINK", "Enforcement": "NONE", "Links": {"cognito:default": "https://example.com/terms"}`
	cases := []struct {
		name, method, target, body string
		header                     map[string]string
		pointer                    string
	}{
		{"an unknown document name", "POST", "/pools/" + poolID + "/terms", `{"ClientId": "` + clientID + `", "TermsName": "eula", ` + whole + `}`, nil, "/TermsName"},
		{"a create without its client", "POST", "/pools/" + poolID + "/terms", `{"TermsName": "terms-of-use", ` + whole + `}`, nil, "/ClientId"},
		{"a source Cognito does not take", "PUT", termsPath, `{"TermsName": "terms-of-use", "TermsSource": "FILE", "Enforcement": "NONE", "Links": {"cognito:default": "https://example.com/terms"}}`, nil, "/TermsSource"},
		{"a PUT without links", "PUT", termsPath, `{"TermsName": "terms-of-use", "TermsSource": "LINK", "Enforcement": "NONE"}`, nil, "/Links"},
		{"a URL with a space", "PATCH", termsPath, `{"Links": {"cognito:default": "https://example.com/our terms"}}`, merge, "/Links/cognito:default"},
		{"a PATCH that removes the last link", "PATCH", termsPath, `{"Links": {"cognito:default": null, "cognito:spanish": null}}`, merge, "/Links"},
		{"a PATCH of the client", "PATCH", termsPath, `{"ClientId": "` + clientID + `"}`, merge, "ClientId"},
		{"an id that is no UUID", "GET", "/pools/" + poolID + "/terms/terms-of-use", "", nil, "termsId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeTerms", cognitotest.Reply(describedTerms()))
			rec := serveStandIn(t, stub, tc.method, tc.target, tc.body, tc.header)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.pointer) {
				t.Errorf("%d %s; want a 400 naming %s", rec.Code, rec.Body, tc.pointer)
			}
			if got := callNames(stub); got != "" && got != "DescribeTerms" {
				t.Errorf("calls %s", got)
			}
		})
	}
}
