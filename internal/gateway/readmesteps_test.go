package gateway

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeStep is one curl line of a README walkthrough: the method curl
// sends and the URL's path after the variable that holds a base URL.
type readmeStep struct {
	Method, Variable, Path string
}

// readmeSteps reads the curl commands of the first sh block after marker
// in README.md, at the start of a line, after a pipe or in $(...), whose URL starts
// with one of variables ($B, "$P/..."). The
// path ends where the shell would expand something else ($, a quote or a
// space). The method is -X's, else HEAD for -I, POST for a body, GET.
func readmeSteps(t *testing.T, marker string, variables ...string) []readmeStep {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), marker)
	if !ok {
		t.Fatalf("README.md has no %q", marker)
	}
	_, section, _ = strings.Cut(section, "```sh\n")
	section, _, _ = strings.Cut(section, "```\n")
	url := regexp.MustCompile(`\s"?\$(` + strings.Join(variables, "|") + `)(/[^"\s$]*)`)
	curl := regexp.MustCompile(`(?:^|[\s|(])curl\s(.*)`)
	explicit := regexp.MustCompile(`\s-X (\w+)`)
	head := regexp.MustCompile(`\s-s?I\s`)
	body := regexp.MustCompile(`\s(-d|--data|--data-binary) `)
	var steps []readmeStep
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		command := curl.FindStringSubmatch(line)
		if command == nil {
			continue
		}
		line = " " + command[1]
		found := url.FindStringSubmatch(line)
		if found == nil {
			continue
		}
		step := readmeStep{Method: http.MethodGet, Variable: found[1], Path: found[2]}
		switch {
		case explicit.MatchString(line):
			step.Method = explicit.FindStringSubmatch(line)[1]
		case head.MatchString(line):
			step.Method = http.MethodHead
		case body.MatchString(line):
			step.Method = http.MethodPost
		}
		steps = append(steps, step)
	}
	return steps
}

// TestREADMEPromoteWalkthroughRoutesAreServed: the "Promote staging to
// production" walkthrough is followed step by step by someone changing
// production, so each curl line must name a route the gateway has, with
// the method the line sends, and the operation the step describes.
func TestREADMEPromoteWalkthroughRoutesAreServed(t *testing.T) {
	steps := readmeSteps(t, "### Promote staging to production", "S", "P")
	want := []string{"getConfiguration", "getConfiguration", "getConfiguration", "planConfiguration",
		"applyConfiguration", "planConfiguration", "applyConfiguration", "clonePool"}
	if len(steps) != len(want) {
		t.Fatalf("the walkthrough has %d curl steps, want %d (%v): %v", len(steps), len(want), want, steps)
	}
	router := walkedRouter(t, loadSpec(t))
	for i, step := range steps {
		method := step.Method
		if method == http.MethodHead {
			method = http.MethodGet // the gateway answers HEAD on every GET route
		}
		req := httptest.NewRequest(method, "/pools/"+poolID+step.Path, nil)
		route, _, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("step %d, %s $%s%s: %v", i+1, step.Method, step.Variable, step.Path, err)
			continue
		}
		if route.Operation.OperationID != want[i] {
			t.Errorf("step %d, %s $%s%s: operation %s, want %s", i+1, step.Method, step.Variable, step.Path, route.Operation.OperationID, want[i])
		}
	}
}
