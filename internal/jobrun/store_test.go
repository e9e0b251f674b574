package jobrun

import (
	"context"
	"sync"
	"time"
)

// memoryStore keeps jobs in memory with the Store's conditions (a lease
// per job, Save only by its holder and never over a cancellation). It
// stands in for package jobstore until that lands on this branch; the
// queue, S3 and Cognito in these tests are real (moto).
type memoryStore struct {
	mu     sync.Mutex
	jobs   map[string]Job
	owners map[string]string
	until  map[string]time.Time
	// failSave, when set, is asked before each Save and may fail it.
	failSave func(Job) error
}

func newMemoryStore() *memoryStore {
	return &memoryStore{jobs: map[string]Job{}, owners: map[string]string{}, until: map[string]time.Time{}}
}

func (s *memoryStore) put(job Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[job.PoolID+"/"+job.JobID] = job
}

func (s *memoryStore) Job(_ context.Context, poolID, jobID string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ok := s.jobs[poolID+"/"+jobID]
	if !ok {
		return Job{}, ErrNoJob
	}
	return job, nil
}

func (s *memoryStore) Acquire(_ context.Context, poolID, jobID, owner string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := poolID + "/" + jobID
	if held := s.owners[key]; held != "" && held != owner && time.Now().Before(s.until[key]) {
		return ErrLeased
	}
	s.owners[key], s.until[key] = owner, until
	return nil
}

func (s *memoryStore) Save(_ context.Context, owner string, job Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := job.PoolID + "/" + job.JobID
	if s.owners[key] != owner || s.jobs[key].Status == Cancelled {
		return ErrLost
	}
	if s.failSave != nil {
		if err := s.failSave(job); err != nil {
			return err
		}
	}
	s.jobs[key] = job
	return nil
}

func (s *memoryStore) Release(_ context.Context, poolID, jobID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := poolID + "/" + jobID
	if s.owners[key] == owner {
		delete(s.owners, key)
	}
	return nil
}

func (s *memoryStore) cancel(poolID, jobID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := poolID + "/" + jobID
	job := s.jobs[key]
	job.Status = Cancelled
	s.jobs[key] = job
}
