package gateway

import (
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// TestREADMESupportRunbookRoutesAreServed: a support engineer pastes the
// runbook's curl lines under pressure, so each must be a route the gateway
// serves, with the method the line uses, and call the action the step
// promises.
func TestREADMESupportRunbookRoutesAreServed(t *testing.T) {
	steps := readmeSteps(t, "**Support runbook.**", "B")
	want := []string{"ListUsers", "AdminListUserAuthEvents", "AdminResetUserPassword",
		"AdminUserGlobalSignOut", "AdminDisableProviderForUser"}
	if len(steps) != len(want) {
		t.Fatalf("the runbook has %d curl steps, want %d (%v): %v", len(steps), len(want), want, steps)
	}
	for i, step := range steps {
		method := step.Method
		stub := cognitotest.New(t)
		stub.Handle("ListUsers", cognitotest.Reply(map[string]any{"Users": []any{}}))
		stub.Handle("AdminListUserAuthEvents", cognitotest.Reply(map[string]any{"AuthEvents": []any{}}))
		stub.HandleOthers(cognitotest.Reply(map[string]any{}))
		target := "/pools/" + poolID + strings.TrimSuffix(step.Path, "Filter=")
		rec := serveStandIn(t, stub, method, target, "", nil)
		if rec.Code/100 != 2 || callNames(stub) != want[i] {
			t.Errorf("step %d, %s %s: %d %s, Cognito calls %q, want %s", i+1, method, target, rec.Code, rec.Body, callNames(stub), want[i])
		}
	}
}
