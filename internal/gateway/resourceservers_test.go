package gateway

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// resourceServerPath is a resource server whose identifier holds ':' and
// '/', percent-encoded as one path segment.
const (
	resourceServerID   = "https://api.example.com"
	resourceServerPath = "/pools/" + poolID + "/resource-servers/https:%2F%2Fapi.example.com"
)

func describedResourceServer() map[string]any {
	return map[string]any{"ResourceServer": map[string]any{
		"UserPoolId": poolID, "Identifier": resourceServerID, "Name": "Orders API",
		"Scopes": []any{
			map[string]any{"ScopeName": "orders.read", "ScopeDescription": "Read orders"},
			map[string]any{"ScopeName": "orders.write", "ScopeDescription": "Place orders"},
		},
	}}
}

// TestResourceServerWithAURLIdentifierAgainstMoto: an identifier with ':'
// and '/' is created, found again at its Location, and listed page by page.
func TestResourceServerWithAURLIdentifierAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "resource-servers")
	base := "/pools/" + pool + "/resource-servers"
	identifier := "https://api.example.com:8443/orders"

	var created map[string]any
	resp := m.do(t, "POST", base, `{"Identifier": "`+identifier+`", "Name": "Orders API",
		"Scopes": [{"ScopeName": "orders.read", "ScopeDescription": "Read orders"}]}`, nil, &created)
	expect(t, resp, http.StatusCreated)
	location := resp.Header.Get("Location")
	if want := base + "/https:%2F%2Fapi.example.com:8443%2Forders"; location != want {
		t.Fatalf("Location %q, want %q", location, want)
	}
	if created["Identifier"] != identifier || created["Name"] != "Orders API" {
		t.Errorf("created %v", created)
	}

	var got map[string]any
	resp = m.do(t, "GET", location, "", nil, &got)
	expect(t, resp, http.StatusOK)
	scopes, _ := got["Scopes"].([]any)
	if got["Identifier"] != identifier || len(scopes) != 1 || resp.Header.Get("ETag") == "" {
		t.Errorf("GET %s: %v, ETag %q", location, got, resp.Header.Get("ETag"))
	}
	out, err := m.Direct.DescribeResourceServer(context.Background(), &cip.DescribeResourceServerInput{
		UserPoolId: &pool, Identifier: aws.String(identifier)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ResourceServer.Name) != "Orders API" || len(out.ResourceServer.Scopes) != 1 {
		t.Errorf("moto holds %+v", out.ResourceServer)
	}

	for _, other := range []string{"urn:billing", "inventory"} {
		expect(t, m.do(t, "POST", base, `{"Identifier": "`+other+`", "Name": "`+other[len(other)-7:]+`"}`, nil, nil), http.StatusCreated)
	}
	identifiers, pages := collectPages(t, m, base+"?Limit=1", "ResourceServers", "Identifier")
	if strings.Join(identifiers, " ") != identifier+" inventory urn:billing" || pages != 3 {
		t.Errorf("paging with Limit=1 gave %v in %d pages", identifiers, pages)
	}
	expect(t, m.do(t, "GET", base+"/"+url.PathEscape("https://nowhere.example.com"), "", nil, nil), http.StatusNotFound)
}

// TestPatchResourceServerMergesScopesByName: UpdateResourceServer deletes
// the scopes it is not given, so a PATCH sends every scope again, merged by
// ScopeName, with the identifier decoded from the path.
func TestPatchResourceServerMergesScopesByName(t *testing.T) {
	read := map[string]any{"ScopeName": "orders.read", "ScopeDescription": "Read orders"}
	write := map[string]any{"ScopeName": "orders.write", "ScopeDescription": "Place orders"}
	input := func(name string, scopes ...any) map[string]any {
		in := map[string]any{"UserPoolId": poolID, "Identifier": resourceServerID, "Name": name}
		if scopes != nil {
			in["Scopes"] = scopes
		}
		return in
	}
	cases := []struct {
		name, patch string
		want        map[string]any
	}{
		{"a name alone keeps every scope", `{"Name": "Orders"}`, input("Orders", read, write)},
		{"a named scope changes in its place, the others stay",
			`{"Scopes": [{"ScopeName": "orders.read", "ScopeDescription": "Read orders and invoices"}]}`,
			input("Orders API", map[string]any{"ScopeName": "orders.read", "ScopeDescription": "Read orders and invoices"}, write)},
		{"a new name is added at the end",
			`{"Scopes": [{"ScopeName": "orders.cancel", "ScopeDescription": "Cancel orders"}]}`,
			input("Orders API", read, write, map[string]any{"ScopeName": "orders.cancel", "ScopeDescription": "Cancel orders"})},
		{"a null description deletes the scope",
			`{"Scopes": [{"ScopeName": "orders.read", "ScopeDescription": null}]}`,
			input("Orders API", write)},
		{"null Scopes deletes them all", `{"Scopes": null}`, input("Orders API")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeResourceServer", cognitotest.Reply(describedResourceServer()))
			stub.Handle("UpdateResourceServer", cognitotest.Reply(describedResourceServer()))
			rec := serveStandIn(t, stub, "PATCH", resourceServerPath, tc.patch,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if in := onlyInput(t, stub, "UpdateResourceServer"); !reflect.DeepEqual(in, tc.want) {
				t.Errorf("UpdateResourceServer input %v, want %v", in, tc.want)
			}
			if got := callNames(stub); got != "DescribeResourceServer,UpdateResourceServer,DescribeResourceServer" {
				t.Errorf("calls %s", got)
			}
			if in := stub.Calls()[0].Input; !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "Identifier": resourceServerID}) {
				t.Errorf("DescribeResourceServer input %v", in)
			}
		})
	}
}

// TestPatchResourceServerDryRunSendsNothing: the dry run answers with the
// merged UpdateResourceServer input and leaves Cognito alone.
func TestPatchResourceServerDryRunSendsNothing(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeResourceServer", cognitotest.Reply(describedResourceServer()))
	rec := serveStandIn(t, stub, "PATCH", resourceServerPath+"?dryRun=true",
		`{"Scopes": [{"ScopeName": "orders.write", "ScopeDescription": null}]}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := `{"Identifier":"https://api.example.com","Name":"Orders API","Scopes":[{"ScopeDescription":"Read orders","ScopeName":"orders.read"}],"UserPoolId":"` + poolID + `"}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("dry run body %s, want %s", got, want)
	}
	if got := callNames(stub); got != "DescribeResourceServer" {
		t.Errorf("calls %s", got)
	}
}

// TestPatchResourceServerRefusesAnInvalidMergeBeforeCognito: the merged
// whole is checked against the PUT's schema, where a scope needs both
// members and a ScopeName holds no '/'.
func TestPatchResourceServerRefusesAnInvalidMergeBeforeCognito(t *testing.T) {
	cases := []struct{ name, patch, pointer string }{
		{"a scope name with a slash", `{"Scopes": [{"ScopeName": "orders/all", "ScopeDescription": "All"}]}`, `"/Scopes/0/ScopeName"`},
		{"an unknown member", `{"Identifier": "https://other.example.com"}`, "Identifier"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeResourceServer", cognitotest.Reply(describedResourceServer()))
			rec := serveStandIn(t, stub, "PATCH", resourceServerPath, tc.patch,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.pointer) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if got := callNames(stub); strings.Contains(got, "UpdateResourceServer") {
				t.Errorf("calls %s", got)
			}
		})
	}
}

// TestReplaceAndDeleteResourceServerSendTheExactInput: moto has neither
// UpdateResourceServer nor DeleteResourceServer, so the stand-in pins the
// input each sends.
func TestReplaceAndDeleteResourceServerSendTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeResourceServer", cognitotest.Reply(describedResourceServer()))
	stub.Handle("UpdateResourceServer", cognitotest.Reply(describedResourceServer()))
	stub.Handle("DeleteResourceServer", cognitotest.Reply(map[string]any{}))

	rec := serveStandIn(t, stub, "PUT", resourceServerPath, `{"Name": "Orders", "Scopes": [{"ScopeName": "orders.read", "ScopeDescription": "Read"}]}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	want := map[string]any{"UserPoolId": poolID, "Identifier": resourceServerID, "Name": "Orders",
		"Scopes": []any{map[string]any{"ScopeName": "orders.read", "ScopeDescription": "Read"}}}
	if in := onlyInput(t, stub, "UpdateResourceServer"); !reflect.DeepEqual(in, want) {
		t.Errorf("UpdateResourceServer input %v, want %v", in, want)
	}

	rec = serveStandIn(t, stub, "DELETE", resourceServerPath, "", nil)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if in := onlyInput(t, stub, "DeleteResourceServer"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "Identifier": resourceServerID}) {
		t.Errorf("DeleteResourceServer input %v", in)
	}
	if got := callNames(stub); got != "UpdateResourceServer,DescribeResourceServer,DeleteResourceServer" {
		t.Errorf("calls %s", got)
	}
}
