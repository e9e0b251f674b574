package gateway

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// Issue 15's /me password, sign-out, MFA preference and TOTP enrolment.
// moto 5.2.1 implements all five actions (ChangePassword, GlobalSignOut,
// SetUserMFAPreference, AssociateSoftwareToken, VerifySoftwareToken), and
// mototest has it check TOTP codes, so the flows run against it with real
// tokens; the stand-in pins the exact input and Cognito's own refusals.

// totpCode is the code an authenticator app loaded with secret shows now.
// It waits out the last seconds of a 30-second step first, so that the
// server, which checks the current step only, sees the same step.
func totpCode(t *testing.T, secret string) string {
	t.Helper()
	if left := 30 - time.Now().Unix()%30; left < 3 {
		time.Sleep(time.Duration(left) * time.Second)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestMeTOTPEnrolmentAgainstMoto is the whole enrolment of an
// authenticator app: associate, verify a code computed from the secret,
// set the preference, and see with another client that MFA is on.
func TestMeTOTPEnrolmentAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool, token := signIn(t, m, "ada", "Correct-Horse-9")
	auth := map[string]string{"Authorization": "Bearer " + token}

	var associated map[string]any
	resp := m.do(t, "POST", "/me/software-token", "", auth, &associated)
	expect(t, resp, http.StatusOK)
	secret, _ := associated["SecretCode"].(string)
	if secret == "" || len(associated) != 1 {
		t.Fatalf("POST /me/software-token: %v", associated)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}

	code := totpCode(t, secret)
	n, _ := strconv.Atoi(code)
	wrong := fmt.Sprintf("%06d", (n+1)%1000000)
	var mismatch map[string]any
	resp = m.do(t, "POST", "/me/software-token/verify", `{"UserCode": "`+wrong+`"}`, auth, &mismatch)
	expect(t, resp, http.StatusBadRequest)
	if mismatch["code"] != "CodeMismatchException" {
		t.Errorf("a wrong code: %v", mismatch)
	}
	if strings.Contains(toJSON(t, mismatch), wrong) {
		t.Errorf("the answer repeats the code: %v", mismatch)
	}
	// The pool has no MFA until the user's preference is set.
	if _, err := m.Direct.SetUserPoolMfaConfig(context.Background(), &cip.SetUserPoolMfaConfigInput{
		UserPoolId: &pool, MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}

	var verified map[string]any
	expect(t, m.do(t, "POST", "/me/software-token/verify",
		`{"UserCode": "`+totpCode(t, secret)+`", "FriendlyDeviceName": "Ada's phone"}`, auth, &verified), http.StatusOK)
	if verified["Status"] != "SUCCESS" || len(verified) != 1 {
		t.Errorf("POST /me/software-token/verify: %v", verified)
	}
	expect(t, m.do(t, "PUT", "/me/mfa-preference",
		`{"SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}`, auth, nil), http.StatusNoContent)

	user, err := m.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ada")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(user.UserMFASettingList, "SOFTWARE_TOKEN_MFA") || aws.ToString(user.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("after enrolment: UserMFASettingList %v, PreferredMfaSetting %q", user.UserMFASettingList, aws.ToString(user.PreferredMfaSetting))
	}
}

// TestMeMFAPreferenceNeedsAVerifiedTokenAgainstMoto: an authenticator app
// that was never verified cannot be turned on.
func TestMeMFAPreferenceNeedsAVerifiedTokenAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	_, token := signIn(t, m, "ada", "Correct-Horse-9")
	auth := map[string]string{"Authorization": "Bearer " + token}
	expect(t, m.do(t, "PUT", "/me/mfa-preference",
		`{"SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}`, auth, nil), http.StatusBadRequest)
}

// TestMeChangePasswordAgainstMoto: a wrong current password is a 403 that
// does not ask to sign in again, a password the pool's policy refuses is a
// 400, and neither answer repeats a password; the right one changes it.
func TestMeChangePasswordAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool, token := signIn(t, m, "ada", "Correct-Horse-9")
	auth := map[string]string{"Authorization": "Bearer " + token}
	body := func(previous, proposed string) string {
		return `{"PreviousPassword": "` + previous + `", "ProposedPassword": "` + proposed + `"}`
	}
	cases := []struct {
		name, previous, proposed string
		status                   int
		code                     string
	}{
		{"a wrong current password", "Wrong-Horse-7", "Battery-Staple-10", http.StatusForbidden, "NotAuthorizedException"},
		{"a password the policy refuses", "Correct-Horse-9", "Zq7!", http.StatusBadRequest, "InvalidPasswordException"},
		{"a password the spec refuses", "Correct-Horse-9", " Zq8!x", http.StatusBadRequest, "ValidationFailed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var refusal map[string]any
			resp := m.do(t, "PUT", "/me/password", body(tc.previous, tc.proposed), auth, &refusal)
			expect(t, resp, tc.status)
			if refusal["code"] != tc.code {
				t.Errorf("code %v, want %s: %v", refusal["code"], tc.code, refusal)
			}
			if tc.status == http.StatusForbidden && resp.Header.Get("WWW-Authenticate") != "" {
				t.Errorf("a wrong password asks to sign in again: WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
			for _, password := range []string{tc.previous, strings.TrimSpace(tc.proposed)} {
				if strings.Contains(toJSON(t, refusal), password) {
					t.Errorf("the answer repeats a password: %v", refusal)
				}
			}
		})
	}

	expect(t, m.do(t, "PUT", "/me/password", body("Correct-Horse-9", "Battery-Staple-10"), auth, nil), http.StatusNoContent)
	for password, works := range map[string]bool{"Battery-Staple-10": true, "Correct-Horse-9": false} {
		_, err := m.Direct.AdminInitiateAuth(context.Background(), &cip.AdminInitiateAuthInput{
			UserPoolId: &pool, ClientId: appClientID(t, m, pool),
			AuthFlow:       types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "ada", "PASSWORD": password},
		})
		if (err == nil) != works {
			t.Errorf("sign-in with %s after the change: %v", password, err)
		}
	}
}

// appClientID is the one app client signIn created in pool.
func appClientID(t *testing.T, m *motoGateway, pool string) *string {
	t.Helper()
	out, err := m.Direct.ListUserPoolClients(context.Background(), &cip.ListUserPoolClientsInput{UserPoolId: &pool})
	if err != nil || len(out.UserPoolClients) != 1 {
		t.Fatalf("app clients of %s: %v, %v", pool, out, err)
	}
	return out.UserPoolClients[0].ClientId
}

// TestMeSignOutAgainstMoto: after sign-out everywhere, the token that asked
// for it is refused, as Cognito refuses a revoked one: 401.
func TestMeSignOutAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	_, token := signIn(t, m, "ada", "Correct-Horse-9")
	auth := map[string]string{"Authorization": "Bearer " + token}
	expect(t, m.do(t, "GET", "/me", "", auth, nil), http.StatusOK)
	expect(t, m.do(t, "POST", "/me/sign-out", "", auth, nil), http.StatusNoContent)
	var refusal map[string]any
	resp := m.do(t, "GET", "/me", "", auth, &refusal)
	expect(t, resp, http.StatusUnauthorized)
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	// moto's message for a token it does not know is the token itself: the
	// answer must not repeat Cognito's message.
	forged := token + "A"
	resp = m.do(t, "POST", "/me/sign-out", "", map[string]string{"Authorization": "Bearer " + forged}, &refusal)
	expect(t, resp, http.StatusUnauthorized)
	if strings.Contains(toJSON(t, refusal), forged) {
		t.Errorf("the 401 repeats the access token: %v", refusal)
	}
}

// TestMePasswordAndTOTPSendTheExactInput pins each action's JSON-RPC input
// and Cognito's documented refusals: a revoked token is a 401 on every
// route, /me/password included; a wrong PreviousPassword, which Cognito
// refuses with the same exception, is a 403.
func TestMePasswordAndTOTPSendTheExactInput(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	runCognitoExchanges(t, []cognitoExchange{
		{name: "change my password", method: "PUT", target: "/me/password", header: bearer,
			body:   `{"PreviousPassword": "Correct-Horse-9", "ProposedPassword": "Battery-Staple-10"}`,
			action: "ChangePassword", reply: cognitotest.Reply(map[string]any{}),
			input: map[string]any{"AccessToken": accessToken,
				"PreviousPassword": "Correct-Horse-9", "ProposedPassword": "Battery-Staple-10"},
			status: 204},
		{name: "a passwordless user's first password", method: "PUT", target: "/me/password", header: bearer,
			body:   `{"ProposedPassword": "Battery-Staple-10"}`,
			action: "ChangePassword", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "ProposedPassword": "Battery-Staple-10"},
			status: 204},
		{name: "a wrong current password is a 403", method: "PUT", target: "/me/password", header: bearer,
			body:   `{"PreviousPassword": "Wrong-Horse-7", "ProposedPassword": "Battery-Staple-10"}`,
			action: "ChangePassword", reply: cognitotest.Fail(400, "NotAuthorizedException", "Incorrect username or password."),
			input: map[string]any{"AccessToken": accessToken,
				"PreviousPassword": "Wrong-Horse-7", "ProposedPassword": "Battery-Staple-10"},
			status: 403, headers: map[string]string{"WWW-Authenticate": ""},
			has: []string{`"code":"NotAuthorizedException"`, `"detail":"PreviousPassword is not the user's current one."`}},
		{name: "a revoked token on /me/password is a 401", method: "PUT", target: "/me/password", header: bearer,
			body:   `{"PreviousPassword": "Correct-Horse-9", "ProposedPassword": "Battery-Staple-10"}`,
			action: "ChangePassword", reply: cognitotest.Fail(400, "NotAuthorizedException", "Access Token has been revoked"),
			input: map[string]any{"AccessToken": accessToken,
				"PreviousPassword": "Correct-Horse-9", "ProposedPassword": "Battery-Staple-10"},
			status: 401, headers: map[string]string{"WWW-Authenticate": `Bearer realm="cognito", error="invalid_token"`},
			has: []string{`"code":"NotAuthorizedException"`}},
		{name: "sign me out", method: "POST", target: "/me/sign-out", header: bearer,
			action: "GlobalSignOut", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken},
			status: 204},
		{name: "an expired token on sign-out is a 401", method: "POST", target: "/me/sign-out", header: bearer,
			action: "GlobalSignOut", reply: cognitotest.Fail(400, "NotAuthorizedException", "Access Token has expired"),
			input:  map[string]any{"AccessToken": accessToken},
			status: 401, headers: map[string]string{"WWW-Authenticate": `Bearer realm="cognito", error="invalid_token"`}},
		{name: "set my MFA preference", method: "PUT", target: "/me/mfa-preference", header: bearer,
			body:   `{"SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}, "SMSMfaSettings": {"Enabled": false}}`,
			action: "SetUserMFAPreference", reply: cognitotest.Reply(map[string]any{}),
			// The SDK leaves out a false boolean, which Cognito reads as false.
			input: map[string]any{"AccessToken": accessToken,
				"SoftwareTokenMfaSettings": map[string]any{"Enabled": true, "PreferredMfa": true},
				"SMSMfaSettings":           map[string]any{}},
			status: 204},
		{name: "associate a software token", method: "POST", target: "/me/software-token", header: bearer,
			action: "AssociateSoftwareToken", reply: cognitotest.Reply(map[string]any{"SecretCode": secret}),
			input:  map[string]any{"AccessToken": accessToken},
			status: 200, headers: map[string]string{"Cache-Control": "no-store"},
			answer: map[string]any{"SecretCode": secret}},
		{name: "verify the software token", method: "POST", target: "/me/software-token/verify", header: bearer,
			body:   `{"UserCode": "123456", "FriendlyDeviceName": "Ada's phone"}`,
			action: "VerifySoftwareToken", reply: cognitotest.Reply(map[string]any{"Status": "SUCCESS", "Session": "not-for-me"}),
			input:  map[string]any{"AccessToken": accessToken, "UserCode": "123456", "FriendlyDeviceName": "Ada's phone"},
			status: 200, answer: map[string]any{"Status": "SUCCESS"}},
		{name: "a software token MFA not enabled", method: "POST", target: "/me/software-token/verify", header: bearer,
			body:   `{"UserCode": "654321"}`,
			action: "VerifySoftwareToken", reply: cognitotest.Fail(400, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"),
			input:  map[string]any{"AccessToken": accessToken, "UserCode": "654321"},
			status: 400, has: []string{`"code":"EnableSoftwareTokenMFAException"`}},
	})
}

// TestMeVerifySoftwareTokenRefusesABadCodeWithoutRepeatingIt: a code that
// is not six digits never reaches Cognito, and the 400 does not quote it.
func TestMeVerifySoftwareTokenRefusesABadCodeWithoutRepeatingIt(t *testing.T) {
	for _, code := range []string{"12345", "1234567", "12a456"} {
		stub := cognitotest.New(t)
		rec := serveStandIn(t, stub, "POST", "/me/software-token/verify", `{"UserCode": "`+code+`"}`, bearer)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"pointer":"/UserCode"`) || stub.Calls() != nil {
			t.Errorf("%s: %d %s; calls %s", code, rec.Code, rec.Body, callNames(stub))
		}
		if strings.Contains(rec.Body.String(), code) {
			t.Errorf("the answer repeats the code %s: %s", code, rec.Body)
		}
	}
}

// TestMePasswordAndTOTPSecretsReachNoLog: the passwords, the TOTP secret
// and the app's code reach neither a log line nor the audit line, whether
// Cognito accepts them or refuses them with a message that repeats them.
func TestMePasswordAndTOTPSecretsReachNoLog(t *testing.T) {
	const (
		previous = "Previous-Pa55word"
		proposed = "Proposed-Pa55word"
		secret   = "TOTPSECRETJBSWY3DPEHPK3PXP"
		userCode = "402719"
	)
	echo := `{"PreviousPassword":"` + previous + `","ProposedPassword":"` + proposed + `","SecretCode":"` + secret + `","UserCode":"` + userCode + `"}`
	cases := []struct {
		name, method, target, body, action string
		reply                              cognitotest.Handler
	}{
		{"change password", "PUT", "/me/password", `{"PreviousPassword": "` + previous + `", "ProposedPassword": "` + proposed + `"}`,
			"ChangePassword", cognitotest.Reply(map[string]any{})},
		{"change password, echoed by a failing Cognito", "PUT", "/me/password", `{"PreviousPassword": "` + previous + `", "ProposedPassword": "` + proposed + `"}`,
			"ChangePassword", cognitotest.Fail(500, "InternalErrorException", "failed on "+echo)},
		{"associate", "POST", "/me/software-token", "",
			"AssociateSoftwareToken", cognitotest.Reply(map[string]any{"SecretCode": secret})},
		{"verify", "POST", "/me/software-token/verify", `{"UserCode": "` + userCode + `"}`,
			"VerifySoftwareToken", cognitotest.Reply(map[string]any{"Status": "SUCCESS"})},
		{"verify, echoed by a failing Cognito", "POST", "/me/software-token/verify", `{"UserCode": "` + userCode + `"}`,
			"VerifySoftwareToken", cognitotest.Fail(500, "InternalErrorException", "failed on "+echo)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(tc.action, tc.reply)
			var logs bytes.Buffer
			g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", "Bearer "+accessToken)
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code >= 500 && rec.Code != http.StatusBadGateway {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if len(logRecords(t, &logs, "audit")) != 1 {
				t.Errorf("no audit line: %s", logs.String())
			}
			for _, s := range []string{previous, proposed, secret, userCode} {
				if strings.Contains(logs.String(), s) {
					t.Errorf("%s reached the log: %s", s, logs.String())
				}
				if rec.Code >= 400 && strings.Contains(rec.Body.String(), s) {
					t.Errorf("%s is in the error answer: %s", s, rec.Body)
				}
			}
		})
	}
}
