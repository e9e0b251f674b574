package cognito

import (
	"slices"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// TestEachActionHasOneRow: of two rows of one action, the table keeps
// whichever comes last, and the other's category and Writes mean nothing.
func TestEachActionHasOneRow(t *testing.T) {
	if names := duplicateRows(rows()); len(names) > 0 {
		t.Errorf("actions with more than one row: %v", names)
	}
	twice := append(rows(), action((*cip.Client).GetUser, quota.UserResourceRead, reads))
	if names := duplicateRows(twice); !slices.Equal(names, []string{"GetUser"}) {
		t.Errorf("a second GetUser row found as %v, want [GetUser]", names)
	}
}

// duplicateRows names, sorted, the actions that have more than one row.
func duplicateRows(list []Action) []string {
	seen := map[string]bool{}
	var twice []string
	for _, row := range list {
		if seen[row.Name] && !slices.Contains(twice, row.Name) {
			twice = append(twice, row.Name)
		}
		seen[row.Name] = true
	}
	slices.Sort(twice)
	return twice
}
