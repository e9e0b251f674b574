package gateway

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
)

// TestEverySeedActionIsReachable: testdata/seed-actions.txt lists the 34
// Cognito actions of the seed API collection this gateway replaces; each must
// be some operation's x-cognito-action, so no caller of the old collection is
// left without a route.
func TestEverySeedActionIsReachable(t *testing.T) {
	file, err := os.Open(filepath.Join("testdata", "seed-actions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var seeds []string
	lines := bufio.NewScanner(file)
	for lines.Scan() {
		if name := lines.Text(); name != "" {
			seeds = append(seeds, name)
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 34 {
		t.Fatalf("seed-actions.txt lists %d actions, want the seed's 34", len(seeds))
	}

	reachable := map[string]bool{}
	for _, item := range loadSpec(t).Paths.Map() {
		for _, op := range item.Operations() {
			names, err := stringList(extAction, op.Extensions[extAction])
			if err != nil {
				t.Fatalf("%s: %v", op.OperationID, err)
			}
			for _, name := range names {
				reachable[name] = true
			}
		}
	}
	for _, action := range seeds {
		if !reachable[action] {
			t.Errorf("seed action %s is no operation's %s", action, extAction)
		}
	}
}
