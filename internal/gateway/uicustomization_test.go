package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// moto lacks GetUICustomization and SetUICustomization: these tests run
// against the JSON-RPC stand-in.

const (
	uiPath       = "/pools/" + poolID + "/ui-customization"
	clientUIPath = "/pools/" + poolID + "/clients/" + clientID + "/ui-customization"
	bannerCSS    = ".banner-customizable {background-color: #2a5d8f;}"
)

// describedUI is the UICustomization Cognito answers with, for clientID
// (ALL for the pool's own).
func describedUI(clientID string) map[string]any {
	return map[string]any{"UICustomization": map[string]any{
		"UserPoolId": poolID, "ClientId": clientID,
		"ImageUrl": "https://d3oia8etllorh5.cloudfront.net/" + poolID + "/" + clientID + "/20231120170640/assets/images/image.jpg",
		"CSS":      bannerCSS, "CSSVersion": "20231120170640",
		"CreationDate": 1.7e9, "LastModifiedDate": 1.7005e9,
	}}
}

// everyByte is an image holding each of the 256 byte values, twice in
// opposite orders, so that no text decoding or re-encoding on the way
// could leave it as it was.
func everyByte() []byte {
	image := make([]byte, 0, 512)
	for i := range 256 {
		image = append(image, byte(i))
	}
	for i := range 256 {
		image = append(image, byte(255-i))
	}
	return image
}

// TestPutUICustomizationPassesTheImageBytesExactly: ImageFile is a blob,
// base64 in JSON as Cognito's own protocol carries it; the bytes Cognito
// receives are exactly the client's. The pool's own customization is
// Cognito's ALL client.
func TestPutUICustomizationPassesTheImageBytesExactly(t *testing.T) {
	image := everyByte()
	encoded := base64.StdEncoding.EncodeToString(image)
	for _, tc := range []struct{ target, client string }{{uiPath, "ALL"}, {clientUIPath, clientID}} {
		t.Run(tc.target, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("SetUICustomization", cognitotest.Reply(describedUI(tc.client)))
			rec := serveStandIn(t, stub, "PUT", tc.target, `{"CSS": "`+bannerCSS+`", "ImageFile": "`+encoded+`"}`, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			in := onlyInput(t, stub, "SetUICustomization")
			sent, _ := in["ImageFile"].(string)
			received, err := base64.StdEncoding.DecodeString(sent)
			if err != nil || !bytes.Equal(received, image) {
				t.Errorf("Cognito received ImageFile %q (%v), want the %d bytes sent", sent, err, len(image))
			}
			want := map[string]any{"UserPoolId": poolID, "ClientId": tc.client, "CSS": bannerCSS, "ImageFile": encoded}
			if !reflect.DeepEqual(in, want) {
				t.Errorf("SetUICustomization input\n%v\nwant\n%v", in, want)
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got["ClientId"] != tc.client || got["ImageUrl"] == nil || got["CSSVersion"] != "20231120170640" {
				t.Errorf("PUT answers %v, want the customization Cognito answered with", got)
			}
		})
	}
}

// TestUICustomizationImageIsCheckedBeforeCognito: an ImageFile that is not
// standard padded base64, or whose bytes exceed the 131072 that the API
// reference allows, is a 400 that names it, and Cognito is not called. The
// largest allowed image passes.
func TestUICustomizationImageIsCheckedBeforeCognito(t *testing.T) {
	largest := base64.StdEncoding.EncodeToString(make([]byte, 131072))
	tooLarge := base64.StdEncoding.EncodeToString(make([]byte, 131073))
	cases := []struct {
		name, image string
		status      int
	}{
		{"not base64", "not base64!", http.StatusBadRequest},
		{"URL-safe alphabet", base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff}), http.StatusBadRequest},
		{"unpadded", base64.RawStdEncoding.EncodeToString([]byte("logo")), http.StatusBadRequest},
		{"line breaks", "iVBO\nRw0K", http.StatusBadRequest},
		{"131073 bytes", tooLarge, http.StatusBadRequest},
		{"131072 bytes", largest, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("SetUICustomization", cognitotest.Reply(describedUI(clientID)))
			body, _ := json.Marshal(map[string]any{"ImageFile": tc.image})
			rec := serveStandIn(t, stub, "PUT", clientUIPath, string(body), nil)
			if rec.Code != tc.status {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != http.StatusOK {
				if !strings.Contains(rec.Body.String(), "ImageFile") {
					t.Errorf("the 400 does not name ImageFile: %s", rec.Body)
				}
				if calls := stub.Calls(); len(calls) != 0 {
					t.Errorf("Cognito was called: %s", callNames(stub))
				}
			}
		})
	}
}

// TestGetUICustomizationAsksForTheRightClient: the pool's own customization
// is Cognito's ALL client, a client's is its own; the answer is Cognito's,
// times as RFC 3339.
func TestGetUICustomizationAsksForTheRightClient(t *testing.T) {
	for _, tc := range []struct{ target, client string }{{uiPath, "ALL"}, {clientUIPath, clientID}} {
		t.Run(tc.target, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("GetUICustomization", cognitotest.Reply(describedUI(tc.client)))
			rec := serveStandIn(t, stub, "GET", tc.target, "", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if in := onlyInput(t, stub, "GetUICustomization"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID, "ClientId": tc.client}) {
				t.Errorf("GetUICustomization input %v", in)
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			want := describedUI(tc.client)["UICustomization"].(map[string]any)
			want["CreationDate"], want["LastModifiedDate"] = "2023-11-14T22:13:20Z", "2023-11-20T17:06:40Z"
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GET answers\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestFixedInputIsCheckedAtStartUp: an x-cognito-input member that the
// action does not take, or a value that is not a string, would be lost on
// the way to Cognito; it is a mistake in the spec, found at start-up.
func TestFixedInputIsCheckedAtStartUp(t *testing.T) {
	for _, fixed := range []any{map[string]any{"ClientID": "ALL"}, map[string]any{"ClientId": 1}, "ALL"} {
		op := specOp(t, loadSpec(t), "GET", "/pools/{poolId}/ui-customization")
		op.Extensions[extInput] = fixed
		_, err := compileOperation("GET", "/pools/{poolId}/ui-customization", &openapi3.PathItem{}, op, cognito.Actions())
		if err == nil || !strings.Contains(err.Error(), extInput) {
			t.Errorf("%v compiled with error %v, want one naming %s", fixed, err, extInput)
		}
	}
}
