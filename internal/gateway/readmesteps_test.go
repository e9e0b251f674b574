package gateway

import (
	"net/http"
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

// readmeSteps reads the curl lines of the first sh block after marker in
// README.md whose URL starts with one of variables ($B, "$P/..."). The
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
	url := regexp.MustCompile(`"?\$(` + strings.Join(variables, "|") + `)(/[^"\s$]*)`)
	explicit := regexp.MustCompile(`\s-X (\w+)`)
	head := regexp.MustCompile(`\s-s?I\s`)
	body := regexp.MustCompile(`\s(-d|--data|--data-binary) `)
	var steps []readmeStep
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
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
