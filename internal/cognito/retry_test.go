package cognito

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// retryingClient is a client with the gateway's retry policy, pointed at url.
// quickBackoff replaces the SDK's jittered backoff (up to seconds) with 1 ms,
// for tests that count attempts rather than time them.
func retryingClient(url string, quickBackoff bool) *cip.Client {
	optFns := []func(*cip.Options){Policy}
	if quickBackoff {
		optFns = append(optFns, func(o *cip.Options) {
			o.Retryer = newRetryer(func(s *retry.StandardOptions) {
				s.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
					return time.Millisecond, nil
				})
			})
		})
	}
	return cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
	}, optFns...)
}

func describePool(ctx context.Context, client *cip.Client) error {
	_, err := client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Example1")})
	return err
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestRetriesThrottlingUntilCognitoAnswers(t *testing.T) {
	stub := cognitotest.New(t)
	var calls atomic.Int32
	stub.Handle("DescribeUserPool", func(map[string]any) (int, any) {
		if calls.Add(1) <= 2 {
			return http.StatusBadRequest, map[string]any{"__type": "TooManyRequestsException", "message": "Rate exceeded"}
		}
		return http.StatusOK, map[string]any{"UserPool": map[string]any{"Id": "us-east-1_Example1"}}
	})
	if err := describePool(context.Background(), retryingClient(stub.URL, true)); err != nil {
		t.Fatalf("error after two throttles: %v", err)
	}
	if n := len(stub.Calls()); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

func TestLimitExceededIsNotRetried(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Fail(http.StatusBadRequest, "LimitExceededException", "Attempt limit exceeded, please try after some time."))
	err := describePool(context.Background(), retryingClient(stub.URL, true))
	if code := errorCode(err); code != "LimitExceededException" {
		t.Fatalf("error %v, want LimitExceededException", err)
	}
	if n := len(stub.Calls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestServerErrorsAreRetriedUpToMaxAttempts(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Fail(http.StatusInternalServerError, "InternalErrorException", "internal"))
	err := describePool(context.Background(), retryingClient(stub.URL, true))
	if code := errorCode(err); code != "InternalErrorException" {
		t.Fatalf("error %v, want InternalErrorException", err)
	}
	if n := len(stub.Calls()); n != MaxAttempts {
		t.Errorf("%d calls, want %d", n, MaxAttempts)
	}
}

func TestTransportErrorsAreRetried(t *testing.T) {
	var calls atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			resetConnection(t, w)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"UserPool": {"Id": "us-east-1_Example1"}}`))
	}))
	defer server.Close()
	if err := describePool(context.Background(), retryingClient(server.URL, true)); err != nil {
		t.Fatalf("error after a reset connection: %v", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

// resetConnection drops the connection with a TCP RST rather than a FIN.
func resetConnection(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func TestRetriesStopBeforeTheDeadline(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Fail(http.StatusBadRequest, "TooManyRequestsException", "Rate exceeded"))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := describePool(ctx, retryingClient(stub.URL, false))
	elapsed := time.Since(start)
	if elapsed > time.Second {
		t.Errorf("took %v with a 300ms deadline", elapsed)
	}
	// The caller sees Cognito's throttle, not a timeout it did not cause.
	if code := errorCode(err); code != "TooManyRequestsException" {
		t.Errorf("error %v, want TooManyRequestsException", err)
	}
	if p := Problem(err); p.Status != http.StatusTooManyRequests {
		t.Errorf("status %d, want 429", p.Status)
	}
	if n := len(stub.Calls()); n < 1 || n > MaxAttempts {
		t.Errorf("%d calls, want 1 to %d", n, MaxAttempts)
	}
}

// TestFastFailuresAreRetriedPromptly: a fault that is not a throttle (here
// a reset connection) is retried after tens of milliseconds, so that the
// retries of MaxAttempts fast failures wait 300 ms at most, while a throttle
// still waits up to seconds. Backoff is random: the test takes the longest
// of many draws.
func TestFastFailuresAreRetriedPromptly(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException"}
	longest := func(err error) (total time.Duration) {
		retryer := newRetryer()
		for attempt := 1; attempt < MaxAttempts; attempt++ {
			var worst time.Duration
			for range 200 {
				delay, delayErr := retryer.RetryDelay(attempt, err)
				if delayErr != nil {
					t.Fatal(delayErr)
				}
				worst = max(worst, delay)
			}
			total += worst
		}
		return total
	}
	if got := longest(reset); got > 300*time.Millisecond {
		t.Errorf("the retries of a reset connection wait up to %v", got)
	}
	if got := longest(throttle); got < time.Second {
		t.Errorf("the retries of a throttle wait only up to %v", got)
	}
}
