package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/userfilter"
)

// userPassword meets moto's default password policy, which asks for every
// character class because the SDK leaves false booleans out of the pool.
const userPassword = "Tr0ub4dor&3-horse"

// userURL is the gateway path of a user, or of something under it.
func userURL(pool, username string, rest ...string) string {
	return "/pools/" + pool + "/users/" + url.PathEscape(username) + strings.Join(rest, "")
}

// motoUser is the user as moto holds it, read without the gateway.
func motoUser(t *testing.T, m *motoGateway, pool, username string) *cip.AdminGetUserOutput {
	t.Helper()
	out, err := m.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: &username})
	if err != nil {
		t.Fatalf("AdminGetUser %q: %v", username, err)
	}
	return out
}

func userAttr(attrs []types.AttributeType, name string) (string, bool) {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value), true
		}
	}
	return "", false
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body = io.NopCloser(strings.NewReader(string(raw)))
	return string(raw)
}

type userPage struct {
	Users     []map[string]any
	NextToken string
}

func TestUserLifecycleAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	ctx := context.Background()
	pool := createPool(t, m, "users")
	const temporary = "Temp-Passw0rd!only-once"

	// Create: 201 with Location; the temporary password is not echoed.
	var created map[string]any
	resp := m.do(t, "POST", "/pools/"+pool+"/users", `{"Username": "jdoe", "MessageAction": "SUPPRESS",
		"TemporaryPassword": "`+temporary+`", "UserAttributes": [
		{"Name": "email", "Value": "jdoe@example.com"}, {"Name": "email_verified", "Value": "true"},
		{"Name": "phone_number", "Value": "+15555550100"}]}`, nil, &created)
	expect(t, resp, http.StatusCreated)
	if loc := resp.Header.Get("Location"); loc != userURL(pool, "jdoe") {
		t.Errorf("Location %q", loc)
	}
	if created["Username"] != "jdoe" || created["UserStatus"] != "FORCE_CHANGE_PASSWORD" || created["Enabled"] != true {
		t.Errorf("created %v", created)
	}
	if strings.Contains(bodyOf(t, resp), temporary) {
		t.Error("the create answer carries the temporary password")
	}
	resp = m.do(t, "POST", "/pools/"+pool+"/users", `{"Username": "jdoe"}`, nil, nil)
	expect(t, resp, http.StatusConflict)
	if !strings.Contains(bodyOf(t, resp), `"code":"UsernameExistsException"`) {
		t.Errorf("duplicate create: %s", bodyOf(t, resp))
	}
	expect(t, m.do(t, "POST", "/pools/"+pool+"/users", `{"Username": "asmith", "MessageAction": "SUPPRESS",
		"UserAttributes": [{"Name": "email", "Value": "asmith@example.com"}]}`, nil, nil), http.StatusCreated)

	// Get: AdminGetUser's output itself, not wrapped.
	var got map[string]any
	expect(t, m.do(t, "GET", userURL(pool, "jdoe"), "", nil, &got), http.StatusOK)
	if got["Username"] != "jdoe" || got["Enabled"] != true || got["UserAttributes"] == nil {
		t.Errorf("GET %v", got)
	}

	// List with a filter, and with only some attributes.
	var page userPage
	filter := url.Values{"Filter": {`email = "jdoe@example.com"`}}.Encode()
	expect(t, m.do(t, "GET", "/pools/"+pool+"/users?"+filter, "", nil, &page), http.StatusOK)
	if len(page.Users) != 1 || page.Users[0]["Username"] != "jdoe" || page.NextToken != "" {
		t.Errorf("filtered list %+v", page)
	}
	page = userPage{}
	expect(t, m.do(t, "GET", "/pools/"+pool+"/users?AttributesToGet=email", "", nil, &page), http.StatusOK)
	for _, u := range page.Users {
		attrs, _ := u["Attributes"].([]any)
		if len(attrs) != 1 || attrs[0].(map[string]any)["Name"] != "email" {
			t.Errorf("AttributesToGet=email gave %v", attrs)
		}
	}

	// Page through with Limit=1, following Link.
	if seen, pages := collectPages(t, m, "/pools/"+pool+"/users?Limit=1", "Users", "Username"); !slices.Equal(seen, []string{"asmith", "jdoe"}) || pages != 2 {
		t.Errorf("paging saw %v in %d pages", seen, pages)
	}

	// Attributes: PATCH sets some and keeps the rest; DELETE removes.
	expect(t, m.do(t, "PATCH", userURL(pool, "jdoe", "/attributes"),
		`{"UserAttributes": [{"Name": "given_name", "Value": "Jane"}]}`, nil, nil), http.StatusNoContent)
	user := motoUser(t, m, pool, "jdoe")
	if v, _ := userAttr(user.UserAttributes, "given_name"); v != "Jane" {
		t.Errorf("given_name %q after PATCH", v)
	}
	if v, _ := userAttr(user.UserAttributes, "email"); v != "jdoe@example.com" {
		t.Errorf("email %q after PATCH: an unmentioned attribute changed", v)
	}
	expect(t, m.do(t, "DELETE", userURL(pool, "jdoe", "/attributes?Names=given_name"), "", nil, nil), http.StatusNoContent)
	if _, ok := userAttr(motoUser(t, m, pool, "jdoe").UserAttributes, "given_name"); ok {
		t.Error("given_name survived DELETE")
	}
	expect(t, m.do(t, "DELETE", userURL(pool, "jdoe", "/attributes"), "", nil, nil), http.StatusBadRequest)

	// Disable and enable.
	expect(t, m.do(t, "POST", userURL(pool, "jdoe", "/disable"), "", nil, nil), http.StatusNoContent)
	if motoUser(t, m, pool, "jdoe").Enabled {
		t.Error("still enabled after disable")
	}
	expect(t, m.do(t, "POST", userURL(pool, "jdoe", "/enable"), "", nil, nil), http.StatusNoContent)
	if !motoUser(t, m, pool, "jdoe").Enabled {
		t.Error("still disabled after enable")
	}

	// A permanent password confirms the user, who can then sign in.
	expect(t, m.do(t, "PUT", userURL(pool, "jdoe", "/password"),
		`{"Password": "`+userPassword+`", "Permanent": true}`, nil, nil), http.StatusNoContent)
	if status := motoUser(t, m, pool, "jdoe").UserStatus; status != types.UserStatusTypeConfirmed {
		t.Errorf("status %s after a permanent password", status)
	}

	// Global sign-out revokes the refresh token of a session.
	client, err := m.Direct.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	clientID := client.UserPoolClient.ClientId
	session, err := m.Direct.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool, ClientId: clientID,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "jdoe", "PASSWORD": userPassword}})
	if err != nil || session.AuthenticationResult == nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
	expect(t, m.do(t, "POST", userURL(pool, "jdoe", "/sign-out"), "", nil, nil), http.StatusNoContent)
	_, err = m.Direct.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool, ClientId: clientID,
		AuthFlow: types.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{"REFRESH_TOKEN": *session.AuthenticationResult.RefreshToken}})
	var notAuthorized *types.NotAuthorizedException
	if !errors.As(err, &notAuthorized) {
		t.Errorf("refresh after global sign-out: %v, want NotAuthorizedException", err)
	}
	expect(t, m.do(t, "POST", userURL(pool, "nobody", "/sign-out"), "", nil, nil), http.StatusNotFound)

	// MFA preference.
	expect(t, m.do(t, "PUT", userURL(pool, "jdoe", "/mfa-preference"),
		`{"SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}`, nil, nil), http.StatusNoContent)
	user = motoUser(t, m, pool, "jdoe")
	if aws.ToString(user.PreferredMfaSetting) != "SMS_MFA" || !slices.Contains(user.UserMFASettingList, "SMS_MFA") {
		t.Errorf("MFA after PUT: preferred %q, list %v", aws.ToString(user.PreferredMfaSetting), user.UserMFASettingList)
	}

	// Reset password: the verified email lets Cognito send the code.
	expect(t, m.do(t, "POST", userURL(pool, "jdoe", "/reset-password"), "", nil, nil), http.StatusNoContent)
	if status := motoUser(t, m, pool, "jdoe").UserStatus; status != types.UserStatusTypeResetRequired {
		t.Errorf("status %s after reset", status)
	}

	// Confirm a user who signed up and is UNCONFIRMED.
	if _, err := m.Direct.SignUp(ctx, &cip.SignUpInput{ClientId: clientID, Username: aws.String("signup"), Password: aws.String(userPassword)}); err != nil {
		t.Fatal(err)
	}
	expect(t, m.do(t, "POST", userURL(pool, "signup", "/confirm"), `{"ClientMetadata": {"by": "support"}}`, nil, nil), http.StatusNoContent)
	if status := motoUser(t, m, pool, "signup").UserStatus; status != types.UserStatusTypeConfirmed {
		t.Errorf("status %s after confirm", status)
	}

	// Group membership: PUT is idempotent, DELETE ends it.
	if _, err := m.Direct.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("admins")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		expect(t, m.do(t, "PUT", userURL(pool, "jdoe", "/groups/admins"), "", nil, nil), http.StatusNoContent)
	}
	groups, err := m.Direct.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &pool, Username: aws.String("jdoe")})
	if err != nil || len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "admins" {
		t.Fatalf("groups after PUT twice: %v %+v", err, groups)
	}
	var memberships struct{ Groups []map[string]any }
	expect(t, m.do(t, "GET", userURL(pool, "jdoe", "/groups"), "", nil, &memberships), http.StatusOK)
	if len(memberships.Groups) != 1 || memberships.Groups[0]["GroupName"] != "admins" {
		t.Errorf("GET groups %+v", memberships)
	}
	expect(t, m.do(t, "PUT", userURL(pool, "jdoe", "/groups/nobody"), "", nil, nil), http.StatusNotFound)
	expect(t, m.do(t, "DELETE", userURL(pool, "jdoe", "/groups/admins"), "", nil, nil), http.StatusNoContent)
	groups, err = m.Direct.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &pool, Username: aws.String("jdoe")})
	if err != nil || len(groups.Groups) != 0 {
		t.Errorf("groups after DELETE: %v %+v", err, groups)
	}

	// Delete.
	expect(t, m.do(t, "DELETE", userURL(pool, "jdoe"), "", nil, nil), http.StatusNoContent)
	resp = m.do(t, "GET", userURL(pool, "jdoe"), "", nil, nil)
	expect(t, resp, http.StatusNotFound)
	if !strings.Contains(bodyOf(t, resp), `"code":"UserNotFoundException"`) {
		t.Errorf("GET after delete: %s", bodyOf(t, resp))
	}
}

func TestUsernamesRoundTripThroughPercentEncoding(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "users")
	for _, username := range []string{"Müller.O'Brien+ops", "a/b", "x%y", "q?z"} {
		t.Run(username, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"Username": username, "MessageAction": "SUPPRESS"})
			resp := m.do(t, "POST", "/pools/"+pool+"/users", string(body), nil, nil)
			expect(t, resp, http.StatusCreated)
			location := resp.Header.Get("Location")
			if location != userURL(pool, username) {
				t.Errorf("Location %q, want %q", location, userURL(pool, username))
			}

			var got map[string]any
			expect(t, m.do(t, "GET", location, "", nil, &got), http.StatusOK)
			if got["Username"] != username {
				t.Errorf("GET %s: Username %v", location, got["Username"])
			}
			expect(t, m.do(t, "DELETE", userURL(pool, username), "", nil, nil), http.StatusNoContent)
			_, err := m.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: &username})
			var notFound *types.UserNotFoundException
			if !errors.As(err, &notFound) {
				t.Errorf("after DELETE, moto still has %q: %v", username, err)
			}
		})
	}
}

func TestUserFilterIsRejectedBeforeCognito(t *testing.T) {
	cases := []struct{ name, filter, wants string }{
		{"custom attribute", `custom:tenant = "x"`, `cannot filter on \"custom:tenant\"`},
		{"doubled operator", `email == "x"`, `attribute = \"value\"`},
		{"unquoted value", `email = x`, `attribute = \"value\"`},
		{"longer than Cognito takes", `email = "` + strings.Repeat("x", 250) + `"`, `maximum string length is 256`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			target := "/pools/" + poolID + "/users?" + url.Values{"Filter": {tc.filter}}.Encode()
			rec := serveStandIn(t, stub, "GET", target, "", nil)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			if !strings.Contains(body, `"parameter":"Filter"`) || !strings.Contains(body, tc.wants) {
				t.Errorf("answer %s lacks %s", body, tc.wants)
			}
			if tc.name != "longer than Cognito takes" {
				for _, attribute := range userfilter.Attributes {
					if !strings.Contains(body, attribute) {
						t.Errorf("answer does not name %s: %s", attribute, body)
					}
				}
			}
			if calls := stub.Calls(); len(calls) != 0 {
				t.Errorf("Cognito was called: %+v", calls)
			}
		})
	}
}

// cognitoCall is one request through the gateway to the stand-in Cognito,
// which answers action with reply.
type cognitoCall struct {
	name                 string
	method, target, body string
	action               string
	reply                map[string]any
	input                map[string]any // exactly what Cognito must receive
	status               int
	answer               map[string]any // the whole JSON answer; nil for none
}

func runCognitoCalls(t *testing.T, cases []cognitoCall) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(tc.action, cognitotest.Reply(tc.reply))
			rec := serveStandIn(t, stub, tc.method, tc.target, tc.body, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			calls := stub.Calls()
			if len(calls) != 1 {
				t.Fatalf("%d Cognito calls, want 1: %+v", len(calls), calls)
			}
			if target := calls[0].Header.Get("X-Amz-Target"); target != "AWSCognitoIdentityProviderService."+tc.action {
				t.Errorf("X-Amz-Target %q, want %s", target, tc.action)
			}
			if !reflect.DeepEqual(calls[0].Input, tc.input) {
				t.Errorf("Cognito got %v\nwant        %v", calls[0].Input, tc.input)
			}
			if tc.answer == nil {
				if rec.Body.Len() != 0 {
					t.Errorf("answer has a body: %s", rec.Body)
				}
				return
			}
			var answer map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || !reflect.DeepEqual(answer, tc.answer) {
				t.Errorf("answer %s\nwant %v", rec.Body, tc.answer)
			}
		})
	}
}

const deviceKey = "us-east-1_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

// cognitoDevice is a DeviceType as the Cognito API reference shows it, with
// epoch-second dates.
func cognitoDevice() map[string]any {
	return map[string]any{
		"DeviceKey": deviceKey,
		"DeviceAttributes": []any{
			map[string]any{"Name": "device_status", "Value": "valid"},
			map[string]any{"Name": "device_name", "Value": "Jane's phone"},
			map[string]any{"Name": "last_ip_used", "Value": "192.0.2.10"},
		},
		"DeviceCreateDate": 1.7e9, "DeviceLastModifiedDate": 1.7e9, "DeviceLastAuthenticatedDate": 1.7e9,
	}
}

// gatewayDevice is cognitoDevice as the gateway answers it.
func gatewayDevice() map[string]any {
	device := cognitoDevice()
	for _, k := range []string{"DeviceCreateDate", "DeviceLastModifiedDate", "DeviceLastAuthenticatedDate"} {
		device[k] = "2023-11-14T22:13:20Z"
	}
	return device
}

// TestUserActionsMotoLacksSendCognitoTheirInput covers, on the stand-in,
// the actions moto 5.2.1 does not implement.
func TestUserActionsMotoLacksSendCognitoTheirInput(t *testing.T) {
	user := "/pools/" + poolID + "/users/jane%2Fdoe"
	ids := func(extra map[string]any) map[string]any {
		in := map[string]any{"UserPoolId": poolID, "Username": "jane/doe"}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	runCognitoCalls(t, []cognitoCall{
		{name: "legacy MFA options", method: "PUT", target: user + "/settings",
			body:   `{"MFAOptions": [{"AttributeName": "phone_number", "DeliveryMedium": "SMS"}]}`,
			action: "AdminSetUserSettings", reply: map[string]any{},
			input:  ids(map[string]any{"MFAOptions": []any{map[string]any{"AttributeName": "phone_number", "DeliveryMedium": "SMS"}}}),
			status: 204},
		{name: "list devices", method: "GET", target: user + "/devices?Limit=10",
			action: "AdminListDevices", reply: map[string]any{"Devices": []any{cognitoDevice()}},
			input:  ids(map[string]any{"Limit": 10.0}),
			status: 200, answer: map[string]any{"Devices": []any{gatewayDevice()}}},
		{name: "list no devices", method: "GET", target: user + "/devices",
			action: "AdminListDevices", reply: map[string]any{},
			input:  ids(map[string]any{"Limit": 60.0}),
			status: 200, answer: map[string]any{"Devices": []any{}}},
		{name: "get a device", method: "GET", target: user + "/devices/" + deviceKey,
			action: "AdminGetDevice", reply: map[string]any{"Device": cognitoDevice()},
			input:  ids(map[string]any{"DeviceKey": deviceKey}),
			status: 200, answer: gatewayDevice()},
		{name: "stop remembering a device", method: "PATCH", target: user + "/devices/" + deviceKey,
			body:   `{"DeviceRememberedStatus": "not_remembered"}`,
			action: "AdminUpdateDeviceStatus", reply: map[string]any{},
			input:  ids(map[string]any{"DeviceKey": deviceKey, "DeviceRememberedStatus": "not_remembered"}),
			status: 204},
		{name: "forget a device", method: "DELETE", target: user + "/devices/" + deviceKey,
			action: "AdminForgetDevice", reply: map[string]any{},
			input:  ids(map[string]any{"DeviceKey": deviceKey}),
			status: 204},
	})
}

// TestUserListsHandCognitoItsOwnPagingMembers: ListUsers and AdminListDevices
// page with PaginationToken, AdminListGroupsForUser with NextToken; the
// client sees NextToken on all three.
func TestUserListsHandCognitoItsOwnPagingMembers(t *testing.T) {
	user := "/pools/" + poolID + "/users/jdoe"
	cases := []struct {
		name, target, action, list, token string
		input                             map[string]any // of the first page
	}{
		{"users", "/pools/" + poolID + "/users?Filter=" + url.QueryEscape(`email ^= "j"`) + "&AttributesToGet=email&AttributesToGet=name&Limit=5",
			"ListUsers", "Users", "PaginationToken",
			map[string]any{"UserPoolId": poolID, "Filter": `email ^= "j"`, "AttributesToGet": []any{"email", "name"}, "Limit": 5.0}},
		{"groups", user + "/groups", "AdminListGroupsForUser", "Groups", "NextToken",
			map[string]any{"UserPoolId": poolID, "Username": "jdoe", "Limit": 60.0}},
		{"devices", user + "/devices?Limit=1", "AdminListDevices", "Devices", "PaginationToken",
			map[string]any{"UserPoolId": poolID, "Username": "jdoe", "Limit": 1.0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(tc.action, cognitotest.Reply(map[string]any{tc.list: []any{}, tc.token: "cognito+page/2=="}))
			rec := serveStandIn(t, stub, "GET", tc.target, "", nil)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var page map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &page)
			if token, _ := page["NextToken"].(string); token == "" || strings.Contains(rec.Body.String(), "cognito+page") {
				t.Fatalf("page 1 %s: want an opaque NextToken", rec.Body)
			}
			if calls := stub.Calls(); !reflect.DeepEqual(calls[0].Input, tc.input) {
				t.Errorf("page 1: Cognito got %v\nwant %v", calls[0].Input, tc.input)
			}

			next := nextLink(rec.Result())
			if !strings.Contains(next, "NextToken="+page["NextToken"].(string)) {
				t.Errorf("Link %q does not carry NextToken", next)
			}
			if rec = serveStandIn(t, stub, "GET", next, "", nil); rec.Code != 200 {
				t.Fatalf("following Link %q: %d %s", next, rec.Code, rec.Body)
			}
			want := map[string]any{tc.token: "cognito+page/2=="}
			for k, v := range tc.input {
				want[k] = v
			}
			if calls := stub.Calls(); !reflect.DeepEqual(calls[1].Input, want) {
				t.Errorf("page 2: Cognito got %v\nwant %v", calls[1].Input, want)
			}
		})
	}
}

func TestUserPasswordsNeverAppearInAResponse(t *testing.T) {
	const secret = "S3cret-Never-Shown"
	user := "/pools/" + poolID + "/users/jdoe"
	createdUser := map[string]any{"User": map[string]any{
		"Username": "jdoe", "Enabled": true, "UserStatus": "FORCE_CHANGE_PASSWORD",
		"UserCreateDate": 1.7e9, "UserLastModifiedDate": 1.7e9,
		"Attributes": []any{map[string]any{"Name": "sub", "Value": "0b1f7a2e-7c1d-4a8e-9f00-5f3b2c1d0e9a"}}}}
	cases := []struct {
		name, method, target, body string
		script                     map[string]cognitotest.Handler
		status                     int
		sent                       bool // whether Cognito must have received the secret
	}{
		{"create with a temporary password", "POST", "/pools/" + poolID + "/users",
			`{"Username": "jdoe", "TemporaryPassword": "` + secret + `"}`,
			map[string]cognitotest.Handler{"AdminCreateUser": cognitotest.Reply(createdUser)}, 201, true},
		{"create with a malformed temporary password", "POST", "/pools/" + poolID + "/users",
			`{"Username": "jdoe", "TemporaryPassword": " ` + secret + `"}`, nil, 400, false},
		{"create that Cognito refuses", "POST", "/pools/" + poolID + "/users",
			`{"Username": "jdoe", "TemporaryPassword": "` + secret + `"}`,
			map[string]cognitotest.Handler{"AdminCreateUser": cognitotest.Fail(400, "InvalidPasswordException",
				"Password does not conform to policy: Password must have symbol characters")}, 400, true},
		{"set a password", "PUT", user + "/password", `{"Password": "` + secret + `", "Permanent": true}`,
			map[string]cognitotest.Handler{"AdminSetUserPassword": cognitotest.Reply(map[string]any{})}, 204, true},
		{"set a password with trailing whitespace", "PUT", user + "/password", `{"Password": "` + secret + ` "}`, nil, 400, false},
		{"set an over-long password", "PUT", user + "/password", `{"Password": "` + strings.Repeat(secret, 15) + `"}`, nil, 400, false},
		{"set a password beside an unknown member", "PUT", user + "/password", `{"Password": "` + secret + `", "Temporary": true}`, nil, 400, false},
		{"set a password that Cognito refuses", "PUT", user + "/password", `{"Password": "` + secret + `"}`,
			map[string]cognitotest.Handler{"AdminSetUserPassword": cognitotest.Fail(400, "PasswordHistoryPolicyViolationException",
				"The password was used recently")}, 400, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			for action, h := range tc.script {
				stub.Handle(action, h)
			}
			rec := serveStandIn(t, stub, tc.method, tc.target, tc.body, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if strings.Contains(rec.Body.String(), secret) {
				t.Errorf("the answer shows the password: %s", rec.Body)
			}
			for name, values := range rec.Header() {
				if strings.Contains(strings.Join(values, " "), secret) {
					t.Errorf("header %s shows the password", name)
				}
			}
			calls := stub.Calls()
			received := len(calls) == 1 && strings.Contains(fmtInput(calls[0].Input), secret)
			if received != tc.sent {
				t.Errorf("Cognito received the password: %v, want %v (calls %d)", received, tc.sent, len(calls))
			}
		})
	}
}

func fmtInput(input map[string]any) string {
	encoded, _ := json.Marshal(input)
	return string(encoded)
}

// TestResendInvitationIsNotACreate: AdminCreateUser with MessageAction
// RESEND sends an existing user's invitation again. It creates nothing, so
// it must not answer 201 with the Location of a new resource (x-status-when
// in the spec says so).
func TestResendInvitationIsNotACreate(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "resend")
	base := "/pools/" + pool + "/users"
	expect(t, m.do(t, "POST", base, `{"Username": "ada", "MessageAction": "SUPPRESS"}`, nil, nil), http.StatusCreated)

	var resent map[string]any
	resp := m.do(t, "POST", base, `{"Username": "ada", "MessageAction": "RESEND"}`, nil, &resent)
	expect(t, resp, http.StatusOK)
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("a resent invitation has Location %q", loc)
	}
	if resent["Username"] != "ada" {
		t.Errorf("answer %v, want the user ada", resent)
	}

	expect(t, m.do(t, "POST", base, `{"Username": "nobody", "MessageAction": "RESEND"}`, nil, nil), http.StatusNotFound)

	// Every other create still answers 201 with Location.
	resp = m.do(t, "POST", base, `{"Username": "grace"}`, nil, nil)
	expect(t, resp, http.StatusCreated)
	if loc := resp.Header.Get("Location"); loc != base+"/grace" {
		t.Errorf("create: Location %q", loc)
	}
}
