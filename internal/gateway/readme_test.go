package gateway

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// TestREADMEErrorExampleIsTheGatewaysAnswer: the README's error example is
// the first answer a newcomer compares with their own, so it must be what
// the gateway answers to the README's own request, error for error.
func TestREADMEErrorExampleIsTheGatewaysAnswer(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	request := regexp.MustCompile(`# Mistakes come back together[^\n]*\ncurl -X (\w+) localhost:8080(\S+) -H '([^:]+): ([^']+)' \\\n\s+-d '([^']*)'`).
		FindStringSubmatch(readme)
	if request == nil {
		t.Fatal(`README.md has no "# Mistakes come back together" request of the form curl -X METHOD localhost:8080PATH -H '...' -d '...'`)
	}
	_, errorsSection, ok := strings.Cut(readme, "\n### Errors\n")
	if !ok {
		t.Fatal(`README.md has no "### Errors" section`)
	}
	_, block, ok := strings.Cut(errorsSection, "\n```json\n")
	if !ok {
		t.Fatal(`"### Errors" has no json block`)
	}
	block, _, _ = strings.Cut(block, "\n```\n")
	var shown map[string]any
	if err := json.Unmarshal([]byte(block), &shown); err != nil {
		t.Fatalf("the README's error example is not JSON: %v", err)
	}

	stub := cognitotest.New(t)
	rec := serveStandIn(t, stub, request[1], request[2], request[5], map[string]string{request[3]: request[4]})
	var answered map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &answered); err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	shown["requestId"] = answered["requestId"] // new on every request
	if !reflect.DeepEqual(shown, answered) {
		t.Errorf("README.md's error example differs from the gateway's answer to its request; the answer is\n%s", rec.Body)
	}
	if rec.Code != http.StatusBadRequest || len(stub.Calls()) != 0 {
		t.Errorf("status %d, Cognito calls %s", rec.Code, callNames(stub))
	}
}
