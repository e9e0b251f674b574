package cognito

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

func TestProblemMapsCognitoErrors(t *testing.T) {
	const message = "Cognito says: detail 10.0.0.7, arn:aws:sts::210987654321:assumed-role/gateway/api"
	cases := []struct {
		code   string
		fault  smithy.ErrorFault
		answer int // the HTTP status of Cognito's answer; 0 for none
		status int
		want   string // the problem's code; "" for Cognito's
	}{
		{"ResourceNotFoundException", smithy.FaultClient, 400, 404, ""},
		{"UserNotFoundException", smithy.FaultClient, 400, 404, ""},
		{"GroupNotFoundException", smithy.FaultClient, 400, 404, ""},
		{"InvalidParameterException", smithy.FaultClient, 400, 400, ""},
		{"InvalidPasswordException", smithy.FaultClient, 400, 400, ""},
		{"SomeFutureClientException", smithy.FaultClient, 400, 400, ""},
		{"SomeFutureClientException", smithy.FaultClient, 0, 400, ""},
		{"UsernameExistsException", smithy.FaultClient, 400, 409, ""},
		{"GroupExistsException", smithy.FaultClient, 400, 409, ""},
		{"AliasExistsException", smithy.FaultClient, 400, 409, ""},
		{"ConcurrentModificationException", smithy.FaultClient, 400, 409, ""},
		{"UserImportInProgressException", smithy.FaultClient, 400, 409, ""},
		{"TooManyRequestsException", smithy.FaultClient, 400, 429, ""},
		{"LimitExceededException", smithy.FaultClient, 400, 429, ""},
		{"ThrottlingException", smithy.FaultUnknown, 400, 429, ""},
		{"RequestLimitExceeded", smithy.FaultUnknown, 400, 429, ""},
		{"SlowDown", smithy.FaultUnknown, 503, 429, ""},
		{"TooManyFailedAttemptsException", smithy.FaultClient, 400, 429, ""},
		{"NotAuthorizedException", smithy.FaultClient, 400, 403, ""},
		{"ForbiddenException", smithy.FaultClient, 403, 403, ""},
		{"InternalErrorException", smithy.FaultServer, 500, 502, ""},
		{"SomeFutureServerException", smithy.FaultServer, 0, 502, "CognitoUnavailable"},
		// Codes the SDK does not model have no fault: Cognito's status decides.
		{"InternalFailure", smithy.FaultUnknown, 500, 502, "CognitoUnavailable"},
		{"ServiceUnavailable", smithy.FaultUnknown, 503, 502, "CognitoUnavailable"},
		{"InternalServerError", smithy.FaultUnknown, 500, 502, "CognitoUnavailable"},
		{"UnknownError", smithy.FaultUnknown, 301, 502, "CognitoUnavailable"},
		{"SomeFutureException", smithy.FaultUnknown, 0, 502, "CognitoUnavailable"},
		{"SomeFutureException", smithy.FaultUnknown, 409, 400, ""},
		// AWS refusing the gateway's own credentials or role.
		{"UnrecognizedClientException", smithy.FaultUnknown, 400, 502, "GatewayCredentialsRefused"},
		{"AccessDeniedException", smithy.FaultUnknown, 400, 502, "GatewayCredentialsRefused"},
		{"InvalidSignatureException", smithy.FaultUnknown, 400, 502, "GatewayCredentialsRefused"},
		{"ExpiredTokenException", smithy.FaultUnknown, 400, 502, "GatewayCredentialsRefused"},
		{"IncompleteSignatureException", smithy.FaultUnknown, 400, 502, "GatewayCredentialsRefused"},
		{"MissingAuthenticationTokenException", smithy.FaultUnknown, 403, 502, "GatewayCredentialsRefused"},
		{"InvalidClientTokenId", smithy.FaultUnknown, 403, 502, "GatewayCredentialsRefused"},
		{"SomeFutureAuthException", smithy.FaultUnknown, 403, 502, "GatewayCredentialsRefused"},
		{"SomeFutureAuthException", smithy.FaultUnknown, 401, 502, "GatewayCredentialsRefused"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %d", c.code, c.answer), func(t *testing.T) {
			err := sdkError(c.code, message, c.fault, c.answer)
			p := Problem(err)
			want := c.want
			if want == "" {
				want = c.code
			}
			if p.Status != c.status || p.Code != want {
				t.Errorf("%d %s, want %d %s", p.Status, p.Code, c.status, want)
			}
			if p.CognitoCode != c.code {
				t.Errorf("CognitoCode %q, want %q", p.CognitoCode, c.code)
			}
			if (p.RetryAfter > 0) != (c.status == http.StatusTooManyRequests) {
				t.Errorf("RetryAfter %d", p.RetryAfter)
			}
			leaks := strings.Contains(p.Detail, message)
			if c.status >= 500 && leaks {
				t.Errorf("a %d carries Cognito's message: %q", c.status, p.Detail)
			}
			if c.status < 500 && !leaks {
				t.Errorf("a %d hides Cognito's message: %q", c.status, p.Detail)
			}
		})
	}
}

// sdkError is an API error as the SDK returns it: with the HTTP answer it
// came in, when there is one.
func sdkError(code, message string, fault smithy.ErrorFault, status int) error {
	var err error = &smithy.GenericAPIError{Code: code, Message: message, Fault: fault}
	if status != 0 {
		err = &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
	}
	return fmt.Errorf("operation error Cognito Identity Provider: DescribeUserPool, %w", err)
}

// TestEveryThrottleIsA429: whatever code the SDK's retryer takes for
// throttling is a 429 with Retry-After, and counted as a Cognito throttle.
func TestEveryThrottleIsA429(t *testing.T) {
	for code := range retry.DefaultThrottleErrorCodes {
		p := Problem(sdkError(code, "Rate exceeded", smithy.FaultUnknown, http.StatusBadRequest))
		if p.Status != http.StatusTooManyRequests || p.RetryAfter < 1 || !Throttle(p.CognitoCode) {
			t.Errorf("%s: %d, Retry-After %d, CognitoCode %q", code, p.Status, p.RetryAfter, p.CognitoCode)
		}
	}
}

func TestProblemMapsTransportFailures(t *testing.T) {
	if p := Problem(fmt.Errorf("send: %w", context.DeadlineExceeded)); p.Status != 504 {
		t.Errorf("deadline: %d, want 504", p.Status)
	}
	if p := Problem(errors.New("dial tcp 10.0.0.7:443: connection refused")); p.Status != 502 || strings.Contains(p.Detail, "10.0.0.7") {
		t.Errorf("transport: %d %q", p.Status, p.Detail)
	}
}

// TestInputTheSDKRefusesIsA400: an input the SDK's own validation refuses
// (a required member missing) never reaches Cognito, so it is the
// request's fault, named as the SDK names it, not a 502 "Cognito failed".
func TestInputTheSDKRefusesIsA400(t *testing.T) {
	client := cip.New(cip.Options{Region: "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:9")}) // never dialled
	_, err := client.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{})
	if err == nil {
		t.Fatal("the SDK sent a DescribeUserPool without UserPoolId")
	}
	p := Problem(err)
	if p.Status != http.StatusBadRequest || p.Code != problem.CodeValidation || !strings.Contains(p.Detail, "UserPoolId") {
		t.Errorf("%d %s %q, want 400 %s naming UserPoolId", p.Status, p.Code, p.Detail, problem.CodeValidation)
	}
}
