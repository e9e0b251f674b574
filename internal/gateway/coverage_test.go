package gateway

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// The Cognito operations the gateway deliberately does not offer, each list
// with the reason it is left out. TestEveryOperationIsOfferedOrExcluded holds
// them to the SDK and the spec.
var (
	// signInFlows are the end user's sign-in and sign-up flows: an app
	// calls them against Cognito (or the hosted UI) with the user's own
	// credentials; an admin gateway has no business in them.
	signInFlows = []string{
		"SignUp", "ConfirmSignUp", "ResendConfirmationCode",
		"InitiateAuth", "RespondToAuthChallenge",
		"AdminInitiateAuth", "AdminRespondToAuthChallenge",
		"ForgotPassword", "ConfirmForgotPassword",
		"RevokeToken", "GetTokensFromRefreshToken", "UpdateAuthEventFeedback",
	}
)

// exclusions are the list above, each name with its reason.
func exclusions() map[string]string {
	reasons := map[string]string{}
	for reason, names := range map[string][]string{
		"an end user's sign-in or sign-up flow (signInFlows)": signInFlows,
	} {
		for _, name := range names {
			reasons[name] = reason
		}
	}
	return reasons
}

// sdkOperations are the Cognito operations of the SDK's client: its
// methods shaped X(ctx, *XInput, ...func(*Options)) (*XOutput, error).
func sdkOperations() []string {
	var (
		ctxType  = reflect.TypeFor[context.Context]()
		optsType = reflect.TypeFor[[]func(*cip.Options)]()
		errType  = reflect.TypeFor[error]()
	)
	client := reflect.TypeFor[*cip.Client]()
	var names []string
	for i := range client.NumMethod() {
		m := client.Method(i)
		t := m.Type // the receiver is its first argument
		if t.NumIn() != 4 || t.NumOut() != 2 || !t.IsVariadic() ||
			t.In(1) != ctxType || t.In(3) != optsType || t.Out(1) != errType {
			continue
		}
		in, out := t.In(2), t.Out(0)
		if in.Kind() != reflect.Pointer || in.Elem().Name() != m.Name+"Input" ||
			out.Kind() != reflect.Pointer || out.Elem().Name() != m.Name+"Output" {
			continue
		}
		names = append(names, m.Name)
	}
	return names
}

// TestEveryOperationIsOfferedOrExcluded fails when a Cognito operation of
// the SDK is neither performed by an operation of the spec (its
// x-cognito-action, composites' lists included) nor excluded with a reason,
// and when an exclusion is stale: the spec names it, or the SDK has no such
// operation.
func TestEveryOperationIsOfferedOrExcluded(t *testing.T) {
	doc := loadSpec(t)
	offered := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			names, err := stringList(extAction, op.Extensions[extAction])
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			for _, name := range names {
				offered[name] = true
			}
		}
	}
	operations := sdkOperations()
	if len(operations) < 100 {
		t.Fatalf("found %d operations on the SDK's client; the reflection no longer sees them", len(operations))
	}
	excluded := exclusions()
	var missing []string
	inSDK := map[string]bool{}
	for _, name := range operations {
		inSDK[name] = true
		if !offered[name] && excluded[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the spec offers none of these Cognito operations, and no exclusion names them: %s. "+
			"Add each to openapi/openapi.yaml (x-cognito-action, a row in internal/cognito/cognito.go, "+
			"template.yaml's IAM list; README's \"Adding an ordinary operation\"), "+
			"or, if an admin gateway must not offer it, to an exclusion list in coverage_test.go with its reason",
			strings.Join(missing, ", "))
	}
	var stale []string
	for name, reason := range excluded {
		switch {
		case offered[name]:
			stale = append(stale, name+" (the spec offers it; excluded as "+reason+")")
		case !inSDK[name]:
			stale = append(stale, name+" (the SDK has no such operation; excluded as "+reason+")")
		}
	}
	sort.Strings(stale)
	for _, s := range stale {
		t.Errorf("stale exclusion: %s: delete it from its list in coverage_test.go", s)
	}
}
