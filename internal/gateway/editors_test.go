package gateway

import (
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
)

// TestEveryEditorDescribesWhatItUpdates extends
// TestUpdateMembersAreDescribedOrRenamed to every editor: each Update input
// member must come from the described resource (under its name or a listed
// rename), or a PATCH would silently reset it. The Describe and Update
// actions of an editor are those of the spec operations it serves.
func TestEveryEditorDescribesWhatItUpdates(t *testing.T) {
	actions := cognito.Actions()
	served := map[string]bool{}
	for path, item := range loadSpec(t).Paths.Map() {
		for method, op := range item.Operations() {
			names, _ := stringList(extAction, op.Extensions[extAction])
			if method != http.MethodPut && method != http.MethodPatch {
				continue // a GET or DELETE has no Update
			}
			if len(names) == 3 {
				names = names[1:] // a located resource's PATCH: the locating action first
			}
			if len(names) != 2 || composites[op.OperationID] == nil {
				continue
			}
			describe, hasDescribe := actions[names[0]]
			update, hasUpdate := actions[names[1]]
			if !hasDescribe || !hasUpdate {
				continue // a missing row: TestTemplatePolicyMatchesSpec names it
			}
			name, e, ok := editorFor(path, describe)
			if !ok {
				t.Errorf("%s %s (%s) is served by no editor", method, path, op.OperationID)
				continue
			}
			served[name] = true
			described := describe.Output // the whole output, when e.output is empty
			if e.output != "" {
				field, ok := describe.Output.FieldByName(e.output)
				if !ok {
					t.Errorf("editor %s: %s has no %s", name, describe.Name, e.output)
					continue
				}
				described = field.Type
			}
			for described.Kind() == reflect.Pointer {
				described = described.Elem()
			}
			renamedTo := map[string]bool{}
			for from, to := range e.renames {
				renamedTo[to] = true
				if _, ok := described.FieldByName(from); !ok {
					t.Errorf("editor %s: rename source %s is not a member of %s", name, from, described.Name())
				}
			}
			for member := range update.Members {
				if e.isID(member) || renamedTo[member] {
					continue
				}
				if _, ok := described.FieldByName(member); !ok {
					t.Errorf("editor %s: %s.%s is not in %s's %s: PATCH would reset it", name, update.Name, member, describe.Name, e.output)
				}
			}
			for _, id := range e.ids {
				// A located resource's Describe may take its name alone.
				if !update.Members[id] || e.locate == nil && !describe.Members[id] {
					t.Errorf("editor %s: identifier %s is not a member of both %s and %s", name, id, describe.Name, update.Name)
				}
			}
			if e.locate != nil && (!describe.Members[e.locate.member] || !update.Members[e.locate.member]) {
				t.Errorf("editor %s: the located %s is not a member of both %s and %s", name, e.locate.member, describe.Name, update.Name)
			}
			for member, keys := range e.keyed {
				if len(keys) == 0 || len(keys) > len(itemKey{}) {
					t.Errorf("editor %s: %s merges by %d key members; an itemKey holds 1 to %d", name, member, len(keys), len(itemKey{}))
				}
				for _, key := range keys {
					if !keyedList(update.Input, member, key) {
						t.Errorf("editor %s: %s.%s is not a list of objects with a %s, so it cannot merge by it", name, update.Name, member, key)
					}
				}
			}
		}
	}
	for name := range editors {
		if !served[name] {
			t.Errorf("editor %s serves no operation in the spec", name)
		}
	}
}

// keyedList reports whether member of the struct type input is a list of
// structs that have a key member.
func keyedList(input reflect.Type, member, key string) bool {
	field, ok := input.FieldByName(member)
	if !ok || field.Type.Kind() != reflect.Slice {
		return false
	}
	item := field.Type.Elem()
	for item.Kind() == reflect.Pointer {
		item = item.Elem()
	}
	if item.Kind() != reflect.Struct {
		return false
	}
	_, ok = item.FieldByName(key)
	return ok
}

// editorFor finds the editor whose identifiers are path's parameters and
// whose resource is a member of describe's output; failing that, one whose
// resource is the whole output.
func editorFor(path string, describe cognito.Action) (string, editor, bool) {
	whole, first := "", ""
	for _, name := range slices.Sorted(maps.Keys(editors)) {
		e := editors[name]
		if !slices.Equal(slices.Sorted(maps.Keys(e.ids)), pathParams(path)) {
			continue
		}
		if e.output == "" {
			if whole == "" {
				whole = name
			}
			continue
		}
		if _, ok := describe.Output.FieldByName(e.output); !ok {
			continue
		}
		// Of two editors of one kind (a pool's prefix and custom
		// domains), the one the path's last segment names.
		if strings.ReplaceAll(name, " ", "-") == path[strings.LastIndexByte(path, '/')+1:] {
			return name, e, true
		}
		if first == "" {
			first = name
		}
	}
	if first != "" {
		return first, editors[first], true
	}
	if whole != "" {
		return whole, editors[whole], true
	}
	return "", editor{}, false
}

// pathParams are the {names} in a path template, sorted.
func pathParams(path string) []string {
	var names []string
	for rest := path; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		names = append(names, rest[open+1:open+end])
		rest = rest[open+end+1:]
	}
	slices.Sort(names)
	return names
}
