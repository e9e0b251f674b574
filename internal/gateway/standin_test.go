package gateway

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// serveStandIn sends one request through a gateway in front of stub and
// checks the answer against the spec. A body is JSON unless header says
// otherwise.
func serveStandIn(t *testing.T, stub *cognitotest.Server, method, target, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return spectest.New(t).Serve(t, newTestGateway(t, stub), req)
}

// onlyInput is the input of the one call stub received for action.
func onlyInput(t *testing.T, stub *cognitotest.Server, action string) map[string]any {
	t.Helper()
	var inputs []map[string]any
	for _, c := range stub.Calls() {
		if c.Action == action {
			inputs = append(inputs, c.Input)
		}
	}
	if len(inputs) != 1 {
		t.Fatalf("%s was called %d times, want once; calls: %s", action, len(inputs), callNames(stub))
	}
	return inputs[0]
}

// callNames lists the actions stub received, in order, comma-separated.
func callNames(stub *cognitotest.Server) string {
	var names []string
	for _, c := range stub.Calls() {
		names = append(names, c.Action)
	}
	return strings.Join(names, ",")
}
