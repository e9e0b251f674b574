package gateway

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Compiling: what the gateway reads of a spec operation, once, when a
// request first needs it: its action rows, parameters, extensions, success
// status, and the names a create's audit line gives what it made.

// The spec's extensions that drive translation. They are documented in the
// README's "How the spec drives the gateway".
const (
	extAction   = "x-cognito-action" // the Cognito action(s) an operation performs
	extMember   = "x-cognito-member" // the Cognito input member a parameter fills
	extOutput   = "x-cognito-output" // the output member returned as the body
	extList     = "x-cognito-list"   // the output's list member, for paged lists
	extLocation = "x-location"       // the Location template of a create
	extOmit     = "x-cognito-omit"   // output members never returned, such as ClientSecret
	extSelect   = "x-cognito-select" // the only output members returned
	extWhen     = "x-status-when"    // success statuses a body member decides
	// the member of a list's items that is a pool id, which the pool
	// allow-list filters (guard.go)
	extAllowList = "x-allow-list"
	// true on an operation that a pool allow-list refuses outright: the
	// create of a pool, which would be outside the list (guard.go)
	extRefusedUnderAllowList = "x-refused-under-allow-list"
	// the operationId whose JSON body schema the result of a merge PATCH
	// must satisfy: the PUT of the same resource (edit.go)
	extMergedSchema = "x-merged-schema"
	// fixed input members, the same on every call: ClientId ALL names a
	// pool's own UI customization, which no path parameter can; a dotted
	// name reaches into a structure, as in x-cognito-member
	extInput = "x-cognito-input"
	// the body member whose wrong value Cognito answers with
	// NotAuthorizedException, as it does an expired token (token.go)
	extWrongCredential = "x-wrong-credential"
	// true on an operation that changes nothing whatever its method: a
	// configuration plan is a POST, for its body, and only reads
	extChangesNothing = "x-changes-nothing"
)

// accessTokenScheme is the security scheme of the /me operations: the end
// user's Cognito access token, sent as a bearer token and passed to Cognito
// as AccessToken.
const accessTokenScheme = "cognitoAccessToken"

// operation is one spec operation, compiled once at start-up.
type operation struct {
	id      string
	method  string
	path    string // the spec's path template
	actions []cognito.Action
	// actionNames are the actions' names, as the access and audit lines
	// list them: a []string, boxed once here rather than on every line.
	actionNames slog.Value
	params      []param
	// status is the success status the spec declares (200, 201 or 204).
	status int
	// when are the x-status-when rules: a request whose body matches one
	// succeeds with the rule's status instead, and without Location.
	when   []statusRule
	output string
	list   string
	// allowList is the member of the list's items that the pool
	// allow-list filters, if any.
	allowList string
	// refusedUnderAllowList is set when a pool allow-list refuses the
	// operation whatever its path names.
	refusedUnderAllowList bool
	// changesNothing is set on an operation that only reads, whatever its
	// method (x-changes-nothing): it is not audited.
	changesNothing bool
	// mergedSchema is the operation whose JSON body schema a PATCH's merged
	// result must satisfy; empty means the PATCH's own.
	mergedSchema string
	// fixed are the x-cognito-input members, set on every call.
	fixed map[string]string
	// pathParams are the path template's parameters, in order: the audit
	// line names what a change acts on by each of them.
	pathParams []string
	location   string
	// created maps the {Member}s of location that name the created
	// resource to the path parameter that names it, for the audit line
	// (Id is poolId). Set by Gateway.compile, which sees every path.
	created map[string]string
	// etag is set when the success response declares an ETag header.
	etag bool
	// omit and only trim the resource before it is returned.
	omit, only []string
	// hiddenKeys are the keys of map members never returned, by member:
	// the x-cognito-omit entries written Member.key.
	hiddenKeys map[string][]string
	// etagFilter picks the members an ETag covers: those returned, less
	// the volatile ones.
	etagFilter cognito.Filter
	// accessToken is set for operations that act as the signed-in user.
	accessToken bool
	// scim is set for the operations package scim serves (x-scim).
	scim bool
	// wrongCredential is the x-wrong-credential body member, if any.
	wrongCredential string
	// single are the query parameters that take one value.
	single []string
	// queryNames are all the query parameters it declares, its path
	// item's included; any other is refused.
	queryNames []string
	// mediaTypes are the request body's accepted content types.
	mediaTypes map[string]bool
	// jsonBody is the application/json body schema, which a PATCH's merged
	// result must also satisfy.
	jsonBody *openapi3.Schema
	// unsecured is the spec's operation as request validation sees it:
	// with no security requirement. Who may call is settled before the
	// gateway (IAM at API Gateway) and by token.go for the signed-in user;
	// kin-openapi's check of a requirement, with no authentication function
	// to call, would only look the scheme up in the components and read the
	// body a second time.
	unsecured *openapi3.Operation
	// route is what request validation is given: unsecured, under its
	// path item's parameters. Set by Gateway.compile.
	route  *routers.Route
	handle handlerFunc
}

// statusRule is one x-status-when rule. AdminCreateUser with MessageAction
// RESEND, for one, creates nothing: it sends an existing user's invitation
// again, so its answer is a 200, and has no Location of a new resource.
type statusRule struct {
	Member string `json:"member"` // a top-level member of the JSON body
	Equals string `json:"equals"` // the value that selects the rule
	Status int    `json:"status"` // a 2xx the operation declares
}

// param is a parameter that fills a Cognito input member.
type param struct {
	name, in, member string
	kind             string   // the schema type: string, integer, boolean, array
	def              any      // the schema default, if any
	max              *float64 // the schema maximum, if any
}

func compileOperation(method, path string, item *openapi3.PathItem, op *openapi3.Operation, actions map[string]cognito.Action) (*operation, error) {
	o := &operation{id: op.OperationID, method: method, path: path}
	if o.id == "" {
		return nil, fmt.Errorf("%s %s: no operationId", method, path)
	}
	names, err := stringList(extAction, op.Extensions[extAction])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	for _, name := range names {
		a, ok := actions[name]
		if !ok {
			return nil, fmt.Errorf("%s: %s %q is not in the action table", o.id, extAction, name)
		}
		o.actions = append(o.actions, a)
	}
	o.actionNames = slog.AnyValue(names)
	o.output, _ = op.Extensions[extOutput].(string)
	o.list, _ = op.Extensions[extList].(string)
	o.allowList, _ = op.Extensions[extAllowList].(string)
	o.mergedSchema, _ = op.Extensions[extMergedSchema].(string)
	o.wrongCredential, _ = op.Extensions[extWrongCredential].(string)
	if o.wrongCredential != "" && (len(o.actions) != 1 || !o.actions[0].Members[o.wrongCredential]) {
		return nil, fmt.Errorf("%s: %s %q is not a member of its one action's input", o.id, extWrongCredential, o.wrongCredential)
	}
	if o.refusedUnderAllowList, err = boolean(extRefusedUnderAllowList, op.Extensions[extRefusedUnderAllowList]); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	if o.scim, err = boolean(extSCIM, op.Extensions[extSCIM]); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	if o.changesNothing, err = boolean(extChangesNothing, op.Extensions[extChangesNothing]); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	if o.fixed, err = fixedInput(op.Extensions[extInput], o.actions); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	o.pathParams = templateNames(path)
	o.location, _ = op.Extensions[extLocation].(string)
	if o.omit, err = stringList(extOmit, op.Extensions[extOmit]); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	o.omit, o.hiddenKeys = splitOmit(o.omit)
	if o.only, err = stringList(extSelect, op.Extensions[extSelect]); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	o.etagFilter = cognito.Filter{Only: o.only, Omit: append(slices.Clip(o.omit), volatileMembers...)}
	unsecured := *op
	unsecured.Security = &openapi3.SecurityRequirements{}
	o.unsecured = &unsecured
	if op.Security != nil {
		for _, requirement := range *op.Security {
			if _, ok := requirement[accessTokenScheme]; ok {
				o.accessToken = true
			}
		}
	}

	for _, ref := range item.Parameters {
		if ref.Value != nil && ref.Value.In == "query" && op.Parameters.GetByInAndName("query", ref.Value.Name) == nil {
			o.queryNames = append(o.queryNames, ref.Value.Name)
		}
	}
	for _, ref := range op.Parameters {
		p := ref.Value
		if p.In == "query" {
			o.queryNames = append(o.queryNames, p.Name)
		}
		if p.In == "query" && (p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is("array")) {
			o.single = append(o.single, p.Name)
		}
		member, _ := p.Extensions[extMember].(string)
		if member == "" {
			continue // a parameter for the gateway itself, such as dryRun
		}
		compiled := param{name: p.Name, in: p.In, member: member}
		if p.Schema != nil && p.Schema.Value != nil {
			s := p.Schema.Value
			if s.Type != nil && len(*s.Type) > 0 {
				compiled.kind = (*s.Type)[0]
			}
			compiled.def = s.Default
			compiled.max = s.Max
		}
		o.params = append(o.params, compiled)
	}

	if o.when, err = statusRules(op); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id, err)
	}
	o.status = successStatus(op, o.when)
	if r := op.Responses.Status(o.status); r != nil && r.Value != nil {
		_, o.etag = r.Value.Headers["ETag"]
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.mediaTypes = map[string]bool{}
		for mt := range op.RequestBody.Value.Content {
			o.mediaTypes[mt] = true
		}
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			o.jsonBody = mt.Schema.Value
		}
	}
	return o, nil
}

// statusRules reads x-status-when, and refuses a rule that could never
// match or whose status the operation does not declare: either is a
// mistake in the spec, found at start-up rather than by a client.
func statusRules(op *openapi3.Operation) ([]statusRule, error) {
	ext, ok := op.Extensions[extWhen]
	if !ok {
		return nil, nil
	}
	raw, ok := ext.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(ext); err != nil {
			return nil, fmt.Errorf("%s: %w", extWhen, err)
		}
	}
	var rules []statusRule
	if err := json.Unmarshal(raw, &rules); err != nil {
		return nil, fmt.Errorf("%s must be a list of {member, equals, status}: %w", extWhen, err)
	}
	var body *openapi3.Schema
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			body = mt.Schema.Value
		}
	}
	for _, r := range rules {
		if r.Status < 200 || r.Status > 299 || op.Responses.Status(r.Status) == nil {
			return nil, fmt.Errorf("%s: status %d is not a 2xx the operation declares", extWhen, r.Status)
		}
		if body == nil || body.Properties[r.Member] == nil {
			return nil, fmt.Errorf("%s: the JSON body has no member %q", extWhen, r.Member)
		}
	}
	return rules, nil
}

// fixedInput reads x-cognito-input, an object of constant strings, and
// refuses a member that one of the actions does not take: it would be
// dropped by the SDK without a word.
func fixedInput(ext any, actions []cognito.Action) (map[string]string, error) {
	if ext == nil {
		return nil, nil
	}
	raw, ok := ext.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(ext); err != nil {
			return nil, fmt.Errorf("%s: %w", extInput, err)
		}
	}
	var fixed map[string]string
	if err := json.Unmarshal(raw, &fixed); err != nil {
		return nil, fmt.Errorf("%s must be an object of strings: %w", extInput, err)
	}
	for member := range fixed {
		top, _, _ := strings.Cut(member, ".")
		for _, a := range actions {
			if !a.Members[top] {
				return nil, fmt.Errorf("%s: %s takes no %s", extInput, a.Name, member)
			}
		}
	}
	return fixed, nil
}

// stringList reads an extension that is a string or a list of strings.
// splitOmit parts x-cognito-omit into whole members and keys of map
// members (Member.key).
func splitOmit(omit []string) (members []string, keys map[string][]string) {
	for _, name := range omit {
		member, key, nested := strings.Cut(name, ".")
		if !nested {
			members = append(members, name)
			continue
		}
		if keys == nil {
			keys = map[string][]string{}
		}
		keys[member] = append(keys[member], key)
	}
	return members, keys
}

// hide leaves out of resource, an SDK value, the map keys the operation
// never returns; its answer and its ETag are both made from the result.
func (o *operation) hide(resource any) any {
	for member, keys := range o.hiddenKeys {
		resource = cognito.WithoutKeys(resource, member, keys)
	}
	return resource
}

func stringList(name string, ext any) ([]string, error) {
	switch v := ext.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		names := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("%s holds a non-string", name)
			}
			names = append(names, s)
		}
		return names, nil
	case json.RawMessage:
		var names any
		if err := json.Unmarshal(v, &names); err != nil {
			return nil, err
		}
		return stringList(name, names)
	}
	return nil, fmt.Errorf("%s must be a string or a list", name)
}

// boolean reads an extension that is a boolean, false when absent.
func boolean(name string, ext any) (bool, error) {
	switch v := ext.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case json.RawMessage:
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return false, fmt.Errorf("%s must be true or false", name)
		}
		return b, nil
	}
	return false, fmt.Errorf("%s must be true or false", name)
}

// successStatus is the lowest 2xx the operation declares but for those
// that only its x-status-when rules answer with.
func successStatus(op *openapi3.Operation, when []statusRule) int {
	var codes []int
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 &&
			!slices.ContainsFunc(when, func(r statusRule) bool { return r.Status == n }) {
			codes = append(codes, n)
		}
	}
	if len(codes) == 0 {
		return http.StatusOK
	}
	sort.Ints(codes)
	return codes[0]
}

// compilation is one operation of the spec, compiled once.
type compilation struct {
	once sync.Once
	op   *operation
	err  error
}

// compiled is the compiled operation with the operationId id.
func (g *Gateway) compiled(id string) (*operation, error) {
	i, ok := g.spec.Index(id)
	if !ok {
		return nil, fmt.Errorf("the spec has no operation %q", id)
	}
	c := &g.operations[i]
	c.once.Do(func() { c.op, c.err = g.compile(id) })
	return c.op, c.err
}

// compile compiles one operation, as the spec hands it out: decoded for
// requests, whatever the spec decoded before.
func (g *Gateway) compile(id string) (*operation, error) {
	spec, ok := g.spec.Operation(id)
	if !ok {
		return nil, fmt.Errorf("the spec has no operation %q", id)
	}
	item := &openapi3.PathItem{Parameters: spec.PathParameters}
	o, err := compileOperation(spec.Method, spec.Path, item, spec.Operation, g.actions())
	if err != nil {
		return nil, err
	}
	// Validation sees the operation without its security requirement
	// (operation.unsecured), under its path item's parameters.
	o.route = &routers.Route{Spec: g.spec.Head(), Path: spec.Path, PathItem: item,
		Method: spec.Method, Operation: o.unsecured}
	if o.location != "" {
		o.created = createdNames(o.location, spec.Path, g.spec.Paths())
	}
	o.handle = g.composites[o.id]
	if o.handle == nil && o.scim {
		o.handle = serveSCIM
	}
	if o.handle == nil {
		if len(o.actions) != 1 {
			return nil, fmt.Errorf("%s: names %d actions but has no composite handler", o.id, len(o.actions))
		}
		o.handle = translate
	}
	return o, nil
}

// operation is the compiled operation of a route. The route's operation
// is bare but for its id (openapi.Spec.FindRoute).
func (g *Gateway) operation(route *routers.Route) (*operation, error) {
	o, err := g.compiled(route.Operation.OperationID)
	if err != nil {
		return nil, problem.Internal(err)
	}
	return o, nil
}

// operationByID is the compiled operation with the operationId id, or nil.
func (g *Gateway) operationByID(id string) *operation {
	o, _ := g.compiled(id)
	return o
}

// createdNames maps each {Member} of a create's Location template (one its
// own path does not fill) to the path parameter that names the created
// resource in the spec: "/pools/{Id}" is the path "/pools/{poolId}", so a
// created pool's Id is audited as its poolId. The spec's x-location is
// the one list of what each create makes.
func createdNames(location, path string, paths []string) map[string]string {
	own := map[string]bool{}
	for _, name := range templateNames(path) {
		own[name] = true
	}
	want := strings.Split(location, "/")
	for _, other := range paths {
		got := strings.Split(other, "/")
		if len(got) != len(want) {
			continue
		}
		names := map[string]string{}
		for i := range want {
			member, isMember := placeholder(want[i])
			param, isParam := placeholder(got[i])
			if isMember != isParam || !isMember && want[i] != got[i] {
				names = nil
				break
			}
			if isMember && !own[member] {
				names[member] = param
			}
		}
		if names != nil {
			return names
		}
	}
	return nil
}

// placeholder returns the name in a "{name}" path segment.
func placeholder(segment string) (string, bool) {
	if len(segment) > 2 && segment[0] == '{' && segment[len(segment)-1] == '}' {
		return segment[1 : len(segment)-1], true
	}
	return "", false
}

// templateNames are the {names} in a path template.
func templateNames(path string) []string {
	var names []string
	for _, segment := range strings.Split(path, "/") {
		if name, ok := placeholder(segment); ok {
			names = append(names, name)
		}
	}
	return names
}
