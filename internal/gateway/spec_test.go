package gateway

import (
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/openapi"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func newTestGateway(t *testing.T, cognito *cognitotest.Server) *Gateway {
	t.Helper()
	g, err := New(cognito.Client(), loadSpec(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSpecValidates(t *testing.T) {
	doc := loadSpec(t)
	loader := openapi3.NewLoader()
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: %q, want 3.0.3 (3.1 rebuilds its validator per request)", doc.OpenAPI)
	}
}

// TestEveryActionIsWired fails when the spec names an action the table does
// not have, or a composite handler has no operation.
func TestEveryActionIsWired(t *testing.T) {
	doc := loadSpec(t)
	actions := cognito.Actions()
	ids := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ids[op.OperationID] = true
			names, err := stringList(extAction, op.Extensions[extAction])
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
			}
			for _, name := range names {
				if _, ok := actions[name]; !ok {
					t.Errorf("%s %s names %s, which the action table lacks", method, path, name)
				}
			}
			if len(names) > 1 && composites[op.OperationID] == nil && op.Extensions[extSCIM] == nil {
				t.Errorf("%s names %d actions but has no composite handler", op.OperationID, len(names))
			}
		}
	}
	for id := range composites {
		if !ids[id] {
			t.Errorf("composite handler %s has no operation in the spec", id)
		}
	}
	// New compiles every operation; it fails on any inconsistency.
	newTestGateway(t, cognitotest.New(t))
}

// configurationBodies are the request schemas of a pool's configuration
// operations, which are no Cognito action's input.
var configurationBodies = map[string]bool{"PoolConfigurationRequest": true, "ClonePoolRequest": true}

// TestSpecMatchesSDK walks each request body schema beside the SDK input type
// of the action it feeds, and each response schema beside the output, and
// fails on a member the SDK does not have, a request member the spec
// forgets, or an enum that differs from the SDK enum's Values().
func TestSpecMatchesSDK(t *testing.T) {
	doc := loadSpec(t)
	actions := cognito.Actions()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			names, _ := stringList(extAction, op.Extensions[extAction])
			if len(names) == 0 || op.Extensions[extSCIM] != nil {
				continue // package scim makes its inputs, not the body
			}
			last, hasLast := actions[names[len(names)-1]]
			first, hasFirst := actions[names[0]]
			if !hasLast || !hasFirst {
				continue // a missing row: TestTemplatePolicyMatchesSpec names it
			}
			where := method + " " + path
			if op.RequestBody != nil {
				for mt, content := range op.RequestBody.Value.Content {
					if configurationBodies[strings.TrimPrefix(content.Schema.Ref, "#/components/schemas/")] {
						// A configuration document feeds package poolconfig,
						// whose sections take their members from the action
						// table, not one action's input.
						continue
					}
					skip := map[string]bool{}
					for _, p := range op.Parameters {
						if m, _ := p.Value.Extensions[extMember].(string); m != "" {
							top, _, _ := strings.Cut(m, ".") // a path fills part of a structure
							skip[top] = true
						}
					}
					for _, id := range poolEditor.ids {
						skip[id] = true
					}
					// The tags operations name the pool by the ARN that
					// DescribeUserPool gives them, not by the body.
					skip["ResourceArn"] = true
					if fixed, ok := op.Extensions[extInput].(map[string]any); ok {
						for member := range fixed {
							top, _, _ := strings.Cut(member, ".")
							skip[top] = true
						}
					}
					// An editor never sends its notSent members: the path says
					// which resource is set (a pool's risk configuration, not
					// a client's), so no body may name them.
					if _, e, ok := editorFor(path, first); ok && len(names) == 2 {
						for _, member := range e.notSent {
							skip[member] = true
						}
					}
					for _, e := range editors {
						if e.locate != nil {
							skip[e.locate.member] = true // found, not patched
						}
					}
					for _, member := range narrowed[op.OperationID] {
						skip[member] = true
					}
					// The /me operations take AccessToken from Authorization.
					if op.Security != nil {
						for _, requirement := range *op.Security {
							if _, ok := requirement[accessTokenScheme]; ok {
								skip["AccessToken"] = true
							}
						}
					}
					walkSchema(t, where+" request "+mt, content.Schema.Value, last.Input, true, skip)
				}
			}
			for _, p := range op.Parameters {
				member, _ := p.Value.Extensions[extMember].(string)
				if member == "" {
					continue
				}
				// The last action's member, or, for a located resource's
				// GET, that of the action that locates it.
				f, ok := fieldByPath(last.Input, member)
				if !ok { // a composite's first action takes the path's identifiers
					f, ok = fieldByPath(first.Input, member)
				}
				if !ok {
					t.Errorf("%s: parameter %s fills %s, which %s lacks", where, p.Value.Name, member, last.Input.Name())
					continue
				}
				walkSchema(t, where+" parameter "+p.Value.Name, p.Value.Schema.Value, f.Type, false, nil)
			}
			output, _ := op.Extensions[extOutput].(string)
			resp := op.Responses.Status(200)
			if resp == nil {
				resp = op.Responses.Status(201)
			}
			if output == "" || resp == nil {
				continue
			}
			f, ok := first.Output.FieldByName(output)
			if !ok {
				t.Errorf("%s: %s %s is not a member of %s", where, extOutput, output, first.Output.Name())
				continue
			}
			if mt := resp.Value.Content.Get("application/json"); mt != nil {
				walkSchema(t, where+" response", mt.Schema.Value, f.Type, false, nil)
			}
		}
	}
}

// fieldByPath is the field a member names, a dotted one (User.ProviderName)
// inside the structures it passes through.
func fieldByPath(typ reflect.Type, member string) (reflect.StructField, bool) {
	var f reflect.StructField
	for name := range strings.SplitSeq(member, ".") {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return f, false
		}
		var ok bool
		if f, ok = typ.FieldByName(name); !ok {
			return f, false
		}
		typ = f.Type
	}
	return f, true
}

// narrowed are the members of its action's input that an operation's body
// leaves out on purpose, by operationId: a prefix domain has neither a
// certificate nor routing, which are a custom domain's (/custom-domain).
var narrowed = map[string][]string{
	"replaceDomain": {"CustomDomainConfig", "Routing"},
	"patchDomain":   {"CustomDomainConfig", "Routing"},
	// Session is the sign-in flow's (the MFA_SETUP challenge), which /me,
	// with an access token, is not.
	"verifyMySoftwareToken": {"Session"},
}

// walkSchema compares a schema with an SDK type. With both set, every SDK
// field must also be a schema property, except the members in skip.
func walkSchema(t *testing.T, where string, s *openapi3.Schema, typ reflect.Type, both bool, skip map[string]bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if len(s.Enum) > 0 {
		values := reflect.New(typ).Elem().MethodByName("Values")
		if !values.IsValid() {
			t.Errorf("%s: enum on %s, which is not an SDK enum", where, typ)
			return
		}
		var want []string
		list := values.Call(nil)[0]
		for i := range list.Len() {
			want = append(want, list.Index(i).String())
		}
		var got []string
		for _, e := range s.Enum {
			if e == nil && s.Nullable {
				continue // a PATCH's null, which removes the member
			}
			got = append(got, e.(string))
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: enum %v, SDK %s.Values() %v", where, got, typ.Name(), want)
		}
		return
	}
	if s.Items != nil && s.Items.Value != nil {
		if typ.Kind() != reflect.Slice {
			t.Errorf("%s: array schema for %s", where, typ)
			return
		}
		walkSchema(t, where+"[]", s.Items.Value, typ.Elem(), both, nil)
		return
	}
	if len(s.Properties) == 0 {
		if ap := s.AdditionalProperties.Schema; ap != nil && ap.Value != nil && typ.Kind() == reflect.Map {
			walkSchema(t, where+"{}", ap.Value, typ.Elem(), both, nil)
		}
		return
	}
	if typ.Kind() != reflect.Struct {
		t.Errorf("%s: object schema for %s", where, typ)
		return
	}
	for name, prop := range s.Properties {
		f, ok := typ.FieldByName(name)
		if !ok || !f.IsExported() {
			t.Errorf("%s: property %s is not a member of %s", where, name, typ.Name())
			continue
		}
		walkSchema(t, where+"."+name, prop.Value, f.Type, both, nil)
	}
	if !both {
		return
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() || skip[f.Name] {
			continue
		}
		if _, ok := s.Properties[f.Name]; !ok {
			t.Errorf("%s: %s.%s is missing from the schema", where, typ.Name(), f.Name)
		}
	}
}

// TestPatternsAreAnchored: an unanchored pattern matches anywhere, so "a b"
// would pass a pattern meant to forbid spaces.
func TestPatternsAreAnchored(t *testing.T) {
	doc := loadSpec(t)
	lowerEscape := regexp.MustCompile(`\\u[0-9a-f]{0,3}[a-f]`)
	seen := map[*openapi3.Schema]bool{}
	var visit func(where string, s *openapi3.Schema)
	visit = func(where string, s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if p := s.Pattern; p != "" {
			if !strings.HasPrefix(p, "^") || !strings.HasSuffix(p, "$") {
				t.Errorf("%s: pattern %q is not anchored", where, p)
			}
			if lowerEscape.MatchString(p) {
				t.Errorf("%s: pattern %q has a lowercase \\u escape", where, p)
			}
			// kin-openapi rewrites \uXXXX (uppercase hex) to Go's \x{XXXX}.
			goPattern := regexp.MustCompile(`\\u([0-9A-F]{4})`).ReplaceAllString(p, `\x{$1}`)
			if _, err := regexp.Compile(goPattern); err != nil {
				t.Errorf("%s: pattern %q does not compile: %v", where, p, err)
			}
		}
		for name, prop := range s.Properties {
			visit(where+"."+name, prop.Value)
		}
		if s.Items != nil {
			visit(where+"[]", s.Items.Value)
		}
		if s.AdditionalProperties.Schema != nil {
			visit(where+"{}", s.AdditionalProperties.Schema.Value)
		}
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range list {
				visit(where, sub.Value)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		visit("#/components/schemas/"+name, s.Value)
	}
	for name, p := range doc.Components.Parameters {
		visit("#/components/parameters/"+name, p.Value.Schema.Value)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				visit(method+" "+path+" "+p.Value.Name, p.Value.Schema.Value)
			}
			if op.RequestBody != nil {
				for mt, c := range op.RequestBody.Value.Content {
					visit(method+" "+path+" "+mt, c.Schema.Value)
				}
			}
		}
	}
}

// TestRequestObjectsAreClosed: an unknown member must be a 400, never a
// silent no-op, so every object in a request body is closed, maps aside.
func TestRequestObjectsAreClosed(t *testing.T) {
	doc := loadSpec(t)
	seen := map[*openapi3.Schema]bool{}
	var visit func(where string, s *openapi3.Schema)
	visit = func(where string, s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type.Is("object") || len(s.Properties) > 0 {
			isMap := s.AdditionalProperties.Schema != nil
			closed := s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
			loose := len(s.Properties) == 0 && s.Nullable // a PATCH member, checked after merging
			// A free-form document (a branding style's Settings) says
			// additionalProperties: true, open on purpose, not by omission.
			document := len(s.Properties) == 0 && s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has
			if !isMap && !closed && !loose && !document {
				t.Errorf("%s: object without additionalProperties: false", where)
			}
		}
		for name, prop := range s.Properties {
			visit(where+"."+name, prop.Value)
		}
		if s.Items != nil {
			visit(where+"[]", s.Items.Value)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			for mt, c := range op.RequestBody.Value.Content {
				visit(method+" "+path+" "+mt, c.Schema.Value)
			}
		}
	}
}

// TestPathParametersHaveExamples: contract tools such as Prism and Dredd
// build a request of each operation from the examples, and cannot fill a
// path parameter without one. Each example must also pass its own schema,
// or the request they build is a 400.
func TestPathParametersHaveExamples(t *testing.T) {
	doc := loadSpec(t)
	seen := map[*openapi3.Parameter]bool{}
	check := func(where string, p *openapi3.Parameter) {
		if p.In != "path" || seen[p] {
			return
		}
		seen[p] = true
		example := p.Example
		if example == nil && p.Schema.Value.Example != nil {
			example = p.Schema.Value.Example
		}
		if example == nil {
			t.Errorf("%s: path parameter %s has no example", where, p.Name)
			return
		}
		if err := p.Schema.Value.VisitJSON(example); err != nil {
			t.Errorf("%s: path parameter %s: example %v breaks its schema: %v", where, p.Name, example, err)
		}
	}
	for path, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			check(path, p.Value)
		}
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				check(method+" "+path, p.Value)
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no path parameter found")
	}
}

// TestStatusRulesAreCheckedAtStartUp: an x-status-when rule that names a
// status the operation does not declare, or a member its body lacks, could
// never be right; the gateway must refuse to start with it.
func TestStatusRulesAreCheckedAtStartUp(t *testing.T) {
	body := &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchema(
		openapi3.NewObjectSchema().WithProperty("MessageAction", openapi3.NewStringSchema()))}
	responses := openapi3.NewResponses(
		openapi3.WithStatus(200, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("resent")}),
		openapi3.WithStatus(201, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("created")}))
	actions := cognito.Actions()
	cases := []struct {
		name   string
		rule   map[string]any
		status int    // the operation's own success status
		err    string // what a refusal names
	}{
		{"a declared status", map[string]any{"member": "MessageAction", "equals": "RESEND", "status": 200}, 201, ""},
		{"an undeclared status", map[string]any{"member": "MessageAction", "equals": "RESEND", "status": 202}, 0, "status 202"},
		{"a member the body lacks", map[string]any{"member": "Resend", "equals": "yes", "status": 200}, 0, `"Resend"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op := &openapi3.Operation{OperationID: "createUser", RequestBody: body, Responses: responses,
				Extensions: map[string]any{extAction: "AdminCreateUser", extWhen: []any{tc.rule}}}
			o, err := compileOperation("POST", "/pools/{poolId}/users", &openapi3.PathItem{}, op, actions)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if o.status != tc.status {
					t.Errorf("success status %d, want %d", o.status, tc.status)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("compiled with error %v, want one naming %s", err, tc.err)
			}
		})
	}
}
