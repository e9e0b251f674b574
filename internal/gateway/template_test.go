package gateway

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	yaml "github.com/oasdiff/yaml3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/scimauth"
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
// actions the spec names, with no wildcard, and the action table has a row
// for each of them and no other (registry_test.go).
func TestTemplatePolicyMatchesSpec(t *testing.T) {
	granted := templateGrants(t)
	for _, disagreement := range registryDisagreements(specUses(t, loadSpec(t)), cognito.Actions(), granted) {
		t.Error(disagreement)
	}
}

// templateGrants are the cognito-idp actions that ApiFunction's policies
// allow, without the prefix; a wildcard is an error.
func templateGrants(t *testing.T) []string {
	t.Helper()
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
	return granted
}

// TestTemplateRoutesRequireIAM: every route needs SigV4 (AWS_IAM) except the
// /me routes, where Cognito checks the end user's access token, and a
// pool's SCIM routes, where the gateway checks the SCIM client's token.
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
		self := path == "/me" || strings.HasPrefix(path, "/me/") || path == scimEventPath
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

// TestTemplateARNsNameThePartition: an ARN written for the aws partition
// alone names nothing in aws-cn or aws-us-gov, where the stack then deploys
// a role that grants nothing (or an API policy that admits no one). Every
// ARN must take its partition from ${AWS::Partition}.
func TestTemplateARNsNameThePartition(t *testing.T) {
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "arn:") {
			for rest := n.Value; ; {
				i := strings.Index(rest, "arn:")
				if i < 0 {
					break
				}
				rest = rest[i+len("arn:"):]
				if !strings.HasPrefix(rest, "${AWS::Partition}:") {
					t.Errorf("line %d: an ARN without ${AWS::Partition}: %q", n.Line, n.Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(templateNode(t))
}

// TestTemplateScopesTheRoleToEachAllowedPool evaluates the UserPoolScoped
// statement's Resource, as CloudFormation would, for allow-lists from one
// pool to as many as AllowedPoolIds' pattern admits, in another partition:
// each pool gets exactly its own ARN, in that partition.
func TestTemplateScopesTheRoleToEachAllowedPool(t *testing.T) {
	root := templateNode(t)
	pattern := child(root, "Parameters", "AllowedPoolIds", "AllowedPattern").Value
	var most int
	bound := strings.LastIndex(pattern, "{0,")
	if bound < 0 {
		t.Fatalf("AllowedPoolIds' pattern %q does not bound the number of pools", pattern)
	}
	if _, err := fmt.Sscanf(pattern[bound:], "{0,%d}", &most); err != nil {
		t.Fatalf("AllowedPoolIds' pattern %q: %v", pattern, err)
	}
	most++
	var resource *yaml.Node
	for _, policy := range child(root, "Resources", "ApiFunction", "Properties", "Policies").Content {
		for _, statement := range child(policy, "Statement").Content {
			if sid := child(statement, "Sid"); sid != nil && sid.Value == "UserPoolScoped" {
				resource = child(statement, "Resource")
			}
		}
	}
	if resource == nil {
		t.Fatal("no UserPoolScoped statement")
	}
	for n := 0; n <= most; n++ {
		var pools []string
		for i := range n {
			pools = append(pools, fmt.Sprintf("eu-west-1_Pool%d", i))
		}
		params := map[string]string{"AllowedPoolIds": strings.Join(pools, ","),
			"AWS::Partition": "aws-cn", "AWS::Region": "cn-north-1", "AWS::AccountId": "123456789012"}
		if !regexp.MustCompile(pattern).MatchString(params["AllowedPoolIds"]) {
			t.Fatalf("%d pools: the pattern refuses %q", n, params["AllowedPoolIds"])
		}
		got := evalCFN(t, root, resource, params)
		want := []any{"arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/*"}
		if n > 0 {
			want = nil
			for _, pool := range pools {
				want = append(want, "arn:aws-cn:cognito-idp:*:*:userpool/"+pool)
			}
		}
		if !reflect.DeepEqual(got, want) && !(n == 0 && reflect.DeepEqual(got, want[0])) {
			t.Errorf("%d pools: Resource %v, want %v", n, got, want)
		}
	}
}

// noValue is what AWS::NoValue evaluates to: an item that disappears.
type noValue struct{}

// evalCFN evaluates the intrinsic functions the template's policies use
// (Ref, Sub, Select, Split, Join, If, Not, Equals) with params.
func evalCFN(t *testing.T, root, n *yaml.Node, params map[string]string) any {
	t.Helper()
	eval := func(n *yaml.Node) any { return evalCFN(t, root, n, params) }
	args := func() []any {
		var list []any
		for _, c := range n.Content {
			list = append(list, eval(c))
		}
		return list
	}
	sub := func(template string, vars map[string]string) string {
		return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(template, func(m string) string {
			name := m[2 : len(m)-1]
			if v, ok := vars[name]; ok {
				return v
			}
			v, ok := params[name]
			if !ok {
				t.Fatalf("Sub: unknown %s", name)
			}
			return v
		})
	}
	switch n.Tag {
	case "!Ref":
		if n.Value == "AWS::NoValue" {
			return noValue{}
		}
		return params[n.Value]
	case "!Sub":
		if n.Kind == yaml.ScalarNode {
			return sub(n.Value, nil)
		}
		vars := map[string]string{}
		for i := 0; i+1 < len(n.Content[1].Content); i += 2 {
			vars[n.Content[1].Content[i].Value] = eval(n.Content[1].Content[i+1]).(string)
		}
		return sub(n.Content[0].Value, vars)
	case "!Select":
		a := args()
		i, _ := strconv.Atoi(n.Content[0].Value)
		return a[1].([]any)[i]
	case "!Split":
		var list []any
		for _, s := range strings.Split(eval(n.Content[1]).(string), n.Content[0].Value) {
			list = append(list, s)
		}
		return list
	case "!Join":
		var parts []string
		for _, s := range eval(n.Content[1]).([]any) {
			parts = append(parts, s.(string))
		}
		return strings.Join(parts, n.Content[0].Value)
	case "!Equals":
		a := args()
		return a[0] == a[1]
	case "!Not":
		return !eval(n.Content[0]).(bool)
	case "!If":
		condition := child(root, "Conditions", n.Content[0].Value)
		if condition == nil {
			t.Fatalf("no condition %s", n.Content[0].Value)
		}
		if eval(condition).(bool) {
			return eval(n.Content[1])
		}
		return eval(n.Content[2])
	}
	switch n.Kind {
	case yaml.SequenceNode:
		list := []any{}
		for _, item := range args() {
			if _, gone := item.(noValue); !gone {
				list = append(list, item)
			}
		}
		return list
	case yaml.ScalarNode:
		return n.Value
	}
	t.Fatalf("line %d: cannot evaluate %s", n.Line, n.Tag)
	return nil
}

// scimEventPath is the template's route of a pool's SCIM endpoints.
const scimEventPath = "/pools/{poolId}/scim/v2/{proxy+}"

// TestTemplateRoutesEveryPathToAMethod resolves each of the spec's paths,
// and a SCIM path, over the template's routes as API Gateway does, the
// most specific first (a fixed segment, then a parameter, then a greedy
// {proxy+}), and without going back up: a path whose most specific
// resource has no method would be API Gateway's 403 "Missing
// Authentication Token". Each must reach a route with a method, which
// takes AWS_IAM but for /me's and SCIM's.
func TestTemplateRoutesEveryPathToAMethod(t *testing.T) {
	events := child(templateNode(t), "Resources", "ApiFunction", "Properties", "Events")
	open := map[string]bool{} // the routes with a method, by path: open or AWS_IAM
	for i := 1; i < len(events.Content); i += 2 {
		path := child(events.Content[i], "Properties", "Path").Value
		authorizer := child(events.Content[i], "Properties", "Auth", "Authorizer")
		open[path] = authorizer != nil && authorizer.Value == "NONE"
	}
	paths := []string{"/pools/{poolId}/scim/v2/Users/{id}", "/pools/{poolId}/scim/v2/ServiceProviderConfig"}
	for path := range loadSpec(t).Paths.Map() {
		paths = append(paths, path)
	}
	for _, path := range paths {
		route := resolveRoute(strings.Split(strings.TrimPrefix(path, "/"), "/"), open)
		if route == "" {
			t.Errorf("%s reaches a resource without a method", path)
			continue
		}
		wantOpen := path == "/me" || strings.HasPrefix(path, "/me/") || strings.HasPrefix(path, "/pools/{poolId}/scim/v2/")
		if open[route] != wantOpen {
			t.Errorf("%s is served by %s, open %v; want open %v", path, route, open[route], wantOpen)
		}
	}
}

// resolveRoute is the route of open that API Gateway matches to a request
// path of segments, or "" when its most specific resource has no method.
// Resources are the routes' paths and every prefix of them.
func resolveRoute(segments []string, routes map[string]bool) string {
	resources := map[string]bool{"": true}
	for path := range routes {
		parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
		for i := range parts {
			resources["/"+strings.Join(parts[:i+1], "/")] = true
		}
	}
	at := ""
	for _, segment := range segments {
		literal := at + "/" + segment
		if strings.HasPrefix(segment, "{") {
			literal = "" // a parameter of the spec stands for any value but a fixed segment
		}
		var param string
		for resource := range resources {
			if strings.HasPrefix(resource, at+"/{") && !strings.HasSuffix(resource, "+}") && strings.Count(resource, "/") == strings.Count(at, "/")+1 {
				param = resource
			}
		}
		switch {
		case literal != "" && resources[literal]:
			at = literal
		case param != "":
			at = param
		case resources[at+"/{proxy+}"]:
			at = at + "/{proxy+}"
			if _, ok := routes[at]; ok {
				return at
			}
			return ""
		default:
			return ""
		}
	}
	if _, ok := routes[at]; ok {
		return at
	}
	return ""
}

// TestTemplateGrantsTheSCIMStoreItsActions: the function may call exactly
// the Secrets Manager actions the token store calls (scimauth.Actions,
// which its own test holds to its calls), on the secrets under the prefix
// it is given, and no other.
func TestTemplateGrantsTheSCIMStoreItsActions(t *testing.T) {
	fn := child(templateNode(t), "Resources", "ApiFunction", "Properties")
	prefix := child(fn, "Environment", "Variables", "SCIM_SECRET_PREFIX")
	if prefix == nil || prefix.Tag != "!Sub" {
		t.Fatal("ApiFunction sets no SCIM_SECRET_PREFIX with !Sub")
	}
	var granted []string
	var resources []string
	for _, policy := range child(fn, "Policies").Content {
		for _, statement := range child(policy, "Statement").Content {
			actions := child(statement, "Action")
			list := actions.Content
			if actions.Kind == yaml.ScalarNode {
				list = []*yaml.Node{actions}
			}
			for _, a := range list {
				if name, ok := strings.CutPrefix(a.Value, "secretsmanager:"); ok {
					granted = append(granted, name)
					resources = append(resources, child(statement, "Resource").Value)
				}
			}
		}
	}
	slices.Sort(granted)
	if !slices.Equal(granted, scimauth.Actions) {
		t.Errorf("the template grants secretsmanager:%v; the store calls %v", granted, scimauth.Actions)
	}
	want := "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:" + prefix.Value + "*"
	for _, resource := range resources {
		if resource != want {
			t.Errorf("Secrets Manager actions granted on %s, want %s", resource, want)
		}
	}
}
