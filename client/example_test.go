package client_test

import (
	"bytes"
	"context"
	"errors"
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

// TestPoolAdminExampleRunsAgainstTheGateway runs the example as a reader
// would: against a deployed API, through a host name that is not this
// machine's, it signs; against make run's gateway on loopback, it needs no
// region and no credentials, and sends no signature.
func TestPoolAdminExampleRunsAgainstTheGateway(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pooladmin")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/pooladmin").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx := context.Background()
	creds, _ := staticCredentials.Retrieve(ctx)
	for _, tc := range []struct {
		name   string
		signed bool
	}{
		{"deployed, signed", true},
		{"local, unsigned", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t)
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

			// No credentials and no region at all: the AWS SDK's chain
			// finds nothing, as on a laptop that never ran aws configure.
			none := t.TempDir() + "/none"
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
				"AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_EC2_METADATA_DISABLED=true"}
			apiURL := g.URL
			if tc.signed {
				// A name that is not loopback, reached through the test's
				// gateway as an HTTP proxy.
				apiURL = "http://gateway.example/"
				env = append(env, "HTTP_PROXY="+g.URL)
				for name, value := range environmentCredentials(t, creds) {
					env = append(env, name+"="+value)
				}
			}
			cmd := exec.Command(bin, poolID)
			cmd.Env = append(env, "API_URL="+apiURL)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pooladmin: %v\n%s", err, stderr.Bytes())
			}

			if want := "ada FORCE_CHANGE_PASSWORD\ndeletion protection: ACTIVE\n"; string(out) != want {
				t.Errorf("pooladmin printed\n%s\nwant\n%s", out, want)
			}
			authorizations := g.Authorizations()
			if len(authorizations) != 2 {
				t.Fatalf("the gateway got %d requests, want 2", len(authorizations))
			}
			for _, authorization := range authorizations {
				if tc.signed && !signedAuthorization.MatchString(authorization) {
					t.Errorf("the example sent Authorization %q, not a SigV4 signature", authorization)
				}
				if !tc.signed && authorization != "" {
					t.Errorf("the example signed a request to the local gateway: %q", authorization)
				}
			}
			described, err := g.Direct.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID})
			if err != nil {
				t.Fatal(err)
			}
			if described.UserPool.DeletionProtection != types.DeletionProtectionTypeActive {
				t.Errorf("DeletionProtection is %q after the example", described.UserPool.DeletionProtection)
			}
		})
	}
}

// TestPoolAdminExampleWithoutArgumentsPrintsUsage: a reader's first run has
// no arguments; it must say how to call it, not panic.
func TestPoolAdminExampleWithoutArgumentsPrintsUsage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pooladmin")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/pooladmin").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, env := range [][]string{{"API_URL=http://127.0.0.1:8080"}, nil} {
		cmd := exec.Command(bin)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.HasPrefix(stderr.String(), "usage: ") {
			t.Errorf("with %v and no argument: %v, stderr %q; want exit 2 and a usage line", env, err, stderr.String())
		}
	}
}
