// Package cognito owns everything the gateway knows about the Cognito API:
// the table of actions it can call through aws-sdk-go-v2, one row per action
// with all that is known of it (its SDK method, its quota category, whether
// it writes), the conversion of SDK values to JSON documents, and the
// mapping of Cognito's errors to problem details.
//
// It does not know about HTTP routes or the OpenAPI document; the gateway
// package decides which action a request performs.
package cognito

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/quota"
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
	// Category is the Cognito quota category the action is metered in,
	// which the gateway paces it by.
	Category quota.Category
	// Writes is set when the action changes something in Cognito; a test
	// holds it to the HTTP methods of the operations that perform it.
	Writes bool
	call   func(ctx context.Context, client *cip.Client, input []byte) (any, error)
	check  func(input []byte) error
}

// Check decodes input as Call would, without calling: a caller that plans
// calls before it makes them (package poolconfig) finds a member of the
// wrong type then, not halfway through.
func (a Action) Check(input []byte) error {
	return a.check(input)
}

// Call decodes input (JSON with Cognito's member names) into the action's SDK
// input and calls it. The result is the SDK output struct pointer.
func (a Action) Call(ctx context.Context, client *cip.Client, input []byte) (any, error) {
	return a.call(ctx, client, input)
}

// sdkMethod is the shape of every operation method on *cip.Client.
type sdkMethod[In, Out any] func(*cip.Client, context.Context, *In, ...func(*cip.Options)) (*Out, error)

// reads and writes say, in a row of the table, whether the action changes
// anything in Cognito.
const (
	reads  = false
	writes = true
)

// action adapts one SDK method to an Action, with its quota category and
// whether it writes. Its name comes from the input type
// (DescribeUserPoolInput -> DescribeUserPool), so a table line cannot name
// one action and call another.
func action[In, Out any](method sdkMethod[In, Out], category quota.Category, write bool) Action {
	in := reflect.TypeFor[In]()
	decode := sync.OnceValue(func() func([]byte, any) error { return inputDecoder(in) })
	return Action{
		Name:     strings.TrimSuffix(in.Name(), "Input"),
		Input:    in,
		Output:   reflect.TypeFor[Out](),
		Members:  members(in),
		Category: category,
		Writes:   write,
		check: func(input []byte) error {
			var params In
			if err := decode()(input, &params); err != nil {
				return fmt.Errorf("%s: %w", strings.TrimSuffix(in.Name(), "Input"), err)
			}
			return nil
		},
		call: func(ctx context.Context, client *cip.Client, input []byte) (any, error) {
			var params In
			if len(input) > 0 {
				if err := decode()(input, &params); err != nil {
					return nil, fmt.Errorf("decode %s: %w", in.Name(), err)
				}
			}
			return method(client, ctx, &params)
		},
	}
}

// Actions returns the table of callable actions, by name.
func Actions() map[string]Action {
	list := rows()
	table := make(map[string]Action, len(list))
	for _, a := range list {
		table[a.Name] = a
	}
	return table
}

// rows are the table of callable actions, one row per action. Adding an action
// the spec names costs one row here: its SDK method, its quota category
// (from the page cited in package quota) and whether it writes. Tests in
// package gateway hold the rows to the spec and to template.yaml.
func rows() []Action {
	return []Action{
		action((*cip.Client).ListUserPools, quota.UserPoolRead, reads),
		action((*cip.Client).CreateUserPool, quota.UserPoolUpdate, writes),
		action((*cip.Client).DescribeUserPool, quota.UserPoolRead, reads),
		action((*cip.Client).UpdateUserPool, quota.UserPoolUpdate, writes),
		action((*cip.Client).DeleteUserPool, quota.UserPoolUpdate, writes),
		// MFA configuration of a pool.
		action((*cip.Client).GetUserPoolMfaConfig, quota.UserPoolRead, reads),
		action((*cip.Client).SetUserPoolMfaConfig, quota.UserPoolUpdate, writes),
		// Replicas of a pool in other Regions.
		action((*cip.Client).ListUserPoolReplicas, quota.UserPoolRead, reads),
		action((*cip.Client).CreateUserPoolReplica, quota.UserPoolUpdate, writes),
		action((*cip.Client).UpdateUserPoolReplica, quota.UserPoolUpdate, writes),
		action((*cip.Client).DeleteUserPoolReplica, quota.UserPoolUpdate, writes),
		// Users, their groups and devices.
		action((*cip.Client).ListUsers, quota.UserList, reads),
		action((*cip.Client).AdminCreateUser, quota.UserCreation, writes),
		action((*cip.Client).AdminGetUser, quota.UserRead, reads),
		action((*cip.Client).AdminDeleteUser, quota.UserUpdate, writes),
		action((*cip.Client).AdminUpdateUserAttributes, quota.UserUpdate, writes),
		action((*cip.Client).AdminDeleteUserAttributes, quota.UserUpdate, writes),
		action((*cip.Client).AdminEnableUser, quota.UserUpdate, writes),
		action((*cip.Client).AdminDisableUser, quota.UserUpdate, writes),
		action((*cip.Client).AdminResetUserPassword, quota.UserAccountRecovery, writes),
		action((*cip.Client).AdminSetUserPassword, quota.UserAccountRecovery, writes),
		action((*cip.Client).AdminConfirmSignUp, quota.UserCreation, writes),
		action((*cip.Client).AdminSetUserSettings, quota.UserUpdate, writes),
		action((*cip.Client).AdminSetUserMFAPreference, quota.UserUpdate, writes),
		action((*cip.Client).AdminUserGlobalSignOut, quota.UserUpdate, writes),
		action((*cip.Client).AdminListGroupsForUser, quota.UserResourceRead, reads),
		action((*cip.Client).AdminAddUserToGroup, quota.UserResourceUpdate, writes),
		action((*cip.Client).AdminRemoveUserFromGroup, quota.UserResourceUpdate, writes),
		action((*cip.Client).AdminListDevices, quota.UserResourceRead, reads),
		action((*cip.Client).AdminGetDevice, quota.UserResourceRead, reads),
		action((*cip.Client).AdminUpdateDeviceStatus, quota.UserResourceUpdate, writes),
		action((*cip.Client).AdminForgetDevice, quota.UserResourceUpdate, writes),
		// Issue 15, admin per user: sign-in history, and links of external
		// identities to a user.
		action((*cip.Client).AdminListUserAuthEvents, quota.UserResourceRead, reads),
		action((*cip.Client).AdminUpdateAuthEventFeedback, quota.UserUpdate, writes),
		action((*cip.Client).AdminLinkProviderForUser, quota.UserUpdate, writes),
		action((*cip.Client).AdminDisableProviderForUser, quota.UserUpdate, writes),
		// Groups.
		action((*cip.Client).ListGroups, quota.UserPoolResourceRead, reads),
		action((*cip.Client).CreateGroup, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).GetGroup, quota.UserPoolResourceRead, reads),
		action((*cip.Client).UpdateGroup, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DeleteGroup, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).ListUsersInGroup, quota.UserList, reads),
		// App clients.
		action((*cip.Client).ListUserPoolClients, quota.UserPoolClientRead, reads),
		action((*cip.Client).CreateUserPoolClient, quota.UserPoolClientUpdate, writes),
		action((*cip.Client).DescribeUserPoolClient, quota.UserPoolClientRead, reads),
		action((*cip.Client).UpdateUserPoolClient, quota.UserPoolClientUpdate, writes),
		action((*cip.Client).DeleteUserPoolClient, quota.UserPoolClientUpdate, writes),
		// App client secrets, for rotating them: at most two per client.
		action((*cip.Client).ListUserPoolClientSecrets, quota.UserPoolClientRead, reads),
		action((*cip.Client).AddUserPoolClientSecret, quota.UserPoolClientUpdate, writes),
		action((*cip.Client).DeleteUserPoolClientSecret, quota.UserPoolClientUpdate, writes),
		// Identity providers.
		action((*cip.Client).ListIdentityProviders, quota.UserPoolResourceRead, reads),
		action((*cip.Client).CreateIdentityProvider, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DescribeIdentityProvider, quota.UserPoolResourceRead, reads),
		action((*cip.Client).GetIdentityProviderByIdentifier, quota.UserPoolResourceRead, reads),
		action((*cip.Client).UpdateIdentityProvider, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DeleteIdentityProvider, quota.UserPoolResourceUpdate, writes),
		// Resource servers: the OAuth scopes a pool's clients may ask for.
		action((*cip.Client).ListResourceServers, quota.UserPoolResourceRead, reads),
		action((*cip.Client).CreateResourceServer, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DescribeResourceServer, quota.UserPoolResourceRead, reads),
		action((*cip.Client).UpdateResourceServer, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DeleteResourceServer, quota.UserPoolResourceUpdate, writes),
		// Log delivery: where a pool sends its message-delivery and
		// threat-protection logs.
		action((*cip.Client).GetLogDeliveryConfiguration, quota.UserPoolRead, reads),
		action((*cip.Client).SetLogDeliveryConfiguration, quota.UserPoolUpdate, writes),
		// Tags of a pool, on its ARN.
		action((*cip.Client).ListTagsForResource, quota.UserPoolRead, reads),
		action((*cip.Client).TagResource, quota.UserPoolUpdate, writes),
		action((*cip.Client).UntagResource, quota.UserPoolUpdate, writes),
		// Managed-login branding styles: Settings is a free-form document
		// and Assets carry image bytes (freeform.go).
		action((*cip.Client).CreateManagedLoginBranding, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DescribeManagedLoginBranding, quota.UserPoolResourceRead, reads),
		action((*cip.Client).DescribeManagedLoginBrandingByClient, quota.UserPoolResourceRead, reads),
		action((*cip.Client).UpdateManagedLoginBranding, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DeleteManagedLoginBranding, quota.UserPoolResourceUpdate, writes),
		// Threat protection (risk configuration) of a pool or an app client.
		action((*cip.Client).DescribeRiskConfiguration, quota.UserPoolResourceRead, reads),
		action((*cip.Client).SetRiskConfiguration, quota.UserPoolResourceUpdate, writes),
		// Classic hosted UI customization of a pool or an app client.
		action((*cip.Client).GetUICustomization, quota.UserPoolResourceRead, reads),
		action((*cip.Client).SetUICustomization, quota.UserPoolResourceUpdate, writes),
		// The certificate a pool signs its SAML requests with.
		action((*cip.Client).GetSigningCertificate, quota.UserPoolResourceRead, reads),
		// Custom attributes: added to a pool's schema, never changed or removed.
		action((*cip.Client).AddCustomAttributes, quota.UserPoolUpdate, writes),
		// Terms documents that managed login links to, per app client.
		action((*cip.Client).ListTerms, quota.UserPoolResourceRead, reads),
		action((*cip.Client).CreateTerms, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DescribeTerms, quota.UserPoolResourceRead, reads),
		action((*cip.Client).UpdateTerms, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DeleteTerms, quota.UserPoolResourceUpdate, writes),
		// Domains: a pool's prefix domain and custom domain, which host its
		// managed login pages.
		action((*cip.Client).CreateUserPoolDomain, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DescribeUserPoolDomain, quota.UserPoolResourceRead, reads),
		action((*cip.Client).UpdateUserPoolDomain, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DeleteUserPoolDomain, quota.UserPoolResourceUpdate, writes),
		// Import jobs.
		action((*cip.Client).ListUserImportJobs, quota.UserPoolResourceRead, reads),
		action((*cip.Client).CreateUserImportJob, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).DescribeUserImportJob, quota.UserPoolResourceRead, reads),
		action((*cip.Client).StartUserImportJob, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).StopUserImportJob, quota.UserPoolResourceUpdate, writes),
		action((*cip.Client).GetCSVHeader, quota.UserPoolResourceRead, reads),
		// Self-service (/me), with the user's access token.
		action((*cip.Client).GetUser, quota.UserRead, reads),
		action((*cip.Client).DeleteUser, quota.UserUpdate, writes),
		action((*cip.Client).UpdateUserAttributes, quota.UserUpdate, writes),
		action((*cip.Client).DeleteUserAttributes, quota.UserUpdate, writes),
		action((*cip.Client).SetUserSettings, quota.UserUpdate, writes),
		action((*cip.Client).ListDevices, quota.UserResourceRead, reads),
		action((*cip.Client).GetDevice, quota.UserResourceRead, reads),
		// Self-service (/me) of issue 15: attribute verification, sign-in
		// factors, passkeys and devices. GetUserAttributeVerificationCode
		// sends a message, so it counts as a write though Cognito meters it
		// as a resource read.
		action((*cip.Client).GetUserAttributeVerificationCode, quota.UserResourceRead, writes),
		action((*cip.Client).VerifyUserAttribute, quota.UserUpdate, writes),
		action((*cip.Client).GetUserAuthFactors, quota.UserRead, reads),
		action((*cip.Client).ListWebAuthnCredentials, quota.UserResourceRead, reads),
		action((*cip.Client).DeleteWebAuthnCredential, quota.UserResourceUpdate, writes),
		action((*cip.Client).StartWebAuthnRegistration, quota.UserResourceUpdate, writes),
		action((*cip.Client).CompleteWebAuthnRegistration, quota.UserResourceUpdate, writes),
		action((*cip.Client).ConfirmDevice, quota.UserResourceUpdate, writes),
		action((*cip.Client).UpdateDeviceStatus, quota.UserResourceUpdate, writes),
		action((*cip.Client).ForgetDevice, quota.UserResourceUpdate, writes),
		// Issue 15, /me: password, sign-out everywhere, MFA preference and
		// authenticator-app (TOTP) enrolment.
		action((*cip.Client).ChangePassword, quota.UserAccountRecovery, writes),
		action((*cip.Client).GlobalSignOut, quota.UserUpdate, writes),
		action((*cip.Client).SetUserMFAPreference, quota.UserUpdate, writes),
		action((*cip.Client).AssociateSoftwareToken, quota.UserUpdate, writes),
		action((*cip.Client).VerifySoftwareToken, quota.UserUpdate, writes),
	}
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
