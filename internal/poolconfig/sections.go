package poolconfig

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// section is one row of the document: a member, the Cognito actions that
// read and write it, and what the document keeps out of it. Export, plan
// and apply are the same code for every row; a new part of a pool's
// configuration is a new row.
//
// A singleton (the pool, its MFA) is read with describe and written with
// update. A collection (app clients, groups, ...) is listed, each item
// described if the list does not hold it whole, and written with create,
// update and remove; the document holds it as an object by item name.
type section struct {
	member string // the document member
	kind   string // the items' kind in messages: "app clients"

	// describe reads a singleton, or one item of a collection; output is
	// the member of its output that holds it ("" for the whole output).
	describe string
	output   string
	// locate, on a singleton, is the member of the pool's description
	// that names it, and its describe input member: a pool's prefix domain
	// exists when DescribeUserPool names one. A located singleton that
	// does not exist yet is made with create.
	locate string

	// list, for a collection, lists its items: listMember holds them,
	// paged by pageMember (at most pageSize an answer) and NextToken.
	list, listMember, pageMember string
	pageSize                     int
	// name is the member that names an item in the document; id the input
	// member that identifies it to Cognito (ClientId for clients; for the
	// others, the name itself).
	name, id string

	create, update, remove string

	// renames maps a described member to the update member that sets it.
	renames map[string]string
	// conflicts are deprecated members that Cognito refuses beside their
	// replacement.
	conflicts cognito.Conflicts
	// hidden are update members sent back as described but kept out of
	// the document, because another row owns them: the pool's
	// MfaConfiguration is the Mfa row's.
	hidden []string
	// notSent are update members never sent back nor documented, because
	// they say which resource is set, not what it is set to.
	notSent []string
	// fixed maps a described member to its document member for what only
	// the create sets: a change to one is impossible.
	fixed map[string]string
	// secrets are the paths of an item's secrets: the document holds
	// SecretMarker instead.
	secrets [][]string
}

// sections are the document's rows, in dependency order: a change is
// planned in this order, a deletion in the reverse. Resource servers and
// identity providers come before the app clients that name their scopes
// and providers.
var sections = []section{
	{
		member: "Pool", kind: "user pool",
		describe: "DescribeUserPool", output: "UserPool", update: "UpdateUserPool",
		renames:   cognito.PoolRenames,
		conflicts: cognito.PoolConflicts,
		hidden:    []string{"MfaConfiguration"},
		fixed: map[string]string{
			"SchemaAttributes": "Schema", "UsernameAttributes": "UsernameAttributes",
			"AliasAttributes": "AliasAttributes", "UsernameConfiguration": "UsernameConfiguration",
		},
	},
	{
		member: "Mfa", kind: "MFA configuration",
		describe: "GetUserPoolMfaConfig", update: "SetUserPoolMfaConfig",
	},
	{
		member: "RiskConfiguration", kind: "threat protection configuration",
		describe: "DescribeRiskConfiguration", output: "RiskConfiguration", update: "SetRiskConfiguration",
		notSent: cognito.RiskNotSent,
	},
	{
		member: "LogDelivery", kind: "log delivery configuration",
		describe: "GetLogDeliveryConfiguration", output: "LogDeliveryConfiguration", update: "SetLogDeliveryConfiguration",
	},
	{
		member: "Domain", kind: "prefix domain",
		describe: "DescribeUserPoolDomain", output: "DomainDescription", locate: "Domain",
		create: "CreateUserPoolDomain", update: "UpdateUserPoolDomain",
	},
	{
		member: "ResourceServers", kind: "resource servers",
		list: "ListResourceServers", listMember: "ResourceServers", pageMember: "MaxResults", pageSize: 50,
		name: "Identifier", id: "Identifier",
		create: "CreateResourceServer", update: "UpdateResourceServer", remove: "DeleteResourceServer",
	},
	{
		member: "IdentityProviders", kind: "identity providers",
		list: "ListIdentityProviders", listMember: "Providers", pageMember: "MaxResults", pageSize: 60,
		describe: "DescribeIdentityProvider", output: "IdentityProvider",
		name: "ProviderName", id: "ProviderName",
		create: "CreateIdentityProvider", update: "UpdateIdentityProvider", remove: "DeleteIdentityProvider",
		fixed:   map[string]string{"ProviderType": "ProviderType"},
		secrets: [][]string{{"ProviderDetails", "client_secret"}, {"ProviderDetails", "private_key"}},
	},
	{
		member: "Groups", kind: "groups",
		list: "ListGroups", listMember: "Groups", pageMember: "Limit", pageSize: 60,
		name: "GroupName", id: "GroupName",
		create: "CreateGroup", update: "UpdateGroup", remove: "DeleteGroup",
	},
	{
		member: "Clients", kind: "app clients",
		list: "ListUserPoolClients", listMember: "UserPoolClients", pageMember: "MaxResults", pageSize: 60,
		describe: "DescribeUserPoolClient", output: "UserPoolClient",
		name: "ClientName", id: "ClientId",
		create: "CreateUserPoolClient", update: "UpdateUserPoolClient", remove: "DeleteUserPoolClient",
		fixed:   map[string]string{"ClientSecret": "ClientSecret"},
		secrets: [][]string{{"ClientSecret"}},
	},
}

func (s section) collection() bool { return s.list != "" }

// actions is the action table, for the members of each update input, made
// when first needed rather than in every cold start's init.
var actions = sync.OnceValue(cognito.Actions)

// state is a pool as read: each section's document part, secrets included
// (the document masks them), and each item's Cognito id.
type state struct {
	poolID string
	// pool is the pool as DescribeUserPool answers it, which locates
	// singletons such as the domain.
	pool    map[string]any
	singles map[string]map[string]any
	items   map[string]map[string]*item
}

type item struct {
	id   string
	tree map[string]any
}

// read reads every section of pool poolID.
func read(ctx context.Context, c Cognito, poolID string) (*state, error) {
	s := &state{poolID: poolID, singles: map[string]map[string]any{}, items: map[string]map[string]*item{}}
	out, err := c.Call(ctx, "DescribeUserPool", map[string]any{"UserPoolId": poolID})
	if err != nil {
		return nil, err
	}
	s.pool = object(canon(out["UserPool"]))
	if s.pool == nil {
		return nil, problem.Internal(fmt.Errorf("DescribeUserPool answered without UserPool"))
	}
	for _, sec := range sections {
		if sec.collection() {
			items, err := sec.readItems(ctx, c, poolID)
			if err != nil {
				return nil, err
			}
			s.items[sec.member] = items
			continue
		}
		described, err := sec.readSingle(ctx, c, s)
		if err != nil {
			return nil, err
		}
		if described != nil {
			s.singles[sec.member] = sec.project(described)
		}
	}
	return s, nil
}

// readSingle describes a singleton, or answers nil when a located one
// does not exist.
func (sec section) readSingle(ctx context.Context, c Cognito, s *state) (map[string]any, error) {
	if sec.member == "Pool" {
		return s.pool, nil
	}
	input := map[string]any{"UserPoolId": s.poolID}
	if sec.locate != "" {
		name, _ := s.pool[sec.locate].(string)
		if name == "" {
			return nil, nil
		}
		input = map[string]any{sec.locate: name}
	}
	out, err := c.Call(ctx, sec.describe, input)
	if err != nil {
		return nil, err
	}
	return sec.described(out)
}

func (sec section) described(out map[string]any) (map[string]any, error) {
	tree := canon(out)
	if sec.output != "" {
		tree = object(tree)[sec.output]
	}
	described := object(tree)
	if described == nil {
		return nil, problem.Internal(fmt.Errorf("%s answered without %s", sec.describe, sec.output))
	}
	return described, nil
}

// readItems lists a collection, describes each item if it must, and
// refuses two items of one name.
func (sec section) readItems(ctx context.Context, c Cognito, poolID string) (map[string]*item, error) {
	items := map[string]*item{}
	ids := map[string][]string{}
	token := ""
	for {
		input := map[string]any{"UserPoolId": poolID, sec.pageMember: sec.pageSize}
		if token != "" {
			input["NextToken"] = token
		}
		out, err := c.Call(ctx, sec.list, input)
		if err != nil {
			return nil, err
		}
		listed, _ := canon(out[sec.listMember]).([]any)
		for _, entry := range listed {
			described := object(entry)
			if sec.describe != "" {
				key := sec.id
				out, err := c.Call(ctx, sec.describe, map[string]any{"UserPoolId": poolID, key: described[key]})
				if err != nil {
					return nil, err
				}
				if described, err = sec.described(out); err != nil {
					return nil, err
				}
			}
			name, _ := described[sec.name].(string)
			id, _ := described[sec.id].(string)
			ids[name] = append(ids[name], id)
			items[name] = &item{id: id, tree: sec.project(described)}
		}
		token, _ = out["NextToken"].(string)
		if token == "" {
			break
		}
	}
	for _, name := range sortedKeys(ids) {
		if len(ids[name]) > 1 {
			return nil, ambiguous(sec.kind, name, ids[name])
		}
	}
	return items, nil
}

// project is the part of a described resource that the update takes, as
// the action table shows its input, renamed where the names differ, plus
// the members only a create sets. Read-only members (ids, ARNs, dates,
// statuses) are left out here, and only here. Identifiers and the item's
// name are not part of it: the document's keys and the pool say them.
func (sec section) project(described map[string]any) map[string]any {
	update := actions()[sec.update]
	out := map[string]any{}
	for member := range update.Members {
		if sec.identifies(member) || contains(sec.notSent, member) {
			continue
		}
		if _, renamed := sec.renames[member]; renamed {
			continue
		}
		from := member
		for d, to := range sec.renames {
			if to == member {
				from = d
			}
		}
		if value, ok := described[from]; ok {
			out[member] = value
		}
	}
	for from, to := range sec.fixed {
		if value, ok := described[from]; ok {
			out[to] = value
		}
	}
	sec.conflicts.Resolve(out, nil)
	return out
}

// identifies reports whether an input member says which resource is set:
// the pool, the item's id, or its name, which the document's key holds.
func (sec section) identifies(member string) bool {
	return member == "UserPoolId" || (sec.collection() && (member == sec.id || member == sec.name))
}

// document is the state as the export shows it: secrets masked, hidden
// members out.
func (s *state) document() Document {
	doc := Document{}
	for _, sec := range sections {
		if sec.collection() {
			items := map[string]any{}
			for name, it := range s.items[sec.member] {
				items[name] = sec.shown(it.tree)
			}
			doc[sec.member] = items
			continue
		}
		if tree, ok := s.singles[sec.member]; ok {
			doc[sec.member] = sec.shown(tree)
		}
	}
	return doc
}

// shown is tree with its secrets masked and its hidden members out.
func (sec section) shown(tree map[string]any) map[string]any {
	out := clone(tree)
	for _, member := range sec.hidden {
		delete(out, member)
	}
	for _, path := range sec.secrets {
		setPath(out, path, func(any) any { return SecretMarker })
	}
	return out
}

// setPath replaces the value at path, if it is there, with change(value).
func setPath(tree map[string]any, path []string, change func(any) any) {
	for i, name := range path {
		value, ok := tree[name]
		if !ok {
			return
		}
		if i == len(path)-1 {
			tree[name] = change(value)
			return
		}
		if tree = object(value); tree == nil {
			return
		}
	}
}

func getPath(tree map[string]any, path []string) (any, bool) {
	for i, name := range path {
		value, ok := tree[name]
		if !ok {
			return nil, false
		}
		if i == len(path)-1 {
			return value, true
		}
		if tree = object(value); tree == nil {
			return nil, false
		}
	}
	return nil, false
}

func deletePath(tree map[string]any, path []string) {
	for i, name := range path {
		if i == len(path)-1 {
			delete(tree, name)
			return
		}
		if tree = object(tree[name]); tree == nil {
			return
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// badRequest is a 400 about the document.
func badRequest(format string, args ...any) error {
	return problem.New(http.StatusBadRequest, problem.CodeValidation, fmt.Sprintf(format, args...))
}
