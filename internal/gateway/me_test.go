package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// accessToken looks like a Cognito access token; the stand-in only checks
// that the gateway passes it on unchanged.
const accessToken = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl"

var bearer = map[string]string{"Authorization": "Bearer " + accessToken}

// signIn creates a confirmed user in a new pool and signs them in through an
// app client, behind the gateway's back, and returns the pool and the user's
// access token.
func signIn(t *testing.T, m *motoGateway, username, password string) (string, string) {
	t.Helper()
	ctx := context.Background()
	pool := createPool(t, m, "self-service")
	client, err := m.Direct.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &pool, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Direct.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: &pool, Username: &username,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(username + "@example.com")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Direct.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &pool, Username: &username, Password: &password, Permanent: true,
	}); err != nil {
		t.Fatal(err)
	}
	auth, err := m.Direct.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: &pool, ClientId: client.UserPoolClient.ClientId,
		AuthFlow:       types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
	if err != nil {
		t.Fatal(err)
	}
	if auth.AuthenticationResult == nil || aws.ToString(auth.AuthenticationResult.AccessToken) == "" {
		t.Fatalf("no access token: %+v", auth)
	}
	return pool, aws.ToString(auth.AuthenticationResult.AccessToken)
}

func TestMeActsAsTheTokensUserAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool, token := signIn(t, m, "ada", "Correct-Horse-9")
	auth := map[string]string{"Authorization": "Bearer " + token}

	var me map[string]any
	expect(t, m.do(t, "GET", "/me", "", auth, &me), http.StatusOK)
	if me["Username"] != "ada" || !strings.Contains(toJSON(t, me["UserAttributes"]), `{"Name":"email","Value":"ada@example.com"}`) {
		t.Errorf("GET /me: %v", me)
	}

	expect(t, m.do(t, "PATCH", "/me/attributes", `{"UserAttributes": [{"Name": "given_name", "Value": "Ada"}]}`, auth, nil), http.StatusOK)
	out, err := m.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ada")})
	if err != nil {
		t.Fatal(err)
	}
	attributes := map[string]string{}
	for _, a := range out.UserAttributes {
		attributes[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if attributes["given_name"] != "Ada" || attributes["email"] != "ada@example.com" {
		t.Errorf("attributes after PATCH /me/attributes: %v", attributes)
	}

	// A well-formed token that Cognito does not know is Cognito's
	// NotAuthorizedException, which on /me is an authentication failure: 401.
	resp := m.do(t, "GET", "/me", "", bearer, nil)
	expect(t, resp, http.StatusUnauthorized)
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// TestEveryMeOperationRequiresAWellFormedBearerToken: the /me operations act
// as whoever the token names, so without one the gateway must answer 401
// before Cognito is called.
func TestEveryMeOperationRequiresAWellFormedBearerToken(t *testing.T) {
	doc := loadSpec(t)
	headers := map[string]string{
		"no Authorization":  "",
		"Basic credentials": "Basic eDp5",
		"Bearer alone":      "Bearer",
		"not token chars":   "Bearer not/a+token!",
		"two tokens":        "Bearer abc def",
	}
	stub := cognitotest.New(t)
	g := newTestGateway(t, stub)
	checker := spectest.New(t)
	operations := 0
	for path, item := range doc.Paths.Map() {
		if path != "/me" && !strings.HasPrefix(path, "/me/") {
			continue
		}
		for method, op := range item.Operations() {
			operations++
			if op.Security == nil || len(*op.Security) != 1 || (*op.Security)[0][accessTokenScheme] == nil {
				t.Errorf("%s %s does not require %s", method, path, accessTokenScheme)
			}
			if op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s %s does not document 401", method, path)
			}
			target := exampleTarget(t, path) + "?Names=nickname"
			for name, header := range headers {
				req := httptest.NewRequest(method, target, nil)
				if header != "" {
					req.Header.Set("Authorization", header)
				}
				rec := checker.Serve(t, g, req)
				if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("%s, %s: %d, WWW-Authenticate %q: %s", op.OperationID, name, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
				}
				if strings.Contains(rec.Body.String(), "token!") {
					t.Errorf("%s, %s: the answer repeats the token: %s", op.OperationID, name, rec.Body)
				}
			}
		}
	}
	if stub.Calls() != nil {
		t.Errorf("Cognito was called: %s", callNames(stub))
	}
	if operations == 0 {
		t.Error("no operation under /me")
	}
}

// TestMeOperationsPassTheTokenAsAccessToken covers every /me action,
// including those moto lacks (DeleteUser, DeleteUserAttributes,
// SetUserSettings, ListDevices, GetDevice).
func TestMeOperationsPassTheTokenAsAccessToken(t *testing.T) {
	device := map[string]any{"DeviceKey": "us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
		"DeviceAttributes": []any{map[string]any{"Name": "device_name", "Value": "Ada's phone"}},
		"DeviceCreateDate": 1.7e9, "DeviceLastModifiedDate": 1.7e9, "DeviceLastAuthenticatedDate": 1.7e9}
	runCognitoExchanges(t, []cognitoExchange{
		{name: "get me", method: "GET", target: "/me", header: bearer,
			action: "GetUser",
			reply: cognitotest.Reply(map[string]any{"Username": "ada",
				"UserAttributes":      []any{map[string]any{"Name": "sub", "Value": "0a1b2c3d"}},
				"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": []any{"SOFTWARE_TOKEN_MFA"}}),
			input:  map[string]any{"AccessToken": accessToken},
			status: 200, answer: map[string]any{"Username": "ada",
				"UserAttributes":      []any{map[string]any{"Name": "sub", "Value": "0a1b2c3d"}},
				"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": []any{"SOFTWARE_TOKEN_MFA"}}},
		{name: "delete me", method: "DELETE", target: "/me", header: bearer,
			action: "DeleteUser", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken},
			status: 204},
		{name: "update my attributes", method: "PATCH", target: "/me/attributes", header: bearer,
			body:   `{"UserAttributes": [{"Name": "email", "Value": "ada@example.org"}], "ClientMetadata": {"source": "profile"}}`,
			action: "UpdateUserAttributes",
			reply: cognitotest.Reply(map[string]any{"CodeDeliveryDetailsList": []any{
				map[string]any{"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}}}),
			input: map[string]any{"AccessToken": accessToken,
				"UserAttributes": []any{map[string]any{"Name": "email", "Value": "ada@example.org"}},
				"ClientMetadata": map[string]any{"source": "profile"}},
			status: 200, answer: map[string]any{"CodeDeliveryDetailsList": []any{
				map[string]any{"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}}}},
		{name: "delete my attributes", method: "DELETE", target: "/me/attributes?Names=nickname&Names=custom:team", header: bearer,
			action: "DeleteUserAttributes", reply: cognitotest.Reply(map[string]any{}),
			input:  map[string]any{"AccessToken": accessToken, "UserAttributeNames": []any{"nickname", "custom:team"}},
			status: 204},
		{name: "set my settings", method: "PUT", target: "/me/settings", header: bearer,
			body:   `{"MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]}`,
			action: "SetUserSettings", reply: cognitotest.Reply(map[string]any{}),
			input: map[string]any{"AccessToken": accessToken,
				"MFAOptions": []any{map[string]any{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}}},
			status: 204},
		{name: "list my devices", method: "GET", target: "/me/devices?Limit=10", header: bearer,
			action: "ListDevices",
			reply:  cognitotest.Reply(map[string]any{"Devices": []any{device}, "PaginationToken": "next+page=="}),
			input:  map[string]any{"AccessToken": accessToken, "Limit": 10.0},
			status: 200, has: []string{`"Devices":[{`, `"NextToken":"`, `"DeviceCreateDate":"2023-11-14T22:13:20Z"`}},
		{name: "get my device", method: "GET", target: "/me/devices/us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d", header: bearer,
			action: "GetDevice", reply: cognitotest.Reply(map[string]any{"Device": device}),
			input:  map[string]any{"AccessToken": accessToken, "DeviceKey": "us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"},
			status: 200, has: []string{`"DeviceKey":"us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"`}},
		{name: "an expired token is a 401", method: "GET", target: "/me", header: bearer,
			action: "GetUser", reply: cognitotest.Fail(400, "NotAuthorizedException", "Access Token has expired"),
			input:  map[string]any{"AccessToken": accessToken},
			status: 401, has: []string{`"code":"NotAuthorizedException"`}},
	})
}

func TestMeDeleteAttributesWithoutNamesIsRefused(t *testing.T) {
	stub := cognitotest.New(t)
	rec := serveStandIn(t, stub, "DELETE", "/me/attributes", "", bearer)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"parameter":"Names"`) || stub.Calls() != nil {
		t.Errorf("%d %s; calls %s", rec.Code, rec.Body, callNames(stub))
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	encoded, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(encoded)
}
