//go:build !lambdaenv

package host

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// AWSConfig is the SDK's whole default chain, for a laptop or a container:
// profiles, SSO, assumed roles, IMDS. It reads the process's environment
// itself, not getenv. The Lambda build (tag lambdaenv) reads only what
// Lambda sets, in awsconfig_lambda.go.
func AWSConfig(ctx context.Context, _ func(string) string) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx)
}
