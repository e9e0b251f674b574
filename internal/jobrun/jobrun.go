// Package jobrun runs the gateway's long jobs (exports, bulk actions) in
// steps, on AWS's own engines: each step is an SQS message, the job's
// record, counters, checkpoint and lease live in a Store (DynamoDB, package
// jobstore), and results go to S3.
//
// A step works until its time budget runs out, sends the next step,
// checkpoints, and releases the job's lease. A worker that dies mid-step is
// covered twice: the lease expires, and SQS delivers the step again, which
// resumes from the last checkpoint. Step numbers make redeliveries and
// duplicates harmless (see Worker.Run).
//
// It owns the queue, the worker, its pacing and what each job type does.
// It does not own the job's record (package jobstore), nor the HTTP API
// (package gateway).
package jobrun

import (
	"context"
	"errors"
	"time"
)

// Status is where a job is in its life.
type Status string

// A job's statuses, as the API names them.
const (
	Queued    Status = "Queued"
	Running   Status = "Running"
	Succeeded Status = "Succeeded"
	Failed    Status = "Failed"
	Cancelled Status = "Cancelled"
)

// Ended reports whether s is final: no step runs for such a job.
func (s Status) Ended() bool {
	return s == Succeeded || s == Failed || s == Cancelled
}

// Counts are a job's progress, as the API reports them.
type Counts struct {
	Scanned int64
	Matched int64
	Done    int64
	Failed  int64
	Skipped int64
}

// Add returns c with d added.
func (c Counts) Add(d Counts) Counts {
	return Counts{
		Scanned: c.Scanned + d.Scanned,
		Matched: c.Matched + d.Matched,
		Done:    c.Done + d.Done,
		Failed:  c.Failed + d.Failed,
		Skipped: c.Skipped + d.Skipped,
	}
}

// Job is what the worker reads and checkpoints of a job.
type Job struct {
	PoolID string
	JobID  string
	// CreatedAt orders a pool's jobs.
	CreatedAt time.Time
	// Type is the job's kind: "export", "disable", ...
	Type   string
	Status Status
	// Filter selects users, in SCIM filter syntax; empty selects all.
	Filter string
	// Format is an export's: "ndjson" or "csv".
	Format string
	// Step is the number of the step that is to run next; the first is 0.
	Step int
	// Checkpoint is where the next step resumes.
	Checkpoint Checkpoint
	Counts     Counts
	StartedAt  time.Time
	EndedAt    time.Time
	// Failures are a sample of the users the job failed on.
	Failures []Failure
}

// Checkpoint is where a job resumes: the ListUsers page to ask for next,
// and how many pages are behind it.
type Checkpoint struct {
	// NextToken is ListUsers's PaginationToken for the next page; empty
	// with Page 0 is the first page.
	NextToken string
	// Page counts the pages already handled, which keys an export's parts.
	Page int
	// Listed is set once the last page is handled.
	Listed bool
}

// Failure is one user a job could not handle, and why.
type Failure struct {
	Username string
	Reason   string
}

// Store keeps jobs (package jobstore, on DynamoDB). Every write is
// conditional, so that two workers can never both think they hold a job.
type Store interface {
	// Create records a new job, Queued, and returns it with its JobId.
	Create(ctx context.Context, job Job) (Job, error)
	// List returns a pool's jobs newest first, a page of at most limit,
	// and the token of the next page ("" after the last).
	List(ctx context.Context, poolID string, limit int, token string) ([]Job, string, error)
	// Cancel ends a Queued or Running job as Cancelled and returns it; a
	// job that Succeeded or Failed is returned with ErrEnded.
	Cancel(ctx context.Context, poolID, jobID string) (Job, error)
	// Job returns the job, or ErrNoJob.
	Job(ctx context.Context, poolID, jobID string) (Job, error)
	// Acquire leases the job to owner until the given time, or returns
	// ErrLeased while another owner's lease runs.
	Acquire(ctx context.Context, poolID, jobID, owner string, until time.Time) error
	// Save writes the job's status, step, checkpoint, counts, result and
	// failures, if owner still holds its lease and it was not cancelled;
	// otherwise ErrLost.
	Save(ctx context.Context, owner string, job Job) error
	// Release ends owner's lease.
	Release(ctx context.Context, poolID, jobID, owner string) error
}

// The Store's errors.
var (
	ErrNoJob  = errors.New("no such job")
	ErrLeased = errors.New("the job is leased to another worker")
	ErrLost   = errors.New("the job's lease was lost, or the job was cancelled")
	ErrEnded  = errors.New("the job has ended")
)
