package jobrun_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/jobrun"
	"github.com/acme/cognito-admin-gateway/internal/jobstore"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// rig is one moto serving Cognito, SQS and S3, a step queue and a bucket
// made as the local server makes them, and a worker polling the queue.
type rig struct {
	cognito *cip.Client
	s3      *s3.Client
	queue   jobrun.Queue
	store   jobrun.Store
	worker  *jobrun.Worker
	calls   *recorder
	pool    string
}

const testBucket = "jobs-test"

func newRig(t *testing.T, budget time.Duration) *rig {
	t.Helper()
	ctx := t.Context()
	cfg := mototest.Config(t, mototest.Start(t))
	r := &rig{
		cognito: cip.NewFromConfig(cfg),
		s3:      s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
	}
	table := jobstore.New(dynamodb.NewFromConfig(cfg), "jobs-test", time.Now)
	if err := table.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	r.store = jobrun.NewTable(table)
	sqsClient := sqs.NewFromConfig(cfg)
	url, err := jobrun.EnsureQueue(ctx, sqsClient, "jobs-test", 60)
	if err != nil {
		t.Fatal(err)
	}
	r.queue = jobrun.Queue{SQS: sqsClient, URL: url}
	if err := jobrun.EnsureBucket(ctx, r.s3, testBucket, 7); err != nil {
		t.Fatal(err)
	}
	pool, err := r.cognito.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	r.pool = aws.ToString(pool.UserPool.Id)
	// The worker's own clients record what it calls, as its IAM role
	// would see it; the queue's polling is SAM's event source in Lambda.
	r.calls = &recorder{actions: map[string]bool{}}
	workerCfg := cfg.Copy()
	workerCfg.APIOptions = append(workerCfg.APIOptions, r.calls.record)
	r.worker = jobrun.NewWorker(jobrun.Deps{
		Store:   jobrun.NewTable(jobstore.New(dynamodb.NewFromConfig(workerCfg), "jobs-test", time.Now)),
		Queue:   jobrun.Queue{SQS: sqs.NewFromConfig(workerCfg), URL: url},
		Cognito: cip.NewFromConfig(workerCfg),
		S3:      s3.NewFromConfig(workerCfg, func(o *s3.Options) { o.UsePathStyle = true }),
		Bucket:  testBucket, Limiter: quota.Only(nil), Owner: "test-worker", Budget: budget,
	})
	return r
}

// recorder collects the IAM actions of the SDK calls made through it.
type recorder struct {
	mu      sync.Mutex
	actions map[string]bool
}

func (r *recorder) record(stack *middleware.Stack) error {
	return stack.Serialize.Add(middleware.SerializeMiddlewareFunc("recordIAMAction",
		func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			r.mu.Lock()
			r.actions[jobrun.IAMAction(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))] = true
			r.mu.Unlock()
			return next.HandleSerialize(ctx, in)
		}), middleware.After)
}

// checkGranted fails on a call the worker made that its role, as
// jobrun.WorkerActions says, would refuse.
func (r *recorder) checkGranted(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	granted := append(slices.Clone(jobrun.WorkerActions), jobrun.WorkerCognitoActions...)
	for action := range r.actions {
		if !slices.Contains(granted, action) {
			t.Errorf("the worker called %s, which jobrun.WorkerActions does not grant", action)
		}
	}
	if len(r.actions) == 0 {
		t.Error("no call of the worker was recorded")
	}
}

// poll runs the worker on the queue until the test ends.
func (r *rig) poll(t *testing.T, run func(context.Context, jobrun.Step) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.queue.Poll(ctx, slog.New(slog.DiscardHandler), run)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// start queues a job's first step, as the API does.
func (r *rig) start(t *testing.T, job jobrun.Job) {
	t.Helper()
	job.PoolID, job.Status = r.pool, jobrun.Queued
	if _, err := r.store.Create(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if err := r.queue.Send(t.Context(), jobrun.Step{PoolID: r.pool, JobID: job.JobID}); err != nil {
		t.Fatal(err)
	}
}

// wait returns the job once it has ended.
func (r *rig) wait(t *testing.T, jobID string) jobrun.Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		job, err := r.store.Job(t.Context(), r.pool, jobID)
		if err != nil {
			t.Fatal(err)
		}
		if job.Status.Ended() {
			return job
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %s did not end within 2 minutes", jobID)
	return jobrun.Job{}
}

// createUsers makes n users user-000..., and puts every third in "gold"
// and every fifth in "staff".
func (r *rig) createUsers(t *testing.T, n int) map[string][]string {
	t.Helper()
	ctx := t.Context()
	for _, group := range []string{"gold", "staff"} {
		if _, err := r.cognito.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &r.pool, GroupName: aws.String(group)}); err != nil {
			t.Fatal(err)
		}
	}
	groups := map[string][]string{}
	for i := range n {
		name := fmt.Sprintf("user-%03d", i)
		if _, err := r.cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &r.pool, Username: &name}); err != nil {
			t.Fatal(err)
		}
		groups[name] = []string{}
		for _, g := range []struct {
			name  string
			every int
		}{{"gold", 3}, {"staff", 5}} {
			if i%g.every != 0 {
				continue
			}
			if _, err := r.cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &r.pool, Username: &name, GroupName: aws.String(g.name)}); err != nil {
				t.Fatal(err)
			}
			groups[name] = append(groups[name], g.name)
		}
	}
	return groups
}

// exported reads an jobrun.NDJSON export back, failing on a user seen twice.
func (r *rig) exported(t *testing.T, key string) map[string]jobrun.User {
	t.Helper()
	object, err := r.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	defer object.Body.Close()
	users := map[string]jobrun.User{}
	lines := bufio.NewScanner(object.Body)
	for lines.Scan() {
		var user jobrun.User
		if err := json.Unmarshal(lines.Bytes(), &user); err != nil {
			t.Fatalf("line %q: %v", lines.Text(), err)
		}
		if _, twice := users[user.Username]; twice {
			t.Errorf("%s is in the export twice", user.Username)
		}
		users[user.Username] = user
	}
	return users
}

func checkExport(t *testing.T, got map[string]jobrun.User, want map[string][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d users exported, want %d", len(got), len(want))
	}
	for name, groups := range want {
		user, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is missing from the export", name)
		case !slices.Equal(slices.Sorted(slices.Values(user.Groups)), groups):
			t.Errorf("%s: groups %v, want %v", name, user.Groups, groups)
		case !user.Enabled || user.UserStatus == "" || user.UserCreateDate.IsZero() || user.Attributes["sub"] == "":
			t.Errorf("%s: incomplete: %+v", name, user)
		}
	}
}

func TestExportWritesEachUserOnceWithTheirGroups(t *testing.T) {
	// A budget this short ends each step after one page: the export of
	// 300 users takes 5 steps through the queue, and a last one.
	r := newRig(t, time.Nanosecond)
	want := r.createUsers(t, 300)
	r.poll(t, r.worker.Run)
	r.start(t, jobrun.Job{JobID: "export-1", Type: "export", Format: jobrun.NDJSON})

	job := r.wait(t, "export-1")
	if job.Status != jobrun.Succeeded {
		t.Fatalf("job %s: %+v", job.Status, job.Failures)
	}
	if job.Counts != (jobrun.Counts{Scanned: 300, Matched: 300, Done: 300}) || job.Step != 5 {
		t.Errorf("counts %+v after %d steps, want 300 scanned, matched and done after 5", job.Counts, job.Step)
	}
	checkExport(t, r.exported(t, jobrun.ResultKey(job)), want)
	r.calls.checkGranted(t)
}

// TestExportStepRedeliveredAfterACrashWritesNoUserTwice: a worker that
// dies after writing a page but before its checkpoint leaves the step to
// SQS, which delivers it again; the page is written again, to the same
// part, and the export still has each user once.
func TestExportStepRedeliveredAfterACrashWritesNoUserTwice(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	want := r.createUsers(t, 150)
	var failed atomic.Bool
	deps := r.worker.Deps
	deps.Store = failingSave{Store: r.store, fail: func(job jobrun.Job) error {
		if job.Step == 2 && failed.CompareAndSwap(false, true) {
			return errors.New("the worker died before its checkpoint")
		}
		return nil
	}}
	r.poll(t, jobrun.NewWorker(deps).Run)
	r.start(t, jobrun.Job{JobID: "export-2", Type: "export", Format: jobrun.NDJSON})

	job := r.wait(t, "export-2")
	if job.Status != jobrun.Succeeded || !failed.Load() {
		t.Fatalf("job %s, checkpoint failed: %v", job.Status, failed.Load())
	}
	if job.Counts.Done != 150 {
		t.Errorf("%d users counted done, want 150", job.Counts.Done)
	}
	checkExport(t, r.exported(t, jobrun.ResultKey(job)), want)
}

func TestExportWritesOnlyTheUsersTheFilterSelects(t *testing.T) {
	r := newRig(t, time.Minute)
	all := r.createUsers(t, 30)
	want := map[string][]string{}
	for name, groups := range all {
		if slices.Contains(groups, "staff") && name != "user-010" {
			want[name] = groups
		}
	}
	r.poll(t, r.worker.Run)
	r.start(t, jobrun.Job{JobID: "export-3", Type: "export", Format: jobrun.NDJSON,
		Filter: `groups eq "STAFF" and not (username eq "user-010")`})

	job := r.wait(t, "export-3")
	if job.Status != jobrun.Succeeded {
		t.Fatalf("job %s: %+v", job.Status, job.Failures)
	}
	if job.Counts != (jobrun.Counts{Scanned: 30, Matched: int64(len(want)), Done: int64(len(want))}) {
		t.Errorf("counts %+v, want 30 scanned and %d matched and done", job.Counts, len(want))
	}
	checkExport(t, r.exported(t, jobrun.ResultKey(job)), want)
}

// failingSave is a Store whose Save fails when fail says so, as a worker
// that dies before its checkpoint would leave it.
type failingSave struct {
	jobrun.Store
	fail func(jobrun.Job) error
}

func (f failingSave) Save(ctx context.Context, owner string, job jobrun.Job) error {
	if err := f.fail(job); err != nil {
		return err
	}
	return f.Store.Save(ctx, owner, job)
}

// TestCSVExportFollowsGetCSVHeader: a CSV export is in the column order
// GetCSVHeader gives, with the verified columns true or false as an import
// job requires, so that the file feeds one as it is. moto has no
// GetCSVHeader: Cognito is the stand-in here, the rest moto.
func TestCSVExportFollowsGetCSVHeader(t *testing.T) {
	r := newRig(t, time.Minute)
	stub := cognitotest.New(t)
	stub.Handle("GetCSVHeader", cognitotest.Reply(map[string]any{"CSVHeader": []string{
		"name", "email", "email_verified", "phone_number_verified", "custom:tier", "cognito:mfa_enabled", "cognito:username"}}))
	stub.Handle("ListUsers", cognitotest.Reply(map[string]any{"Users": []map[string]any{
		{"Username": "ann", "Enabled": true, "UserStatus": "CONFIRMED"},
		{"Username": "bob", "Enabled": true, "UserStatus": "CONFIRMED"},
	}}))
	stub.Handle("AdminGetUser", func(input map[string]any) (int, any) {
		user := map[string]any{"Username": input["Username"], "Enabled": true, "UserStatus": "CONFIRMED",
			"UserAttributes": []map[string]string{{"Name": "email", "Value": input["Username"].(string) + "@example.com"}}}
		if input["Username"] == "ann" {
			user["UserAttributes"] = append(user["UserAttributes"].([]map[string]string),
				map[string]string{"Name": "email_verified", "Value": "true"},
				map[string]string{"Name": "name", "Value": "Ann, the first"},
				map[string]string{"Name": "custom:tier", "Value": "gold"})
			user["UserMFASettingList"] = []string{"SMS_MFA"}
		}
		return http.StatusOK, user
	})
	stub.Handle("AdminListGroupsForUser", cognitotest.Reply(map[string]any{"Groups": []any{}}))
	deps := r.worker.Deps
	deps.Cognito = stub.Client()
	r.poll(t, jobrun.NewWorker(deps).Run)
	r.start(t, jobrun.Job{JobID: "export-csv", Type: "export", Format: jobrun.CSV})

	job := r.wait(t, "export-csv")
	if job.Status != jobrun.Succeeded {
		t.Fatalf("job %s: %+v", job.Status, job.Failures)
	}
	object, err := r.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(jobrun.ResultKey(job))})
	if err != nil {
		t.Fatal(err)
	}
	defer object.Body.Close()
	raw, _ := io.ReadAll(object.Body)
	want := `name,email,email_verified,phone_number_verified,custom:tier,cognito:mfa_enabled,cognito:username
"Ann, the first",ann@example.com,true,false,gold,true,ann
,bob@example.com,false,false,,false,bob
`
	if string(raw) != want {
		t.Errorf("the CSV is\n%s\nwant\n%s", raw, want)
	}
}

// TestStepFailingOnItsLastDeliveryFailsTheJob: SQS moves a step to the
// dead-letter queue after its fifth delivery, and no step would be left to
// end the job; so a step that fails on that delivery ends the job Failed,
// with the reason, instead of leaving it Running for ever.
func TestStepFailingOnItsLastDeliveryFailsTheJob(t *testing.T) {
	r := newRig(t, time.Minute)
	stub := cognitotest.New(t)
	stub.Handle("ListUsers", cognitotest.Fail(http.StatusInternalServerError, "InternalErrorException", "try again"))
	deps := r.worker.Deps
	deps.Cognito = stub.Client()
	handle := jobrun.HandleSQS(jobrun.NewWorker(deps).Run, slog.New(slog.DiscardHandler))
	r.start(t, jobrun.Job{JobID: "doomed", Type: "export", Format: jobrun.NDJSON})
	deliver := func(count string) events.SQSEventResponse {
		t.Helper()
		response, err := handle(t.Context(), events.SQSEvent{Records: []events.SQSMessage{{
			MessageId: "m-" + count, Body: fmt.Sprintf(`{"PoolId":%q,"JobId":"doomed","Step":0}`, r.pool),
			Attributes: map[string]string{"ApproximateReceiveCount": count},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		return response
	}

	if response := deliver("4"); len(response.BatchItemFailures) != 1 {
		t.Errorf("the fourth delivery's failure was not reported: %+v", response)
	}
	if job, _ := r.store.Job(t.Context(), r.pool, "doomed"); job.Status != jobrun.Running {
		t.Errorf("after a failed delivery that SQS will repeat, the job is %s, want Running", job.Status)
	}
	if response := deliver("5"); len(response.BatchItemFailures) != 0 {
		t.Errorf("the last delivery was reported failed, and would go to the dead-letter queue: %+v", response)
	}
	job, err := r.store.Job(t.Context(), r.pool, "doomed")
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != jobrun.Failed || len(job.Failures) != 1 || !strings.Contains(job.Failures[0].Reason, "5 deliveries") {
		t.Errorf("after the last delivery the job is %s with failures %+v, want Failed with the reason", job.Status, job.Failures)
	}
}
