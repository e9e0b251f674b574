package gateway

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

const smsRoleARN = "arn:aws:iam::123456789012:role/sms"

// setSMSAndTOTP turns on SMS and TOTP MFA behind the gateway's back.
func setSMSAndTOTP(t *testing.T, m *motoGateway, pool string) {
	t.Helper()
	_, err := m.Direct.SetUserPoolMfaConfig(context.Background(), &cip.SetUserPoolMfaConfigInput{
		UserPoolId:       &pool,
		MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration: &types.SmsMfaConfigType{
			SmsAuthenticationMessage: aws.String("Code {####}"),
			SmsConfiguration:         &types.SmsConfigurationType{SnsCallerArn: aws.String(smsRoleARN), ExternalId: aws.String("pool-sms")},
		},
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mfaConfig(t *testing.T, m *motoGateway, pool string) *cip.GetUserPoolMfaConfigOutput {
	t.Helper()
	out, err := m.Direct.GetUserPoolMfaConfig(context.Background(), &cip.GetUserPoolMfaConfigInput{UserPoolId: &pool})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPatchMfaKeepsTOTPAgainstMoto: SetUserPoolMfaConfig turns off a factor
// it is not given, so a PATCH of the SMS message alone must send TOTP again.
func TestPatchMfaKeepsTOTPAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "mfa")
	setSMSAndTOTP(t, m, pool)

	var patched map[string]any
	resp := m.do(t, "PATCH", "/pools/"+pool+"/mfa", `{"SmsMfaConfiguration": {"SmsAuthenticationMessage": "Your code is {####}"}}`,
		map[string]string{"Content-Type": "application/merge-patch+json"}, &patched)
	expect(t, resp, http.StatusOK)
	if resp.Header.Get("ETag") == "" {
		t.Errorf("PATCH answer has no ETag: %v", patched)
	}

	out := mfaConfig(t, m, pool)
	if out.SoftwareTokenMfaConfiguration == nil || !out.SoftwareTokenMfaConfiguration.Enabled {
		t.Errorf("TOTP is off after a PATCH of the SMS message: %+v", out.SoftwareTokenMfaConfiguration)
	}
	if out.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Errorf("MfaConfiguration %q, want OPTIONAL", out.MfaConfiguration)
	}
	sms := out.SmsMfaConfiguration
	if sms == nil || aws.ToString(sms.SmsAuthenticationMessage) != "Your code is {####}" ||
		sms.SmsConfiguration == nil || aws.ToString(sms.SmsConfiguration.SnsCallerArn) != smsRoleARN ||
		aws.ToString(sms.SmsConfiguration.ExternalId) != "pool-sms" {
		t.Errorf("SMS configuration after PATCH: %+v", sms)
	}
}

// TestPutMfaReplacesTheWholeConfigurationAgainstMoto: PUT keeps Cognito's
// semantics, so a factor left out of the body is turned off.
func TestPutMfaReplacesTheWholeConfigurationAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "mfa")
	setSMSAndTOTP(t, m, pool)

	var got map[string]any
	resp := m.do(t, "PUT", "/pools/"+pool+"/mfa", `{"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": true}}`, nil, &got)
	expect(t, resp, http.StatusOK)
	want := map[string]any{"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": map[string]any{"Enabled": true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PUT answer %v, want %v", got, want)
	}
	if out := mfaConfig(t, m, pool); out.SmsMfaConfiguration != nil {
		t.Errorf("SMS configuration kept by a PUT that left it out: %+v", out.SmsMfaConfiguration)
	}
}

func TestPatchMfaWithStaleIfMatchOrDryRunChangesNothingAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "mfa")
	setSMSAndTOTP(t, m, pool)
	target := "/pools/" + pool + "/mfa"

	var got map[string]any
	resp := m.do(t, "GET", target, "", nil, &got)
	expect(t, resp, http.StatusOK)
	etag := resp.Header.Get("ETag")
	if etag == "" || got["MfaConfiguration"] != "OPTIONAL" {
		t.Fatalf("GET: %v, ETag %q", got, etag)
	}

	patch := `{"SoftwareTokenMfaConfiguration": null}`
	expect(t, m.do(t, "PATCH", target, patch, map[string]string{"If-Match": `"stale"`}, nil), http.StatusPreconditionFailed)

	var preview map[string]any
	expect(t, m.do(t, "PATCH", target+"?dryRun=true", patch, nil, &preview), http.StatusOK)
	want := map[string]any{
		"UserPoolId":       pool,
		"MfaConfiguration": "OPTIONAL",
		"SmsMfaConfiguration": map[string]any{
			"SmsAuthenticationMessage": "Code {####}",
			"SmsConfiguration":         map[string]any{"SnsCallerArn": smsRoleARN, "ExternalId": "pool-sms"},
		},
	}
	if !reflect.DeepEqual(preview, want) {
		t.Errorf("dry run preview %v, want %v", preview, want)
	}
	if out := mfaConfig(t, m, pool); out.SoftwareTokenMfaConfiguration == nil || !out.SoftwareTokenMfaConfiguration.Enabled {
		t.Errorf("a refused or dry-run PATCH turned TOTP off")
	}
	if again := m.do(t, "GET", target, "", nil, nil).Header.Get("ETag"); again != etag {
		t.Errorf("ETag moved from %s to %s", etag, again)
	}

	// The current ETag lets the change through.
	expect(t, m.do(t, "PATCH", target, patch, map[string]string{"If-Match": etag}, nil), http.StatusOK)
	if out := mfaConfig(t, m, pool); out.SoftwareTokenMfaConfiguration != nil && out.SoftwareTokenMfaConfiguration.Enabled {
		t.Errorf("PATCH with null left TOTP on")
	}
}

// TestPatchMfaRefusesAnInvalidResultBeforeCognito: the merged whole is held
// to the PUT schema, so a patch that makes the SMS message lose its code
// placeholder is a 400 and nothing is set.
func TestPatchMfaRefusesAnInvalidResultBeforeCognito(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "mfa")
	setSMSAndTOTP(t, m, pool)
	expect(t, m.do(t, "PATCH", "/pools/"+pool+"/mfa", `{"SmsMfaConfiguration": {"SmsAuthenticationMessage": "no placeholder"}}`, nil, nil), http.StatusBadRequest)
	if out := mfaConfig(t, m, pool); aws.ToString(out.SmsMfaConfiguration.SmsAuthenticationMessage) != "Code {####}" {
		t.Errorf("an invalid PATCH changed the SMS message: %+v", out.SmsMfaConfiguration)
	}
}

// describedMfa is GetUserPoolMfaConfig's answer as the API reference shows
// it, with every factor set; moto keeps neither email nor passkey settings.
func describedMfa() map[string]any {
	return map[string]any{
		"MfaConfiguration":              "OPTIONAL",
		"SmsMfaConfiguration":           map[string]any{"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": map[string]any{"SnsCallerArn": smsRoleARN, "SnsRegion": "us-east-1"}},
		"SoftwareTokenMfaConfiguration": map[string]any{"Enabled": true},
		"EmailMfaConfiguration":         map[string]any{"Message": "Your code is {####}", "Subject": "Sign-in code"},
		"WebAuthnConfiguration":         map[string]any{"RelyingPartyId": "auth.example.com", "UserVerification": "preferred", "FactorConfiguration": "SINGLE_FACTOR"},
	}
}

// TestPatchMfaSendsEveryFactorAgain pins the exact SetUserPoolMfaConfig
// input of a PATCH that changes one SMS member: each factor it does not
// mention is sent as described, or Cognito would turn it off.
func TestPatchMfaSendsEveryFactorAgain(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("GetUserPoolMfaConfig", cognitotest.Reply(describedMfa()))
	stub.Handle("SetUserPoolMfaConfig", cognitotest.Reply(describedMfa()))
	rec := serveStandIn(t, stub, "PATCH", "/pools/"+poolID+"/mfa",
		`{"SmsMfaConfiguration": {"SmsConfiguration": {"SnsRegion": "eu-west-1"}}}`,
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := describedMfa()
	want["UserPoolId"] = poolID
	want["SmsMfaConfiguration"].(map[string]any)["SmsConfiguration"].(map[string]any)["SnsRegion"] = "eu-west-1"
	if in := onlyInput(t, stub, "SetUserPoolMfaConfig"); !reflect.DeepEqual(in, want) {
		t.Errorf("SetUserPoolMfaConfig input\n%v\nwant\n%v", in, want)
	}
	if got := callNames(stub); got != "GetUserPoolMfaConfig,SetUserPoolMfaConfig,GetUserPoolMfaConfig" {
		t.Errorf("calls %s", got)
	}
}
