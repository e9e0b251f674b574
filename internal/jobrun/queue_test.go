package jobrun_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/cognito-admin-gateway/internal/jobrun"
)

// TestHandleSQSReportsOnlyTheFailedSteps: with ReportBatchItemFailures,
// SQS deletes every message of the batch that is not reported, so a
// failed step must be reported by its message id, and only it; a message
// that is no step is dropped, as no delivery can make it one.
func TestHandleSQSReportsOnlyTheFailedSteps(t *testing.T) {
	event := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: `{"PoolId":"us-east-1_a","JobId":"ok","Step":0}`},
		{MessageId: "m2", Body: `{"PoolId":"us-east-1_a","JobId":"early","Step":3}`},
		{MessageId: "m3", Body: `not a step`},
		{MessageId: "m4", Body: `{"PoolId":"us-east-1_a","JobId":"leased","Step":1}`},
	}}
	var ran []string
	run := func(_ context.Context, step jobrun.Step) error {
		ran = append(ran, step.JobID)
		switch step.JobID {
		case "early":
			return errors.New("the step came early")
		case "leased":
			return jobrun.ErrLeased
		}
		return nil
	}
	response, err := jobrun.HandleSQS(run, slog.New(slog.DiscardHandler))(t.Context(), event)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range response.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{"m2", "m4"}) || !slices.Equal(ran, []string{"ok", "early", "leased"}) {
		t.Errorf("failures %v after running %v, want m2 and m4 after ok, early and leased", failed, ran)
	}
}
