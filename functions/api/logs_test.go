package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// syncBuffer collects a process's output from two pipes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startLocalServer runs bootstrap as the local server against the Cognito
// at endpoint, and returns once it answers: the process, its base URL and
// what it writes. The caller ends the process.
func startLocalServer(t *testing.T, bootstrap, endpoint string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	output := &syncBuffer{}
	cmd := exec.Command(bootstrap)
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "LISTEN_ADDR="+addr, "AWS_LAMBDA_RUNTIME_API=",
		// A stand-in of Cognito alone has no jobs table, queue or bucket.
		"USER_JOBS=off")
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/openapi.json"); err == nil {
			resp.Body.Close()
			return cmd, base, output
		}
		if time.Since(start) > 10*time.Second {
			_ = cmd.Process.Kill()
			t.Fatalf("the gateway did not start: %s", output.String())
		}
	}
}

// TestProcessLogsNoSecrets runs the real binary as a local server against
// moto, sends it passwords, a temporary password, client secrets, end-user
// tokens, a password change, a TOTP secret and codes, and has it issue a
// SCIM token that it is then sent, and reads every line it wrote: none of
// the secrets may be there.
func TestProcessLogsNoSecrets(t *testing.T) {
	endpoint := mototest.Start(t)
	direct := cip.NewFromConfig(mototest.Config(t, endpoint))
	ctx := context.Background()
	pool, err := direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("secrets")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := *pool.UserPool.Id
	signIn, err := direct.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &poolID,
		ClientName: aws.String("sign-in"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth}})
	if err != nil {
		t.Fatal(err)
	}

	cmd, base, output := startLocalServer(t, buildBootstrap(t), endpoint)
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// exchange sends one request; send also wants an answer below 500.
	exchange := func(method, path, body string, header map[string]string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	send := func(method, path, body string, header map[string]string) map[string]any {
		t.Helper()
		status, out := exchange(method, path, body, header)
		if status >= 500 {
			t.Errorf("%s %s: %d %v", method, path, status, out)
		}
		return out
	}

	const (
		temporary     = "Temp#Secret-7731"
		permanent     = "Perm#Secret-8842"
		rejected      = "Rejected Secret 9953"
		signature     = "f00dfacecafe0123456789abcdef0123456789abcdef0123456789abcdef0123"
		rotatedSecret = "RotatedClientSecret0123456789abcdef"
		wrongCurrent  = "Wrong#Secret-1164"
		nextPassword  = "Next#Secret-6675"
		tooShort      = "S#9t"
	)
	users := "/pools/" + poolID + "/users"
	sigv4 := map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261121/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=" + signature}
	send("POST", users, fmt.Sprintf(`{"Username":"ann","TemporaryPassword":%q,"MessageAction":"SUPPRESS"}`, temporary), sigv4)
	send("PUT", users+"/ann/password", fmt.Sprintf(`{"Password":%q,"Permanent":true}`, permanent), sigv4)
	send("PUT", users+"/ann/password", fmt.Sprintf(`{"Password":%q,"Permanent":"yes"}`, rejected), nil)
	created := send("POST", "/pools/"+poolID+"/clients", `{"ClientName":"back-office","GenerateSecret":true}`, nil)
	clientID, _ := created["ClientId"].(string)
	clientSecret, _ := created["ClientSecret"].(string)
	if clientSecret == "" {
		t.Fatalf("no client secret created: %v", created)
	}
	send("GET", "/pools/"+poolID+"/clients/"+clientID+"/secret", "", nil)
	// moto lacks AddUserPoolClientSecret and answers it with a 500 of its
	// own, so this rotation fails (502) and its cause is logged at ERROR:
	// the secret the request carried must still be in no line.
	if status, _ := exchange("POST", "/pools/"+poolID+"/clients/"+clientID+"/secrets", fmt.Sprintf(`{"ClientSecret":%q}`, rotatedSecret), nil); status != http.StatusBadGateway {
		t.Errorf("POST .../secrets against moto: %d, want 502 (has moto learnt AddUserPoolClientSecret?)", status)
	}

	auth, err := direct.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: &poolID,
		ClientId: signIn.UserPoolClient.ClientId, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "ann", "PASSWORD": permanent}})
	if err != nil {
		t.Fatal(err)
	}
	tokens := auth.AuthenticationResult
	bearer := map[string]string{"Authorization": "Bearer " + *tokens.AccessToken}
	send("GET", "/me", "", bearer)
	send("PATCH", "/me/attributes", `{"UserAttributes":[{"Name":"given_name","Value":"Ann"}]}`, bearer)
	send("GET", "/me", "", map[string]string{"Authorization": "Bearer " + *tokens.IdToken + "x"})
	// Issue 15's attribute verification, device and passkey routes. moto
	// lacks their actions, so each fails (502) and its cause is logged at
	// ERROR; the second verification is one the gateway refuses itself
	// (400). The secrets the requests carried must still be in no line.
	const (
		verificationCode = "Verify-Code-60417"
		passwordVerifier = "UGFzc3dvcmRWZXJpZmllci05MzEy"
		deviceSalt       = "RGV2aWNlU2FsdC03NzQx"
		clientData       = "eyJjaGFsbGVuZ2UiOiJQcm9jZXNzLTQ0MTgifQ"
		attestation      = "o2NmbXRkbm9uZS1wcm9jZXNzLTg4MjA"
	)
	for _, r := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/me/attributes/email/verify", fmt.Sprintf(`{"Code":%q}`, verificationCode), http.StatusBadGateway},
		{"POST", "/me/attributes/email/verify", fmt.Sprintf(`{"Code":%q}`, verificationCode+" "+verificationCode), http.StatusBadRequest},
		{"POST", "/me/devices", fmt.Sprintf(`{"DeviceKey":"us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d","DeviceSecretVerifierConfig":{"PasswordVerifier":%q,"Salt":%q}}`,
			passwordVerifier, deviceSalt), http.StatusBadGateway},
		{"PUT", "/me/passkeys/registration", fmt.Sprintf(`{"Credential":{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":%q,"attestationObject":%q}}}`,
			clientData, attestation), http.StatusBadGateway},
	} {
		if status, out := exchange(r.method, r.path, r.body, bearer); status != r.status {
			t.Errorf("%s %s against moto: %d %v, want %d (has moto learnt its action?)", r.method, r.path, status, out, r.status)
		}
	}
	// Issue 15: both passwords of a change, refused (a wrong current one, a
	// proposed one the policy refuses) and accepted; the TOTP secret and the
	// app's codes, wrong and right; and sign-out everywhere, last.
	changes := []struct{ previous, proposed string }{
		{wrongCurrent, nextPassword}, {permanent, tooShort}, {permanent, nextPassword},
	}
	for _, change := range changes {
		send("PUT", "/me/password", fmt.Sprintf(`{"PreviousPassword":%q,"ProposedPassword":%q}`, change.previous, change.proposed), bearer)
	}
	associated := send("POST", "/me/software-token", "", bearer)
	totpSecret, _ := associated["SecretCode"].(string)
	if totpSecret == "" {
		t.Fatalf("no TOTP secret: %v", associated)
	}
	userCode, err := totp.GenerateCode(totpSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(userCode)
	wrongCode := fmt.Sprintf("%06d", (n+1)%1000000)
	for _, code := range []string{wrongCode, userCode} {
		send("POST", "/me/software-token/verify", fmt.Sprintf(`{"UserCode":%q,"FriendlyDeviceName":"phone"}`, code), bearer)
	}
	send("PUT", "/me/mfa-preference", `{"SoftwareTokenMfaSettings":{"Enabled":true,"PreferredMfa":true}}`, bearer)
	send("POST", "/me/sign-out", "", bearer)
	// Issue 18: a SCIM token, issued into moto's Secrets Manager, then
	// presented as SCIM clients do, in a query string, and in a body that
	// a token's issue refuses.
	scimTokens := "/pools/" + poolID + "/scim/tokens"
	scimToken, _ := send("POST", scimTokens, "", nil)["Token"].(string)
	if scimToken == "" {
		t.Fatal("no SCIM token issued")
	}
	exchange("GET", "/pools/"+poolID+"/scim/v2/Users?filter=userName+eq+%22ann%22", "", map[string]string{"Authorization": "Bearer " + scimToken})
	exchange("GET", "/pools/"+poolID+"/scim/v2/Users?token="+scimToken, "", nil)
	if status, _ := exchange("POST", scimTokens, fmt.Sprintf(`{"Token":%q}`, scimToken), nil); status < 400 {
		t.Errorf("POST %s with a body: %d, want it refused", scimTokens, status)
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	logs := output.String()
	if !strings.Contains(logs, `"msg":"audit"`) || !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("the process wrote no audit or access lines; is this the right output? %s", logs)
	}
	secrets := map[string]string{
		"temporary password": temporary, "password": permanent, "rejected password": rejected,
		"client secret": clientSecret, "rotated client secret": rotatedSecret, "access token": *tokens.AccessToken, "refresh token": *tokens.RefreshToken,
		"id token": *tokens.IdToken, "SigV4 signature": signature,
		"verification code": verificationCode, "device password verifier": passwordVerifier, "device salt": deviceSalt,
		"passkey client data": clientData, "passkey attestation": attestation,
		"wrong current password": wrongCurrent, "proposed password": nextPassword, "refused proposed password": tooShort,
		"TOTP secret": totpSecret, "SCIM token": scimToken,
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in the process's output", name)
		}
	}
	// Six digits may well occur inside a request id or a duration, so a
	// code is looked for as a value of its own.
	for _, code := range []string{userCode, wrongCode} {
		if strings.Contains(logs, `"`+code+`"`) || strings.Contains(logs, "="+code) || strings.Contains(logs, ": "+code) {
			t.Errorf("the TOTP code %s appears in the process's output", code)
		}
	}
	// A token's signature part would betray it even if cut short.
	if parts := strings.Split(*tokens.AccessToken, "."); len(parts) == 3 && strings.Contains(logs, parts[2]) {
		t.Error("the access token's signature appears in the process's output")
	}
}
