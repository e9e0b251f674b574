//go:build lambdaenv

package host

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AWSConfig is the Lambda build's: the environment Lambda sets, and nothing
// else (EnvConfig). The build tag lambdaenv selects it; `make
// build-ApiFunction` and `make bench` set it.
func AWSConfig(_ context.Context, getenv func(string) string) (aws.Config, error) {
	return EnvConfig(getenv)
}
