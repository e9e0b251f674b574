package gateway

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// The spec, the action table in package cognito and template.yaml's IAM
// policy each name the gateway's actions. registryDisagreements holds them
// together: TestTemplatePolicyMatchesSpec runs it on the real three, and
// TestRegistryNamesEachDisagreement on broken copies, so that a forgotten
// row or IAM line is reported by name rather than as a panic or a 500.

// actionUse is one spec operation and the actions it names, in order.
type actionUse struct {
	operation, method, path string
	actions                 []string
}

// specUses lists the operations of doc that name actions.
func specUses(t *testing.T, doc *openapi3.T) []actionUse {
	t.Helper()
	var uses []actionUse
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			names, err := stringList(extAction, op.Extensions[extAction])
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
			}
			if changesNothing, _ := op.Extensions[extChangesNothing].(bool); changesNothing {
				method = http.MethodGet // it only reads, whatever its method
			}
			if len(names) > 0 {
				uses = append(uses, actionUse{op.OperationID, method, path, names})
			}
		}
	}
	return uses
}

// registryDisagreements lists, sorted, every way uses, the action table and
// the IAM actions granted disagree, each as what to fix:
//
//   - an action an operation names has a row, and is granted;
//   - a row and a grant are used by some operation;
//   - a row has a quota category that package quota knows, and each
//     category is some row's;
//   - a row writes exactly when an operation that performs it changes
//     something (any method but GET): a composite's first action (its
//     Describe) reads, its last writes, and those between may do either.
func registryDisagreements(uses []actionUse, table map[string]cognito.Action, granted []string) []string {
	var found []string
	report := func(format string, args ...any) { found = append(found, fmt.Sprintf(format, args...)) }
	used := map[string]bool{}
	for _, use := range uses {
		where := fmt.Sprintf("%s (%s %s)", use.operation, use.method, use.path)
		for i, name := range use.actions {
			used[name] = true
			row, ok := table[name]
			if !ok {
				report("%s names %s, which the action table lacks: add its row to internal/cognito/cognito.go", where, name)
				continue
			}
			change := use.method != http.MethodGet
			if last := i == len(use.actions)-1; !last && (i == 0 || !row.Writes) {
				// A composite's Describe, or another read before its
				// change; a change may take more than one write
				// (UntagResource, then TagResource).
				change = false
			}
			switch {
			case row.Writes && !change:
				report("row %s says it writes, but %s calls it to read", name, where)
			case !row.Writes && change:
				report("row %s says it reads, but %s calls it to change", name, where)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(used)) {
		if !slices.Contains(granted, name) {
			report("template.yaml does not grant cognito-idp:%s: add it to ApiFunction's policy", name)
		}
	}
	for _, name := range granted {
		if !used[name] {
			report("template.yaml grants cognito-idp:%s, which no operation names", name)
		}
	}
	categories := map[quota.Category]bool{}
	for name, row := range table {
		categories[row.Category] = true
		if !used[name] {
			report("the action table has %s, which no operation names: remove its row", name)
		}
		switch {
		case row.Category == "":
			report("row %s has no quota category", name)
		case !row.Category.Known():
			report("row %s has quota category %q, which package quota does not know", name, row.Category)
		}
	}
	for _, category := range quota.Categories() {
		if !categories[quota.Category(category)] {
			report("quota category %s is in no row: remove it from package quota", category)
		}
	}
	slices.Sort(found)
	return slices.Compact(found)
}

// TestRegistryNamesEachDisagreement breaks one of the spec, the table and
// the template at a time, and wants the one sentence that says what to fix.
func TestRegistryNamesEachDisagreement(t *testing.T) {
	uses := specUses(t, loadSpec(t))
	granted := templateGrants(t)
	if got := registryDisagreements(uses, cognito.Actions(), granted); len(got) > 0 {
		t.Fatalf("the real spec, table and template disagree:\n%s", strings.Join(got, "\n"))
	}
	cases := []struct {
		name   string
		breaks func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string)
		want   []string
	}{
		{
			name: "an operation names an action with no row",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				uses = append(uses, actionUse{"signInUser", "POST", "/pools/{poolId}/users/{username}/sign-in", []string{"AdminInitiateAuth"}})
				return uses, append(granted, "AdminInitiateAuth")
			},
			want: []string{"signInUser (POST /pools/{poolId}/users/{username}/sign-in) names AdminInitiateAuth, which the action table lacks: add its row to internal/cognito/cognito.go"},
		},
		{
			name: "a row is removed",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				delete(table, "AdminGetDevice")
				return uses, granted
			},
			want: []string{"getUserDevice (GET /pools/{poolId}/users/{username}/devices/{deviceKey}) names AdminGetDevice, which the action table lacks: add its row to internal/cognito/cognito.go"},
		},
		{
			name: "an IAM line is missing",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				return uses, slices.DeleteFunc(granted, func(name string) bool { return name == "AdminGetUser" })
			},
			want: []string{"template.yaml does not grant cognito-idp:AdminGetUser: add it to ApiFunction's policy"},
		},
		{
			name: "an IAM line grants what no operation names",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				return uses, append(granted, "AdminInitiateAuth")
			},
			want: []string{"template.yaml grants cognito-idp:AdminInitiateAuth, which no operation names"},
		},
		{
			name: "a row no operation names",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				return slices.DeleteFunc(uses, func(u actionUse) bool { return u.operation == "getCSVHeader" }),
					slices.DeleteFunc(granted, func(name string) bool { return name == "GetCSVHeader" })
			},
			want: []string{"the action table has GetCSVHeader, which no operation names: remove its row"},
		},
		{
			name: "a row without a quota category",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				row := table["GetCSVHeader"]
				row.Category = ""
				table["GetCSVHeader"] = row
				return uses, granted
			},
			want: []string{"row GetCSVHeader has no quota category"},
		},
		{
			name: "a row with a category quota does not know",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				row := table["ListUsers"]
				row.Category = "UserLists"
				table["ListUsers"] = row
				row = table["ListUsersInGroup"]
				row.Category = quota.UserRead
				table["ListUsersInGroup"] = row
				return uses, granted
			},
			want: []string{
				"quota category UserList is in no row: remove it from package quota",
				`row ListUsers has quota category "UserLists", which package quota does not know`,
			},
		},
		{
			name: "a write marked as a read",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				row := table["AdminDisableUser"]
				row.Writes = false
				table["AdminDisableUser"] = row
				return uses, granted
			},
			want: []string{
				"row AdminDisableUser says it reads, but createSCIMUser (POST /pools/{poolId}/scim/v2/Users) calls it to change",
				"row AdminDisableUser says it reads, but disableUser (POST /pools/{poolId}/users/{username}/disable) calls it to change",
				"row AdminDisableUser says it reads, but patchSCIMUser (PATCH /pools/{poolId}/scim/v2/Users/{userId}) calls it to change",
				"row AdminDisableUser says it reads, but replaceSCIMUser (PUT /pools/{poolId}/scim/v2/Users/{userId}) calls it to change",
			},
		},
		{
			name: "a read marked as a write",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				row := table["ListUsersInGroup"]
				row.Writes = true
				table["ListUsersInGroup"] = row
				return uses, granted
			},
			want: []string{
				"row ListUsersInGroup says it writes, but getSCIMGroup (GET /pools/{poolId}/scim/v2/Groups/{groupId}) calls it to read",
				"row ListUsersInGroup says it writes, but listSCIMGroups (GET /pools/{poolId}/scim/v2/Groups) calls it to read",
				"row ListUsersInGroup says it writes, but listUsersInGroup (GET /pools/{poolId}/groups/{groupName}/users) calls it to read",
			},
		},
		{
			name: "a composite's Describe marked as a write",
			breaks: func(uses []actionUse, table map[string]cognito.Action, granted []string) ([]actionUse, []string) {
				row := table["GetGroup"]
				row.Writes = true
				table["GetGroup"] = row
				return uses, granted
			},
			want: []string{
				"row GetGroup says it writes, but deleteSCIMGroup (DELETE /pools/{poolId}/scim/v2/Groups/{groupId}) calls it to read",
				"row GetGroup says it writes, but getGroup (GET /pools/{poolId}/groups/{groupName}) calls it to read",
				"row GetGroup says it writes, but getSCIMGroup (GET /pools/{poolId}/scim/v2/Groups/{groupId}) calls it to read",
				"row GetGroup says it writes, but patchGroup (PATCH /pools/{poolId}/groups/{groupName}) calls it to read",
				"row GetGroup says it writes, but patchSCIMGroup (PATCH /pools/{poolId}/scim/v2/Groups/{groupId}) calls it to read",
				"row GetGroup says it writes, but replaceSCIMGroup (PUT /pools/{poolId}/scim/v2/Groups/{groupId}) calls it to read",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			table := cognito.Actions()
			broken, grants := tc.breaks(slices.Clone(uses), table, slices.Clone(granted))
			got := registryDisagreements(broken, table, grants)
			if !slices.Equal(got, tc.want) {
				t.Errorf("disagreements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
