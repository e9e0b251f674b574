package jobstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

// clock is a worker's clock, moved by the test instead of waited for.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var start = time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)

// TestStore runs each behaviour of the store against one moto, each on a
// table of its own: a moto costs seconds to start, a table nothing.
func TestStore(t *testing.T) {
	client := dynamodb.NewFromConfig(mototest.Config(t, mototest.Start(t)))
	behaviours := []struct {
		name string
		test func(t *testing.T, client *dynamodb.Client, table string)
	}{
		{"EnsureTableCreatesAMissingTableAndKeepsAnExistingOne", testEnsureTableCreatesAMissingTableAndKeepsAnExistingOne},
		{"CreateStoresAQueuedJobOnceAndGetReadsItBack", testCreateStoresAQueuedJobOnceAndGetReadsItBack},
		{"ListGivesAPoolsJobsNewestFirstInPages", testListGivesAPoolsJobsNewestFirstInPages},
		{"ASecondOwnerCannotAcquireALiveLeaseAndTheFirstLosesAnExpiredOne", testASecondOwnerCannotAcquireALiveLeaseAndTheFirstLosesAnExpiredOne},
		{"AReleasedLeaseIsAcquiredAtOnceAndResumesFromTheCheckpoint", testAReleasedLeaseIsAcquiredAtOnceAndResumesFromTheCheckpoint},
		{"CountersAddUpUnderConcurrentCheckpointsAndTheFailureSampleStaysBounded", testCountersAddUpUnderConcurrentCheckpointsAndTheFailureSampleStaysBounded},
		{"CancelEndsAQueuedOrRunningJobAndNeverAFinishedOne", testCancelEndsAQueuedOrRunningJobAndNeverAFinishedOne},
		{"FinishRefusesAStatusThatIsNotAWorkersToGive", testFinishRefusesAStatusThatIsNotAWorkersToGive},
	}
	for i, b := range behaviours {
		t.Run(b.name, func(t *testing.T) {
			table := fmt.Sprintf("jobs-%d", i)
			if b.name != "EnsureTableCreatesAMissingTableAndKeepsAnExistingOne" {
				if err := New(client, table, time.Now).EnsureTable(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			b.test(t, client, table)
		})
	}
}

func newStore(client *dynamodb.Client, table string) (*Store, *clock) {
	c := &clock{now: start}
	return New(client, table, c.Now), c
}

func testEnsureTableCreatesAMissingTableAndKeepsAnExistingOne(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	store := New(client, table, time.Now)
	if _, err := store.Get(ctx, "pool", "job"); err == nil {
		t.Fatal("Get before EnsureTable succeeded: the table exists already")
	}
	if err := store.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	job, err := store.Create(ctx, Job{PoolID: "pool", Type: "export"})
	if err != nil {
		t.Fatal(err)
	}
	// A second process starting against the same table leaves it, and its
	// jobs, as they are.
	if err := New(client, table, time.Now).EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "pool", job.JobID); err != nil {
		t.Errorf("the job is gone after a second EnsureTable: %v", err)
	}
	described, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(schema []types.KeySchemaElement) (s []string) {
		for _, k := range schema {
			s = append(s, *k.AttributeName+" "+string(k.KeyType))
		}
		return s
	}
	if got, want := keys(described.Table.KeySchema), keys(TableDefinition(table).KeySchema); !slices.Equal(got, want) {
		t.Errorf("key schema %q, want %q", got, want)
	}
}

func testCreateStoresAQueuedJobOnceAndGetReadsItBack(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	store, _ := newStore(client, table)

	created, err := store.Create(ctx, Job{
		PoolID: "us-east-1_A", Type: "add-to-group", Filter: `custom:tier eq "gold"`,
		GroupName: "vip", Format: "ndjson", Source: "s3://bucket/export.csv",
		// What a client cannot set: the store starts every job afresh.
		Status: StatusSucceeded, Counts: Counts{Done: 9}, Failures: []Failure{{Username: "x"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != StatusQueued || created.JobID == "" || !created.CreatedAt.Equal(start) || created.Counts != (Counts{}) {
		t.Errorf("Create = %+v, want a Queued job with a JobId, created now, with no counts", created)
	}
	got, err := store.Get(ctx, "us-east-1_A", created.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", created) {
		t.Errorf("Get = %+v\nwant %+v", got, created)
	}

	if _, err := store.Create(ctx, Job{PoolID: "us-east-1_A", JobID: created.JobID, Type: "delete"}); !errors.Is(err, ErrExists) {
		t.Errorf("Create of a taken JobId: %v, want ErrExists", err)
	}
	if again, _ := store.Get(ctx, "us-east-1_A", created.JobID); again.Type != "add-to-group" {
		t.Errorf("the job became a %s job", again.Type)
	}
	if _, err := store.Get(ctx, "us-east-1_B", created.JobID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get in another pool: %v, want ErrNotFound", err)
	}
}

func TestJobAnswersWithTheIssuesMembers(t *testing.T) {
	job := Job{PoolID: "p", JobID: "j", Type: "export", Status: StatusRunning, CreatedAt: start, StartedAt: start, Failures: []Failure{}}
	body, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"JobId":"j","Type":"export","Status":"Running","Counts":{"Scanned":0,"Matched":0,"Done":0,"Failed":0,"Skipped":0},"Rate":0,"CreatedAt":"2026-11-29T15:00:00Z","StartedAt":"2026-11-29T15:00:00Z","Failures":[]}`
	if string(body) != want {
		t.Errorf("JSON %s\nwant %s", body, want)
	}
}

func testListGivesAPoolsJobsNewestFirstInPages(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	store, clock := newStore(client, table)
	var made []string
	for i := range 5 {
		job, err := store.Create(ctx, Job{PoolID: "us-east-1_A", Type: "export"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, job.JobID)
		if _, err := store.Create(ctx, Job{PoolID: fmt.Sprintf("us-east-1_other%d", i), Type: "export"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Millisecond)
	}
	slices.Reverse(made)

	var listed []string
	token := ""
	pages := 0
	for {
		jobs, next, err := store.List(ctx, "us-east-1_A", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(jobs) > 2 {
			t.Errorf("a page of %d jobs, past the limit of 2", len(jobs))
		}
		for _, job := range jobs {
			listed = append(listed, job.JobID)
		}
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(listed, made) {
		t.Errorf("List gave %q, want %q, newest first", listed, made)
	}
	if pages < 3 {
		t.Errorf("5 jobs came in %d pages of 2", pages)
	}

	_, next, err := store.List(ctx, "us-east-1_A", 2, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{next + "x", "not a token", strings.Repeat("A", 40)} {
		if _, _, err := store.List(ctx, "us-east-1_A", 2, bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("List with token %q: %v, want ErrBadToken", bad, err)
		}
	}
	if _, _, err := store.List(ctx, "us-east-1_other0", 2, next); !errors.Is(err, ErrBadToken) {
		t.Errorf("List of another pool with this pool's token: %v, want ErrBadToken", err)
	}
}

func testASecondOwnerCannotAcquireALiveLeaseAndTheFirstLosesAnExpiredOne(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	first, firstClock := newStore(client, table)
	second, secondClock := newStore(client, table)
	job, err := first.Create(ctx, Job{PoolID: "p", Type: "disable"})
	if err != nil {
		t.Fatal(err)
	}

	lease, running, err := first.Acquire(ctx, "p", job.JobID, "worker-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if running.Status != StatusRunning || !running.StartedAt.Equal(start) || !lease.ExpiresAt().Equal(start.Add(time.Minute)) {
		t.Errorf("Acquire = %+v, %v, want a Running job started now, leased for a minute", running, lease.ExpiresAt())
	}
	if _, _, err := second.Acquire(ctx, "p", job.JobID, "worker-2", time.Minute); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("a second owner's Acquire of a live lease: %v, want ErrLeaseHeld", err)
	}
	if _, _, err := first.Acquire(ctx, "p", job.JobID, "worker-1", time.Minute); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("a second Acquire by the same owner: %v, want ErrLeaseHeld", err)
	}
	if _, _, err := second.Acquire(ctx, "p", "no-such-job", "worker-2", time.Minute); !errors.Is(err, ErrNotFound) {
		t.Errorf("Acquire of a missing job: %v, want ErrNotFound", err)
	}

	// A renewal keeps the lease past its first term.
	firstClock.Advance(50 * time.Second)
	if err := first.Renew(ctx, lease, time.Minute); err != nil {
		t.Fatal(err)
	}
	secondClock.Advance(70 * time.Second)
	if _, _, err := second.Acquire(ctx, "p", job.JobID, "worker-2", time.Minute); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("Acquire of a renewed lease: %v, want ErrLeaseHeld", err)
	}

	// The first worker stalls past its lease; the second takes the job over.
	secondClock.Advance(41 * time.Second)
	taken, resumed, err := second.Acquire(ctx, "p", job.JobID, "worker-2", time.Minute)
	if err != nil {
		t.Fatalf("Acquire of an expired lease: %v", err)
	}
	if !resumed.StartedAt.Equal(start) {
		t.Errorf("StartedAt moved to %v when the job changed hands", resumed.StartedAt)
	}
	if _, err := first.Checkpoint(ctx, lease, Step{Delta: Counts{Done: 1}}); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Checkpoint under a lost lease: %v, want ErrLeaseLost", err)
	}
	if err := first.Renew(ctx, lease, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Renew of a lost lease: %v, want ErrLeaseLost", err)
	}
	if err := first.Release(ctx, lease); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Release of a lost lease: %v, want ErrLeaseLost", err)
	}
	if _, err := first.Finish(ctx, lease, StatusSucceeded); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Finish under a lost lease: %v, want ErrLeaseLost", err)
	}
	after, err := second.Checkpoint(ctx, taken, Step{Delta: Counts{Done: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if after.Counts.Done != 2 || after.Status != StatusRunning {
		t.Errorf("after the lost lease's writes: %+v, want Done 2 and Running", after)
	}
}

func testAReleasedLeaseIsAcquiredAtOnceAndResumesFromTheCheckpoint(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	first, _ := newStore(client, table)
	second, _ := newStore(client, table)
	job, err := first.Create(ctx, Job{PoolID: "p", Type: "export"})
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := first.Acquire(ctx, "p", job.JobID, "worker-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := Checkpoint{Phase: "users", PageToken: "token+/=", PageDone: []string{"ana", "ben"}, Data: `{"UploadId":"u"}`}
	estimated := start.Add(time.Hour)
	if _, err := first.Checkpoint(ctx, lease, Step{
		Checkpoint: checkpoint, Delta: Counts{Scanned: 60, Matched: 2, Done: 2},
		Rate: 12.5, EstimatedEndAt: estimated,
	}); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(ctx, lease); err != nil {
		t.Fatal(err)
	}

	_, resumed, err := second.Acquire(ctx, "p", job.JobID, "worker-2", time.Minute)
	if err != nil {
		t.Fatalf("Acquire of a released lease: %v", err)
	}
	if fmt.Sprintf("%+v", resumed.Checkpoint) != fmt.Sprintf("%+v", checkpoint) {
		t.Errorf("resumed from %+v, want %+v", resumed.Checkpoint, checkpoint)
	}
	if resumed.Counts != (Counts{Scanned: 60, Matched: 2, Done: 2}) || resumed.Rate != 12.5 || !resumed.EstimatedEndAt.Equal(estimated) {
		t.Errorf("resumed with %+v, rate %v, estimated end %v", resumed.Counts, resumed.Rate, resumed.EstimatedEndAt)
	}
}

func testCountersAddUpUnderConcurrentCheckpointsAndTheFailureSampleStaysBounded(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	store, _ := newStore(client, table)
	job, err := store.Create(ctx, Job{PoolID: "p", Type: "delete"})
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := store.Acquire(ctx, "p", job.JobID, "worker", time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	const steps = 30
	var wg sync.WaitGroup
	errs := make(chan error, steps)
	for i := range steps {
		wg.Go(func() {
			_, err := store.Checkpoint(ctx, lease, Step{
				Checkpoint: Checkpoint{PageToken: fmt.Sprint(i)},
				Delta:      Counts{Scanned: 60, Matched: 3, Done: 2, Failed: 1, Skipped: 1},
				Failures:   []Failure{{Username: fmt.Sprintf("user-%d", i), Code: "UserNotFoundException", Message: "gone"}},
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	got, err := store.Get(ctx, "p", job.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Scanned: 60 * steps, Matched: 3 * steps, Done: 2 * steps, Failed: steps, Skipped: steps}); got.Counts != want {
		t.Errorf("counts %+v, want %+v", got.Counts, want)
	}
	if len(got.Failures) != MaxFailures {
		t.Errorf("%d failures in the sample, want %d", len(got.Failures), MaxFailures)
	}

	// A lease acquired again knows how full the sample is.
	if err := store.Release(ctx, lease); err != nil {
		t.Fatal(err)
	}
	again, _, err := store.Acquire(ctx, "p", job.JobID, "worker", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	after, err := store.Checkpoint(ctx, again, Step{Failures: []Failure{{Username: "one-more"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Failures) != MaxFailures {
		t.Errorf("%d failures in the sample after a new lease, want %d", len(after.Failures), MaxFailures)
	}
}

func testCancelEndsAQueuedOrRunningJobAndNeverAFinishedOne(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	api, apiClock := newStore(client, table)
	worker, _ := newStore(client, table)
	apiClock.Advance(time.Minute)

	queued, err := api.Create(ctx, Job{PoolID: "p", Type: "delete"})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := api.Cancel(ctx, "p", queued.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Status != StatusCancelled || !cancelled.EndedAt.Equal(start.Add(time.Minute)) {
		t.Errorf("Cancel of a queued job = %+v, want Cancelled, ended now", cancelled)
	}
	// Cancelling again answers the same: DELETE is idempotent.
	if again, err := api.Cancel(ctx, "p", queued.JobID); err != nil || again.Status != StatusCancelled {
		t.Errorf("a second Cancel = %+v, %v, want the cancelled job", again, err)
	}
	if _, _, err := worker.Acquire(ctx, "p", queued.JobID, "worker", time.Minute); !errors.Is(err, ErrFinished) {
		t.Errorf("Acquire of a cancelled job: %v, want ErrFinished", err)
	}
	if _, err := api.Cancel(ctx, "p", "no-such-job"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel of a missing job: %v, want ErrNotFound", err)
	}

	// A running job: the worker's checkpoint still lands, tells it to stop,
	// and Finish leaves the job Cancelled.
	running, err := api.Create(ctx, Job{PoolID: "p", Type: "disable"})
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := worker.Acquire(ctx, "p", running.JobID, "worker", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Cancel(ctx, "p", running.JobID); err != nil {
		t.Fatal(err)
	}
	seen, err := worker.Checkpoint(ctx, lease, Step{Delta: Counts{Done: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Status != StatusCancelled || seen.Counts.Done != 7 {
		t.Errorf("Checkpoint after Cancel = %+v, want Cancelled with Done 7", seen)
	}
	ended, err := worker.Finish(ctx, lease, StatusSucceeded)
	if !errors.Is(err, ErrFinished) || ended.Status != StatusCancelled {
		t.Errorf("Finish of a cancelled job = %+v, %v, want it Cancelled and ErrFinished", ended, err)
	}
	if err := worker.Release(ctx, lease); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("the lease is still held after Finish of a cancelled job: Release = %v", err)
	}

	// A finished job cannot be cancelled, and is left as it ended.
	done, err := api.Create(ctx, Job{PoolID: "p", Type: "export"})
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err = worker.Acquire(ctx, "p", done.JobID, "worker", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	succeeded, err := worker.Finish(ctx, lease, StatusSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	if succeeded.Status != StatusSucceeded || succeeded.EndedAt.IsZero() {
		t.Errorf("Finish = %+v, want Succeeded with an end", succeeded)
	}
	refused, err := api.Cancel(ctx, "p", done.JobID)
	if !errors.Is(err, ErrFinished) || refused.Status != StatusSucceeded || !refused.EndedAt.Equal(succeeded.EndedAt) {
		t.Errorf("Cancel of a succeeded job = %+v, %v, want it unchanged and ErrFinished", refused, err)
	}
	if _, _, err := worker.Acquire(ctx, "p", done.JobID, "worker", time.Minute); !errors.Is(err, ErrFinished) {
		t.Errorf("Acquire of a succeeded job: %v, want ErrFinished", err)
	}
}

func testFinishRefusesAStatusThatIsNotAWorkersToGive(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	store, _ := newStore(client, table)
	job, err := store.Create(ctx, Job{PoolID: "p", Type: "export"})
	if err != nil {
		t.Fatal(err)
	}
	lease, _, err := store.Acquire(ctx, "p", job.JobID, "worker", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []Status{StatusCancelled, StatusQueued, StatusRunning, "Done"} {
		if _, err := store.Finish(ctx, lease, status); err == nil {
			t.Errorf("Finish as %q succeeded", status)
		}
	}
	if got, _ := store.Get(ctx, "p", job.JobID); got.Status != StatusRunning {
		t.Errorf("the job is %s, want still Running", got.Status)
	}
}
