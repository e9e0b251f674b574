package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// moto 5.2.1 implements none of the import-job actions nor GetCSVHeader, so
// these tests use the stand-in and the answers the API reference documents.

const (
	jobID       = "import-TZqNQvDRnW"
	logsRoleARN = "arn:aws:iam::123456789012:role/CognitoImportLogs"
)

func importJob(status string) map[string]any {
	job := map[string]any{
		"JobId": jobID, "JobName": "migrate", "UserPoolId": poolID, "Status": status,
		"CloudWatchLogsRoleArn": logsRoleARN, "CreationDate": 1.7e9,
		"PreSignedUrl":  "https://aws-cognito-idp-user-import-pdx.s3.us-west-2.amazonaws.com/123456789012/us-east-1_Example1/import-TZqNQvDRnW?X-Amz-Signature=abc",
		"ImportedUsers": 0, "SkippedUsers": 0, "FailedUsers": 0,
	}
	if status != "Created" {
		job["StartDate"] = 1.7e9 + 60
	}
	return job
}

// cognitoExchange is one gateway request, the one action and input Cognito
// must receive for it, and the answer to check.
type cognitoExchange struct {
	name, method, target, body string
	header                     map[string]string
	action                     string
	reply                      cognitotest.Handler
	input                      map[string]any // exactly what Cognito must receive
	status                     int
	headers                    map[string]string
	answer                     map[string]any // the decoded body, exactly, if set
	has                        []string
}

func runCognitoExchanges(t *testing.T, cases []cognitoExchange) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			stub.Handle(tc.action, tc.reply)
			rec := serveStandIn(t, stub, tc.method, tc.target, tc.body, tc.header)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if got := callNames(stub); got != tc.action {
				t.Fatalf("Cognito calls %q, want %q", got, tc.action)
			}
			if in := stub.Calls()[0].Input; !reflect.DeepEqual(in, tc.input) {
				t.Errorf("%s input %v, want %v", tc.action, in, tc.input)
			}
			for k, v := range tc.headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
			if tc.answer != nil {
				var answer map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || !reflect.DeepEqual(answer, tc.answer) {
					t.Errorf("body %s, want %v", rec.Body, tc.answer)
				}
			}
			for _, s := range tc.has {
				if !strings.Contains(rec.Body.String(), s) {
					t.Errorf("body lacks %s: %s", s, rec.Body)
				}
			}
		})
	}
}

func TestImportJobOperationsSendTheirInputToCognito(t *testing.T) {
	jobs := "/pools/" + poolID + "/import-jobs"
	runCognitoExchanges(t, []cognitoExchange{
		{name: "list without Limit sends the MaxResults Cognito requires", method: "GET", target: jobs,
			action: "ListUserImportJobs",
			reply:  cognitotest.Reply(map[string]any{"UserImportJobs": []any{importJob("Succeeded")}}),
			input:  map[string]any{"UserPoolId": poolID, "MaxResults": 60.0},
			status: 200, has: []string{`"UserImportJobs":[{`, `"Status":"Succeeded"`}},
		{name: "list returns PaginationToken as a NextToken cursor and a Link", method: "GET", target: jobs + "?Limit=1",
			action: "ListUserImportJobs",
			reply:  cognitotest.Reply(map[string]any{"UserImportJobs": []any{importJob("Created")}, "PaginationToken": "cognito+page/2=="}),
			input:  map[string]any{"UserPoolId": poolID, "MaxResults": 1.0},
			status: 200, has: []string{`"NextToken":"`}},
		{name: "create", method: "POST", target: jobs,
			body:   `{"JobName": "migrate", "CloudWatchLogsRoleArn": "` + logsRoleARN + `"}`,
			action: "CreateUserImportJob",
			reply:  cognitotest.Reply(map[string]any{"UserImportJob": importJob("Created")}),
			input:  map[string]any{"UserPoolId": poolID, "JobName": "migrate", "CloudWatchLogsRoleArn": logsRoleARN},
			status: 201, headers: map[string]string{"Location": jobs + "/" + jobID},
			has: []string{`"JobId":"` + jobID + `"`, `"PreSignedUrl":"https://`, `"CreationDate":"2023-11-14T22:13:20Z"`}},
		{name: "get", method: "GET", target: jobs + "/" + jobID,
			action: "DescribeUserImportJob",
			reply:  cognitotest.Reply(map[string]any{"UserImportJob": importJob("InProgress")}),
			input:  map[string]any{"UserPoolId": poolID, "JobId": jobID},
			status: 200, has: []string{`"Status":"InProgress"`}},
		{name: "start", method: "POST", target: jobs + "/" + jobID + "/start",
			action: "StartUserImportJob",
			reply:  cognitotest.Reply(map[string]any{"UserImportJob": importJob("Pending")}),
			input:  map[string]any{"UserPoolId": poolID, "JobId": jobID},
			status: 200, has: []string{`"Status":"Pending"`}},
		{name: "start of a job that is not Created is 412", method: "POST", target: jobs + "/" + jobID + "/start",
			action: "StartUserImportJob",
			reply:  cognitotest.Fail(400, "PreconditionNotMetException", "Job must be in Created state"),
			input:  map[string]any{"UserPoolId": poolID, "JobId": jobID},
			status: 412, has: []string{`"code":"PreconditionNotMetException"`}},
		{name: "stop", method: "POST", target: jobs + "/" + jobID + "/stop",
			action: "StopUserImportJob",
			reply:  cognitotest.Reply(map[string]any{"UserImportJob": importJob("Stopping")}),
			input:  map[string]any{"UserPoolId": poolID, "JobId": jobID},
			status: 200, has: []string{`"Status":"Stopping"`}},
		{name: "CSV header is the whole output", method: "GET", target: "/pools/" + poolID + "/csv-header",
			action: "GetCSVHeader",
			reply: cognitotest.Reply(map[string]any{"UserPoolId": poolID,
				"CSVHeader": []any{"name", "given_name", "email", "email_verified", "cognito:mfa_enabled", "cognito:username"}}),
			input:  map[string]any{"UserPoolId": poolID},
			status: 200, answer: map[string]any{"UserPoolId": poolID,
				"CSVHeader": []any{"name", "given_name", "email", "email_verified", "cognito:mfa_enabled", "cognito:username"}}},
	})
}

func TestImportJobCursorIsSentBackAsPaginationToken(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("ListUserImportJobs", cognitotest.Reply(map[string]any{"UserImportJobs": []any{}, "PaginationToken": "cognito+page/2=="}))
	first := serveStandIn(t, stub, "GET", "/pools/"+poolID+"/import-jobs?Limit=5", "", nil)
	var page struct{ NextToken string }
	if err := json.Unmarshal(first.Body.Bytes(), &page); err != nil || page.NextToken == "" {
		t.Fatalf("first page %s", first.Body)
	}
	if link := first.Header().Get("Link"); !strings.Contains(link, "NextToken=") || !strings.Contains(link, "Limit=5") {
		t.Errorf("Link %q", link)
	}
	serveStandIn(t, stub, "GET", "/pools/"+poolID+"/import-jobs?Limit=5&NextToken="+page.NextToken, "", nil)
	calls := stub.Calls()
	want := map[string]any{"UserPoolId": poolID, "MaxResults": 5.0, "PaginationToken": "cognito+page/2=="}
	if in := calls[len(calls)-1].Input; !reflect.DeepEqual(in, want) {
		t.Errorf("second page input %v, want %v", in, want)
	}
}

func TestImportJobRequestsAreValidatedBeforeCognito(t *testing.T) {
	for name, tc := range map[string]struct{ method, target, body string }{
		"job id without the import- prefix": {"GET", "/pools/" + poolID + "/import-jobs/TZqNQvDRnW", ""},
		"create without a log role":         {"POST", "/pools/" + poolID + "/import-jobs", `{"JobName": "migrate"}`},
		"Limit over 60":                     {"GET", "/pools/" + poolID + "/import-jobs?Limit=61", ""},
	} {
		t.Run(name, func(t *testing.T) {
			stub := cognitotest.New(t)
			rec := serveStandIn(t, stub, tc.method, tc.target, tc.body, nil)
			if rec.Code != http.StatusBadRequest || stub.Calls() != nil {
				t.Errorf("%d %s; calls %s", rec.Code, rec.Body, callNames(stub))
			}
		})
	}
}
