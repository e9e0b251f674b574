package gateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/cursor"
	"github.com/acme/cognito-admin-gateway/internal/jobrun"
	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// User jobs: the routes record, read and cancel jobs in the jobs table and
// queue their first step (package jobrun); a worker does the work. Only a
// dry run calls Cognito, through the gateway's own pacing.

// The problem codes of the jobs routes.
const (
	codeJobsUnavailable = "JobsUnavailable"
	codeJobNotFound     = "JobNotFound"
	codeJobEnded        = "JobEnded"
)

func jobs(g *Gateway) (*jobrun.Service, error) {
	if g.opts.Jobs == nil {
		return nil, problem.New(http.StatusServiceUnavailable, codeJobsUnavailable,
			"This gateway runs no jobs: it has no jobs table, queue and bucket configured.")
	}
	return g.opts.Jobs, nil
}

// startJob is POST: the job, queued (202), or with dryRun=true the users it
// would touch (200).
func startJob(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	service, err := jobs(g)
	if err != nil {
		return nil, err
	}
	request := jobrun.Request{}
	request.Type, _ = c.body["Type"].(string)
	request.Filter, _ = c.body["Filter"].(string)
	request.Format, _ = c.body["Format"].(string)
	poolID := c.path["poolId"]
	if dry, _ := strconv.ParseBool(c.query.Get("dryRun")); dry {
		service := *service
		service.Pace = g.paceAction
		estimate, err := service.DryRun(ctx, poolID, request)
		if _, refused := errors.AsType[*problem.Error](err); err != nil && !refused {
			return nil, cognito.Problem(err)
		}
		if err != nil {
			return nil, err
		}
		sample := make([]any, len(estimate.Sample))
		for i, name := range estimate.Sample {
			sample[i] = name
		}
		return &answer{status: http.StatusOK, header: http.Header{}, body: map[string]any{
			"Count": estimate.Count, "Method": estimate.Method, "Scanned": estimate.Scanned, "Sample": sample,
		}}, nil
	}
	job, err := service.Start(ctx, poolID, request)
	if err != nil {
		return nil, g.jobsError(err)
	}
	c.created = map[string]string{"userJobId": job.JobID}
	a := &answer{status: http.StatusAccepted, header: http.Header{}, body: jobView(job, "")}
	a.header.Set("Location", c.base()+"/pools/"+pathEscape(poolID)+"/jobs/"+pathEscape(job.JobID))
	return a, nil
}

// listJobs is GET of the collection, newest first.
func listJobs(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	service, err := jobs(g)
	if err != nil {
		return nil, err
	}
	limit := 60
	if v := c.query.Get("Limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	token := ""
	if v := c.query.Get("NextToken"); v != "" {
		if token, err = cursor.Decode(c.scope(), v); err != nil {
			return nil, problem.Validation([]problem.Violation{{Parameter: "NextToken", Message: err.Error()}})
		}
	}
	list, next, err := service.Store.List(ctx, c.path["poolId"], limit, token)
	if err != nil {
		return nil, g.jobsError(err)
	}
	views := make([]any, len(list))
	for i, job := range list {
		views[i] = jobView(job, "")
	}
	body := map[string]any{"Jobs": views}
	a := &answer{status: http.StatusOK, header: http.Header{}, body: body}
	if next != "" {
		encoded := cursor.Encode(c.scope(), next)
		body["NextToken"] = encoded
		a.header.Set("Link", "<"+c.nextURL(encoded)+`>; rel="next"`)
	}
	return a, nil
}

// getJob is GET of one job, with a fresh pre-signed URL of an export's file.
func getJob(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	service, err := jobs(g)
	if err != nil {
		return nil, err
	}
	job, err := service.Store.Job(ctx, c.path["poolId"], c.path["userJobId"])
	if err != nil {
		return nil, g.jobsError(err)
	}
	url, err := service.ResultURL(ctx, job)
	if err != nil {
		return nil, problem.Internal(err)
	}
	return &answer{status: http.StatusOK, header: http.Header{}, body: jobView(job, url)}, nil
}

// cancelJob is DELETE: the job, cancelled; 409 when it had already ended.
func cancelJob(ctx context.Context, g *Gateway, c *call) (*answer, error) {
	service, err := jobs(g)
	if err != nil {
		return nil, err
	}
	job, err := service.Store.Cancel(ctx, c.path["poolId"], c.path["userJobId"])
	if errors.Is(err, jobrun.ErrEnded) {
		return nil, problem.New(http.StatusConflict, codeJobEnded, "The job has already ended "+string(job.Status)+": there is nothing to cancel.")
	}
	if err != nil {
		return nil, g.jobsError(err)
	}
	return &answer{status: http.StatusOK, header: http.Header{}, body: jobView(job, "")}, nil
}

// jobsError maps the jobs table's and queue's errors: a missing job is a
// 404, a filter that does not parse is usermatch's own 400; the rest is a
// 500, its cause logged.
func (g *Gateway) jobsError(err error) error {
	if errors.Is(err, jobrun.ErrNoJob) {
		return problem.New(http.StatusNotFound, codeJobNotFound, "The pool has no job with this ID.")
	}
	if p, ok := errors.AsType[*problem.Error](err); ok {
		return p
	}
	return problem.Internal(err)
}

// paceAction is the gateway's pacing of an action, for a dry run's calls,
// which are interactive like any other route's.
func (g *Gateway) paceAction(ctx context.Context, poolID, action string) error {
	a, ok := g.actions()[action]
	if !ok {
		return problem.Internal(errors.New("no action " + action))
	}
	return g.pace(ctx, a, poolID)
}

// jobView is a job as the API answers with it.
func jobView(job jobrun.Job, resultURL string) map[string]any {
	failures := make([]any, len(job.Failures))
	for i, f := range job.Failures {
		failure := map[string]any{"Reason": f.Reason}
		if f.Username != "" {
			failure["Username"] = f.Username
		}
		failures[i] = failure
	}
	view := map[string]any{
		"JobId": job.JobID, "Type": job.Type, "Status": string(job.Status),
		"Counts": map[string]any{
			"Scanned": job.Counts.Scanned, "Matched": job.Counts.Matched, "Done": job.Counts.Done,
			"Failed": job.Counts.Failed, "Skipped": job.Counts.Skipped,
		},
		"Failures": failures,
	}
	optional := map[string]string{"Filter": job.Filter, "Format": job.Format, "ResultUrl": resultURL}
	for name, value := range optional {
		if value != "" {
			view[name] = value
		}
	}
	for name, at := range map[string]time.Time{"CreatedAt": job.CreatedAt, "StartedAt": job.StartedAt, "EndedAt": job.EndedAt} {
		if !at.IsZero() {
			view[name] = at.UTC().Format(time.RFC3339)
		}
	}
	if !job.StartedAt.IsZero() {
		end := job.EndedAt
		if end.IsZero() {
			end = time.Now()
		}
		if seconds := end.Sub(job.StartedAt).Seconds(); seconds > 0 {
			view["Rate"] = float64(job.Counts.Done) / seconds
		}
	}
	return view
}
