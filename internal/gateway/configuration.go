package gateway

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/poolconfig"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// A pool's whole configuration as one document (package poolconfig): its
// export, plan, apply and clone. Package poolconfig does the work; here
// are the HTTP side (ETag, If-Match, YAML, dry runs, Location) and the
// Cognito it calls: the gateway's own, paced by the Limiter.

// poolCognito is package poolconfig's Cognito: an action by name, called
// as every operation's are. Only the actions the operation's
// x-cognito-action lists may be called, so that the IAM policy, which a
// test holds to the spec, grants all that the operation does.
type poolCognito struct {
	g  *Gateway
	op *operation
}

func (p poolCognito) Call(ctx context.Context, name string, input map[string]any) (map[string]any, error) {
	for _, a := range p.op.actions {
		if a.Name != name {
			continue
		}
		out, err := p.g.call(ctx, a, input)
		if err != nil {
			return nil, err
		}
		doc, _ := cognito.Document(out).(map[string]any)
		return doc, nil
	}
	return nil, problem.Internal(fmt.Errorf("%s calls %s, which its x-cognito-action does not list", p.op.id, name))
}

// getConfiguration is GET: the pool's document, with a strong ETag over
// the whole of it.
func getConfiguration(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	doc, err := poolconfig.Export(ctx, poolCognito{g, c.op}, c.path["poolId"])
	if err != nil {
		return nil, err
	}
	a, err := documentAnswer(c.req, doc)
	if err != nil {
		return nil, err
	}
	a.header.Set("ETag", configurationETag(doc))
	return a, nil
}

// planConfiguration is POST .../plan: the changes, nothing written.
func planConfiguration(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	desired, opts := configurationRequest(c)
	changes, err := poolconfig.Plan(ctx, poolCognito{g, c.op}, c.path["poolId"], desired, opts)
	if err != nil {
		return nil, err
	}
	return planAnswer(changes), nil
}

// applyConfiguration is PUT: the plan, performed in order, stopping at the
// first failure. If-Match is checked against the document as read just
// before the plan; ?dryRun=true answers the plan.
func applyConfiguration(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	condition, conditional, err := ifMatch(c.req)
	if err != nil {
		return nil, err
	}
	cog := poolCognito{g, c.op}
	pool, err := poolconfig.Read(ctx, cog, c.path["poolId"])
	if err != nil {
		return nil, err
	}
	if conditional {
		if err := checkIfMatch(condition, configurationETag(pool.Document())); err != nil {
			return nil, err
		}
	}
	desired, opts := configurationRequest(c)
	changes, err := pool.Plan(desired, opts)
	if err != nil {
		return nil, err
	}
	if dryRun(c) {
		return planAnswer(changes), nil
	}
	outcome, err := poolconfig.Apply(ctx, cog, changes, c.recordChange)
	if err != nil {
		return nil, err
	}
	return &answer{status: http.StatusOK, header: http.Header{}, body: outcome.Tree()}, nil
}

// clonePool is POST .../clone: a new pool made from this one's document.
// Under a pool allow-list it is refused before anything is read, as pool
// creation is (x-refused-under-allow-list).
func clonePool(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	cog := poolCognito{g, c.op}
	source, err := poolconfig.Export(ctx, cog, c.path["poolId"])
	if err != nil {
		return nil, err
	}
	name, _ := c.body["PoolName"].(string)
	domain, _ := c.body["Domain"].(string)
	created, outcome, err := poolconfig.Clone(ctx, cog, source, name, domain, secretsOf(c.body), c.recordChange)
	if created == "" {
		return nil, err
	}
	// The audit names the new pool beside the source, which poolId is.
	c.created = map[string]string{"clonePoolId": created}
	body := outcome.Tree()
	body["UserPoolId"] = created
	if err != nil {
		// The pool exists: say so, with the reason the rest was not applied.
		p := problem.As(err)
		body["Failed"] = map[string]any{"Problem": map[string]any{"status": p.Status, "code": p.Code, "detail": p.Detail}}
	}
	header := http.Header{}
	header.Set("Location", c.base()+c.expand(c.op.location, func(member string) (string, bool) {
		return created, member == "UserPoolId"
	}))
	return &answer{status: http.StatusCreated, header: header, body: body}, nil
}

// recordChange is the record of an apply: each change tried, for the
// audit's line per change.
func (c *call) recordChange(change poolconfig.Change, err error) {
	c.changes = append(c.changes, changeRecord{poolID: change.PoolID(), action: change.Action, target: change.Target, err: err})
}

// changeRecord is one change an apply tried.
type changeRecord struct {
	poolID, action, target string
	err                    error
}

// configurationRequest splits a plan or apply body into the document and
// the options: Secrets, beside the document, and ?prune=true.
func configurationRequest(c *call) (poolconfig.Document, poolconfig.Options) {
	desired := poolconfig.Document{}
	for k, v := range c.body {
		if k != "Secrets" {
			desired[k] = v
		}
	}
	prune := c.query.Get("prune")
	return desired, poolconfig.Options{Prune: prune == "true" || prune == "1", Secrets: secretsOf(c.body)}
}

// secretsOf reads a body's Secrets, which the schema has shaped as
// section, item name, secret name, value.
func secretsOf(body map[string]any) poolconfig.Secrets {
	raw, _ := body["Secrets"].(map[string]any)
	secrets := poolconfig.Secrets{}
	for section, items := range raw {
		itemsMap, _ := items.(map[string]any)
		secrets[section] = map[string]map[string]string{}
		for name, values := range itemsMap {
			valuesMap, _ := values.(map[string]any)
			secrets[section][name] = map[string]string{}
			for key, value := range valuesMap {
				secrets[section][name][key], _ = value.(string)
			}
		}
	}
	return secrets
}

func planAnswer(changes []poolconfig.Change) *answer {
	return &answer{status: http.StatusOK, header: http.Header{}, body: map[string]any{"Changes": poolconfig.Trees(changes)}}
}

// configurationETag is the strong ETag of a document: a hash of its
// canonical JSON, so that its YAML form has the same one.
func configurationETag(doc poolconfig.Document) string {
	encoded, _ := canonjson.Append(nil, doc, false)
	return etagOf(encoded)
}

// yamlType is the media type of the document as people keep it in git.
const yamlType = "application/yaml"

// documentAnswer is doc as JSON, or as YAML when the client's Accept
// prefers it.
func documentAnswer(r *http.Request, doc poolconfig.Document) (*answer, error) {
	if !wantsYAML(r.Header.Values("Accept")) {
		return &answer{status: http.StatusOK, header: http.Header{}, body: doc}, nil
	}
	encoded, err := yaml.Marshal(doc)
	if err != nil {
		return nil, problem.Internal(err)
	}
	header := http.Header{}
	header.Set("Content-Type", yamlType)
	header.Add("Vary", "Accept")
	return &answer{status: http.StatusOK, header: header, raw: encoded}, nil
}

// wantsYAML reports whether Accept names YAML before JSON, or YAML alone.
func wantsYAML(accept []string) bool {
	for _, line := range accept {
		for _, item := range strings.Split(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err != nil || params["q"] == "0" {
				continue
			}
			switch mt {
			case yamlType, "application/x-yaml":
				return true
			case "application/json", "*/*", "application/*":
				return false
			}
		}
	}
	return false
}
