package gateway

import (
	"context"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// composites are the operations that are more than one Cognito call.
var composites = map[string]handlerFunc{
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
	// The API reference and the spec as written, in meta.go.
	"getOpenAPIYAML": serveSpecYAML,
	"getDocs":        serveDocsPage,
	"getDocsAsset":   serveDocsAsset,

	// Terms: UpdateTerms replaces the whole document, links included.
	"replaceTerms": termsEditor.replace,
	"patchTerms":   termsEditor.patch,
}

// editors lists every editor, for tests that pin them to the SDK.
var editors = map[string]editor{
	"pool": poolEditor, "group": groupEditor, "client": clientEditor, "mfa": mfaEditor,
	"identity provider": identityProviderEditor,
	"resource server":   resourceServerEditor,
	"terms":             termsEditor,
}

// editor implements PUT and PATCH on a resource that Cognito can only
// replace whole: Describe, check If-Match, build the Update input, and
// Describe again to answer with the resource and its new ETag.
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
	conflicts []conflict
	// keyed maps an array member to the member of its items that names
	// them. A PATCH merges such an array item by item, as keyedMerge says,
	// instead of replacing it as RFC 7396 would.
	keyed map[string]string
}

// conflict is a deprecated member path and the member path that supersedes it.
type conflict struct{ deprecated, current []string }

var poolEditor = editor{
	output:  "UserPool",
	ids:     map[string]string{"poolId": "UserPoolId"},
	renames: map[string]string{"Name": "PoolName"},
	conflicts: []conflict{
		{[]string{"AdminCreateUserConfig", "UnusedAccountValidityDays"}, []string{"Policies", "PasswordPolicy", "TemporaryPasswordValidityDays"}},
		{[]string{"EmailVerificationMessage"}, []string{"VerificationMessageTemplate", "EmailMessage"}},
		{[]string{"EmailVerificationSubject"}, []string{"VerificationMessageTemplate", "EmailSubject"}},
		{[]string{"SmsVerificationMessage"}, []string{"VerificationMessageTemplate", "SmsMessage"}},
	},
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
	keyed:  map[string]string{"Scopes": "ScopeName"},
}

// termsEditor merges a PATCH into UpdateTerms, which replaces the whole
// document: Links, a map of language to URL, merges by language as RFC
// 7396 merges any object, so one link changes without restating the others.
var termsEditor = editor{
	output: "Terms",
	ids:    map[string]string{"poolId": "UserPoolId", "termsId": "TermsId"},
}

// replace is PUT: Cognito's own full-replacement semantics.
func (e editor) replace(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	describe, update := c.op.actions[0], c.op.actions[1]
	condition, conditional, err := ifMatch(c.req)
	if err != nil {
		return nil, err
	}
	if conditional {
		current, err := e.describe(ctx, g, c, describe)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(condition, resourceETag(c.op.hide(current), c.op.etagFilter)); err != nil {
			return nil, err
		}
	}
	input := e.withIDs(c, c.body)
	return e.write(ctx, g, c, describe, update, input)
}

// patch is PATCH: Describe, apply the JSON merge patch (RFC 7396) to the
// resource, project the result onto the Update input, and Update with the
// merged whole, so that nothing the patch does not mention is reset.
func (e editor) patch(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	describe, update := c.op.actions[0], c.op.actions[1]
	condition, conditional, err := ifMatch(c.req)
	if err != nil {
		return nil, err
	}
	current, err := e.describe(ctx, g, c, describe)
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
	e.resolveConflicts(merged, c.body)
	schemaOf := c.op.mergedSchema // x-merged-schema
	if schemaOf == "" {
		schemaOf = c.op.id
	}
	if err := g.validateMerged(schemaOf, merged); err != nil {
		return nil, err
	}
	return e.write(ctx, g, c, describe, update, e.withIDs(c, merged))
}

// write sends the Update (or, on a dry run, shows it) and answers with the
// resource as Cognito now describes it.
func (e editor) write(ctx context.Context, g *Gateway, c *call, describe, update cognito.Action, input map[string]any) (*answer, error) {
	if dryRun(c) {
		return &answer{status: http.StatusOK, header: http.Header{"Cache-Control": {"no-store"}}, body: c.trim(input)}, nil
	}
	if _, err := g.call(ctx, update, input); err != nil {
		return nil, err
	}
	resource, err := e.describe(ctx, g, c, describe)
	if err != nil {
		// The change is made: a 5xx now would tell the client that it was
		// not, and a retry would make it again. Answer with what was sent,
		// as a dry run shows it, and no ETag, since nothing was read; the
		// audit line records the change as applied.
		c.reread = err
		return &answer{status: http.StatusOK, header: http.Header{}, body: c.trim(input)}, nil
	}
	return c.answerResource(http.StatusOK, resource, true)
}

// describe reads the resource as the SDK value Cognito answers with: the
// one representation that its ETag, the If-Match check, the merge and the
// answer are all made from.
func (e editor) describe(ctx context.Context, g *Gateway, c *call, describe cognito.Action) (any, error) {
	out, err := g.call(ctx, describe, e.withIDs(c, nil))
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

// withIDs returns body plus the identifying members from the path.
func (e editor) withIDs(c *call, body map[string]any) map[string]any {
	input := make(map[string]any, len(body)+len(e.ids))
	for k, v := range body {
		input[k] = v
	}
	for param, member := range e.ids {
		input[member] = c.path[param]
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
		if e.isID(name) {
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
	for member, key := range e.keyed {
		if items, ok := patch[member].([]any); ok { // not absent, nor null for none
			out[member] = mergeItems(current[member], items, key)
		}
	}
	return out
}

// mergeItems merges patch items into the current ones by their key member.
// The current items are the editor's own projection of the described
// resource, so merging into them in place changes nothing else.
func mergeItems(current any, patch []any, key string) []any {
	existing, _ := current.([]any)
	merged := make([]any, 0, len(existing)+len(patch))
	at := make(map[any]int, len(existing))
	for _, item := range existing {
		if object, ok := item.(map[string]any); ok {
			at[object[key]] = len(merged)
		}
		merged = append(merged, item)
	}
	for _, item := range patch {
		object, ok := item.(map[string]any)
		if !ok {
			merged = append(merged, item) // the schema check will refuse it
			continue
		}
		if i, found := at[object[key]]; found {
			merged[i] = mergePatch(merged[i], object)
			continue
		}
		at[object[key]] = len(merged)
		merged = append(merged, mergePatch(map[string]any{}, object))
	}
	kept := merged[:0]
	for _, item := range merged {
		if object, ok := item.(map[string]any); ok && len(object) == 1 && object[key] != nil {
			continue
		}
		kept = append(kept, item)
	}
	return kept
}

func (e editor) isID(member string) bool {
	for _, id := range e.ids {
		if id == member {
			return true
		}
	}
	return false
}

// resolveConflicts drops one side of each deprecated/current pair that the
// merged input sets twice: the deprecated side, unless the patch itself set
// it and left the current one alone.
func (e editor) resolveConflicts(merged, patch map[string]any) {
	for _, c := range e.conflicts {
		if !has(merged, c.deprecated) || !has(merged, c.current) {
			continue
		}
		if has(patch, c.deprecated) && !has(patch, c.current) {
			remove(merged, c.current)
		} else {
			remove(merged, c.deprecated)
		}
	}
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

func has(doc map[string]any, path []string) bool {
	for i, name := range path {
		value, ok := doc[name]
		if !ok || value == nil {
			return false
		}
		if i == len(path)-1 {
			return true
		}
		if doc, ok = value.(map[string]any); !ok {
			return false
		}
	}
	return false
}

func remove(doc map[string]any, path []string) {
	for i, name := range path {
		if i == len(path)-1 {
			delete(doc, name)
			return
		}
		next, ok := doc[name].(map[string]any)
		if !ok {
			return
		}
		doc = next
	}
}
