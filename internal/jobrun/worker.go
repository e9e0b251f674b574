package jobrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/usermatch"
)

// Deps are what a Worker works with.
type Deps struct {
	Store   Store
	Queue   Queue
	Cognito *cip.Client
	S3      *s3.Client
	// Bucket holds exports and restore inputs.
	Bucket string
	// Limiter paces the worker's Cognito calls: the gateway's limiter's
	// Share of JOB_RATE_SHARE, so that interactive calls keep working.
	Limiter *quota.Limiter
	// Owner names this worker in the leases it takes.
	Owner string
	// Budget is a step's length when its context has no deadline (the
	// local worker); in Lambda, the invocation's deadline less a margin.
	Budget time.Duration
	// Parallel is how many users a step handles at once; the limiter, not
	// this, sets the pace.
	Parallel int
	Logger   *slog.Logger
}

// Worker runs steps.
type Worker struct {
	Deps
	categories map[string]quota.Category
}

// NewWorker builds a worker.
func NewWorker(deps Deps) *Worker {
	if deps.Budget <= 0 {
		deps.Budget = DefaultBudget
	}
	if deps.Parallel <= 0 {
		deps.Parallel = DefaultParallel
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	categories := map[string]quota.Category{}
	for name, action := range cognito.Actions() {
		categories[name] = action.Category
	}
	return &Worker{Deps: deps, categories: categories}
}

// Defaults of Deps.
const (
	DefaultBudget   = 30 * time.Second
	DefaultParallel = 8
	// finishMargin is kept back from a step's deadline to queue the next
	// step and checkpoint.
	finishMargin = 10 * time.Second
	// leaseMargin is how long a lease outlives its step's budget: after
	// it, a worker that died is taken over.
	leaseMargin = time.Minute
)

// errEarly is a step that came before the checkpoint it follows was
// written: its predecessor is still running, or died before checkpointing
// and will be delivered again.
var errEarly = errors.New("the step's predecessor has not checkpointed yet")

// Run runs one step of a job, and is what each SQS message asks for.
//
// A message is delivered at least once, so a step may arrive twice, or
// late. The job's Step, written with its checkpoint, tells them apart: a
// step below it is done (dropped), a step above it waits for its
// predecessor (an error, so SQS delivers it again), and only the step equal
// to it works, under the job's lease. The next step is queued before the
// checkpoint that makes it current: a worker that dies between the two
// leaves a next step that waits, and its own step, delivered again, redoes
// the work from the old checkpoint and queues a duplicate that will be
// dropped. So the chain of steps never breaks and never forks.
func (w *Worker) Run(ctx context.Context, step Step) error {
	job, err := w.Store.Job(ctx, step.PoolID, step.JobID)
	switch {
	case errors.Is(err, ErrNoJob):
		return nil
	case err != nil:
		return err
	case job.Status.Ended() || step.Step < job.Step:
		return nil
	case step.Step > job.Step:
		return errEarly
	}
	deadline := time.Now().Add(w.Budget)
	if d, ok := ctx.Deadline(); ok {
		deadline = d.Add(-finishMargin)
	}
	if err := w.Store.Acquire(ctx, job.PoolID, job.JobID, w.Owner, deadline.Add(leaseMargin)); err != nil {
		if errors.Is(err, ErrLost) {
			return nil // ended since it was read
		}
		return err
	}
	defer func() {
		if err := w.Store.Release(context.WithoutCancel(ctx), job.PoolID, job.JobID, w.Owner); err != nil {
			w.Logger.Warn("release a job's lease", "jobId", job.JobID, "error", err.Error())
		}
	}()
	// Read again under the lease: the job may have moved on since.
	if job, err = w.Store.Job(ctx, step.PoolID, step.JobID); err != nil {
		return err
	}
	if job.Status.Ended() || step.Step != job.Step {
		return nil
	}
	if job.Status == Queued {
		job.Status, job.StartedAt = Running, time.Now().UTC()
	}
	done, err := w.work(ctx, &job, deadline)
	var fatal *fatalError
	if err != nil && !errors.As(err, &fatal) && delivery(ctx) >= maxReceive {
		// SQS gives up on the step after this: the job would stay
		// Running with no step left to run it.
		fatal = &fatalError{reason: fmt.Sprintf("the step failed on each of its %d deliveries", maxReceive), cause: err}
		err = fatal
	}
	switch {
	case errors.As(err, &fatal):
		w.Logger.Warn("job failed", "jobId", job.JobID, "error", fatal.Error())
		job.Status, job.EndedAt = Failed, time.Now().UTC()
		job.Failures = append(job.Failures, Failure{Reason: fatal.reason})
	case err != nil:
		return err
	case done:
		job.Status, job.EndedAt = Succeeded, time.Now().UTC()
	default:
		if err := w.Queue.Send(ctx, Step{PoolID: job.PoolID, JobID: job.JobID, Step: job.Step + 1}); err != nil {
			return err
		}
	}
	job.Step++
	if err := w.Store.Save(ctx, w.Owner, job); err != nil {
		if errors.Is(err, ErrLost) {
			// Cancelled, or taken over after this step outlived its
			// lease: either way, nothing of this step may count.
			return nil
		}
		return err
	}
	return nil
}

// work does the job's kind of work from its checkpoint until deadline,
// updating job's checkpoint, counts and result. It reports whether the job
// is done.
func (w *Worker) work(ctx context.Context, job *Job, deadline time.Time) (bool, error) {
	switch job.Type {
	case "export":
		return w.export(ctx, job, deadline)
	}
	return false, &fatalError{reason: fmt.Sprintf("unknown job type %q", job.Type)}
}

// fatalError ends a job as Failed: no redelivery can help it.
type fatalError struct {
	reason string
	cause  error
}

func (e *fatalError) Error() string {
	if e.cause == nil {
		return e.reason
	}
	return e.reason + ": " + e.cause.Error()
}

// classify makes a Cognito error that no retry can cure (the pool is gone,
// the role may not call the action, an invalid parameter) a fatalError;
// throttling, faults on Cognito's side and network errors stay as they are,
// so that SQS delivers the step again.
func classify(action string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorFault() == smithy.FaultServer {
		return err
	}
	switch apiErr.ErrorCode() {
	case "TooManyRequestsException", "LimitExceededException", "ThrottlingException", "RequestExpired":
		return err
	}
	return &fatalError{reason: action + " refused: " + apiErr.ErrorCode(), cause: err}
}

// match parses a job's filter; an empty one selects every user. The API
// parsed it before it queued the job, so an error here is a job that
// cannot run.
func match(filter string) (*usermatch.Matcher, error) {
	if filter == "" {
		filter = "username pr"
	}
	matcher, err := usermatch.Parse(filter)
	if err != nil {
		return nil, &fatalError{reason: "the filter does not parse", cause: err}
	}
	return matcher, nil
}

// pace waits for room in the quota category of a Cognito action on a pool.
func (w *Worker) pace(ctx context.Context, poolID, action string) error {
	category, ok := w.categories[action]
	if !ok {
		return fmt.Errorf("no quota category for %s", action)
	}
	return w.Limiter.Wait(ctx, category, poolID, action)
}

func (e *fatalError) Unwrap() error { return e.cause }
