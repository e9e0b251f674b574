package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

const (
	brandingID   = "4a8e0c3e-1b2d-4f6a-9c7e-0123456789ab"
	brandingPath = "/pools/" + poolID + "/branding/" + brandingID
)

// brandingSettings is a Settings document with every JSON shape, numbers
// a float64 would round, and unicode.
const brandingSettings = `{"categories":{"global":{"colorSchemeMode":"DARK","pageHeader":{"enabled":false}},` +
	`"form":{"borderRadius":8,"location":{"horizontal":"CENTER"}}},` +
	`"components":{"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"0972d3ff"}}}},` +
	`"big":12345678901234567890,"tenth":0.1,"list":[1,"two",null,true,{"deep":[[]]}],"none":null,` +
	`"text":"é 日本 \u2028 <b>&amp;</b> 😀"}`

// imageOfEveryByte is an asset of all 256 byte values, in base64.
func imageOfEveryByte() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return base64.StdEncoding.EncodeToString(b)
}

const (
	logoLight = `{"Category":"FORM_LOGO","ColorMode":"LIGHT","Extension":"PNG","Bytes":"iVBORw0KGgo=","ResourceId":"logo-light"}`
	logoDark  = `{"Category":"FORM_LOGO","ColorMode":"DARK","Extension":"SVG","Bytes":"PHN2Zy8+","ResourceId":"logo-dark"}`
	favicon   = `{"Category":"FAVICON_ICO","ColorMode":"DYNAMIC","Extension":"ICO","Bytes":"AAABAA==","ResourceId":"favicon"}`
)

// brandingStyle is a style as Cognito describes it.
func brandingStyle(settings string, assets ...string) string {
	return `{"ManagedLoginBrandingId":"` + brandingID + `","UserPoolId":"` + poolID + `","UseCognitoProvidedValues":false,` +
		`"CreationDate":1.7e9,"LastModifiedDate":1.7e9,"Settings":` + settings + `,"Assets":[` + strings.Join(assets, ",") + `]}`
}

// describedBranding is DescribeManagedLoginBranding's answer, its numbers
// json.Number literals, so that they reach the SDK as written.
func describedBranding() map[string]any {
	d := json.NewDecoder(strings.NewReader(`{"ManagedLoginBranding":` + brandingStyle(brandingSettings, logoLight, logoDark, favicon) + `}`))
	d.UseNumber()
	var described map[string]any
	if err := d.Decode(&described); err != nil {
		panic(err)
	}
	return described
}

// sentBody is the raw input of the one call stub received for action.
func sentBody(t *testing.T, stub *cognitotest.Server, action string) []byte {
	t.Helper()
	onlyInput(t, stub, action)
	for _, c := range stub.Calls() {
		if c.Action == action {
			return c.Body
		}
	}
	return nil
}

// exactJSON decodes JSON with its numbers as their literals.
func exactJSON(t *testing.T, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return v
}

// assertSameJSON fails unless got and want are the same JSON value,
// numbers compared digit for digit.
func assertSameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if !reflect.DeepEqual(exactJSON(t, got), exactJSON(t, []byte(want))) {
		t.Errorf("%s\n%s\nwant\n%s", what, got, want)
	}
}

// TestCreateBrandingSendsSettingsAndBytesExactly: the Settings document and
// an asset of every byte value reach CreateManagedLoginBranding exactly,
// the answer carries them back the same, and Location names the new style.
func TestCreateBrandingSendsSettingsAndBytesExactly(t *testing.T) {
	asset := `{"Category":"PAGE_BACKGROUND","ColorMode":"LIGHT","Extension":"PNG","Bytes":"` + imageOfEveryByte() + `"}`
	stub := cognitotest.New(t)
	created := json.RawMessage(`{"ManagedLoginBranding":` + brandingStyle(brandingSettings, asset) + `}`)
	stub.Handle("CreateManagedLoginBranding", cognitotest.Reply(created))
	body := `{"ClientId": "` + clientID + `", "Settings": ` + brandingSettings + `, "Assets": [` + asset + `]}`
	rec := serveStandIn(t, stub, "POST", "/pools/"+poolID+"/branding", body, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Location"), brandingPath; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	assertSameJSON(t, "CreateManagedLoginBranding input", sentBody(t, stub, "CreateManagedLoginBranding"),
		`{"UserPoolId":"`+poolID+`","ClientId":"`+clientID+`","Settings":`+brandingSettings+`,"Assets":[`+asset+`]}`)
	var answer struct {
		Settings json.RawMessage
		Assets   []struct{ Bytes string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, "answered Settings", answer.Settings, brandingSettings)
	if len(answer.Assets) != 1 || answer.Assets[0].Bytes != imageOfEveryByte() {
		t.Errorf("answered Assets %s", rec.Body)
	}
}

// TestGetBrandingByIDAndByClient: both reads answer the style exactly, pass
// ReturnMergedResources on, and the read by ID carries an ETag.
func TestGetBrandingByIDAndByClient(t *testing.T) {
	cases := []struct {
		name, target, action, input string
		etag                        bool
	}{
		{"by ID", brandingPath, "DescribeManagedLoginBranding",
			`{"UserPoolId":"` + poolID + `","ManagedLoginBrandingId":"` + brandingID + `"}`, true},
		{"by ID, merged with the defaults", brandingPath + "?ReturnMergedResources=true", "DescribeManagedLoginBranding",
			`{"UserPoolId":"` + poolID + `","ManagedLoginBrandingId":"` + brandingID + `","ReturnMergedResources":true}`, true},
		{"by client", "/pools/" + poolID + "/clients/" + clientID + "/branding?ReturnMergedResources=true", "DescribeManagedLoginBrandingByClient",
			`{"UserPoolId":"` + poolID + `","ClientId":"` + clientID + `","ReturnMergedResources":true}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(tc.action, cognitotest.Reply(describedBranding()))
			rec := serveStandIn(t, stub, "GET", tc.target, "", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if has := rec.Header().Get("ETag") != ""; has != tc.etag {
				t.Errorf("ETag %q, want one: %v", rec.Header().Get("ETag"), tc.etag)
			}
			assertSameJSON(t, tc.action+" input", sentBody(t, stub, tc.action), tc.input)
			want := strings.Replace(brandingStyle(brandingSettings, logoLight, logoDark, favicon),
				`"CreationDate":1.7e9,"LastModifiedDate":1.7e9`, `"CreationDate":"2023-11-14T22:13:20Z","LastModifiedDate":"2023-11-14T22:13:20Z"`, 1)
			assertSameJSON(t, "answer", rec.Body.Bytes(), want)
		})
	}
}

// TestPatchBrandingKeepsWhatItLeavesOut: a PATCH sends
// UpdateManagedLoginBranding the whole merged style, so that what the patch
// leaves out (the rest of Settings, its large numbers digit for digit, and
// every other asset) is sent again as it was. Settings merges as RFC 7396
// says; Assets by Category and ColorMode together.
func TestPatchBrandingKeepsWhatItLeavesOut(t *testing.T) {
	input := func(settings string, assets ...string) string {
		return `{"UserPoolId":"` + poolID + `","ManagedLoginBrandingId":"` + brandingID + `","Settings":` + settings +
			`,"Assets":[` + strings.Join(assets, ",") + `]}`
	}
	lightMode := strings.Replace(brandingSettings, `"colorSchemeMode":"DARK"`, `"colorSchemeMode":"LIGHT"`, 1)
	noForm := strings.Replace(brandingSettings, `,"form":{"borderRadius":8,"location":{"horizontal":"CENTER"}}`, ``, 1)
	newLogo := `{"Category":"FORM_LOGO","ColorMode":"LIGHT","Extension":"SVG","Bytes":"PHN2Zy8+","ResourceId":"logo-light"}`
	cases := []struct {
		name, patch, want string
	}{
		{"one nested setting changes, the rest of Settings and every asset stay",
			`{"Settings": {"categories": {"global": {"colorSchemeMode": "LIGHT"}}}}`,
			input(lightMode, logoLight, logoDark, favicon)},
		{"null removes a setting",
			`{"Settings": {"categories": {"form": null}}}`,
			input(noForm, logoLight, logoDark, favicon)},
		{"an asset merges into the one of its Category and ColorMode, in its place",
			`{"Assets": [{"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "SVG", "Bytes": "PHN2Zy8+"}]}`,
			input(brandingSettings, newLogo, logoDark, favicon)},
		{"a new Category and ColorMode is added at the end",
			`{"Assets": [{"Category": "FORM_LOGO", "ColorMode": "DYNAMIC", "Extension": "PNG", "Bytes": "` + imageOfEveryByte() + `"}]}`,
			input(brandingSettings, logoLight, logoDark, favicon,
				`{"Category":"FORM_LOGO","ColorMode":"DYNAMIC","Extension":"PNG","Bytes":"`+imageOfEveryByte()+`"}`)},
		{"an asset left with nothing but its key is deleted",
			`{"Assets": [{"Category": "FORM_LOGO", "ColorMode": "DARK", "Extension": null, "Bytes": null, "ResourceId": null}]}`,
			input(brandingSettings, logoLight, favicon)},
		{"UseCognitoProvidedValues false keeps Settings and Assets",
			`{"UseCognitoProvidedValues": false}`,
			input(brandingSettings, logoLight, logoDark, favicon)},
		{"UseCognitoProvidedValues true drops Settings and Assets",
			`{"UseCognitoProvidedValues": true}`,
			`{"UserPoolId":"` + poolID + `","ManagedLoginBrandingId":"` + brandingID + `","UseCognitoProvidedValues":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("DescribeManagedLoginBranding", cognitotest.Reply(describedBranding()))
			stub.Handle("UpdateManagedLoginBranding", cognitotest.Reply(describedBranding()))
			rec := serveStandIn(t, stub, "PATCH", brandingPath, tc.patch,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			assertSameJSON(t, "UpdateManagedLoginBranding input", sentBody(t, stub, "UpdateManagedLoginBranding"), tc.want)
			if got := callNames(stub); got != "DescribeManagedLoginBranding,UpdateManagedLoginBranding,DescribeManagedLoginBranding" {
				t.Errorf("calls %s", got)
			}
		})
	}
}

// TestPatchBrandingOnCognitosDefaultsDropsUseCognitoProvidedValues: Cognito
// refuses Settings alongside UseCognitoProvidedValues true, so a patch of
// Settings to a style on the defaults sends Settings alone.
func TestPatchBrandingOnCognitosDefaultsDropsUseCognitoProvidedValues(t *testing.T) {
	stub := cognitotest.New(t)
	onDefaults := json.RawMessage(`{"ManagedLoginBranding":{"ManagedLoginBrandingId":"` + brandingID + `","UserPoolId":"` + poolID + `","UseCognitoProvidedValues":true}}`)
	stub.Handle("DescribeManagedLoginBranding", cognitotest.Reply(onDefaults))
	stub.Handle("UpdateManagedLoginBranding", cognitotest.Reply(onDefaults))
	rec := serveStandIn(t, stub, "PATCH", brandingPath, `{"Settings": {"categories": {"global": {"colorSchemeMode": "DARK"}}}}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	assertSameJSON(t, "UpdateManagedLoginBranding input", sentBody(t, stub, "UpdateManagedLoginBranding"),
		`{"UserPoolId":"`+poolID+`","ManagedLoginBrandingId":"`+brandingID+`","Settings":{"categories":{"global":{"colorSchemeMode":"DARK"}}}}`)
}

// TestPatchBrandingDryRunAndIfMatch: a dry run answers with the merged
// input, Settings exact, and sends nothing; a stale If-Match is a 412 and
// sends nothing either.
func TestPatchBrandingDryRunAndIfMatch(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeManagedLoginBranding", cognitotest.Reply(describedBranding()))
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	rec := serveStandIn(t, stub, "PATCH", brandingPath+"?dryRun=true", `{"Assets": null}`, merge)
	if rec.Code != http.StatusOK {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	assertSameJSON(t, "dry run", rec.Body.Bytes(),
		`{"UserPoolId":"`+poolID+`","ManagedLoginBrandingId":"`+brandingID+`","UseCognitoProvidedValues":false,"Settings":`+brandingSettings+`}`)

	stale := map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": `"stale"`}
	rec = serveStandIn(t, stub, "PATCH", brandingPath, `{"Assets": null}`, stale)
	if rec.Code != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "DescribeManagedLoginBranding,DescribeManagedLoginBranding" {
		t.Errorf("calls %s", got)
	}
}

// TestPatchBrandingRefusesAnInvalidMergeBeforeCognito: the merged whole is
// checked against the PUT's schema.
func TestPatchBrandingRefusesAnInvalidMergeBeforeCognito(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeManagedLoginBranding", cognitotest.Reply(describedBranding()))
	rec := serveStandIn(t, stub, "PATCH", brandingPath,
		`{"Assets": [{"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": null}]}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "/Assets/0") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := callNames(stub); got != "DescribeManagedLoginBranding" {
		t.Errorf("calls %s", got)
	}
}

// TestReplaceAndDeleteBrandingSendTheExactInput: PUT sends the body as it
// is, Settings exact; DELETE names the style.
func TestReplaceAndDeleteBrandingSendTheExactInput(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeManagedLoginBranding", cognitotest.Reply(describedBranding()))
	stub.Handle("UpdateManagedLoginBranding", cognitotest.Reply(describedBranding()))
	stub.Handle("DeleteManagedLoginBranding", cognitotest.Reply(map[string]any{}))

	rec := serveStandIn(t, stub, "PUT", brandingPath, `{"Settings": `+brandingSettings+`}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	assertSameJSON(t, "UpdateManagedLoginBranding input", sentBody(t, stub, "UpdateManagedLoginBranding"),
		`{"UserPoolId":"`+poolID+`","ManagedLoginBrandingId":"`+brandingID+`","Settings":`+brandingSettings+`}`)

	rec = serveStandIn(t, stub, "DELETE", brandingPath, "", nil)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	assertSameJSON(t, "DeleteManagedLoginBranding input", sentBody(t, stub, "DeleteManagedLoginBranding"),
		`{"UserPoolId":"`+poolID+`","ManagedLoginBrandingId":"`+brandingID+`"}`)
}
