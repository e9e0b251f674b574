package cognito

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// settings is a managed-login Settings document with every JSON shape, and
// numbers a float64 would round.
const settings = `{"categories":{"global":{"colorSchemeMode":"DARK","pageHeader":{"enabled":false},"spacingDensity":"REGULAR"}},` +
	`"components":{"primaryButton":{"darkMode":{"defaults":{"backgroundColor":"ff9900ff"}}}},` +
	`"big":12345678901234567890,"tenth":0.1,"negative":-3.25e-8,"zero":0,"list":[1,"two",null,true,{"deep":[[]]}],` +
	`"none":null,"yes":true,"no":false,"text":"é 日本 \u2028 <b>&amp;</b> \"quoted\" \\ 😀"}`

// allBytes is an image of every byte value.
func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// sameJSON reports whether two JSON texts are the same value, numbers
// compared as their literals.
func sameJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	g, err := decodeExact(got)
	if err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	w, err := decodeExact(want)
	if err != nil {
		t.Fatalf("%s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// TestDocumentAndBlobInputsReachCognitoExactly: a document.Interface member
// (Settings) cannot be decoded by encoding/json at all; decoded by type, it
// reaches Cognito with its numbers as written, and an asset's bytes arrive
// as the same 256 bytes.
func TestDocumentAndBlobInputsReachCognitoExactly(t *testing.T) {
	image := base64.StdEncoding.EncodeToString(allBytes())
	input := `{"UserPoolId":"us-east-1_Example","ClientId":"client","ManagedLoginBrandingId":"id","Settings":` + settings +
		`,"Assets":[{"Category":"FORM_LOGO","ColorMode":"LIGHT","Extension":"PNG","Bytes":"` + image + `"}]}`
	for _, name := range []string{"CreateManagedLoginBranding", "UpdateManagedLoginBranding"} {
		t.Run(name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(name, cognitotest.Reply(map[string]any{}))
			if _, err := Actions()[name].Call(context.Background(), stub.Client(), []byte(input)); err != nil {
				t.Fatal(err)
			}
			var sent struct {
				Settings json.RawMessage
				Assets   []struct{ Bytes []byte }
			}
			body := stub.Calls()[0].Body
			if err := json.Unmarshal(body, &sent); err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, sent.Settings, []byte(settings)) {
				t.Errorf("Settings sent\n%s\nwant\n%s", sent.Settings, settings)
			}
			if len(sent.Assets) != 1 || !bytes.Equal(sent.Assets[0].Bytes, allBytes()) {
				t.Errorf("Assets sent %s", body)
			}
		})
	}
}

// TestDocumentAndBlobOutputsAnswerExactly: Settings as Cognito answers it
// comes out of AppendJSON and Document the same JSON value, numbers and
// all, and Bytes as the base64 Cognito sent, not a list of numbers.
func TestDocumentAndBlobOutputsAnswerExactly(t *testing.T) {
	image := base64.StdEncoding.EncodeToString(allBytes())
	branding := `{"ManagedLoginBrandingId":"id","UserPoolId":"us-east-1_Example","UseCognitoProvidedValues":false,` +
		`"Settings":` + settings + `,"Assets":[{"Category":"FORM_LOGO","ColorMode":"LIGHT","Extension":"PNG","Bytes":"` + image + `"}]}`
	answer := json.RawMessage(`{"ManagedLoginBranding":` + branding + `}`)
	stub := cognitotest.New(t)
	stub.Handle("DescribeManagedLoginBranding", func(map[string]any) (int, any) { return http.StatusOK, answer })
	out, err := Actions()["DescribeManagedLoginBranding"].Call(context.Background(), stub.Client(),
		[]byte(`{"UserPoolId":"us-east-1_Example","ManagedLoginBrandingId":"id"}`))
	resource, _ := Member(out, "ManagedLoginBranding")
	if err != nil {
		t.Fatal(err)
	}
	for _, escapeHTML := range []bool{true, false} {
		encoded, err := AppendJSON(nil, resource, Filter{}, escapeHTML)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, encoded, []byte(branding)) {
			t.Errorf("escapeHTML %v: AppendJSON\n%s\nwant\n%s", escapeHTML, encoded, branding)
		}
	}
	tree, err := json.Marshal(Document(resource))
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, tree, []byte(branding)) {
		t.Errorf("Document\n%s\nwant\n%s", tree, branding)
	}
}
