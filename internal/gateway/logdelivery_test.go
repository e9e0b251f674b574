package gateway

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// moto 5.2.1 has neither GetLogDeliveryConfiguration nor
// SetLogDeliveryConfiguration, so these tests pin the exact input the
// stand-in receives, and answer as the API reference shows.

const (
	logDeliveryPath = "/pools/" + poolID + "/log-delivery"
	notificationLog = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/cognito-notifications"
	authEventsLog   = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/cognito-auth"
	authEventsS3    = "arn:aws:s3:::example-cognito-auth-events"
)

func notificationConfig() map[string]any {
	return map[string]any{"EventSource": "userNotification", "LogLevel": "ERROR",
		"CloudWatchLogsConfiguration": map[string]any{"LogGroupArn": notificationLog}}
}

func authEventsConfig() map[string]any {
	return map[string]any{"EventSource": "userAuthEvents", "LogLevel": "INFO",
		"CloudWatchLogsConfiguration": map[string]any{"LogGroupArn": authEventsLog}}
}

// describedLogDelivery is GetLogDeliveryConfiguration's answer with both
// event sources logged.
func describedLogDelivery() map[string]any {
	return map[string]any{"LogDeliveryConfiguration": map[string]any{
		"UserPoolId":        poolID,
		"LogConfigurations": []any{notificationConfig(), authEventsConfig()},
	}}
}

func logDeliveryInput(configs ...any) map[string]any {
	if configs == nil {
		configs = []any{}
	}
	return map[string]any{"UserPoolId": poolID, "LogConfigurations": configs}
}

// TestPatchLogDeliveryKeepsTheOtherEventSource: SetLogDeliveryConfiguration
// stops logging every event source it is not given, so a PATCH of the
// userAuthEvents configuration sends the userNotification one again, and
// the items merge by EventSource.
func TestPatchLogDeliveryKeepsTheOtherEventSource(t *testing.T) {
	s3 := map[string]any{"EventSource": "userAuthEvents", "LogLevel": "INFO",
		"S3Configuration": map[string]any{"BucketArn": authEventsS3}}
	cases := []struct {
		name, patch string
		want        map[string]any
	}{
		{"userAuthEvents moves to S3, userNotification stays",
			`{"LogConfigurations": [{"EventSource": "userAuthEvents", "CloudWatchLogsConfiguration": null,
				"S3Configuration": {"BucketArn": "` + authEventsS3 + `"}}]}`,
			logDeliveryInput(notificationConfig(), s3)},
		{"an empty patch sends both again", `{}`, logDeliveryInput(notificationConfig(), authEventsConfig())},
		{"an item left with its EventSource alone stops that source",
			`{"LogConfigurations": [{"EventSource": "userAuthEvents", "LogLevel": null, "CloudWatchLogsConfiguration": null}]}`,
			logDeliveryInput(notificationConfig())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("GetLogDeliveryConfiguration", cognitotest.Reply(describedLogDelivery()))
			stub.Handle("SetLogDeliveryConfiguration", cognitotest.Reply(describedLogDelivery()))
			rec := serveStandIn(t, stub, "PATCH", logDeliveryPath, tc.patch,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if in := onlyInput(t, stub, "SetLogDeliveryConfiguration"); !reflect.DeepEqual(in, tc.want) {
				t.Errorf("SetLogDeliveryConfiguration input\n%v\nwant\n%v", in, tc.want)
			}
			if got := callNames(stub); got != "GetLogDeliveryConfiguration,SetLogDeliveryConfiguration,GetLogDeliveryConfiguration" {
				t.Errorf("calls %s", got)
			}
			if in := stub.Calls()[0].Input; !reflect.DeepEqual(in, map[string]any{"UserPoolId": poolID}) {
				t.Errorf("GetLogDeliveryConfiguration input %v", in)
			}
		})
	}
}

// TestPutLogDeliveryReplacesTheWholeList: PUT keeps Cognito's semantics, so
// an event source left out of the body is sent to no one.
func TestPutLogDeliveryReplacesTheWholeList(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("GetLogDeliveryConfiguration", cognitotest.Reply(describedLogDelivery()))
	stub.Handle("SetLogDeliveryConfiguration", cognitotest.Reply(describedLogDelivery()))
	rec := serveStandIn(t, stub, "PUT", logDeliveryPath, `{"LogConfigurations": [{"EventSource": "userNotification",
		"LogLevel": "ERROR", "CloudWatchLogsConfiguration": {"LogGroupArn": "`+notificationLog+`"}}]}`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if in := onlyInput(t, stub, "SetLogDeliveryConfiguration"); !reflect.DeepEqual(in, logDeliveryInput(notificationConfig())) {
		t.Errorf("SetLogDeliveryConfiguration input %v", in)
	}
	if got := callNames(stub); got != "SetLogDeliveryConfiguration,GetLogDeliveryConfiguration" {
		t.Errorf("calls %s", got)
	}
}

// TestPatchLogDeliveryWithStaleIfMatchOrDryRunSetsNothing: a stale ETag is
// a 412 naming the current one, and a dry run shows the merged input;
// neither calls SetLogDeliveryConfiguration.
func TestPatchLogDeliveryWithStaleIfMatchOrDryRunSetsNothing(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("GetLogDeliveryConfiguration", cognitotest.Reply(describedLogDelivery()))
	get := serveStandIn(t, stub, "GET", logDeliveryPath, "", nil)
	etag := get.Header().Get("ETag")
	if get.Code != http.StatusOK || etag == "" {
		t.Fatalf("GET: %d %s", get.Code, get.Body)
	}
	patch := `{"LogConfigurations": [{"EventSource": "userNotification", "LogLevel": null, "CloudWatchLogsConfiguration": null}]}`
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}

	rec := serveStandIn(t, stub, "PATCH", logDeliveryPath, patch, map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": `"stale"`})
	if rec.Code != http.StatusPreconditionFailed || rec.Header().Get("ETag") != etag {
		t.Errorf("stale If-Match: %d, ETag %q, want 412 and %s", rec.Code, rec.Header().Get("ETag"), etag)
	}
	rec = serveStandIn(t, stub, "PATCH", logDeliveryPath+"?dryRun=true", patch, merge)
	want := `{"LogConfigurations":[{"CloudWatchLogsConfiguration":{"LogGroupArn":"` + authEventsLog +
		`"},"EventSource":"userAuthEvents","LogLevel":"INFO"}],"UserPoolId":"` + poolID + `"}`
	if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusOK || got != want {
		t.Errorf("dry run: %d %s, want %s", rec.Code, got, want)
	}
	if got := callNames(stub); strings.Contains(got, "SetLogDeliveryConfiguration") {
		t.Errorf("calls %s", got)
	}
}

// TestPatchLogDeliveryRefusesAnInvalidMergeBeforeCognito: the merged whole
// is held to the PUT's schema, where every configuration has a LogLevel,
// and SetLogDeliveryConfiguration requires the list, so null cannot remove
// it (PUT an empty list to stop all logging).
func TestPatchLogDeliveryRefusesAnInvalidMergeBeforeCognito(t *testing.T) {
	cases := []struct{ name, patch, pointer, calls string }{
		{"a new event source without a LogLevel",
			`{"LogConfigurations": [{"EventSource": "userAuthEvents", "S3Configuration": {"BucketArn": "` + authEventsS3 + `"}}]}`,
			`"/LogConfigurations/1/LogLevel"`, "GetLogDeliveryConfiguration"},
		{"null LogConfigurations", `{"LogConfigurations": null}`, `"/LogConfigurations"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle("GetLogDeliveryConfiguration", cognitotest.Reply(map[string]any{"LogDeliveryConfiguration": map[string]any{
				"UserPoolId": poolID, "LogConfigurations": []any{notificationConfig()}}}))
			rec := serveStandIn(t, stub, "PATCH", logDeliveryPath, tc.patch,
				map[string]string{"Content-Type": "application/merge-patch+json"})
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.pointer) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if got := callNames(stub); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
		})
	}
}
