// Package cognito owns everything the gateway knows about the Cognito API:
// the table of actions it can call through aws-sdk-go-v2, the conversion of
// SDK values to JSON documents, and the mapping of Cognito's errors to
// problem details.
//
// It does not know about HTTP routes or the OpenAPI document; the gateway
// package decides which action a request performs.
package cognito

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// Action is one Cognito API action, callable with a JSON-shaped input.
type Action struct {
	// Name is Cognito's action name, e.g. "DescribeUserPool".
	Name string
	// Input is the SDK input struct type, e.g. DescribeUserPoolInput.
	Input reflect.Type
	// Output is the SDK output struct type.
	Output reflect.Type
	// Members are the input's member names, the exported fields of Input.
	Members map[string]bool
	call    func(ctx context.Context, client *cip.Client, input []byte) (any, error)
}

// Call decodes input (JSON with Cognito's member names) into the action's SDK
// input and calls it. The result is the SDK output struct pointer.
func (a Action) Call(ctx context.Context, client *cip.Client, input []byte) (any, error) {
	return a.call(ctx, client, input)
}

// sdkMethod is the shape of every operation method on *cip.Client.
type sdkMethod[In, Out any] func(*cip.Client, context.Context, *In, ...func(*cip.Options)) (*Out, error)

// action adapts one SDK method to an Action. Its name comes from the input
// type (DescribeUserPoolInput -> DescribeUserPool), so a table line cannot
// name one action and call another.
func action[In, Out any](method sdkMethod[In, Out]) Action {
	in := reflect.TypeFor[In]()
	return Action{
		Name:    strings.TrimSuffix(in.Name(), "Input"),
		Input:   in,
		Output:  reflect.TypeFor[Out](),
		Members: members(in),
		call: func(ctx context.Context, client *cip.Client, input []byte) (any, error) {
			var params In
			if len(input) > 0 {
				if err := json.Unmarshal(input, &params); err != nil {
					return nil, fmt.Errorf("decode %s: %w", in.Name(), err)
				}
			}
			return method(client, ctx, &params)
		},
	}
}

// Actions returns the table of callable actions, by name. Adding an action
// the spec names costs one line here.
func Actions() map[string]Action {
	list := []Action{
		action((*cip.Client).ListUserPools),
		action((*cip.Client).CreateUserPool),
		action((*cip.Client).DescribeUserPool),
		action((*cip.Client).UpdateUserPool),
		action((*cip.Client).DeleteUserPool),
		// Users, their groups and devices.
		action((*cip.Client).ListUsers),
		action((*cip.Client).AdminCreateUser),
		action((*cip.Client).AdminGetUser),
		action((*cip.Client).AdminDeleteUser),
		action((*cip.Client).AdminUpdateUserAttributes),
		action((*cip.Client).AdminDeleteUserAttributes),
		action((*cip.Client).AdminEnableUser),
		action((*cip.Client).AdminDisableUser),
		action((*cip.Client).AdminResetUserPassword),
		action((*cip.Client).AdminSetUserPassword),
		action((*cip.Client).AdminConfirmSignUp),
		action((*cip.Client).AdminSetUserSettings),
		action((*cip.Client).AdminSetUserMFAPreference),
		action((*cip.Client).AdminUserGlobalSignOut),
		action((*cip.Client).AdminListGroupsForUser),
		action((*cip.Client).AdminAddUserToGroup),
		action((*cip.Client).AdminRemoveUserFromGroup),
		action((*cip.Client).AdminListDevices),
		action((*cip.Client).AdminGetDevice),
		action((*cip.Client).AdminUpdateDeviceStatus),
		action((*cip.Client).AdminForgetDevice),
		// Groups.
		action((*cip.Client).ListGroups),
		action((*cip.Client).CreateGroup),
		action((*cip.Client).GetGroup),
		action((*cip.Client).UpdateGroup),
		action((*cip.Client).DeleteGroup),
		action((*cip.Client).ListUsersInGroup),
		// App clients.
		action((*cip.Client).ListUserPoolClients),
		action((*cip.Client).CreateUserPoolClient),
		action((*cip.Client).DescribeUserPoolClient),
		action((*cip.Client).UpdateUserPoolClient),
		action((*cip.Client).DeleteUserPoolClient),
		// Import jobs.
		action((*cip.Client).ListUserImportJobs),
		action((*cip.Client).CreateUserImportJob),
		action((*cip.Client).DescribeUserImportJob),
		action((*cip.Client).StartUserImportJob),
		action((*cip.Client).StopUserImportJob),
		action((*cip.Client).GetCSVHeader),
		// Self-service (/me), with the user's access token.
		action((*cip.Client).GetUser),
		action((*cip.Client).DeleteUser),
		action((*cip.Client).UpdateUserAttributes),
		action((*cip.Client).DeleteUserAttributes),
		action((*cip.Client).SetUserSettings),
		action((*cip.Client).ListDevices),
		action((*cip.Client).GetDevice),
	}
	table := make(map[string]Action, len(list))
	for _, a := range list {
		table[a.Name] = a
	}
	return table
}

// members lists the exported fields of an SDK input struct.
func members(t reflect.Type) map[string]bool {
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names[f.Name] = true
		}
	}
	return names
}
