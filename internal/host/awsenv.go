package host

import (
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// EnvConfig is the AWS configuration that Lambda hands every function in
// its environment: the region, the execution role's credentials and, for
// tests and sam local, an endpoint override. It reads nothing else, so that
// a build which uses it need not link config.LoadDefaultConfig's credential
// chains (SSO, SSO-OIDC, STS, sign-in, IMDS), whose packages compile their
// region tables and schemas in init, on every cold start.
//
// Lambda sets the credentials once, when it starts the execution
// environment, for the role's session that outlives the environment, and
// a process's environment cannot change from outside: static credentials
// are what Lambda's own runtimes use.
func EnvConfig(getenv func(string) string) (aws.Config, error) {
	region := firstSet(getenv, "AWS_REGION", "AWS_DEFAULT_REGION")
	accessKey := firstSet(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secretKey := firstSet(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if accessKey == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if secretKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, errors.New("this build reads its AWS configuration from the environment, as Lambda sets it, and " +
			strings.Join(missing, ", ") + " is not set")
	}
	cfg := aws.Config{
		Region: region,
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{
			AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: getenv("AWS_SESSION_TOKEN"),
			Source: credentials.StaticCredentialsName,
		}},
		// As LoadDefaultConfig's: the SDK writes its rare warnings there.
		Logger: logging.NewStandardLogger(os.Stderr),
	}
	if endpoint := cognitoEndpoint(getenv); endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg, nil
}

func firstSet(getenv func(string) string, names ...string) string {
	for _, name := range names {
		if v := getenv(name); v != "" {
			return v
		}
	}
	return ""
}
