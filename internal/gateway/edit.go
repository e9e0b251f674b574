package gateway

import (
	"context"
	"fmt"
	"net/http"

	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// composites are the operations that are more than one Cognito call.
var composites = map[string]handlerFunc{
	// User jobs: the jobs table and queue, not Cognito (jobs.go).
	"startJob":      startJob,
	"listJobs":      listJobs,
	"getJob":        getJob,
	"cancelJob":     cancelJob,
	"setupSCIM":     setupSCIM,
	"replacePool":   poolEditor.replace,
	"patchPool":     poolEditor.patch,
	"patchGroup":    groupEditor.patch,
	"replaceClient": clientEditor.replace,
	"patchClient":   clientEditor.patch,
	"replaceMfa":    mfaEditor.replace,
	"patchMfa":      mfaEditor.patch,
	// Identity providers: UpdateIdentityProvider replaces what it is given.
	"replaceIdentityProvider": identityProviderEditor.replace,
	"patchIdentityProvider":   identityProviderEditor.patch,
	// Resource servers: UpdateResourceServer deletes the scopes it is not given.
	"replaceResourceServer": resourceServerEditor.replace,
	"patchResourceServer":   resourceServerEditor.patch,
	"deletePool":            deletePool, // in guard.go
	"getOpenAPI":            serveSpec,
	"getHealth":             health,
	// Managed-login branding: a document and keyed assets.
	"replaceBranding": brandingEditor.replace,
	"patchBranding":   brandingEditor.patch,
	// The API reference and the spec as written, in meta.go.
	"getOpenAPIYAML": serveSpecYAML,
	"getDocs":        serveDocsPage,
	"getDocsAsset":   serveDocsAsset,

	// Log delivery: SetLogDeliveryConfiguration drops the event sources it
	// is not given.
	"replaceLogDelivery": logDeliveryEditor.replace,
	"patchLogDelivery":   logDeliveryEditor.patch,

	// Tags of a pool: a difference sent as UntagResource and TagResource.
	"getTags":     getTags,
	"replaceTags": replaceTags,
	"patchTags":   patchTags,
	// Threat protection: SetRiskConfiguration removes what it is not given.
	"replaceRiskConfiguration":       riskEditor.replace,
	"patchRiskConfiguration":         riskEditor.patch,
	"replaceClientRiskConfiguration": clientRiskEditor.replace,
	"patchClientRiskConfiguration":   clientRiskEditor.patch,
	// Terms: UpdateTerms replaces the whole document, links included.
	"replaceTerms": termsEditor.replace,
	"patchTerms":   termsEditor.patch,
	// Domains: DescribeUserPool names them; UpdateUserPoolDomain replaces
	// CustomDomainConfig, ManagedLoginVersion and Routing.
	"getDomain":           domainEditor.get,
	"replaceDomain":       domainEditor.replace,
	"patchDomain":         domainEditor.patch,
	"deleteDomain":        domainEditor.remove,
	"getCustomDomain":     customDomainEditor.get,
	"replaceCustomDomain": customDomainEditor.replace,
	"patchCustomDomain":   customDomainEditor.patch,
	"deleteCustomDomain":  customDomainEditor.remove,
	// A pool's SCIM tokens, in the token store, not in Cognito.
	"issueScimToken": issueScimToken,
	// A pool's whole configuration as one document, in configuration.go.
	"getConfiguration":   getConfiguration,
	"planConfiguration":  planConfiguration,
	"applyConfiguration": applyConfiguration,
	"clonePool":          clonePool,
}

// editors lists every editor, for tests that pin them to the SDK.
var editors = map[string]editor{
	"pool": poolEditor, "group": groupEditor, "client": clientEditor, "mfa": mfaEditor,
	"identity provider": identityProviderEditor,
	"resource server":   resourceServerEditor,
	"log delivery":      logDeliveryEditor,
	"branding":          brandingEditor,

	"risk configuration":        riskEditor,
	"client risk configuration": clientRiskEditor,
	"terms":                     termsEditor,
	"domain":                    domainEditor,
	"custom domain":             customDomainEditor,
}

// editor implements PUT and PATCH on a resource that Cognito can only
// replace whole: Describe, check If-Match, build the Update input, and
// Describe again to answer with the resource and its new ETag. A resource
// that the path does not name (a locator's) needs the editor for its GET
// and DELETE too, which must find it first.
//
// Cognito has no conditional write. If-Match is checked against a Describe
// made just before the Update, which narrows the lost-update window to the
// time between the two calls but cannot close it.
type editor struct {
	// output is the Describe output member holding the resource; empty when
	// the resource is the whole output, as GetUserPoolMfaConfig answers it.
	output string
	// ids maps path parameters to the identifying input members, which are
	// the same for Describe and Update (and are never part of the resource).
	ids map[string]string
	// renames maps a Describe member to the Update member that sets it.
	renames map[string]string
	// conflicts pairs a deprecated member with the one that replaced it;
	// Cognito refuses an input that sets both.
	conflicts cognito.Conflicts
	// keyed maps an array member to the members of its items that name
	// them together (Scopes by ScopeName; Assets by Category and
	// ColorMode). A PATCH merges such an array item by item, as mergeKeyed
	// says, instead of replacing it as RFC 7396 would.
	keyed map[string][]string
	// notSent are Update members that the description holds but that must
	// never be sent back, because they say which resource is set rather
	// than what it is set to: a ClientId described with a pool's risk
	// configuration would make the Update set a client's instead.
	notSent []string
	// locate, when set, finds the name of a resource that the path does
	// not carry, with the operation's first action; the editor's own
	// actions follow it.
	locate *locator
	// echo are members of the write's output that no Describe tells, which
	// the answer adds to the resource described again.
	echo []string
}

// locator finds the one resource of its kind that a parent has, by the
// member of the parent's description that names it: a pool has at most
// one prefix domain and one custom domain, which DescribeUserPool names.
// A PUT whose operation lists a create action after the Update creates
// the resource when there is none yet.
type locator struct {
	// kind names the resource in a 404 or 409 detail.
	kind string
	// from is the path to the name in the first action's output.
	from []string
	// member is the Describe and Update input member the name fills.
	member string
}

var poolEditor = editor{
	output:    "UserPool",
	ids:       map[string]string{"poolId": "UserPoolId"},
	renames:   cognito.PoolRenames,
	conflicts: cognito.PoolConflicts,
}

// groupEditor merges a PATCH into UpdateGroup, which resets what it is not
// given. Groups have no PUT, so patchGroup names no x-merged-schema: the
// merged result is checked against the PATCH schema itself.
var groupEditor = editor{
	output: "Group",
	ids:    map[string]string{"poolId": "UserPoolId", "groupName": "GroupName"},
}

var clientEditor = editor{
	output: "UserPoolClient",
	ids:    map[string]string{"poolId": "UserPoolId", "clientId": "ClientId"},
}

// mfaEditor merges a PATCH into SetUserPoolMfaConfig, which turns off each
// factor it is not given: without SoftwareTokenMfaConfiguration, TOTP.
var mfaEditor = editor{
	ids: map[string]string{"poolId": "UserPoolId"},
}

// identityProviderEditor merges a PATCH into UpdateIdentityProvider. The
// merge starts from the provider as described, secrets included, so a
// patch that leaves client_secret or private_key out sends the stored one
// back; the operations' x-cognito-omit keeps them out of every answer.
var identityProviderEditor = editor{
	output: "IdentityProvider",
	ids:    map[string]string{"poolId": "UserPoolId", "providerName": "ProviderName"},
}

// resourceServerEditor merges scopes by name, so that a PATCH can change
// one scope without restating, or deleting, all the others.
var resourceServerEditor = editor{
	output: "ResourceServer",
	ids:    map[string]string{"poolId": "UserPoolId", "identifier": "Identifier"},
	keyed:  map[string][]string{"Scopes": {"ScopeName"}},
}

// brandingEditor merges a PATCH into UpdateManagedLoginBranding. Cognito
// says it keeps the settings it is not given, but not how deep, nor what
// an Assets list that leaves an asset out does; the merged whole leaves
// nothing to that. Settings, a free-form document, merges as RFC 7396
// says; an asset is named by its Category and ColorMode together.
// UseCognitoProvidedValues cannot go with either, so whichever side the
// patch did not set is dropped.
var brandingEditor = editor{
	output:    "ManagedLoginBranding",
	ids:       map[string]string{"poolId": "UserPoolId", "brandingId": "ManagedLoginBrandingId"},
	keyed:     map[string][]string{"Assets": {"Category", "ColorMode"}},
	conflicts: cognito.BrandingConflicts,
}

// logDeliveryEditor merges log configurations by event source, so that a
// PATCH of one source's level or destination keeps the other source logged.
var logDeliveryEditor = editor{
	output: "LogDeliveryConfiguration",
	ids:    map[string]string{"poolId": "UserPoolId"},
	keyed:  map[string][]string{"LogConfigurations": {"EventSource"}},
}

// riskEditor merges a PATCH into SetRiskConfiguration, which removes each
// configuration it is not given: patching the account-takeover actions
// alone would otherwise turn compromised-credentials detection off. The
// pool's configuration is set without ClientId, whatever Describe says.
var riskEditor = editor{
	output:  "RiskConfiguration",
	ids:     map[string]string{"poolId": "UserPoolId"},
	notSent: cognito.RiskNotSent,
}

// clientRiskEditor is riskEditor for an app client's own configuration. A
// client that has none is described with its pool's, so its first PATCH
// starts from the pool's configuration and gives the client its own.
var clientRiskEditor = editor{
	output: "RiskConfiguration",
	ids:    map[string]string{"poolId": "UserPoolId", "clientId": "ClientId"},
}

// termsEditor merges a PATCH into UpdateTerms, which replaces the whole
// document: Links, a map of language to URL, merges by language as RFC
// 7396 merges any object, so one link changes without restating the others.
var termsEditor = editor{
	output: "Terms",
	ids:    map[string]string{"poolId": "UserPoolId", "termsId": "TermsId"},
}

// domainEditor and customDomainEditor serve a pool's two domains. Cognito
// cannot rename a domain, so a PUT naming another one than the pool has is
// a 409 rather than a delete and a create, which would take the pool's
// sign-in pages offline.
var domainEditor = editor{
	output: "DomainDescription",
	ids:    map[string]string{"poolId": "UserPoolId"},
	locate: &locator{kind: "prefix domain", from: []string{"UserPool", "Domain"}, member: "Domain"},
	echo:   []string{"CloudFrontDomain"},
}

var customDomainEditor = editor{
	output: "DomainDescription",
	ids:    map[string]string{"poolId": "UserPoolId"},
	locate: &locator{kind: "custom domain", from: []string{"UserPool", "CustomDomain"}, member: "Domain"},
	echo:   []string{"CloudFrontDomain"},
}

// target is what one request edits: the identifying input members, from
// the path and the locator, and the editor's actions.
type target struct {
	ids map[string]any
	// name is the located name; empty when the locator found none.
	name string
	// steps are the operation's actions less the locating one: Describe,
	// then Update (or Delete), then, on a PUT that may create, the create.
	steps []cognito.Action
}

// target identifies the resource of c, locating it if the editor must.
func (e editor) target(ctx context.Context, g *Gateway, c *call) (target, error) {
	t := target{ids: make(map[string]any, len(e.ids)+1), steps: c.op.actions}
	for param, member := range e.ids {
		t.ids[member] = c.path[param]
	}
	if e.locate == nil {
		return t, nil
	}
	t.steps = c.op.actions[1:]
	out, err := g.call(ctx, c.op.actions[0], e.input(t, c.op.actions[0], nil))
	if err != nil {
		return t, err
	}
	last := len(e.locate.from) - 1
	parent, ok := out, true
	for _, name := range e.locate.from[:last] {
		if parent, ok = cognito.Member(parent, name); !ok {
			return t, problem.Internal(fmt.Errorf("%s answered without %s", c.op.actions[0].Name, name))
		}
	}
	if t.name, _ = cognito.StringMember(parent, e.locate.from[last]); t.name != "" {
		t.ids[e.locate.member] = t.name
	}
	return t, nil
}

// found fails with a 404 when the locator found no resource.
func (e editor) found(c *call, t target) error {
	if e.locate == nil || t.name != "" {
		return nil
	}
	return problem.New(http.StatusNotFound, "ResourceNotFoundException",
		fmt.Sprintf("User pool %s has no %s.", c.path["poolId"], e.locate.kind))
}

// sameName refuses an input that names another resource than the located
// one: the name is what Cognito finds the resource by, and cannot change.
func (e editor) sameName(t target, input map[string]any) error {
	if e.locate == nil {
		return nil
	}
	if name, ok := input[e.locate.member]; ok && name != t.name {
		return problem.New(http.StatusConflict, problem.CodeRenameRefused, fmt.Sprintf(
			"The pool's %s is %q, and Cognito cannot rename it: DELETE it first, then PUT the new one. Nothing was changed.",
			e.locate.kind, t.name))
	}
	return nil
}

// get is GET of a located resource: locate it, then Describe it.
func (e editor) get(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	t, err := e.target(ctx, g, c)
	if err != nil {
		return nil, err
	}
	if err := e.found(c, t); err != nil {
		return nil, err
	}
	resource, err := e.describe(ctx, g, c, t)
	if err != nil {
		return nil, err
	}
	return c.answerResource(http.StatusOK, resource, c.op.etag)
}

// remove is DELETE of a located resource, whose Delete needs its name.
func (e editor) remove(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	t, err := e.target(ctx, g, c)
	if err != nil {
		return nil, err
	}
	if err := e.found(c, t); err != nil {
		return nil, err
	}
	out, err := g.call(ctx, t.steps[0], e.input(t, t.steps[0], nil))
	if err != nil {
		return nil, err
	}
	return c.shape(out)
}

// replace is PUT: Cognito's own full-replacement semantics.
func (e editor) replace(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	t, err := e.target(ctx, g, c)
	if err != nil {
		return nil, err
	}
	condition, conditional, err := ifMatch(c.req)
	if err != nil {
		return nil, err
	}
	if e.locate != nil && t.name == "" && len(t.steps) > 2 {
		return e.create(ctx, g, c, t, conditional)
	}
	if err := e.found(c, t); err != nil {
		return nil, err
	}
	if err := e.sameName(t, c.body); err != nil {
		return nil, err
	}
	if conditional {
		current, err := e.describe(ctx, g, c, t)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(condition, resourceETag(c.op.hide(current), c.op.etagFilter)); err != nil {
			return nil, err
		}
	}
	return e.write(ctx, g, c, t, t.steps[1], e.input(t, t.steps[1], c.body), http.StatusOK)
}

// create is a PUT of a located resource that does not exist yet: a 201,
// at the PUT's own URL. An If-Match, which names a current version, fails,
// as RFC 9110 says of a resource that has none.
func (e editor) create(ctx context.Context, g *Gateway, c *call, t target, conditional bool) (*answer, error) {
	if conditional {
		return nil, problem.New(http.StatusPreconditionFailed, problem.CodePrecondition,
			fmt.Sprintf("If-Match names a version, but user pool %s has no %s. Nothing was changed.", c.path["poolId"], e.locate.kind))
	}
	t.name, _ = c.body[e.locate.member].(string)
	t.ids[e.locate.member] = t.name
	a, err := e.write(ctx, g, c, t, t.steps[2], e.input(t, t.steps[2], c.body), http.StatusCreated)
	if err != nil || a.status != http.StatusCreated {
		return a, err
	}
	a.header.Set("Location", c.base()+c.expand(c.op.path, func(string) (string, bool) { return "", false }))
	return a, nil
}

// patch is PATCH: Describe, apply the JSON merge patch (RFC 7396) to the
// resource, project the result onto the Update input, and Update with the
// merged whole, so that nothing the patch does not mention is reset.
func (e editor) patch(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	t, err := e.target(ctx, g, c)
	if err != nil {
		return nil, err
	}
	if err := e.found(c, t); err != nil {
		return nil, err
	}
	update := t.steps[1]
	condition, conditional, err := ifMatch(c.req)
	if err != nil {
		return nil, err
	}
	current, err := e.describe(ctx, g, c, t)
	if err != nil {
		return nil, err
	}
	if conditional {
		if err := checkIfMatch(condition, resourceETag(c.op.hide(current), c.op.etagFilter)); err != nil {
			return nil, err
		}
	}
	projected := e.project(current, update, c.shown())
	merged, _ := mergePatch(projected, e.mergeKeyed(projected, c.body)).(map[string]any)
	e.conflicts.Resolve(merged, c.body)
	schemaOf := c.op.mergedSchema // x-merged-schema
	if schemaOf == "" {
		schemaOf = c.op.id
	}
	if err := g.validateMerged(schemaOf, merged); err != nil {
		return nil, err
	}
	return e.write(ctx, g, c, t, update, e.input(t, update, merged), http.StatusOK)
}

// write sends the Update or create (or, on a dry run, shows it) and
// answers with status and the resource as Cognito now describes it.
func (e editor) write(ctx context.Context, g *Gateway, c *call, t target, action cognito.Action, input map[string]any, status int) (*answer, error) {
	if dryRun(c) {
		return &answer{status: http.StatusOK, header: http.Header{"Cache-Control": {"no-store"}}, body: c.trim(input)}, nil
	}
	out, err := g.call(ctx, action, input)
	if err != nil {
		return nil, err
	}
	resource, err := e.describe(ctx, g, c, t)
	if err != nil {
		// The change is made: a 5xx now would tell the client that it was
		// not, and a retry would make it again. Answer with what was sent,
		// as a dry run shows it, and no ETag, since nothing was read; the
		// audit line records the change as applied.
		c.reread = err
		return &answer{status: status, header: http.Header{}, body: c.trim(input)}, nil
	}
	if len(e.echo) == 0 {
		return c.answerResource(status, resource, true)
	}
	// The ETag is the resource's alone, as a GET gives it; the echoed
	// members are news of this write.
	resource = c.op.hide(resource)
	body, _ := cognito.Document(resource).(map[string]any)
	if body == nil {
		body = map[string]any{}
	}
	body = c.trim(body)
	for _, name := range e.echo {
		if value, ok := cognito.Member(out, name); ok {
			body[name] = cognito.Document(value)
		}
	}
	header := http.Header{}
	header.Set("ETag", resourceETag(resource, c.op.etagFilter))
	return &answer{status: status, header: header, body: body}, nil
}

// describe reads the resource as the SDK value Cognito answers with: the
// one representation that its ETag, the If-Match check, the merge and the
// answer are all made from.
func (e editor) describe(ctx context.Context, g *Gateway, c *call, t target) (any, error) {
	describe := t.steps[0]
	out, err := g.call(ctx, describe, e.input(t, describe, nil))
	if err != nil {
		return nil, err
	}
	resource, ok := out, true
	if e.output != "" {
		resource, ok = cognito.Member(out, e.output)
	}
	if !ok || !cognito.IsObject(resource) {
		return nil, problem.Internal(fmt.Errorf("%s answered without %s", describe.Name, e.output))
	}
	return resource, nil
}

// input returns body plus the identifying members that action takes:
// DescribeUserPoolDomain, for one, takes a domain's name but no pool.
func (e editor) input(t target, action cognito.Action, body map[string]any) map[string]any {
	input := make(map[string]any, len(body)+len(t.ids))
	for k, v := range body {
		input[k] = v
	}
	for member, value := range t.ids {
		if action.Members[member] {
			input[member] = value
		}
	}
	return input
}

// project is the part of a described resource that the Update input
// takes, as the SDK's Update input type shows it, renamed where the two
// names differ, as a JSON-shaped tree to merge a patch into. Only those
// members are converted; identifiers come from the path, not from here, and
// a member the operation does not show (ClientSecret) is never read, so
// that a dry run cannot show it.
func (e editor) project(resource any, update cognito.Action, shown cognito.Filter) map[string]any {
	out := make(map[string]any, len(update.Members))
	for name := range update.Members {
		if e.isID(name) || slices.Contains(e.notSent, name) {
			continue
		}
		if _, renamed := e.renames[name]; renamed {
			continue // a described member of this name sets another one
		}
		described := name
		for from, to := range e.renames {
			if to == name {
				described = from
			}
		}
		if !shown.Keeps(described) {
			continue
		}
		if value, ok := cognito.Member(resource, described); ok {
			out[name] = cognito.Document(value)
		}
	}
	return out
}

// mergeKeyed returns patch with each keyed array already merged into the
// current one: an item merges (RFC 7396) into the current item of the same
// key, or is added at the end if there is none; current items the patch
// does not name stay, in their place; and an item the merge leaves with
// nothing but its key is removed, as null removes a member. The result is
// then an ordinary merge patch, whose arrays replace.
func (e editor) mergeKeyed(current, patch map[string]any) map[string]any {
	if len(e.keyed) == 0 {
		return patch
	}
	out := make(map[string]any, len(patch))
	for k, v := range patch {
		out[k] = v
	}
	for member, keys := range e.keyed {
		if items, ok := patch[member].([]any); ok { // not absent, nor null for none
			out[member] = mergeItems(current[member], items, keys)
		}
	}
	return out
}

// mergeItems merges patch items into the current ones by their key
// members. The current items are the editor's own projection of the
// described resource, so merging into them in place changes nothing else.
func mergeItems(current any, patch []any, keys []string) []any {
	existing, _ := current.([]any)
	merged := make([]any, 0, len(existing)+len(patch))
	at := make(map[itemKey]int, len(existing))
	for _, item := range existing {
		if object, ok := item.(map[string]any); ok {
			at[keyOf(object, keys)] = len(merged)
		}
		merged = append(merged, item)
	}
	for _, item := range patch {
		object, ok := item.(map[string]any)
		if !ok {
			merged = append(merged, item) // the schema check will refuse it
			continue
		}
		if i, found := at[keyOf(object, keys)]; found {
			merged[i] = mergePatch(merged[i], object)
			continue
		}
		at[keyOf(object, keys)] = len(merged)
		merged = append(merged, mergePatch(map[string]any{}, object))
	}
	kept := merged[:0]
	for _, item := range merged {
		if object, ok := item.(map[string]any); ok && onlyKeys(object, keys) {
			continue
		}
		kept = append(kept, item)
	}
	return kept
}

// itemKey is the values of an item's key members, in the keyed row's
// order; the schema makes them strings.
type itemKey [2]any

func keyOf(object map[string]any, keys []string) itemKey {
	var k itemKey
	for i, key := range keys {
		k[i] = object[key]
	}
	return k
}

// onlyKeys reports whether object holds its key members and nothing else:
// an item a patch has emptied.
func onlyKeys(object map[string]any, keys []string) bool {
	if len(object) != len(keys) {
		return false
	}
	for _, key := range keys {
		if object[key] == nil {
			return false
		}
	}
	return true
}

func (e editor) isID(member string) bool {
	for _, id := range e.ids {
		if id == member {
			return true
		}
	}
	return false
}

// validateMerged checks a PATCH's result against the body schema of the
// operation x-merged-schema names, the PUT, so a patch cannot send Cognito
// what a PUT could not.
func (g *Gateway) validateMerged(schemaOf string, merged map[string]any) error {
	op := g.operationByID(schemaOf)
	if op == nil || op.jsonBody == nil {
		return problem.Internal(fmt.Errorf("%s has no JSON body schema", schemaOf))
	}
	// Numbers as float64, as the validator expects of decoded JSON; merged
	// is the gateway's own, and the Update input reads the same either way.
	value := decodedJSON(merged)
	if err := op.jsonBody.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
		p := problem.As(validationProblem(err, nil))
		p.Detail = "The patched resource would not be valid: " + p.Detail
		return p
	}
	return nil
}

func dryRun(c *call) bool {
	v := c.query.Get("dryRun")
	return v == "true" || v == "1"
}

// mergePatch applies an RFC 7396 JSON merge patch to target. It is the
// RFC's own algorithm (section 2): objects merge member by member, null
// removes a member, and anything else replaces.
func mergePatch(target, patch any) any {
	patchObject, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	targetObject, ok := target.(map[string]any)
	if !ok {
		targetObject = map[string]any{}
	}
	for name, value := range patchObject {
		if value == nil {
			delete(targetObject, name)
			continue
		}
		targetObject[name] = mergePatch(targetObject[name], value)
	}
	return targetObject
}
