package jobrun

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/jobstore"
)

// Table is the Store on package jobstore's DynamoDB table. It keeps the
// leases this process holds, so that the worker names a job's lease by
// its owner, and the counts each lease last wrote, since jobstore adds
// counts (Checkpoint's Delta) where the worker keeps totals.
type Table struct {
	jobs   *jobstore.Store
	mu     sync.Mutex
	leases map[string]*held
}

type held struct {
	lease    *jobstore.Lease
	counts   Counts
	failures int
}

// NewTable is the Store on jobs.
func NewTable(jobs *jobstore.Store) *Table {
	return &Table{jobs: jobs, leases: map[string]*held{}}
}

// progress is the worker's part of jobstore's Checkpoint.Data.
type progress struct {
	Step   int  `json:"Step"`
	Page   int  `json:"Page"`
	Listed bool `json:"Listed,omitempty"`
}

func fromTable(stored jobstore.Job) Job {
	job := Job{
		PoolID: stored.PoolID, JobID: stored.JobID, CreatedAt: stored.CreatedAt,
		Type: stored.Type, Status: Status(stored.Status), Filter: stored.Filter, Format: stored.Format,
		Counts:    Counts(stored.Counts),
		StartedAt: stored.StartedAt, EndedAt: stored.EndedAt,
		Checkpoint: Checkpoint{NextToken: stored.Checkpoint.PageToken},
	}
	var p progress
	if stored.Checkpoint.Data != "" && json.Unmarshal([]byte(stored.Checkpoint.Data), &p) == nil {
		job.Step, job.Checkpoint.Page, job.Checkpoint.Listed = p.Step, p.Page, p.Listed
	}
	for _, f := range stored.Failures {
		job.Failures = append(job.Failures, Failure{Username: f.Username, Reason: f.Message})
	}
	return job
}

func tableError(err error) error {
	switch {
	case errors.Is(err, jobstore.ErrNotFound):
		return ErrNoJob
	case errors.Is(err, jobstore.ErrLeaseHeld):
		return ErrLeased
	case errors.Is(err, jobstore.ErrLeaseLost):
		return ErrLost
	}
	return err
}

// Create records job, Queued, with a JobId of jobstore's (its time first,
// so that a pool's jobs list newest first).
func (t *Table) Create(ctx context.Context, job Job) (Job, error) {
	stored, err := t.jobs.Create(ctx, jobstore.Job{
		PoolID: job.PoolID, JobID: job.JobID, Type: job.Type, Filter: job.Filter, Format: job.Format,
	})
	if err != nil {
		return Job{}, err
	}
	return fromTable(stored), nil
}

// Job reads a job.
func (t *Table) Job(ctx context.Context, poolID, jobID string) (Job, error) {
	stored, err := t.jobs.Get(ctx, poolID, jobID)
	if err != nil {
		return Job{}, tableError(err)
	}
	return fromTable(stored), nil
}

// List lists a pool's jobs, newest first.
func (t *Table) List(ctx context.Context, poolID string, limit int, token string) ([]Job, string, error) {
	stored, next, err := t.jobs.List(ctx, poolID, int32(limit), token)
	if err != nil {
		return nil, "", err
	}
	jobs := make([]Job, len(stored))
	for i, job := range stored {
		jobs[i] = fromTable(job)
	}
	return jobs, next, nil
}

// Cancel cancels a job.
func (t *Table) Cancel(ctx context.Context, poolID, jobID string) (Job, error) {
	stored, err := t.jobs.Cancel(ctx, poolID, jobID)
	if errors.Is(err, jobstore.ErrFinished) {
		return fromTable(stored), ErrEnded
	}
	if err != nil {
		return Job{}, tableError(err)
	}
	return fromTable(stored), nil
}

// Acquire leases a job to owner; a job that has ended is ErrLost.
func (t *Table) Acquire(ctx context.Context, poolID, jobID, owner string, until time.Time) error {
	lease, stored, err := t.jobs.Acquire(ctx, poolID, jobID, owner, time.Until(until))
	if errors.Is(err, jobstore.ErrFinished) {
		return ErrLost
	}
	if err != nil {
		return tableError(err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.leases[poolID+"/"+jobID+"/"+owner] = &held{lease: lease, counts: Counts(stored.Counts), failures: len(stored.Failures)}
	return nil
}

// Save checkpoints job under owner's lease, adding the counts it gained
// since the last save, and ends it if its status is final.
func (t *Table) Save(ctx context.Context, owner string, job Job) error {
	t.mu.Lock()
	h := t.leases[job.PoolID+"/"+job.JobID+"/"+owner]
	t.mu.Unlock()
	if h == nil {
		return ErrLost
	}
	data, err := json.Marshal(progress{Step: job.Step, Page: job.Checkpoint.Page, Listed: job.Checkpoint.Listed})
	if err != nil {
		return err
	}
	step := jobstore.Step{
		Checkpoint: jobstore.Checkpoint{PageToken: job.Checkpoint.NextToken, Data: string(data)},
		Delta: jobstore.Counts{
			Scanned: job.Counts.Scanned - h.counts.Scanned, Matched: job.Counts.Matched - h.counts.Matched,
			Done: job.Counts.Done - h.counts.Done, Failed: job.Counts.Failed - h.counts.Failed,
			Skipped: job.Counts.Skipped - h.counts.Skipped,
		},
	}
	for _, f := range job.Failures[min(h.failures, len(job.Failures)):] {
		step.Failures = append(step.Failures, jobstore.Failure{Username: f.Username, Code: "JobFailure", Message: f.Reason})
	}
	if !job.StartedAt.IsZero() {
		if seconds := time.Since(job.StartedAt).Seconds(); seconds > 0 {
			step.Rate = float64(job.Counts.Done) / seconds
		}
	}
	stored, err := t.jobs.Checkpoint(ctx, h.lease, step)
	if err != nil {
		return tableError(err)
	}
	h.counts, h.failures = job.Counts, len(job.Failures)
	if stored.Status == jobstore.StatusCancelled {
		return ErrLost
	}
	if job.Status == Succeeded || job.Status == Failed {
		if _, err := t.jobs.Finish(ctx, h.lease, jobstore.Status(job.Status)); err != nil {
			if errors.Is(err, jobstore.ErrFinished) {
				return ErrLost
			}
			return tableError(err)
		}
	}
	return nil
}

// Release ends owner's lease, if it still holds it.
func (t *Table) Release(ctx context.Context, poolID, jobID, owner string) error {
	key := poolID + "/" + jobID + "/" + owner
	t.mu.Lock()
	h := t.leases[key]
	delete(t.leases, key)
	t.mu.Unlock()
	if h == nil {
		return nil
	}
	if err := t.jobs.Release(ctx, h.lease); err != nil && !errors.Is(err, jobstore.ErrLeaseLost) {
		return err
	}
	return nil
}
