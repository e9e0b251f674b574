// Package jobstore keeps the jobs of issue 17 (export, restore and bulk
// actions on a pool's users) in one DynamoDB table: each job's record, its
// counters, its checkpoint and the lease of the worker running it, all
// changed with conditional writes, so that two workers, or a worker and a
// cancelling admin, never overwrite each other.
//
// It does not run jobs, queue their steps or serve them over HTTP: the
// worker and the API build on it. Their contract with it:
//
//   - The API creates a job (Create: Queued), reads it (Get), lists a
//     pool's jobs newest first (List) and cancels one (Cancel).
//   - A worker that receives a step acquires the job's lease (Acquire: the
//     job becomes Running), works, records its progress with Checkpoint
//     under the lease, renews the lease while it works past half of it
//     (Renew), and either ends the job (Finish) or releases the lease and
//     sends the next step (Release). A worker that dies keeps the lease
//     until it expires; then the next delivery of its step acquires it and
//     resumes from the last checkpoint.
//   - Each acquisition draws a new lease token, and every write under a
//     lease is conditional on that token: a worker whose lease expired and
//     was taken by another gets ErrLeaseLost on its next write, and must stop
//     without acting on another user. A lease that expired and was not taken
//     is still the worker's (its token still matches): fencing by token
//     does not depend on the workers' clocks agreeing, only expiry does, so
//     a lease should outlast a step's time budget by more than the skew
//     between two workers' clocks.
//   - Checkpoint adds counts atomically and replaces the checkpoint in the
//     same write, so that progress and position never disagree: a step that
//     is redone after a crash redoes only what followed the last checkpoint.
//   - Cancel ends a Queued or Running job at once. The worker holding its
//     lease sees Status Cancelled in what Checkpoint returns, and stops; its
//     Checkpoint still lands, so that the counts say what was done before it
//     stopped, and Finish then answers ErrFinished.
//
// The errors are sentinels for errors.Is: the API answers ErrNotFound with a
// 404, a malformed List token (ErrBadToken) with a 400, and a Cancel of a
// job that Succeeded or Failed (ErrFinished) with a 409 Conflict that shows
// the job as it ended; a Cancel of a job already Cancelled succeeds again,
// as a repeated DELETE should. Any other error is the table's, a 5xx.
package jobstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/cognito-admin-gateway/internal/cursor"
)

// Status is where a job is in its life: Queued, then Running, then one of
// Succeeded, Failed or Cancelled, which are final.
type Status string

// The statuses of a job.
const (
	StatusQueued    Status = "Queued"
	StatusRunning   Status = "Running"
	StatusSucceeded Status = "Succeeded"
	StatusFailed    Status = "Failed"
	StatusCancelled Status = "Cancelled"
)

// Final reports whether a job in status s is over.
func (s Status) Final() bool {
	return s == StatusSucceeded || s == StatusFailed || s == StatusCancelled
}

// The errors of the store, for errors.Is.
var (
	// ErrNotFound: no such job in the pool.
	ErrNotFound = errors.New("jobstore: no such job")
	// ErrExists: Create was given the JobId of a job that exists.
	ErrExists = errors.New("jobstore: a job with this JobId exists")
	// ErrFinished: the job is over (Succeeded, Failed, or, for the lease
	// holder, Cancelled) and this change no longer applies.
	ErrFinished = errors.New("jobstore: the job is finished")
	// ErrLeaseHeld: another worker holds a live lease on the job.
	ErrLeaseHeld = errors.New("jobstore: another worker holds the job's lease")
	// ErrLeaseLost: the lease was taken by another worker or released; the
	// holder must stop.
	ErrLeaseLost = errors.New("jobstore: the lease is no longer held")
	// ErrBadToken: a List token that List did not issue for this pool.
	ErrBadToken = errors.New("jobstore: the NextToken is not one issued for this pool's jobs")
)

// MaxFailures bounds the sample of failures a job keeps: enough to see what
// went wrong, never enough to fill DynamoDB's 400 KB item.
const MaxFailures = 20

// Job is a job's record. Its JSON form is the job the API answers with, the
// ResultUrl aside, which the API presigns on each answer and never stores;
// PoolId and Checkpoint are the store's and the worker's, not the client's.
type Job struct {
	PoolID string `json:"-"`
	JobID  string `json:"JobId"`
	Type   string `json:"Type"`
	Status Status `json:"Status"`
	// Filter, Format, GroupName and Source are the request's, as each
	// type needs.
	Filter    string `json:"Filter,omitempty"`
	Format    string `json:"Format,omitempty"`
	GroupName string `json:"GroupName,omitempty"`
	Source    string `json:"Source,omitempty"`
	Counts    Counts `json:"Counts"`
	// Rate is users per second, as the worker last measured it.
	Rate           float64    `json:"Rate"`
	CreatedAt      time.Time  `json:"CreatedAt"`
	StartedAt      time.Time  `json:"StartedAt,omitzero"`
	EndedAt        time.Time  `json:"EndedAt,omitzero"`
	EstimatedEndAt time.Time  `json:"EstimatedEndAt,omitzero"`
	Failures       []Failure  `json:"Failures"`
	Checkpoint     Checkpoint `json:"-"`
}

// Counts are a job's counters, each added to atomically.
type Counts struct {
	Scanned int64 `json:"Scanned"`
	Matched int64 `json:"Matched"`
	Done    int64 `json:"Done"`
	Failed  int64 `json:"Failed"`
	Skipped int64 `json:"Skipped"`
}

// Failure is one user a job failed on, with Cognito's code and message.
type Failure struct {
	Username string `json:"Username"`
	Code     string `json:"Code"`
	Message  string `json:"Message"`
}

// Checkpoint is where a job resumes. The store keeps it whole and does not
// read it; it is replaced by each Checkpoint call.
type Checkpoint struct {
	// Phase names the stage of a job that has several, such as a
	// restore's groups, import and memberships.
	Phase string
	// PageToken is the ListUsers PaginationToken that lists the current
	// page again ("" for the first page), and PageDone the usernames of that
	// page already handled, so that a resumed step skips them.
	PageToken string
	PageDone  []string
	// Data is the worker's own state, such as an S3 multipart upload's id
	// and parts. It shares the item's 400 KB with the rest.
	Data string
}

// Step is what one Checkpoint records.
type Step struct {
	Checkpoint Checkpoint
	// Delta is added to the counts.
	Delta Counts
	// Failures join the sample while it has room for them.
	Failures []Failure
	// Rate and EstimatedEndAt replace the job's when set.
	Rate           float64
	EstimatedEndAt time.Time
}

// Lease is a worker's hold on a job, from Acquire. It is safe for
// concurrent use: a worker's goroutines can checkpoint under one lease.
// Its writes are made one at a time, in the order they are called:
// DynamoDB applies each atomically, but moto, the local engine, reads and
// writes an item in separate moves, so that two concurrent ADDs there could
// lose one; and the failure sample's bound needs the count of the writes
// before.
type Lease struct {
	PoolID string
	JobID  string
	Owner  string
	token  string

	// mu is held for each write under the lease, and guards the rest.
	mu        sync.Mutex
	expiresAt time.Time
	// sampled counts the failures the job's sample holds, which only the
	// lease holder adds to, so that the sample stays bounded without a read.
	sampled int
}

// ExpiresAt is when the lease expires unless renewed.
func (l *Lease) ExpiresAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expiresAt
}

// API is the part of the DynamoDB client the store calls.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
}

// Store is the jobs table.
type Store struct {
	client API
	table  string
	now    func() time.Time
}

// New returns the store of table. now is the clock leases are measured
// with (time.Now, except in tests).
func New(client API, table string, now func() time.Time) *Store {
	return &Store{client: client, table: table, now: now}
}

// NewJobID is a JobId that sorts after every JobId made earlier (to the
// millisecond), so that a pool's jobs list newest first by their key alone.
func NewJobID(now time.Time) string {
	random := make([]byte, 8)
	_, _ = rand.Read(random) // never fails: crypto/rand panics instead
	now = now.UTC()
	return fmt.Sprintf("%s%03d-%s", now.Format("20060102150405"), now.Nanosecond()/int(time.Millisecond), hex.EncodeToString(random))
}

// Create stores job as Queued, with a new JobId unless it has one, and
// returns it as stored. A JobId taken in the pool is ErrExists.
func (s *Store) Create(ctx context.Context, job Job) (Job, error) {
	now := s.now()
	if job.JobID == "" {
		job.JobID = NewJobID(now)
	}
	job.Status = StatusQueued
	job.CreatedAt = now.UTC()
	job.Counts = Counts{}
	job.Failures = []Failure{}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.table,
		Item:                item(job),
		ConditionExpression: aws.String("attribute_not_exists(JobId)"),
	})
	if conditionFailed(err) {
		return Job{}, ErrExists
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobstore: create %s: %w", job.JobID, err)
	}
	return job, nil
}

// Get reads a job, as the last write left it.
func (s *Store) Get(ctx context.Context, poolID, jobID string) (Job, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(poolID, jobID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Job{}, fmt.Errorf("jobstore: get %s: %w", jobID, err)
	}
	if out.Item == nil {
		return Job{}, ErrNotFound
	}
	return record(out.Item)
}

// List returns up to limit of a pool's jobs, newest first, and the token of
// the next page ("" after the last). A token is List's own, bound to the
// pool: any other is ErrBadToken.
func (s *Store) List(ctx context.Context, poolID string, limit int32, token string) ([]Job, string, error) {
	input := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PoolId = :pool"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pool": str(poolID)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(limit),
		ConsistentRead:            aws.Bool(true),
	}
	if token != "" {
		after, err := cursor.Decode(listScope(poolID), token)
		if err != nil {
			return nil, "", ErrBadToken
		}
		input.ExclusiveStartKey = key(poolID, after)
	}
	out, err := s.client.Query(ctx, input)
	if err != nil {
		return nil, "", fmt.Errorf("jobstore: list %s: %w", poolID, err)
	}
	jobs := make([]Job, 0, len(out.Items))
	for _, it := range out.Items {
		job, err := record(it)
		if err != nil {
			return nil, "", err
		}
		jobs = append(jobs, job)
	}
	next := ""
	if last, ok := out.LastEvaluatedKey["JobId"].(*types.AttributeValueMemberS); ok {
		next = cursor.Encode(listScope(poolID), last.Value)
	}
	return jobs, next, nil
}

func listScope(poolID string) string { return "jobs " + poolID }

// Acquire takes the lease of a Queued or Running job for duration, when no
// one holds it or its holder's has expired, and makes the job Running. It
// returns the lease and the job, whose Checkpoint is where to resume.
// A live lease of another's is ErrLeaseHeld; a final job, ErrFinished.
func (s *Store) Acquire(ctx context.Context, poolID, jobID, owner string, duration time.Duration) (*Lease, Job, error) {
	now := s.now()
	lease := &Lease{PoolID: poolID, JobID: jobID, Owner: owner, expiresAt: now.Add(duration), token: rand.Text()}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table,
		Key:       key(poolID, jobID),
		UpdateExpression: aws.String("SET LeaseOwner = :owner, LeaseToken = :token, LeaseExpiresAt = :expires, " +
			"#status = :running, StartedAt = if_not_exists(StartedAt, :now)"),
		ConditionExpression: aws.String("attribute_exists(JobId) AND #status IN (:queued, :running) " +
			"AND (attribute_not_exists(LeaseToken) OR LeaseExpiresAt <= :nowMillis)"),
		ExpressionAttributeNames: map[string]string{"#status": "Status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":owner":     str(owner),
			":token":     str(lease.token),
			":expires":   millis(lease.expiresAt),
			":nowMillis": millis(now),
			":now":       str(timestamp(now)),
			":queued":    str(string(StatusQueued)),
			":running":   str(string(StatusRunning)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		job, getErr := s.Get(ctx, poolID, jobID)
		switch {
		case getErr != nil:
			return nil, Job{}, getErr
		case job.Status.Final():
			return nil, job, ErrFinished
		}
		return nil, job, ErrLeaseHeld
	}
	if err != nil {
		return nil, Job{}, fmt.Errorf("jobstore: acquire %s: %w", jobID, err)
	}
	job, err := record(out.Attributes)
	if err != nil {
		return nil, Job{}, err
	}
	lease.sampled = len(job.Failures)
	return lease, job, nil
}

// Renew extends a held lease to duration from now. ErrLeaseLost means
// another worker took it: stop.
func (s *Store) Renew(ctx context.Context, lease *Lease, duration time.Duration) error {
	lease.mu.Lock()
	defer lease.mu.Unlock()
	expires := s.now().Add(duration)
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 key(lease.PoolID, lease.JobID),
		UpdateExpression:    aws.String("SET LeaseExpiresAt = :expires"),
		ConditionExpression: aws.String("LeaseToken = :token"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":expires": millis(expires),
			":token":   str(lease.token),
		},
	})
	if conditionFailed(err) {
		return ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("jobstore: renew %s: %w", lease.JobID, err)
	}
	lease.expiresAt = expires
	return nil
}

// Release gives the lease up, so that the next step can acquire it at once
// rather than when it expires.
func (s *Store) Release(ctx context.Context, lease *Lease) error {
	lease.mu.Lock()
	defer lease.mu.Unlock()
	return s.release(ctx, lease)
}

func (s *Store) release(ctx context.Context, lease *Lease) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(lease.PoolID, lease.JobID),
		UpdateExpression:          aws.String("REMOVE LeaseOwner, LeaseToken, LeaseExpiresAt"),
		ConditionExpression:       aws.String("LeaseToken = :token"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":token": str(lease.token)},
	})
	if conditionFailed(err) {
		return ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("jobstore: release %s: %w", lease.JobID, err)
	}
	return nil
}

// Checkpoint records a step under the lease, in one write: the counts are
// added to, the checkpoint replaced, the failures added to the sample while
// it has room. It returns the job as the write left it: a Status of
// Cancelled tells the worker to stop. ErrLeaseLost means another worker took
// the lease, and nothing was recorded.
func (s *Store) Checkpoint(ctx context.Context, lease *Lease, step Step) (Job, error) {
	lease.mu.Lock()
	defer lease.mu.Unlock()
	failures := step.Failures[:min(len(step.Failures), max(MaxFailures-lease.sampled, 0))]
	values := map[string]types.AttributeValue{
		":checkpoint": checkpointValue(step.Checkpoint),
		":scanned":    number(step.Delta.Scanned),
		":matched":    number(step.Delta.Matched),
		":done":       number(step.Delta.Done),
		":failed":     number(step.Delta.Failed),
		":skipped":    number(step.Delta.Skipped),
		":token":      str(lease.token),
		":running":    str(string(StatusRunning)),
		":cancelled":  str(string(StatusCancelled)),
	}
	set := ""
	if len(failures) > 0 {
		set += ", Failures = list_append(if_not_exists(Failures, :none), :failures)"
		values[":none"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
		values[":failures"] = failuresValue(failures)
	}
	if step.Rate > 0 {
		set += ", Rate = :rate"
		values[":rate"] = &types.AttributeValueMemberN{Value: strconv.FormatFloat(step.Rate, 'g', -1, 64)}
	}
	if !step.EstimatedEndAt.IsZero() {
		set += ", EstimatedEndAt = :estimated"
		values[":estimated"] = str(timestamp(step.EstimatedEndAt))
	}
	update := "SET #checkpoint = :checkpoint" + set + " ADD Scanned :scanned, Matched :matched, Done :done, Failed :failed, Skipped :skipped"
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(lease.PoolID, lease.JobID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("LeaseToken = :token AND #status IN (:running, :cancelled)"),
		ExpressionAttributeNames:  map[string]string{"#status": "Status", "#checkpoint": "Checkpoint"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		return Job{}, ErrLeaseLost
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobstore: checkpoint %s: %w", lease.JobID, err)
	}
	lease.sampled += len(failures)
	return record(out.Attributes)
}

// Finish ends a Running job as Succeeded or Failed and gives up the lease.
// Record the last step with Checkpoint first. A job cancelled meanwhile
// stays Cancelled: Finish releases the lease and answers ErrFinished.
func (s *Store) Finish(ctx context.Context, lease *Lease, status Status) (Job, error) {
	if status != StatusSucceeded && status != StatusFailed {
		return Job{}, fmt.Errorf("jobstore: finish %s as %q: a worker ends a job as Succeeded or Failed", lease.JobID, status)
	}
	lease.mu.Lock()
	defer lease.mu.Unlock()
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(lease.PoolID, lease.JobID),
		UpdateExpression:         aws.String("SET #status = :status, EndedAt = :now REMOVE LeaseOwner, LeaseToken, LeaseExpiresAt"),
		ConditionExpression:      aws.String("LeaseToken = :token AND #status = :running"),
		ExpressionAttributeNames: map[string]string{"#status": "Status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":status":  str(string(status)),
			":now":     str(timestamp(s.now())),
			":token":   str(lease.token),
			":running": str(string(StatusRunning)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		if releaseErr := s.release(ctx, lease); releaseErr != nil {
			return Job{}, releaseErr
		}
		job, err := s.Get(ctx, lease.PoolID, lease.JobID)
		if err != nil {
			return Job{}, err
		}
		return job, ErrFinished
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobstore: finish %s: %w", lease.JobID, err)
	}
	return record(out.Attributes)
}

// Cancel ends a Queued or Running job as Cancelled and returns it. A job
// already Cancelled is returned as it is; one that Succeeded or Failed is
// returned with ErrFinished, and is unchanged.
func (s *Store) Cancel(ctx context.Context, poolID, jobID string) (Job, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(poolID, jobID),
		UpdateExpression:         aws.String("SET #status = :cancelled, EndedAt = :now"),
		ConditionExpression:      aws.String("attribute_exists(JobId) AND #status IN (:queued, :running)"),
		ExpressionAttributeNames: map[string]string{"#status": "Status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":cancelled": str(string(StatusCancelled)),
			":now":       str(timestamp(s.now())),
			":queued":    str(string(StatusQueued)),
			":running":   str(string(StatusRunning)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		job, err := s.Get(ctx, poolID, jobID)
		if err != nil {
			return Job{}, err
		}
		if job.Status == StatusCancelled {
			return job, nil
		}
		return job, ErrFinished
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobstore: cancel %s: %w", jobID, err)
	}
	return record(out.Attributes)
}

func conditionFailed(err error) bool {
	var conditional *types.ConditionalCheckFailedException
	return errors.As(err, &conditional)
}
