package jobrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/acme/cognito-admin-gateway/internal/usermatch"
)

// Service is what the jobs API does: start, read, list and cancel jobs,
// and count what a job would touch. It runs in the API function, which
// only records jobs and queues their first step; the worker does the rest.
type Service struct {
	Store   Store
	Queue   Queue
	S3      *s3.Client
	Bucket  string
	Cognito *cip.Client
	// Pace waits for room in a Cognito action's quota category (the
	// gateway's own limiter: a dry run is an interactive call).
	Pace func(ctx context.Context, poolID, action string) error
}

// Request is what POST /pools/{poolId}/jobs asks for.
type Request struct {
	Type   string
	Filter string
	Format string
}

// Start records a job and queues its first step.
func (s *Service) Start(ctx context.Context, poolID string, request Request) (Job, error) {
	if _, err := match(request.Filter); err != nil {
		return Job{}, errors.Unwrap(err)
	}
	if request.Format == "" && request.Type == "export" {
		request.Format = NDJSON
	}
	job, err := s.Store.Create(ctx, Job{
		PoolID: poolID, Type: request.Type, Status: Queued, Filter: request.Filter, Format: request.Format,
	})
	if err != nil {
		return Job{}, err
	}
	if err := s.Queue.Send(ctx, Step{PoolID: poolID, JobID: job.JobID}); err != nil {
		return Job{}, err
	}
	return job, nil
}

// ResultURL is the pre-signed URL of a finished export's file, valid for
// ResultURLExpiry, or "" for any other job.
func (s *Service) ResultURL(ctx context.Context, job Job) (string, error) {
	if job.Type != "export" || job.Status != Succeeded {
		return "", nil
	}
	return ResultURL(ctx, s.S3, s.Bucket, ResultKey(job))
}

// Estimate is a dry run's answer: how many users a job would touch, and
// ten of them.
type Estimate struct {
	// Count is the number of users; Method says how it was found:
	// "counted" when the whole pool was listed, "estimated" when only its
	// first Scanned users were, the rest being assumed alike
	// (DescribeUserPool's EstimatedNumberOfUsers).
	Count   int64
	Method  string
	Scanned int64
	Sample  []string
}

// SampleSize is how many users a dry run names.
const SampleSize = 10

// dryRunMargin is kept back from the request's deadline to answer.
const dryRunMargin = 2 * time.Second

// DryRun counts the users a job would touch without changing anything:
// it lists the pool with the job's filter until the request's deadline
// draws near, and extrapolates from what it saw if it could not list it
// all. A filter on groups reads each listed user's groups, and so counts
// fewer users in the time.
func (s *Service) DryRun(ctx context.Context, poolID string, request Request) (Estimate, error) {
	matcher, err := match(request.Filter)
	if err != nil {
		return Estimate{}, errors.Unwrap(err)
	}
	stop := time.Now().Add(time.Minute)
	if deadline, ok := ctx.Deadline(); ok {
		stop = deadline.Add(-dryRunMargin)
	}
	estimate := Estimate{Method: "counted", Sample: []string{}}
	input := &cip.ListUsersInput{UserPoolId: &poolID, Limit: aws.Int32(pageSize)}
	if prefilter := matcher.CognitoFilter(); prefilter != "" {
		input.Filter = &prefilter
	}
	for {
		if err := s.Pace(ctx, poolID, "ListUsers"); err != nil {
			return Estimate{}, err
		}
		page, err := s.Cognito.ListUsers(ctx, input)
		if err != nil {
			return Estimate{}, err
		}
		for _, listed := range page.Users {
			user := usermatch.FromCognito(listed)
			estimate.Scanned++
			if matcher.NeedsGroups() {
				if user.Groups, err = s.groups(ctx, poolID, user.Username); err != nil {
					return Estimate{}, err
				}
			}
			if !matcher.Match(user) {
				continue
			}
			estimate.Count++
			if len(estimate.Sample) < SampleSize {
				estimate.Sample = append(estimate.Sample, user.Username)
			}
		}
		if aws.ToString(page.PaginationToken) == "" {
			return estimate, nil
		}
		input.PaginationToken = page.PaginationToken
		if time.Now().After(stop) {
			return s.extrapolate(ctx, poolID, estimate)
		}
	}
}

// extrapolate scales a partial count to the pool's estimated size.
func (s *Service) extrapolate(ctx context.Context, poolID string, partial Estimate) (Estimate, error) {
	if err := s.Pace(ctx, poolID, "DescribeUserPool"); err != nil {
		return Estimate{}, err
	}
	pool, err := s.Cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID})
	if err != nil {
		return Estimate{}, err
	}
	total := int64(pool.UserPool.EstimatedNumberOfUsers)
	partial.Method = "estimated"
	if total > partial.Scanned {
		partial.Count = partial.Count * total / partial.Scanned
	}
	return partial, nil
}

func (s *Service) groups(ctx context.Context, poolID, username string) ([]string, error) {
	var groups []string
	input := &cip.AdminListGroupsForUserInput{UserPoolId: &poolID, Username: &username, Limit: aws.Int32(pageSize)}
	for {
		if err := s.Pace(ctx, poolID, "AdminListGroupsForUser"); err != nil {
			return nil, err
		}
		out, err := s.Cognito.AdminListGroupsForUser(ctx, input)
		if err != nil {
			return nil, fmt.Errorf("read %s's groups: %w", username, err)
		}
		for _, group := range out.Groups {
			groups = append(groups, aws.ToString(group.GroupName))
		}
		if aws.ToString(out.NextToken) == "" {
			return groups, nil
		}
		input.NextToken = out.NextToken
	}
}
