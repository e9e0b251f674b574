package poolconfig

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Clone creates a pool named poolName from source, a document, with the
// prefix domain domain ("" for none), then applies the rest of source to
// it. The create takes the pool section, with the members fixed at
// creation (Schema, UsernameAttributes, ...); everything else is the plan
// of source against the new pool. What cannot be the same is documented:
// the pool's name and id, the domain, and app client secrets, which
// Cognito generates anew.
//
// A new identity provider needs its secret in secrets; a plan that lacks
// one is refused before the pool is created. The id of the new pool is
// returned whenever it was created, with the outcome of the apply.
func Clone(ctx context.Context, c Cognito, source Document, poolName, domain string, secrets Secrets, record func(Change, error)) (string, Outcome, error) {
	doc := clone(source)
	pool := object(doc["Pool"])
	if pool == nil {
		pool = map[string]any{}
	}
	pool["PoolName"] = poolName
	doc["Pool"] = pool
	delete(doc, "Domain")
	if domain != "" {
		wanted := object(source["Domain"])
		if wanted == nil {
			wanted = map[string]any{}
		}
		wanted = clone(wanted)
		wanted["Domain"] = domain
		doc["Domain"] = wanted
	}
	// Every item is new in the clone: check what a create needs first.
	empty := &state{singles: map[string]map[string]any{}, items: map[string]map[string]*item{}}
	planned, err := empty.plan(withoutSingles(doc), Options{Secrets: secrets})
	if err != nil {
		return "", Outcome{}, err
	}
	if change, ok := Impossible(planned); ok {
		return "", Outcome{}, problem.New(http.StatusConflict, problem.CodeImpossibleChange, fmt.Sprintf(
			"%s: %s No pool was created.", change.Target, change.Impossible))
	}
	input := map[string]any{}
	create := actions()["CreateUserPool"]
	for member, value := range pool {
		if create.Members[member] {
			input[member] = value
		}
	}
	sections[0].conflicts.Resolve(input, pool)
	input["Schema"] = creationSchema(input["Schema"])
	out, err := c.Call(ctx, "CreateUserPool", input)
	if err != nil {
		return "", Outcome{}, err
	}
	poolID, _ := object(out["UserPool"])["Id"].(string)
	if poolID == "" {
		return "", Outcome{}, problem.Internal(fmt.Errorf("CreateUserPool answered without UserPool.Id"))
	}
	changes, err := Plan(ctx, c, poolID, doc, Options{Secrets: secrets})
	if err != nil {
		return poolID, Outcome{}, err
	}
	outcome, err := Apply(ctx, c, changes, record)
	return poolID, outcome, err
}

// withoutSingles is doc's collections alone, which a plan against a pool
// with none has to create.
func withoutSingles(doc Document) Document {
	out := Document{}
	for _, sec := range sections {
		if sec.collection() && doc[sec.member] != nil {
			out[sec.member] = doc[sec.member]
		}
	}
	return out
}

// creationSchema is a described schema as CreateUserPool takes it: a custom
// attribute named without its custom: prefix, which Cognito adds. Sent as
// described, custom:tenant would become custom:custom:tenant, and the plan
// after the create would find custom:tenant missing and impossible to add
// back as it was.
func creationSchema(schema any) any {
	attributes, ok := schema.([]any)
	if !ok {
		return schema
	}
	out := make([]any, 0, len(attributes))
	for _, attribute := range attributes {
		fields := object(attribute)
		name, _ := fields["Name"].(string)
		if bare, custom := strings.CutPrefix(name, "custom:"); custom {
			fields = clone(fields)
			fields["Name"] = bare
		}
		out = append(out, fields)
	}
	return out
}
