package cognito

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// MaxAttempts bounds the calls the SDK makes for one Cognito action: the
// first and at most two retries.
const MaxAttempts = 3

// Retries is the gateway's retry policy, as an option for
// cip.NewFromConfig. It is the SDK's standard retryer (exponential backoff
// with jitter, and a retry quota shared by the client), with three changes:
//
//   - at most MaxAttempts attempts, whatever AWS_MAX_ATTEMPTS or
//     AWS_RETRY_MODE say;
//   - LimitExceededException is not retried. The SDK treats it as a throttle,
//     but Cognito also uses it for limits that waiting does not lift, such as
//     "Attempt limit exceeded" on a user;
//   - no retry starts that could not finish before the request's deadline:
//     the caller gets the attempt's own error (a 429 or 502) at once, instead
//     of a 504 after sleeping until the deadline.
func Retries(o *cip.Options) {
	o.Retryer = newRetryer()
	o.RetryMaxAttempts = 0
	o.APIOptions = append(o.APIOptions, addAttemptDeadline)
}

func newRetryer(optFns ...func(*retry.StandardOptions)) aws.Retryer {
	standard := retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notLimitExceeded)}, o.Retryables...)
	}}, optFns...)...)
	return deadlineRetryer{standard}
}

// notLimitExceeded vetoes retrying LimitExceededException; it has no opinion
// on any other error.
func notLimitExceeded(err error) aws.Ternary {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "LimitExceededException" {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// deadlineRetryer refuses a backoff that, followed by an attempt as long as
// the one that just failed, would end after the request's deadline. The
// retryer sees only the error, so addAttemptDeadline puts the deadline there.
type deadlineRetryer struct {
	*retry.Standard
}

func (r deadlineRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	delay, delayErr := r.Standard.RetryDelay(attempt, err)
	if delayErr != nil {
		return 0, delayErr
	}
	var failed *attemptError
	if errors.As(err, &failed) && !failed.deadline.IsZero() && time.Until(failed.deadline) < delay+failed.took {
		return 0, fmt.Errorf("not retried: a %v backoff would pass the request's deadline: %w",
			delay.Round(time.Millisecond), err)
	}
	return delay, nil
}

// attemptError is a failed attempt's error, with what the retryer needs to
// know about its context. It is transparent to errors.As and errors.Is.
type attemptError struct {
	err      error
	deadline time.Time
	took     time.Duration
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// addAttemptDeadline installs attemptDeadline inside the retry loop, so that
// it sees every attempt.
func addAttemptDeadline(stack *middleware.Stack) error {
	return stack.Finalize.Insert(attemptDeadline, "Retry", middleware.After)
}

var attemptDeadline = middleware.FinalizeMiddlewareFunc("AttemptDeadline", func(
	ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler,
) (middleware.FinalizeOutput, middleware.Metadata, error) {
	start := time.Now()
	out, metadata, err := next.HandleFinalize(ctx, in)
	if err == nil {
		return out, metadata, nil
	}
	deadline, _ := ctx.Deadline()
	return out, metadata, &attemptError{err: err, deadline: deadline, took: time.Since(start)}
})
