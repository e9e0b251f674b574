package host

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/cognito-admin-gateway/internal/jobrun"
	"github.com/acme/cognito-admin-gateway/internal/jobstore"
	"github.com/acme/cognito-admin-gateway/internal/quota"
)

// The user jobs' resources, by environment variable, and their local
// defaults. template.yaml sets all three on both functions.
const (
	envJobTable     = "JOB_TABLE"
	envJobQueue     = "JOB_QUEUE"
	envJobQueueURL  = "JOB_QUEUE_URL"
	envJobBucket    = "JOB_BUCKET"
	envJobRateShare = "JOB_RATE_SHARE"
	envJobExpire    = "JOB_EXPIRE_DAYS"
	// envUserJobs=off runs no jobs, for a gateway in front of a Cognito
	// stand-in that serves nothing else.
	envUserJobs = "USER_JOBS"

	defaultJobResource = "cognito-admin-gateway-jobs"
	// DefaultJobRateShare is the part of the gateway's rate in each quota
	// category that the worker takes, leaving the rest to interactive calls.
	DefaultJobRateShare = 0.5
	defaultJobExpire    = 7
	// localStepBudget is a local step's length; a Lambda step runs to its
	// invocation's deadline.
	localStepBudget = 30 * time.Second
	// queueVisibility outlasts the worker function's 15 minutes.
	queueVisibility = 16 * 60
)

type jobs struct {
	service *jobrun.Service
	worker  *jobrun.Worker
}

// buildJobs wires the user jobs, or returns nil when this process runs
// none: a Lambda function whose environment names no JOB_TABLE. Off
// Lambda, the table, queue and bucket are created when missing, so that
// the local server needs no setup step.
func buildJobs(ctx context.Context, getenv func(string) string, cfg Config, awsConfig aws.Config,
	client *cip.Client, limiter *quota.Limiter, logger *slog.Logger) (*jobs, error) {
	tableName, queueName, bucket := getenv(envJobTable), getenv(envJobQueue), getenv(envJobBucket)
	if (cfg.Lambda && tableName == "") || getenv(envUserJobs) == "off" {
		return nil, nil
	}
	share := DefaultJobRateShare
	if v := getenv(envJobRateShare); v != "" {
		parsed, err := strconv.ParseFloat(v, 64)
		if err != nil || !(parsed > 0 && parsed <= 1) {
			return nil, fmt.Errorf("%s=%q is not a share between 0 and 1, such as 0.5", envJobRateShare, v)
		}
		share = parsed
	}
	expire := int32(defaultJobExpire)
	if v := getenv(envJobExpire); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 {
			return nil, fmt.Errorf("%s=%q is not a number of days", envJobExpire, v)
		}
		expire = int32(days)
	}
	tableName, queueName, bucket = orDefault(tableName), orDefault(queueName), orDefault(bucket)
	local := cfg.LocalCognito != ""
	s3Client := s3.NewFromConfig(awsConfig, func(o *s3.Options) {
		// A bucket name cannot be a subdomain of 127.0.0.1.
		o.UsePathStyle = local
	})
	sqsClient := sqs.NewFromConfig(awsConfig)
	table := jobstore.New(dynamodb.NewFromConfig(awsConfig), tableName, time.Now)
	queueURL := getenv(envJobQueueURL)
	if !cfg.Lambda {
		if err := table.EnsureTable(ctx); err != nil {
			return nil, fmt.Errorf("jobs table: %w", err)
		}
		var err error
		if queueURL, err = jobrun.EnsureQueue(ctx, sqsClient, queueName, queueVisibility); err != nil {
			return nil, err
		}
		if err := jobrun.EnsureBucket(ctx, s3Client, bucket, expire); err != nil {
			return nil, err
		}
		logger.Info("user jobs are on", "table", tableName, "queue", queueURL, "bucket", bucket, "rateShare", share)
	}
	store := jobrun.NewTable(table)
	queue := jobrun.Queue{SQS: sqsClient, URL: queueURL}
	// Unique to this process: a lease names its holder.
	host, _ := os.Hostname()
	return &jobs{
		service: &jobrun.Service{Store: store, Queue: queue, S3: s3Client, Bucket: bucket, Cognito: client},
		worker: jobrun.NewWorker(jobrun.Deps{
			Store: store, Queue: queue, Cognito: client, S3: s3Client, Bucket: bucket,
			Limiter: limiter.Share(share), Owner: host + "/" + rand.Text(),
			Budget: localStepBudget, Logger: logger,
		}),
	}, nil
}

func orDefault(name string) string {
	if name == "" {
		return defaultJobResource
	}
	return name
}

// RoleWorker is GATEWAY_ROLE's value in the worker function: its Lambda
// invocations are SQS events of job steps, not API Gateway's.
const RoleWorker = "worker"

// RunJobs runs p's job worker until ctx ends: in the worker function, on
// the SQS events Lambda hands it; on a laptop, by long-polling the queue
// beside the local server. A process without jobs returns at once.
func RunJobs(ctx context.Context, getenv func(string) string, p *Process, logger *slog.Logger) error {
	if p.Worker == nil {
		return nil
	}
	if p.Config.Lambda {
		return ServeLambda(ctx, getenv, jobrun.HandleSQS(p.Worker.Run, logger))
	}
	return p.Queue.Poll(ctx, logger, p.Worker.Run)
}
