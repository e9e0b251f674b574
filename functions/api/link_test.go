package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// lambdaTags are the build tags of the Lambda bootstrap, as `make
// build-ApiFunction` and `make bench` set them: lambdaenv reads the AWS
// configuration from Lambda's environment only (internal/host's
// awsconfig_lambda.go).
const lambdaTags = "lambda.norpc,lambdaenv"

// credentialChains are the packages config.LoadDefaultConfig links for
// credentials a Lambda function is never handed: their init compiles
// region tables and schemas on every cold start.
var credentialChains = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
}

// TestLambdaBuildLinksNoCredentialChains: the Lambda build links none of
// LoadDefaultConfig's credential chains, and the local build, which must
// find profiles, SSO and instance roles, links every one.
func TestLambdaBuildLinksNoCredentialChains(t *testing.T) {
	for _, build := range []struct {
		tags  string
		links bool
	}{{tags: lambdaTags}, {tags: "", links: true}} {
		out, err := exec.Command("go", "list", "-deps", "-tags", build.tags, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps -tags %q: %v\n%s", build.tags, err, out)
		}
		deps := strings.Fields(string(out))
		for _, pkg := range credentialChains {
			if slices.Contains(deps, pkg) != build.links {
				t.Errorf("tags %q: links %s: %v, want %v", build.tags, pkg, !build.links, build.links)
			}
		}
	}
}
