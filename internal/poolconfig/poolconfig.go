// Package poolconfig owns a user pool's whole configuration as one
// document: its export, the plan of the calls that would make a pool match
// a document, and the apply of that plan. The document is a JSON tree with
// Cognito's own member names, one member per section (sections.go), in
// which items refer to each other by name, never by Cognito's ids, so that
// it moves between pools; it holds no users and no secrets.
//
// It calls Cognito only through the Cognito interface, by action name with
// JSON-shaped input and output: the gateway provides it, paced by its
// Limiter, and tests run it against moto and the JSON-RPC stand-in. It does
// not know about HTTP, ETags or YAML; the gateway does.
package poolconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Cognito calls one Cognito action by name. The input has Cognito's member
// names; the output is the action's output as a JSON-shaped tree
// (cognito.Document). An error is a *problem.Error, as Cognito's refusal
// maps to one.
type Cognito interface {
	Call(ctx context.Context, action string, input map[string]any) (map[string]any, error)
}

// Document is a pool's configuration: a JSON tree whose members are the
// sections' (Pool, Mfa, Domain, ResourceServers, ...).
type Document = map[string]any

// SecretMarker stands, in a document, for a secret the pool has: an app
// client's ClientSecret, an identity provider's client_secret or
// private_key. It means "keep what is there". An export never holds the
// secret itself.
const SecretMarker = "<kept secret>"

// Secrets are the secrets a new item needs, which a document never holds:
// given beside it in the apply request, used for the create, and neither
// stored nor answered. Items are by section member, then item name, then
// secret name (ProviderDetails' client_secret, a client's ClientSecret).
type Secrets map[string]map[string]map[string]string

// Pool is a pool's configuration as read, secrets and ids included: what
// its document shows, and what a plan against it starts from.
type Pool struct{ s *state }

// Read reads the configuration of pool poolID: one DescribeUserPool, then
// each section's reads.
func Read(ctx context.Context, cognito Cognito, poolID string) (*Pool, error) {
	s, err := read(ctx, cognito, poolID)
	if err != nil {
		return nil, err
	}
	return &Pool{s}, nil
}

// Document is the pool's configuration as a document: no secret, no id.
func (p *Pool) Document() Document { return p.s.document() }

// Plan answers the ordered changes that would make the pool match
// desired: nothing is written.
func (p *Pool) Plan(desired Document, opts Options) ([]Change, error) {
	return p.s.plan(desired, opts)
}

// Export reads the configuration of pool poolID.
func Export(ctx context.Context, cognito Cognito, poolID string) (Document, error) {
	p, err := Read(ctx, cognito, poolID)
	if err != nil {
		return nil, err
	}
	return p.Document(), nil
}

// canon is v as JSON decodes it: float64 numbers, map[string]any objects,
// whatever SDK value or YAML decoding made it. Every tree the package
// compares passes through it once, so that 1, int32(1) and 1.0 are equal.
func canon(v any) any {
	encoded, err := canonjson.Append(nil, v, false)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(encoded, &out); err != nil {
		return v
	}
	return out
}

func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// equal compares two trees by their canonical JSON.
func equal(a, b any) bool {
	ea, _ := canonjson.Append(nil, a, false)
	eb, _ := canonjson.Append(nil, b, false)
	return string(ea) == string(eb)
}

func clone(m map[string]any) map[string]any {
	c, _ := canon(m).(map[string]any)
	if c == nil {
		c = map[string]any{}
	}
	return c
}

func ambiguous(kind string, name string, ids []string) error {
	slices.Sort(ids)
	return problem.New(http.StatusConflict, problem.CodeAmbiguousName, fmt.Sprintf(
		"The pool has %d %s named %q (%s): a configuration document names items by name, so it cannot tell them apart. Rename all but one first.",
		len(ids), kind, name, strings.Join(ids, ", ")))
}
