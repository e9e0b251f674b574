package gateway

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	yaml "github.com/oasdiff/yaml3"
)

// templateNode parses template.yaml as YAML nodes: CloudFormation's short
// tags (!Sub, !If, ...) defeat decoding into Go values.
func templateNode(t *testing.T) *yaml.Node {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// child returns the value under key in a mapping node, or nil.
func child(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// TestTemplatePolicyMatchesSpec: the function may call exactly the Cognito
// actions the spec names, with no wildcard.
func TestTemplatePolicyMatchesSpec(t *testing.T) {
	fn := child(templateNode(t), "Resources", "ApiFunction", "Properties")
	var granted []string
	for _, policy := range child(fn, "Policies").Content {
		for _, statement := range child(policy, "Statement").Content {
			if effect := child(statement, "Effect"); effect == nil || effect.Value != "Allow" {
				continue
			}
			actions := child(statement, "Action")
			list := actions.Content
			if actions.Kind == yaml.ScalarNode {
				list = []*yaml.Node{actions}
			}
			for _, a := range list {
				if strings.Contains(a.Value, "*") {
					t.Errorf("wildcard action %q", a.Value)
				}
				if name, ok := strings.CutPrefix(a.Value, "cognito-idp:"); ok {
					granted = append(granted, name)
				}
			}
		}
	}
	var named []string
	doc := loadSpec(t)
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			names, _ := stringList(extAction, op.Extensions[extAction])
			named = append(named, names...)
		}
	}
	sort.Strings(granted)
	sort.Strings(named)
	named = slices.Compact(named)
	if !slices.Equal(granted, named) {
		t.Errorf("template grants %v\nspec names      %v", granted, named)
	}
}

// TestTemplateRoutesRequireIAM: every route needs SigV4 (AWS_IAM) except the
// /me routes, where Cognito checks the end user's access token.
func TestTemplateRoutesRequireIAM(t *testing.T) {
	root := templateNode(t)
	api := child(root, "Resources", "Api", "Properties", "Auth", "DefaultAuthorizer")
	if api == nil || api.Value != "AWS_IAM" {
		t.Fatalf("Api DefaultAuthorizer is not AWS_IAM")
	}
	events := child(root, "Resources", "ApiFunction", "Properties", "Events")
	if events == nil || len(events.Content) == 0 {
		t.Fatal("ApiFunction has no events")
	}
	for i := 0; i+1 < len(events.Content); i += 2 {
		name, event := events.Content[i].Value, events.Content[i+1]
		path := child(event, "Properties", "Path").Value
		authorizer := child(event, "Properties", "Auth", "Authorizer")
		open := authorizer != nil && authorizer.Value != "AWS_IAM"
		self := path == "/me" || strings.HasPrefix(path, "/me/")
		if open && !self {
			t.Errorf("event %s leaves %s without AWS_IAM", name, path)
		}
	}
}

// TestSAMConveniences pins what a newcomer's first `sam deploy` relies on.
func TestSAMConveniences(t *testing.T) {
	fn := child(templateNode(t), "Resources", "ApiFunction", "Properties")
	if tracing := child(fn, "Tracing"); tracing == nil || tracing.Value != "Active" {
		t.Error("ApiFunction has no Tracing: Active")
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`stack_name = "cognito-admin-gateway"`,
		`capabilities = "CAPABILITY_IAM"`,
		`confirm_changeset = true`,
		`resolve_s3 = true`,
	} {
		if !strings.Contains(string(raw), "\n"+line+"\n") {
			t.Errorf("samconfig.toml lacks %s", line)
		}
	}
}
