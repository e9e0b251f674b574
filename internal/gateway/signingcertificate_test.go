package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// TestGetSigningCertificateAnswersTheCertificate: moto lacks
// GetSigningCertificate, so the stand-in answers as the API reference
// shows it, and the gateway answers with the certificate, asking for the
// path's pool.
func TestGetSigningCertificateAnswersTheCertificate(t *testing.T) {
	const certificate = "MIICvTCCAaWgAwIBAgIJAIf5Zm0lbkhqMA0GCSqGSIb3DQEBCwUAMB8xHTAbBgNVBAMMFHVzLWVhc3QtMV9FeGFtcGxlMQ=="
	stub := cognitotest.New(t)
	stub.Handle("GetSigningCertificate", cognitotest.Reply(map[string]any{"Certificate": certificate}))
	rec := serveStandIn(t, stub, "GET", "/pools/"+poolID+"/signing-certificate", "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"Certificate": certificate}; !reflect.DeepEqual(got, want) {
		t.Errorf("GET answers %v, want %v", got, want)
	}
	if in := onlyInput(t, stub, "GetSigningCertificate"); !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID}) {
		t.Errorf("GetSigningCertificate input %v", in)
	}
}

// TestGetSigningCertificateOfAnUnknownPoolIs404: Cognito's
// ResourceNotFoundException is the gateway's 404.
func TestGetSigningCertificateOfAnUnknownPoolIs404(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("GetSigningCertificate", cognitotest.Fail(http.StatusBadRequest, "ResourceNotFoundException", "User pool "+poolID+" does not exist."))
	rec := serveStandIn(t, stub, "GET", "/pools/"+poolID+"/signing-certificate", "", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("%d %s, want 404", rec.Code, rec.Body)
	}
}
