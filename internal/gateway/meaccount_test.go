package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// Issue 15's /me slice: attribute verification, sign-in factors, passkeys
// and devices. moto 5.2.1 has none of these actions, so each is pinned
// here against the stand-in: the exact X-Amz-Target and input, and
// Cognito's answer as its API reference gives it.

const (
	myDeviceKey  = "us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	credentialID = "AQIDBAUGBwgJCgsMDQ4PEA"
	// The secrets of this slice, each unlike anything else a test sends,
	// so that finding one in an answer or a log line is never chance.
	verificationCode  = "731904"
	passwordVerifier  = "UGFzc3dvcmRWZXJpZmllcjczMTk="
	deviceSalt        = "U2FsdDQ4MjE5"
	webAuthnChallenge = "Q2hhbGxlbmdlLTU1MjA5MTc"
	clientDataJSON    = "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiUTJoaGJHeGxibWRsIn0"
	attestation       = "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjE"
)

// creationOptions is a CredentialCreationOptions document as Cognito
// answers it, with numbers a float64 would round and unicode, so that a
// round trip that is not exact shows.
const creationOptions = `{"challenge":"` + webAuthnChallenge + `","rp":{"id":"auth.example.com","name":"Exämple 日本"},` +
	`"user":{"id":"dXNlci1hZGE","name":"ada","displayName":"Ada 😀"},` +
	`"pubKeyCredParams":[{"alg":-7,"type":"public-key"},{"alg":-257,"type":"public-key"}],` +
	`"timeout":12345678901234567890,"ratio":0.1,"excludeCredentials":[],"hints":null,` +
	`"authenticatorSelection":{"residentKey":"required","userVerification":"preferred"}}`

// registeredCredential is the PublicKeyCredential a browser makes.
const registeredCredential = `{"id":"` + credentialID + `","rawId":"` + credentialID + `","type":"public-key",` +
	`"response":{"clientDataJSON":"` + clientDataJSON + `","attestationObject":"` + attestation + `","transports":["internal","hybrid"]},` +
	`"authenticatorAttachment":"platform","clientExtensionResults":{"credProps":{"rk":true}},"n":12345678901234567890}`

func TestMeVerificationPasskeysAndDevicesPassTheTokenAsAccessToken(t *testing.T) {
	runCognitoExchanges(t, []cognitoExchange{
		{name: "send a verification code", method: "POST", target: "/me/attributes/email/verification-code", header: bearer,
			action: "GetUserAttributeVerificationCode",
			reply: cognitotest.Reply(map[string]any{"CodeDeliveryDetails": map[string]any{
				"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}}),
			input:  map[string]any{"AccessToken": accessToken, "AttributeName": "email"},
			status: 200, answer: map[string]any{"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}},
		{name: "send a code for a percent-encoded custom attribute, with client metadata", method: "POST",
			target: "/me/attributes/custom%3Aphone/verification-code", header: bearer,
			body:   `{"ClientMetadata": {"source": "profile"}}`,
			action: "GetUserAttributeVerificationCode",
			reply: cognitotest.Reply(map[string]any{"CodeDeliveryDetails": map[string]any{
				"AttributeName": "custom:phone", "DeliveryMedium": "SMS", "Destination": "+*******0100"}}),
			input:  map[string]any{"AccessToken": accessToken, "AttributeName": "custom:phone", "ClientMetadata": map[string]any{"source": "profile"}},
			status: 200, answer: map[string]any{"AttributeName": "custom:phone", "DeliveryMedium": "SMS", "Destination": "+*******0100"}},
		{name: "verify an attribute", method: "POST", target: "/me/attributes/email/verify", header: bearer,
			body:   `{"Code": "` + verificationCode + `"}`,
			action: "VerifyUserAttribute", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "AttributeName": "email", "Code": verificationCode},
			status: 204},
		{name: "verify a custom attribute", method: "POST", target: "/me/attributes/custom:phone/verify", header: bearer,
			body:   `{"Code": "` + verificationCode + `"}`,
			action: "VerifyUserAttribute", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "AttributeName": "custom:phone", "Code": verificationCode},
			status: 204},
		{name: "a wrong code is a 400 that does not repeat it", method: "POST", target: "/me/attributes/email/verify", header: bearer,
			body:   `{"Code": "` + verificationCode + `"}`,
			action: "VerifyUserAttribute", reply: cognitotest.Fail(400, "CodeMismatchException", "Invalid verification code provided, please try again."),
			input:  map[string]any{"AccessToken": accessToken, "AttributeName": "email", "Code": verificationCode},
			status: 400, has: []string{`"code":"CodeMismatchException"`}},
		{name: "get my auth factors", method: "GET", target: "/me/auth-factors", header: bearer,
			action: "GetUserAuthFactors",
			reply: cognitotest.Reply(map[string]any{"Username": "ada", "ConfiguredUserAuthFactors": []any{"PASSWORD", "WEB_AUTHN"},
				"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": []any{"SOFTWARE_TOKEN_MFA"}}),
			input:  map[string]any{"AccessToken": accessToken},
			status: 200, answer: map[string]any{"Username": "ada", "ConfiguredUserAuthFactors": []any{"PASSWORD", "WEB_AUTHN"},
				"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": []any{"SOFTWARE_TOKEN_MFA"}}},
		{name: "list my passkeys", method: "GET", target: "/me/passkeys?Limit=20", header: bearer,
			action: "ListWebAuthnCredentials",
			reply: cognitotest.Reply(map[string]any{"Credentials": []any{map[string]any{
				"CredentialId": credentialID, "FriendlyCredentialName": "Ada's phone", "RelyingPartyId": "auth.example.com",
				"AuthenticatorAttachment": "platform", "AuthenticatorTransports": []any{"internal"}, "CreatedAt": 1.7e9}},
				"NextToken": "next+page=="}),
			input:  map[string]any{"AccessToken": accessToken, "MaxResults": 20.0},
			status: 200, has: []string{`"CredentialId":"` + credentialID + `"`, `"CreatedAt":"2023-11-14T22:13:20Z"`, `"NextToken":"`}},
		{name: "delete a passkey", method: "DELETE", target: "/me/passkeys/" + credentialID, header: bearer,
			action: "DeleteWebAuthnCredential", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "CredentialId": credentialID},
			status: 204},
		{name: "start a passkey registration", method: "POST", target: "/me/passkeys/registration", header: bearer,
			action: "StartWebAuthnRegistration",
			reply:  cognitotest.Reply(json.RawMessage(`{"CredentialCreationOptions":` + creationOptions + `}`)),
			input:  map[string]any{"AccessToken": accessToken},
			status: 200, headers: map[string]string{"Cache-Control": "no-store"}, has: []string{`"challenge":"` + webAuthnChallenge + `"`}},
		{name: "complete a passkey registration", method: "PUT", target: "/me/passkeys/registration", header: bearer,
			body:   `{"Credential": {"id": "` + credentialID + `", "type": "public-key", "response": {"clientDataJSON": "` + clientDataJSON + `"}}}`,
			action: "CompleteWebAuthnRegistration", reply: cognitotest.Reply(map[string]any{}),
			input: map[string]any{"AccessToken": accessToken, "Credential": map[string]any{"id": credentialID, "type": "public-key",
				"response": map[string]any{"clientDataJSON": clientDataJSON}}},
			status: 204},
		{name: "confirm a device", method: "POST", target: "/me/devices", header: bearer,
			body: `{"DeviceKey": "` + myDeviceKey + `", "DeviceName": "Ada's laptop", ` +
				`"DeviceSecretVerifierConfig": {"PasswordVerifier": "` + passwordVerifier + `", "Salt": "` + deviceSalt + `"}}`,
			action: "ConfirmDevice", reply: cognitotest.Reply(map[string]any{"UserConfirmationNecessary": true}),
			input: map[string]any{"AccessToken": accessToken, "DeviceKey": myDeviceKey, "DeviceName": "Ada's laptop",
				"DeviceSecretVerifierConfig": map[string]any{"PasswordVerifier": passwordVerifier, "Salt": deviceSalt}},
			status: 200, answer: map[string]any{"UserConfirmationNecessary": true}},
		{name: "stop remembering a device", method: "PATCH", target: "/me/devices/" + myDeviceKey, header: bearer,
			body:   `{"DeviceRememberedStatus": "not_remembered"}`,
			action: "UpdateDeviceStatus", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "DeviceKey": myDeviceKey, "DeviceRememberedStatus": "not_remembered"},
			status: 204},
		{name: "forget a device", method: "DELETE", target: "/me/devices/" + myDeviceKey, header: bearer,
			action: "ForgetDevice", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "DeviceKey": myDeviceKey},
			status: 204},
	})
}

// TestPasskeyRegistrationRoundTripsExactly: the CredentialCreationOptions
// Cognito answers reach the browser, and the Credential the browser made
// reaches Cognito, member for member and digit for digit, whatever they
// hold; and the answer, which carries the challenge, is never cached.
func TestPasskeyRegistrationRoundTripsExactly(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("StartWebAuthnRegistration", cognitotest.Reply(json.RawMessage(`{"CredentialCreationOptions":`+creationOptions+`}`)))
	stub.Handle("CompleteWebAuthnRegistration", cognitotest.Reply(map[string]any{}))

	rec := serveStandIn(t, stub, "POST", "/me/passkeys/registration", "", bearer)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d, Cache-Control %q: %s", rec.Code, rec.Header().Get("Cache-Control"), rec.Body)
	}
	assertSameJSON(t, "answer", rec.Body.Bytes(), `{"CredentialCreationOptions":`+creationOptions+`}`)

	rec = serveStandIn(t, stub, "PUT", "/me/passkeys/registration", `{"Credential": `+registeredCredential+`}`, bearer)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	assertSameJSON(t, "CompleteWebAuthnRegistration input", sentBody(t, stub, "CompleteWebAuthnRegistration"),
		`{"AccessToken":"`+accessToken+`","Credential":`+registeredCredential+`}`)
}

// TestEveryMeOperationRefusesAnotherPoolsTokenBeforeCognito: under an
// allow-list, every /me route, each with a valid request from the spec's
// examples, answers a token of a pool outside the list with 403 and never
// calls Cognito.
func TestEveryMeOperationRefusesAnotherPoolsTokenBeforeCognito(t *testing.T) {
	other := tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", "sub": "s"})
	stub := cognitotest.New(t)
	g := gatewayWith(t, stub, Options{AllowedPools: []string{poolID}})
	operations := 0
	for path, item := range loadSpec(t).Paths.Map() {
		if path != "/me" && !strings.HasPrefix(path, "/me/") {
			continue
		}
		for method, op := range item.Operations() {
			operations++
			var body string
			if op.RequestBody != nil {
				if media := op.RequestBody.Value.Content.Get("application/json"); media != nil && media.Example != nil {
					body = toJSON(t, media.Example)
				}
			}
			req := httptest.NewRequest(method, exampleTarget(t, path)+"?Names=nickname", strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", "Bearer "+other)
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s %s: %d, want 403: %s", method, path, rec.Code, rec.Body)
			}
		}
	}
	if operations == 0 {
		t.Fatal("no /me operation in the spec")
	}
	if calls := callNames(stub); calls != "" {
		t.Errorf("Cognito was called: %s", calls)
	}
}

// TestMeSecretsStayOutOfAnswersAndLogs: the verification code, the device
// verifier and the passkey material reach no answer (a refused request's
// included) and no log or audit line, whether Cognito takes the request,
// refuses it or the gateway refuses it first. The logger here does not
// redact: the gateway must not write them in the first place.
func TestMeSecretsStayOutOfAnswersAndLogs(t *testing.T) {
	secrets := []string{verificationCode, passwordVerifier, deviceSalt, webAuthnChallenge, clientDataJSON, attestation}
	requests := []struct{ method, target, body string }{
		{"POST", "/me/attributes/email/verify", `{"Code": "` + verificationCode + `"}`},
		// Invalid: the code has a space; the gateway refuses it itself.
		{"POST", "/me/attributes/email/verify", `{"Code": "` + verificationCode + ` ` + verificationCode + `"}`},
		{"POST", "/me/devices", `{"DeviceKey": "` + myDeviceKey + `", "DeviceSecretVerifierConfig": {"PasswordVerifier": "` + passwordVerifier + `", "Salt": "` + deviceSalt + `"}}`},
		// Invalid: an unknown member beside the secrets.
		{"POST", "/me/devices", `{"DeviceKey": "` + myDeviceKey + `", "DeviceSecretVerifierConfig": {"PasswordVerifier": "` + passwordVerifier + `", "Salt": "` + deviceSalt + `", "Extra": 1}}`},
		{"POST", "/me/passkeys/registration", ""},
		{"PUT", "/me/passkeys/registration", `{"Credential": ` + registeredCredential + `}`},
		// Invalid: Credential is not an object.
		{"PUT", "/me/passkeys/registration", `{"Credential": "` + clientDataJSON + `"}`},
	}
	for _, cognitoAnswer := range []struct {
		name  string
		reply func(action string) cognitotest.Handler
	}{
		{"Cognito takes it", func(action string) cognitotest.Handler {
			if action == "StartWebAuthnRegistration" {
				return cognitotest.Reply(json.RawMessage(`{"CredentialCreationOptions":` + creationOptions + `}`))
			}
			return cognitotest.Reply(map[string]any{})
		}},
		{"Cognito refuses it", func(string) cognitotest.Handler {
			return cognitotest.Fail(400, "CodeMismatchException", "Invalid code provided, please try again.")
		}},
		{"Cognito fails", func(string) cognitotest.Handler {
			return cognitotest.Fail(500, "InternalErrorException", "internal error")
		}},
	} {
		t.Run(cognitoAnswer.name, func(t *testing.T) {
			var logs bytes.Buffer
			stub := cognitotest.New(t)
			for _, action := range []string{"VerifyUserAttribute", "ConfirmDevice", "StartWebAuthnRegistration", "CompleteWebAuthnRegistration"} {
				stub.Handle(action, cognitoAnswer.reply(action))
			}
			g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			for _, r := range requests {
				req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
				if r.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", "Bearer "+accessToken)
				rec := spectest.New(t).Serve(t, g, req)
				for _, secret := range secrets {
					// Only the challenge's own answer may carry it.
					if strings.Contains(rec.Body.String(), secret) && !(rec.Code == http.StatusOK && secret == webAuthnChallenge) {
						t.Errorf("%s %s (%d) answers a secret: %s", r.method, r.target, rec.Code, rec.Body)
					}
				}
			}
			if !strings.Contains(logs.String(), `"msg":"audit"`) {
				t.Fatalf("no audit line: %s", logs.String())
			}
			for _, secret := range secrets {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("a secret, %s, is logged: %s", secret, logs.String())
				}
			}
		})
	}
}
