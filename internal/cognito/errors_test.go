package cognito

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestProblemMapsCognitoErrors(t *testing.T) {
	const message = "Cognito says: detail 10.0.0.7"
	cases := []struct {
		code   string
		fault  smithy.ErrorFault
		status int
	}{
		{"ResourceNotFoundException", smithy.FaultClient, 404},
		{"UserNotFoundException", smithy.FaultClient, 404},
		{"GroupNotFoundException", smithy.FaultClient, 404},
		{"InvalidParameterException", smithy.FaultClient, 400},
		{"InvalidPasswordException", smithy.FaultClient, 400},
		{"SomeFutureClientException", smithy.FaultClient, 400},
		{"UsernameExistsException", smithy.FaultClient, 409},
		{"GroupExistsException", smithy.FaultClient, 409},
		{"AliasExistsException", smithy.FaultClient, 409},
		{"ConcurrentModificationException", smithy.FaultClient, 409},
		{"UserImportInProgressException", smithy.FaultClient, 409},
		{"TooManyRequestsException", smithy.FaultClient, 429},
		{"LimitExceededException", smithy.FaultClient, 429},
		{"NotAuthorizedException", smithy.FaultClient, 403},
		{"InternalErrorException", smithy.FaultServer, 502},
		{"SomeFutureServerException", smithy.FaultServer, 502},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			err := fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: c.code, Message: message, Fault: c.fault})
			p := Problem(err)
			if p.Status != c.status || p.Code != c.code {
				t.Errorf("%d %s, want %d %s", p.Status, p.Code, c.status, c.code)
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

func TestProblemMapsTransportFailures(t *testing.T) {
	if p := Problem(fmt.Errorf("send: %w", context.DeadlineExceeded)); p.Status != 504 {
		t.Errorf("deadline: %d, want 504", p.Status)
	}
	if p := Problem(errors.New("dial tcp 10.0.0.7:443: connection refused")); p.Status != 502 || strings.Contains(p.Detail, "10.0.0.7") {
		t.Errorf("transport: %d %q", p.Status, p.Detail)
	}
}
