package cognito

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// retries is the gateway's retry policy, installed by Policy. It is the
// SDK's standard retryer (a retry quota shared by the client, and
// exponential backoff with full jitter), with four changes:
//
//   - at most MaxAttempts attempts, whatever AWS_MAX_ATTEMPTS or
//     AWS_RETRY_MODE say;
//   - LimitExceededException is not retried. The SDK treats it as a throttle,
//     but Cognito also uses it for limits that waiting does not lift, such as
//     "Attempt limit exceeded" on a user;
//   - a fault that is not a throttle (a reset or refused connection, a 5xx)
//     is retried after tens of milliseconds, not seconds: see backoff;
//   - no retry starts that could not finish before the request's deadline:
//     the caller gets the attempt's own error (a 429 or 502) at once, instead
//     of a 504 after sleeping until the deadline.
func retries(o *cip.Options) {
	o.Retryer = newRetryer()
	o.RetryMaxAttempts = 0
	o.APIOptions = append(o.APIOptions, addAttemptDeadline)
}

func newRetryer(optFns ...func(*retry.StandardOptions)) aws.Retryer {
	standard := retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notLimitExceeded)}, o.Retryables...)
		o.Backoff = backoff{random: rand.Float64}
	}}, optFns...)...)
	return deadlineRetryer{standard}
}

// backoff is the delay before a retry: full jitter over base × 2^attempt.
// After a throttle the base is a second, as in the SDK, since only time lifts
// a throttle. After any other fault it is 50 ms, as in the SDK's 2026 retry
// behaviour (AWS_NEW_RETRIES_2026): such faults (a reset, a refused
// connection) fail in a millisecond, and with the SDK's legacy one-second
// base their two retries slept up to 6 s, so a request to an unreachable
// Cognito took seconds, or its whole deadline, to fail. Now the retries of
// MaxAttempts fast failures sleep at most 300 ms in all.
type backoff struct {
	random func() float64 // in [0, 1)
}

const (
	throttleBackoffBase = time.Second
	faultBackoffBase    = 50 * time.Millisecond
)

func (b backoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	base := faultBackoffBase
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && Throttle(apiErr.ErrorCode()) {
		base = throttleBackoffBase
	}
	return time.Duration(b.random() * float64(base<<attempt)), nil
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
