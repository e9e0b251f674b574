package poolconfig

import (
	"context"
	"fmt"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
)

// Change is one Cognito call of a plan.
type Change struct {
	// Action is the Cognito action.
	Action string
	// Target names what the call changes: the section, and the item's
	// name in a collection ("Clients/web").
	Target string
	// Diff is what changes, member by member; a create or delete has none.
	Diff []Difference
	// Impossible, when set, says why Cognito cannot make this change; such
	// a change has no input, and a plan that holds one is never applied.
	Impossible string
	// input is what apply sends, secrets included; Input shows it masked.
	input map[string]any
	// masks are the paths of input that hold secrets.
	masks [][]string
}

// Difference is one member a change sets: From is absent for a member
// added, To for one removed.
type Difference struct {
	Path     string
	From, To any
	hasFrom  bool
	hasTo    bool
}

// Options are the choices of a plan.
type Options struct {
	// Prune deletes the items of a collection that the document does not
	// name; without it they are left alone.
	Prune bool
	// Secrets are the secrets new items need, outside the document.
	Secrets Secrets
}

// Plan reads pool poolID and answers the ordered changes that would make
// it match desired. Nothing is written. A plan of the document Export just
// answered has no change.
func Plan(ctx context.Context, c Cognito, poolID string, desired Document, opts Options) ([]Change, error) {
	s, err := read(ctx, c, poolID)
	if err != nil {
		return nil, err
	}
	return s.plan(desired, opts)
}

// PoolID is the pool the change is made on.
func (c Change) PoolID() string {
	id, _ := c.input["UserPoolId"].(string)
	return id
}

// Tree is c as a plan answers it: the exact Cognito input, with each
// secret as SecretMarker.
func (c Change) Tree() map[string]any {
	out := map[string]any{"Action": c.Action, "Target": c.Target}
	diff := make([]any, 0, len(c.Diff))
	for _, d := range c.Diff {
		entry := map[string]any{"Path": d.Path}
		if d.hasFrom {
			entry["From"] = d.From
		}
		if d.hasTo {
			entry["To"] = d.To
		}
		diff = append(diff, entry)
	}
	out["Diff"] = diff
	if c.Impossible != "" {
		out["Impossible"] = c.Impossible
		return out
	}
	input := clone(c.input)
	for _, path := range c.masks {
		setPath(input, path, func(any) any { return SecretMarker })
	}
	out["Input"] = input
	return out
}

// Trees are changes as a plan answers them.
func Trees(changes []Change) []any {
	out := make([]any, len(changes))
	for i, c := range changes {
		out[i] = c.Tree()
	}
	return out
}

// Impossible returns the first change Cognito cannot make, if any.
func Impossible(changes []Change) (Change, bool) {
	for _, c := range changes {
		if c.Impossible != "" {
			return c, true
		}
	}
	return Change{}, false
}

func (s *state) plan(desired Document, opts Options) ([]Change, error) {
	desired = clone(desired)
	for member := range desired {
		if !known(member) {
			return nil, badRequest("The document has no section %q.", member)
		}
	}
	var changes, deletions []Change
	for _, sec := range sections {
		want, present := desired[sec.member]
		if !present || want == nil {
			continue
		}
		wanted := object(want)
		if wanted == nil {
			return nil, badRequest("%s must be an object.", sec.member)
		}
		if !sec.collection() {
			changes = append(changes, s.planSingle(sec, wanted)...)
			continue
		}
		current := s.items[sec.member]
		for _, name := range sortedKeys(wanted) {
			item := object(wanted[name])
			if item == nil {
				return nil, badRequest("%s/%s must be an object.", sec.member, name)
			}
			if err := sec.checkSecrets(name, item); err != nil {
				return nil, err
			}
			secrets := opts.Secrets[sec.member][name]
			if cur, ok := current[name]; ok {
				changes = append(changes, s.planUpdate(sec, name, cur, item, secrets)...)
				continue
			}
			changes = append(changes, s.planCreate(sec, name, item, secrets))
		}
		if opts.Prune {
			var gone []Change
			for _, name := range sortedKeys(current) {
				if _, kept := wanted[name]; !kept {
					gone = append(gone, Change{Action: sec.remove, Target: sec.member + "/" + name,
						input: map[string]any{"UserPoolId": s.poolID, sec.id: current[name].id}})
				}
			}
			deletions = append(gone, deletions...) // the reverse of the sections' order
		}
	}
	changes = append(changes, deletions...)
	for _, change := range changes {
		if change.Impossible != "" {
			continue
		}
		encoded, err := canonjson.Append(nil, change.input, false)
		if err == nil {
			err = actions()[change.Action].Check(encoded)
		}
		if err != nil {
			return nil, badRequest("%s: the document does not make a valid input: %v", change.Target, err)
		}
	}
	return changes, nil
}

func (sec section) isSecret(path []string) bool {
	for _, p := range sec.secrets {
		if equal(p, path) {
			return true
		}
	}
	return false
}

func known(member string) bool {
	for _, sec := range sections {
		if sec.member == member {
			return true
		}
	}
	return false
}

// checkSecrets refuses a secret written into the document: it would be
// stored wherever the document is, git included.
func (sec section) checkSecrets(name string, item map[string]any) error {
	for _, path := range sec.secrets {
		if value, ok := getPath(item, path); ok && value != SecretMarker {
			return badRequest("%s/%s: %s holds a secret; a document holds only %q there. Give a new item's secret under Secrets, beside the document.",
				sec.member, name, strings.Join(path, "."), SecretMarker)
		}
	}
	return nil
}

// planSingle plans a singleton: its update, or the create of a located
// one the pool does not have yet.
func (s *state) planSingle(sec section, wanted map[string]any) []Change {
	current, exists := s.singles[sec.member]
	if sec.locate != "" && !exists {
		input := clone(wanted)
		input["UserPoolId"] = s.poolID
		return []Change{{Action: sec.create, Target: sec.member, Diff: diff("", nil, wanted), input: input}}
	}
	if sec.locate != "" {
		if name := wanted[sec.locate]; name != nil && name != current[sec.locate] {
			return []Change{{Action: sec.update, Target: sec.member, Diff: diff("", current, wanted),
				Impossible: fmt.Sprintf("Cognito cannot rename a domain (%v to %v): delete the pool's domain first; its sign-in pages go offline meanwhile.", current[sec.locate], name)}}
		}
	}
	return s.planMerge(sec, sec.member, current, wanted, map[string]any{"UserPoolId": s.poolID}, nil)
}

// planUpdate plans an existing item of a collection.
func (s *state) planUpdate(sec section, name string, cur *item, wanted map[string]any, secrets map[string]string) []Change {
	ids := map[string]any{"UserPoolId": s.poolID, sec.id: cur.id}
	if actions()[sec.update].Members[sec.name] {
		ids[sec.name] = name
	}
	return s.planMerge(sec, sec.member+"/"+name, cur.tree, wanted, ids, secrets)
}

// planMerge merges wanted into current, member by member as RFC 7396
// does, so that nothing the document leaves out is reset; a change is
// planned when the merge differs from current. The update's input is the
// merged whole, because Cognito's setters reset what they are not sent.
func (s *state) planMerge(sec section, target string, current, wanted, ids map[string]any, secrets map[string]string) []Change {
	wanted = clone(wanted)
	var changes []Change
	for from, to := range sec.fixed {
		value, ok := wanted[to]
		if !ok {
			continue
		}
		delete(wanted, to)
		if sec.isSecret([]string{to}) && value == SecretMarker && current[to] != nil {
			continue // the secret it has, kept
		}
		if to == "Schema" {
			changes = append(changes, s.planSchema(current[to], value)...)
			continue
		}
		if !equal(normalise(current[to]), normalise(value)) {
			changes = append(changes, Change{Action: sec.update, Target: target + "/" + to,
				Diff:       diff("/"+to, current[to], value),
				Impossible: fmt.Sprintf("Cognito sets %s only when it creates the %s (%s).", to, strings.TrimSuffix(sec.kind, "s"), from)})
		}
	}
	for _, path := range sec.secrets {
		if value, ok := getPath(wanted, path); ok && value == SecretMarker {
			deletePath(wanted, path)
		}
	}
	merged := clone(current)
	mergePatch(merged, wanted)
	var masks [][]string
	for _, path := range sec.secrets {
		if secret, ok := secrets[path[len(path)-1]]; ok && len(path) > 1 {
			setOrAdd(merged, path, secret)
		}
		if _, ok := getPath(merged, path); ok {
			masks = append(masks, path)
		}
	}
	sec.conflicts.Resolve(merged, wanted)
	differences := diff("", shownDiff(sec, current), shownDiff(sec, merged))
	if equal(normalise(current), normalise(merged)) && len(differences) == 0 {
		return changes
	}
	input := merged
	for _, to := range sec.fixed {
		delete(input, to)
	}
	for k, v := range ids {
		input[k] = v
	}
	return append(changes, Change{Action: sec.update, Target: target, Diff: differences, input: input, masks: masks})
}

// shownDiff is a tree to diff: secrets masked, so that a diff never shows
// one, and hidden members kept, as they are sent.
func shownDiff(sec section, tree map[string]any) map[string]any {
	out := clone(tree)
	for _, path := range sec.secrets {
		setPath(out, path, func(any) any { return SecretMarker })
	}
	return out
}

func setOrAdd(tree map[string]any, path []string, value any) {
	for _, name := range path[:len(path)-1] {
		next := object(tree[name])
		if next == nil {
			next = map[string]any{}
			tree[name] = next
		}
		tree = next
	}
	tree[path[len(path)-1]] = value
}

// planCreate plans a new item: its create input is the document's item,
// named, with its secrets from secrets. An app client whose item holds
// SecretMarker gets a secret Cognito generates, unless secrets gives one;
// an identity provider's secret has no such default.
func (s *state) planCreate(sec section, name string, wanted map[string]any, secrets map[string]string) Change {
	target := sec.member + "/" + name
	input := clone(wanted)
	input["UserPoolId"] = s.poolID
	input[sec.name] = name
	var masks [][]string
	for _, path := range sec.secrets {
		value, ok := getPath(input, path)
		if !ok || value != SecretMarker {
			continue
		}
		key := path[len(path)-1]
		secret, given := secrets[key]
		switch {
		case given:
			setPath(input, path, func(any) any { return secret })
			masks = append(masks, path)
		case key == "ClientSecret":
			deletePath(input, path)
			input["GenerateSecret"] = true
		default:
			return Change{Action: sec.create, Target: target, Diff: diff("", nil, wanted),
				Impossible: fmt.Sprintf("A new %s needs its %s, which a document never holds: give it under Secrets.%s.%s.%s.",
					strings.TrimSuffix(sec.kind, "s"), key, sec.member, name, key)}
		}
	}
	return Change{Action: sec.create, Target: target, Diff: diff("", nil, shownDiff(sec, wanted)), input: input, masks: masks}
}

// planSchema compares the pool's schema attributes by name: a new custom
// attribute is AddCustomAttributes; any other difference is impossible.
func (s *state) planSchema(current, wanted any) []Change {
	have := map[string]any{}
	for _, attr := range listOf(current) {
		have[nameOf(attr)] = attr
	}
	var added []any
	var changes []Change
	for _, attr := range listOf(wanted) {
		name := nameOf(attr)
		old, ok := have[name]
		if !ok {
			if !strings.HasPrefix(name, "custom:") {
				changes = append(changes, Change{Action: "UpdateUserPool", Target: "Pool/Schema/" + name, Diff: diff("/Schema/"+name, nil, attr),
					Impossible: "Cognito adds only custom attributes (custom:...) to an existing pool's schema."})
				continue
			}
			a := clone(object(attr))
			a["Name"] = strings.TrimPrefix(name, "custom:")
			added = append(added, a)
			continue
		}
		delete(have, name)
		if !equal(normalise(old), normalise(attr)) {
			changes = append(changes, Change{Action: "UpdateUserPool", Target: "Pool/Schema/" + name, Diff: diff("/Schema/"+name, old, attr),
				Impossible: "Cognito cannot change a schema attribute."})
		}
	}
	if wanted != nil {
		for _, name := range sortedKeys(have) {
			changes = append(changes, Change{Action: "UpdateUserPool", Target: "Pool/Schema/" + name, Diff: diff("/Schema/"+name, have[name], nil),
				Impossible: "Cognito cannot remove a schema attribute."})
		}
	}
	if len(added) > 0 {
		changes = append(changes, Change{Action: "AddCustomAttributes", Target: "Pool/Schema", Diff: diff("/Schema", nil, added),
			input: map[string]any{"UserPoolId": s.poolID, "CustomAttributes": added}})
	}
	return changes
}

func listOf(v any) []any {
	list, _ := v.([]any)
	return list
}

func nameOf(attr any) string {
	name, _ := object(attr)["Name"].(string)
	return name
}

// mergePatch merges patch into target as RFC 7396 says: objects member by
// member, null removes, anything else replaces.
func mergePatch(target, patch map[string]any) {
	for name, value := range patch {
		if value == nil {
			delete(target, name)
			continue
		}
		if p := object(value); p != nil {
			t := object(target[name])
			if t == nil {
				t = map[string]any{}
			}
			mergePatch(t, p)
			target[name] = t
			continue
		}
		target[name] = value
	}
}

// diff lists the members where from and to differ, by JSON pointer under
// prefix. Arrays differ whole, as a setter replaces them.
func diff(prefix string, from, to any) []Difference {
	from, to = normalise(from), normalise(to)
	fo, to2 := object(from), object(to)
	if fo == nil || to2 == nil {
		if equal(from, to) {
			return nil
		}
		d := Difference{Path: prefix, From: from, To: to, hasFrom: from != nil, hasTo: to != nil}
		if d.Path == "" {
			d.Path = "/"
		}
		return []Difference{d}
	}
	var out []Difference
	names := map[string]bool{}
	for k := range fo {
		names[k] = true
	}
	for k := range to2 {
		names[k] = true
	}
	for _, name := range sortedKeys(names) {
		out = append(out, diff(prefix+"/"+escape(name), fo[name], to2[name])...)
	}
	return out
}

func escape(name string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
}
