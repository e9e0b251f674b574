package jobrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Step is one SQS message: run step Step of a job.
type Step struct {
	PoolID string `json:"PoolId"`
	JobID  string `json:"JobId"`
	Step   int    `json:"Step"`
}

// Queue is the SQS queue that carries steps to workers.
type Queue struct {
	SQS *sqs.Client
	URL string
}

// Send queues step.
func (q Queue) Send(ctx context.Context, step Step) error {
	body, err := json.Marshal(step)
	if err != nil {
		return err
	}
	_, err = q.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.URL, MessageBody: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("queue step %d of job %s: %w", step.Step, step.JobID, err)
	}
	return nil
}

// retryEarly is how long a step that came too early (see Worker.Run) or
// found its job leased waits before SQS delivers it again, rather than a
// whole visibility timeout.
const retryEarly = 5

// Poll long-polls the queue and runs each step with run until ctx ends,
// deleting the message of every step that succeeded; a failed one comes
// back when SQS makes it visible again, and goes to the dead-letter queue
// after the queue's maxReceiveCount. It is the local server's worker; in
// Lambda, SQS's event source mapping does the polling (HandleSQS).
func (q Queue) Poll(ctx context.Context, logger *slog.Logger, run func(context.Context, Step) error) error {
	for ctx.Err() == nil {
		out, err := q.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    &q.URL,
			MaxNumberOfMessages:         10,
			WaitTimeSeconds:             20,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("receive steps: %w", err)
		}
		for _, message := range out.Messages {
			count := message.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]
			err := runMessage(ctx, aws.ToString(message.Body), count, run)
			if err == nil {
				_, err = q.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &q.URL, ReceiptHandle: message.ReceiptHandle})
				if err != nil && ctx.Err() == nil {
					logger.Warn("delete a step's message", "error", err.Error())
				}
				continue
			}
			logger.Warn("step failed; SQS will deliver it again", "messageId", aws.ToString(message.MessageId), "error", err.Error())
			if ctx.Err() != nil {
				return nil
			}
			_, _ = q.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: &q.URL, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: retryEarly,
			})
		}
	}
	return nil
}

// HandleSQS answers one SQS event of the worker function: each step is
// run, and the ones that failed are reported by message id
// (ReportBatchItemFailures), so that SQS delivers only them again.
func HandleSQS(run func(context.Context, Step) error, logger *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
		var response events.SQSEventResponse
		for _, record := range event.Records {
			if err := runMessage(ctx, record.Body, record.Attributes["ApproximateReceiveCount"], run); err != nil {
				logger.Warn("step failed; SQS will deliver it again", "messageId", record.MessageId, "error", err.Error())
				response.BatchItemFailures = append(response.BatchItemFailures,
					events.SQSBatchItemFailure{ItemIdentifier: record.MessageId})
			}
		}
		return response, nil
	}
}

// runMessage runs the step a message carries, on its receiveCount'th
// delivery. A message that is no step is dropped, as no delivery can make
// it one.
func runMessage(ctx context.Context, body, receiveCount string, run func(context.Context, Step) error) error {
	var step Step
	if err := json.Unmarshal([]byte(body), &step); err != nil || step.JobID == "" || step.PoolID == "" {
		return nil
	}
	n, _ := strconv.Atoi(receiveCount)
	return run(context.WithValue(ctx, deliveryKey{}, n), step)
}

type deliveryKey struct{}

// delivery is how many times SQS has delivered the step ctx runs,
// counting this one; 0 when unknown.
func delivery(ctx context.Context) int {
	n, _ := ctx.Value(deliveryKey{}).(int)
	return n
}

// QueueAttributes are the step queue's: a visibility timeout longer than a
// step (the worker function's 15 minutes) and a dead-letter queue after
// maxReceive deliveries. template.yaml says the same.
func queueAttributes(dlqARN string, visibility int) map[string]string {
	return map[string]string{
		string(types.QueueAttributeNameVisibilityTimeout): strconv.Itoa(visibility),
		string(types.QueueAttributeNameRedrivePolicy):     `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"` + strconv.Itoa(maxReceive) + `"}`,
	}
}

// maxReceive is how many times a step is delivered before it goes to the
// dead-letter queue.
const maxReceive = 5

// EnsureQueue returns the URL of the queue named name, creating it and its
// dead-letter queue (name-dlq) when missing: the local server needs no
// setup step. visibility is the queue's visibility timeout in seconds.
func EnsureQueue(ctx context.Context, client *sqs.Client, name string, visibility int) (string, error) {
	if out, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name}); err == nil {
		return aws.ToString(out.QueueUrl), nil
	} else if _, missing := errors.AsType[*types.QueueDoesNotExist](err); !missing {
		return "", fmt.Errorf("find queue %s: %w", name, err)
	}
	dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		return "", fmt.Errorf("create queue %s-dlq: %w", name, err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("read queue %s-dlq: %w", name, err)
	}
	queue, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  &name,
		Attributes: queueAttributes(attrs.Attributes[string(types.QueueAttributeNameQueueArn)], visibility),
	})
	if err != nil {
		return "", fmt.Errorf("create queue %s: %w", name, err)
	}
	return aws.ToString(queue.QueueUrl), nil
}
