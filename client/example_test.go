package client_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The README shows examples/pooladmin/main.go; this keeps the two equal, so
// the program a reader copies is one that compiles (go vet ./... builds it)
// and runs (the next test).
func TestREADMEShowsThePoolAdminExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	program, err := os.ReadFile("examples/pooladmin/main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Calling the API from Go\n")
	if !ok {
		t.Fatal(`README.md has no "## Calling the API from Go" section`)
	}
	_, fenced, ok := strings.Cut(section, "\n```go\n")
	if !ok {
		t.Fatal("the section has no ```go block")
	}
	shown, _, _ := strings.Cut(fenced, "\n```\n")
	if shown+"\n" != string(program) {
		t.Errorf("the README's program differs from client/examples/pooladmin/main.go; copy the file into the README.\nREADME:\n%s", shown)
	}
}

func TestPoolAdminExampleRunsAgainstTheGateway(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	pool, err := g.Direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("example")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := *pool.UserPool.Id
	_, err = g.Direct.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: &poolID, Username: aws.String("ada"), MessageAction: types.MessageActionTypeSuppress,
	})
	if err != nil {
		t.Fatal(err)
	}

	bin := filepath.Join(t.TempDir(), "pooladmin")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/pooladmin").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, poolID)
	cmd.Env = []string{"API_URL=" + g.URL, "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	creds, _ := staticCredentials.Retrieve(ctx)
	for name, value := range environmentCredentials(t, creds) {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pooladmin: %v\n%s", err, stderr.Bytes())
	}

	if want := "ada FORCE_CHANGE_PASSWORD\ndeletion protection: ACTIVE\n"; string(out) != want {
		t.Errorf("pooladmin printed\n%s\nwant\n%s", out, want)
	}
	for _, authorization := range g.Authorizations() {
		if !signedAuthorization.MatchString(authorization) {
			t.Errorf("the example sent Authorization %q, not a SigV4 signature", authorization)
		}
	}
	described, err := g.Direct.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID})
	if err != nil {
		t.Fatal(err)
	}
	if described.UserPool.DeletionProtection != types.DeletionProtectionTypeActive {
		t.Errorf("DeletionProtection is %q after the example", described.UserPool.DeletionProtection)
	}
}
