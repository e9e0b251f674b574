package gateway

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// TestREADMESupportRunbookRoutesAreServed: a support engineer pastes the
// runbook's curl lines under pressure, so each must be a route the gateway
// serves, with the method the line uses, and call the action the step
// promises.
func TestREADMESupportRunbookRoutesAreServed(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, runbook, ok := strings.Cut(string(raw), "**Support runbook.**")
	if !ok {
		t.Fatal(`README.md has no "**Support runbook.**" paragraph`)
	}
	_, runbook, _ = strings.Cut(runbook, "```sh\n")
	runbook, _, _ = strings.Cut(runbook, "```\n")
	line := regexp.MustCompile(`(?m)^curl (?:-X (\w+) )?"?\$B(/[^"\s$]*)`)
	steps := line.FindAllStringSubmatch(runbook, -1)
	want := []string{"ListUsers", "AdminListUserAuthEvents", "AdminResetUserPassword",
		"AdminUserGlobalSignOut", "AdminDisableProviderForUser"}
	if len(steps) != len(want) {
		t.Fatalf("the runbook has %d curl steps, want %d (%v): %q", len(steps), len(want), want, runbook)
	}
	for i, step := range steps {
		method := step[1]
		if method == "" {
			method = http.MethodGet
		}
		stub := cognitotest.New(t)
		stub.Handle("ListUsers", cognitotest.Reply(map[string]any{"Users": []any{}}))
		stub.Handle("AdminListUserAuthEvents", cognitotest.Reply(map[string]any{"AuthEvents": []any{}}))
		stub.HandleOthers(cognitotest.Reply(map[string]any{}))
		target := "/pools/" + poolID + strings.TrimSuffix(step[2], "Filter=")
		rec := serveStandIn(t, stub, method, target, "", nil)
		if rec.Code/100 != 2 || callNames(stub) != want[i] {
			t.Errorf("step %d, %s %s: %d %s, Cognito calls %q, want %s", i+1, method, target, rec.Code, rec.Body, callNames(stub), want[i])
		}
	}
}
