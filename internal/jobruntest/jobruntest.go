// Package jobruntest keeps jobs in memory for tests of the job engine and
// the jobs API, with the conditions of jobrun.Store (a lease per job, a
// save only by its holder and never over a cancellation). It stands in for
// package jobstore (DynamoDB) until that lands on this branch; the queue,
// S3 and Cognito around it in tests are real (moto).
package jobruntest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/jobrun"
)

// Store is a jobrun.Store in memory.
type Store struct {
	mu     sync.Mutex
	jobs   map[string]jobrun.Job
	owners map[string]string
	until  map[string]time.Time
	// FailSave, when set, is asked before each Save and may fail it.
	FailSave func(jobrun.Job) error
}

// NewStore is an empty Store.
func NewStore() *Store {
	return &Store{jobs: map[string]jobrun.Job{}, owners: map[string]string{}, until: map[string]time.Time{}}
}

func (s *Store) put(job jobrun.Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[job.PoolID+"/"+job.JobID] = job
}

func (s *Store) Job(_ context.Context, poolID, jobID string) (jobrun.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ok := s.jobs[poolID+"/"+jobID]
	if !ok {
		return jobrun.Job{}, jobrun.ErrNoJob
	}
	return job, nil
}

func (s *Store) Acquire(_ context.Context, poolID, jobID, owner string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := poolID + "/" + jobID
	if held := s.owners[key]; held != "" && held != owner && time.Now().Before(s.until[key]) {
		return jobrun.ErrLeased
	}
	s.owners[key], s.until[key] = owner, until
	return nil
}

func (s *Store) Save(_ context.Context, owner string, job jobrun.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := job.PoolID + "/" + job.JobID
	if s.owners[key] != owner || s.jobs[key].Status == jobrun.Cancelled {
		return jobrun.ErrLost
	}
	if s.FailSave != nil {
		if err := s.FailSave(job); err != nil {
			return err
		}
	}
	s.jobs[key] = job
	return nil
}

func (s *Store) Release(_ context.Context, poolID, jobID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := poolID + "/" + jobID
	if s.owners[key] == owner {
		delete(s.owners, key)
	}
	return nil
}

func (s *Store) Create(_ context.Context, job jobrun.Job) error {
	s.put(job)
	return nil
}

func (s *Store) List(_ context.Context, poolID string, limit int, token string) ([]jobrun.Job, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []jobrun.Job
	for _, job := range s.jobs {
		if job.PoolID == poolID {
			list = append(list, job)
		}
	}
	slices.SortFunc(list, func(a, b jobrun.Job) int { return b.CreatedAt.Compare(a.CreatedAt) })
	start, _ := strconv.Atoi(token)
	list = list[min(start, len(list)):]
	if len(list) <= limit {
		return list, "", nil
	}
	return list[:limit], strconv.Itoa(start + limit), nil
}

func (s *Store) Cancel(_ context.Context, poolID, jobID string) (jobrun.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := poolID + "/" + jobID
	job, ok := s.jobs[key]
	switch {
	case !ok:
		return jobrun.Job{}, jobrun.ErrNoJob
	case job.Status == jobrun.Succeeded || job.Status == jobrun.Failed:
		return job, jobrun.ErrEnded
	}
	job.Status = jobrun.Cancelled
	if job.EndedAt.IsZero() {
		job.EndedAt = time.Now().UTC()
	}
	s.jobs[key] = job
	return job, nil
}
