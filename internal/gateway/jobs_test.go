package gateway

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/cognito-admin-gateway/internal/jobrun"
	"github.com/acme/cognito-admin-gateway/internal/jobstore"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// jobsRig is a gateway with jobs in front of one moto that serves Cognito,
// SQS and S3, and a worker that runs the queued steps when told to poll.
type jobsRig struct {
	*motoGateway
	service *jobrun.Service
	worker  *jobrun.Worker
	pool    string
}

func startJobsGateway(t *testing.T) *jobsRig {
	t.Helper()
	ctx := t.Context()
	endpoint := mototest.Start(t)
	cfg := mototest.Config(t, endpoint)
	direct := cip.NewFromConfig(cfg)
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	sqsClient := sqs.NewFromConfig(cfg)
	url, err := jobrun.EnsureQueue(ctx, sqsClient, "jobs", 60)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobrun.EnsureBucket(ctx, s3Client, "jobs", 1); err != nil {
		t.Fatal(err)
	}
	table := jobstore.New(dynamodb.NewFromConfig(cfg), "jobs", time.Now)
	if err := table.EnsureTable(ctx); err != nil {
		t.Fatal(err)
	}
	store := jobrun.NewTable(table)
	queue := jobrun.Queue{SQS: sqsClient, URL: url}
	service := &jobrun.Service{Store: store, Queue: queue, S3: s3Client, Bucket: "jobs", Cognito: direct}
	pool, err := direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	return &jobsRig{
		motoGateway: serveMoto(t, endpoint, direct, Options{Jobs: service}),
		service:     service,
		worker: jobrun.NewWorker(jobrun.Deps{Store: store, Queue: queue, Cognito: direct, S3: s3Client,
			Bucket: "jobs", Limiter: quota.Only(nil), Owner: "test"}),
		pool: aws.ToString(pool.UserPool.Id),
	}
}

// poll runs the worker on the queue until the test ends.
func (r *jobsRig) poll(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.service.Queue.Poll(ctx, slog.New(slog.DiscardHandler), r.worker.Run)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// userJob is a job as the API answers with it.
type userJob struct {
	JobId, Type, Status, Filter, Format, ResultUrl string
	Counts                                         map[string]int
}

func TestExportJobThroughTheAPI(t *testing.T) {
	r := startJobsGateway(t)
	ctx := t.Context()
	if _, err := r.Direct.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &r.pool, GroupName: aws.String("staff")}); err != nil {
		t.Fatal(err)
	}
	staff := 0
	for i := range 20 {
		name := fmt.Sprintf("user-%02d", i)
		if _, err := r.Direct.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &r.pool, Username: &name}); err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 {
			staff++
			if _, err := r.Direct.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &r.pool, Username: &name, GroupName: aws.String("staff")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	jobs := "/pools/" + r.pool + "/jobs"
	request := `{"Type": "export", "Filter": "groups eq \"STAFF\""}`

	t.Run("a dry run counts and samples, and starts nothing", func(t *testing.T) {
		var estimate struct {
			Count   int
			Method  string
			Sample  []string
			Scanned int
		}
		expect(t, r.do(t, "POST", jobs+"?dryRun=true", request, nil, &estimate), http.StatusOK)
		if estimate.Count != staff || estimate.Method != "counted" || len(estimate.Sample) != staff || estimate.Scanned != 20 {
			t.Errorf("dry run %+v, want %d counted of 20, all in the sample", estimate, staff)
		}
		var list struct{ Jobs []userJob }
		expect(t, r.do(t, "GET", jobs, "", nil, &list), http.StatusOK)
		if len(list.Jobs) != 0 {
			t.Errorf("a dry run left jobs: %+v", list.Jobs)
		}
	})

	t.Run("a filter that does not parse is a 400 at /Filter", func(t *testing.T) {
		var p struct {
			Errors []struct{ Pointer, Message string }
		}
		expect(t, r.do(t, "POST", jobs, `{"Type": "export", "Filter": "groups eq"}`, nil, &p), http.StatusBadRequest)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/Filter" {
			t.Errorf("errors %+v, want one at /Filter", p.Errors)
		}
	})

	t.Run("an export runs to its file", func(t *testing.T) {
		r.poll(t)
		var job userJob
		resp := r.do(t, "POST", jobs, request, nil, &job)
		expect(t, resp, http.StatusAccepted)
		location := resp.Header.Get("Location")
		if location != jobs+"/"+job.JobId || job.Status != "Queued" || job.Format != "ndjson" {
			t.Fatalf("Location %q, job %+v", location, job)
		}
		deadline := time.Now().Add(time.Minute)
		for job.Status != "Succeeded" && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			expect(t, r.do(t, "GET", location, "", nil, &job), http.StatusOK)
		}
		if job.Status != "Succeeded" || job.Counts["Done"] != staff || job.Counts["Scanned"] != 20 {
			t.Fatalf("job %+v, want Succeeded with %d done of 20", job, staff)
		}
		file, err := http.Get(job.ResultUrl)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Body.Close()
		lines := 0
		for scanner := bufio.NewScanner(file.Body); scanner.Scan(); lines++ {
			if !strings.Contains(scanner.Text(), `"Groups":["staff"]`) {
				t.Errorf("exported %s", scanner.Text())
			}
		}
		if file.StatusCode != http.StatusOK || lines != staff {
			t.Errorf("the ResultUrl answered %d with %d lines, want 200 with %d", file.StatusCode, lines, staff)
		}
		var done userJob
		expect(t, r.do(t, "DELETE", location, "", nil, nil), http.StatusConflict)
		expect(t, r.do(t, "GET", location, "", nil, &done), http.StatusOK)
		if done.Status != "Succeeded" {
			t.Errorf("a refused cancel changed the job to %s", done.Status)
		}
	})
}

func TestCancelledJobIsNeverRun(t *testing.T) {
	r := startJobsGateway(t)
	jobs := "/pools/" + r.pool + "/jobs"
	var first, second userJob
	expect(t, r.do(t, "POST", jobs, `{"Type": "export"}`, nil, &first), http.StatusAccepted)
	time.Sleep(2 * time.Millisecond) // a JobId begins with its creation time, to the millisecond
	expect(t, r.do(t, "POST", jobs, `{"Type": "export", "Format": "csv"}`, nil, &second), http.StatusAccepted)

	var cancelled userJob
	expect(t, r.do(t, "DELETE", jobs+"/"+first.JobId, "", nil, &cancelled), http.StatusOK)
	expect(t, r.do(t, "DELETE", jobs+"/"+first.JobId, "", nil, nil), http.StatusOK)
	if cancelled.Status != "Cancelled" {
		t.Errorf("DELETE answered %s, want Cancelled", cancelled.Status)
	}
	// The first job's step is still queued: the worker drops it.
	if err := r.worker.Run(t.Context(), jobrun.Step{PoolID: r.pool, JobID: first.JobId}); err != nil {
		t.Fatal(err)
	}
	var got userJob
	expect(t, r.do(t, "GET", jobs+"/"+first.JobId, "", nil, &got), http.StatusOK)
	if got.Status != "Cancelled" || got.ResultUrl != "" {
		t.Errorf("the cancelled job became %+v", got)
	}

	var page struct {
		Jobs      []userJob
		NextToken string
	}
	resp := r.do(t, "GET", jobs+"?Limit=1", "", nil, &page)
	expect(t, resp, http.StatusOK)
	if len(page.Jobs) != 1 || page.Jobs[0].JobId != second.JobId || page.NextToken == "" || resp.Header.Get("Link") == "" {
		t.Fatalf("first page %+v, want the newest job and a next page", page)
	}
	next := page.NextToken
	page.Jobs, page.NextToken = nil, ""
	expect(t, r.do(t, "GET", jobs+"?Limit=1&NextToken="+next, "", nil, &page), http.StatusOK)
	if len(page.Jobs) != 1 || page.Jobs[0].JobId != first.JobId || page.NextToken != "" {
		t.Errorf("second page %+v, want the older job and no next page", page)
	}
	expect(t, r.do(t, "GET", jobs+"/20260101000000000-0000000000000000", "", nil, nil), http.StatusNotFound)
}

// TestJobsTableFailureIsA500WithoutItsCause: a failure of the jobs table
// is the gateway's, not Cognito's: DynamoDB's ResourceNotFoundException
// for a missing table must not pass for a missing pool's 404.
func TestJobsTableFailureIsA500WithoutItsCause(t *testing.T) {
	endpoint := mototest.Start(t)
	cfg := mototest.Config(t, endpoint)
	service := &jobrun.Service{Store: jobrun.NewTable(jobstore.New(dynamodb.NewFromConfig(cfg), "no-such-table", time.Now))}
	m := serveMoto(t, endpoint, cip.NewFromConfig(cfg), Options{Jobs: service})
	var p struct{ Code, Detail string }
	expect(t, m.do(t, "GET", "/pools/us-east-1_EXAMPLE/jobs", "", nil, &p), http.StatusInternalServerError)
	if p.Code != "InternalError" || strings.Contains(p.Detail, "no-such-table") {
		t.Errorf("answered %+v", p)
	}
}
