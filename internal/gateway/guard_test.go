package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

func gatewayWith(t *testing.T, stub *cognitotest.Server, opts Options) *Gateway {
	t.Helper()
	g, err := New(stub.Client(), loadSpec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPoolAllowList(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	stub.Handle("ListUserPools", cognitotest.Reply(map[string]any{"UserPools": []any{
		map[string]any{"Id": poolID, "Name": "allowed"},
		map[string]any{"Id": "us-east-1_Other", "Name": "other"},
	}}))
	g := gatewayWith(t, stub, Options{AllowedPools: []string{poolID}})
	checker := spectest.New(t)

	for _, target := range []string{"/pools/us-east-1_Other", "/pools/us%2Deast%2D1_Other"} {
		rec := checker.Serve(t, g, httptest.NewRequest("GET", target, nil))
		if rec.Code != 403 {
			t.Errorf("%s: %d, want 403", target, rec.Code)
		}
	}
	req := httptest.NewRequest("POST", "/pools", strings.NewReader(`{"PoolName":"new"}`))
	req.Header.Set("Content-Type", "application/json")
	if rec := checker.Serve(t, g, req); rec.Code != 403 {
		t.Errorf("create with an allow-list: %d, want 403", rec.Code)
	}
	if len(stub.Calls()) != 0 {
		t.Errorf("Cognito was called for a refused pool: %v", stub.Calls())
	}
	if rec := checker.Serve(t, g, httptest.NewRequest("GET", "/pools/"+poolID, nil)); rec.Code != 200 {
		t.Errorf("allowed pool: %d", rec.Code)
	}
	rec := checker.Serve(t, g, httptest.NewRequest("GET", "/pools", nil))
	if !strings.Contains(rec.Body.String(), poolID) || strings.Contains(rec.Body.String(), "us-east-1_Other") {
		t.Errorf("listing: %s", rec.Body)
	}
}

func TestBadInputIsRefusedBeforeCognito(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)
	cases := []struct {
		name, method, target, body string
		status                     int
		code                       string
	}{
		{"body over 256 KiB", "POST", "/pools", `{"PoolName":"` + strings.Repeat("x", 300<<10) + `"}`, 413, "PayloadTooLarge"},
		{"invalid UTF-8", "POST", "/pools", "{\"PoolName\":\"\xff\xfe\"}", 400, "MalformedBody"},
		{"nesting too deep", "POST", "/pools", `{"PoolName":"x","UserPoolTags":` + deep + `}`, 400, "MalformedBody"},
		{"absurd number", "POST", "/pools", `{"PoolName":"x","Policies":{"PasswordPolicy":{"MinimumLength":1e309}}}`, 400, ""},
		{"repeated single-value query", "GET", "/pools?Limit=1&Limit=2", "", 400, "ValidationFailed"},
		{"body where none is taken", "DELETE", "/pools/" + poolID, `{"x":1}`, 400, "MalformedBody"},
	}
	checker := spectest.New(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stub := cognitotest.New(t)
			g := gatewayWith(t, stub, Options{})
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := checker.Serve(t, g, req)
			if rec.Code != c.status {
				t.Fatalf("%d, want %d: %.300s", rec.Code, c.status, rec.Body)
			}
			if c.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+c.code+`"`) {
				t.Errorf("code: %.300s", rec.Body)
			}
			if len(stub.Calls()) != 0 {
				t.Errorf("Cognito was called")
			}
		})
	}
}

// TestPanicBecomesAnOpaque500 swaps in a handler that panics. Nothing else
// relies on the recovery layer.
func TestPanicBecomesAnOpaque500(t *testing.T) {
	saved := composites["getOpenAPI"]
	composites["getOpenAPI"] = func(context.Context, *Gateway, *call) (*answer, error) {
		panic("secret internal state 0xdeadbeef")
	}
	defer func() { composites["getOpenAPI"] = saved }()
	var logs bytes.Buffer
	g := gatewayWith(t, cognitotest.New(t), Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	rec := spectest.New(t).Serve(t, g, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "0xdeadbeef") || !strings.Contains(rec.Body.String(), `"code":"InternalError"`) {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "0xdeadbeef") || !strings.Contains(logs.String(), "guard_test.go") {
		t.Errorf("the panic and its stack are not logged: %s", logs.String())
	}
}

func TestChangesAreAuditedAndReadsAreNot(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	stub.Handle("UpdateUserPool", cognitotest.Fail(400, "ConcurrentModificationException", "busy"))
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx := invocation.With(context.Background(), invocation.Info{RequestID: "req-9",
		CallerARN: "arn:aws:iam::123456789012:user/operator", SourceIP: "203.0.113.10", AccessKey: "AKIAEXAMPLE"})

	g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/pools/"+poolID, nil).WithContext(ctx))
	if strings.Contains(logs.String(), `"msg":"audit"`) {
		t.Fatalf("a read was audited: %s", logs.String())
	}
	req := httptest.NewRequest("PATCH", "/pools/"+poolID, strings.NewReader(`{"DeletionProtection":"ACTIVE"}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	g.ServeHTTP(httptest.NewRecorder(), req)

	records := logRecords(t, &logs, "audit")
	if len(records) != 1 {
		t.Fatalf("%d audit records: %s", len(records), logs.String())
	}
	want := map[string]any{
		"requestId": "req-9", "caller": "arn:aws:iam::123456789012:user/operator", "sourceIp": "203.0.113.10",
		"accessKey": "AKIAEXAMPLE", "method": "PATCH", "route": "/pools/{poolId}", "operation": "patchPool",
		"actions": []any{"DescribeUserPool", "UpdateUserPool"}, "poolId": poolID,
		"status": 409.0, "cognitoError": "ConcurrentModificationException",
	}
	for k, v := range want {
		got, _ := json.Marshal(records[0][k])
		expected, _ := json.Marshal(v)
		if string(got) != string(expected) {
			t.Errorf("audit %s = %s, want %s", k, got, expected)
		}
	}
	for _, k := range []string{"time", "durationMs"} {
		if _, ok := records[0][k]; !ok {
			t.Errorf("audit record lacks %s", k)
		}
	}
}

// TestRefusedDryRunIsAuditedAsADryRun: a dry run that validation refuses
// is still recorded as a dry run, so that nobody reading the audit trail
// takes it for an attempted change.
func TestRefusedDryRunIsAuditedAsADryRun(t *testing.T) {
	stub := cognitotest.New(t)
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	req := httptest.NewRequest("PATCH", "/pools/"+poolID+"?dryRun=true", strings.NewReader(`{"NoSuchSetting":true}`))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	records := logRecords(t, &logs, "audit")
	if len(records) != 1 || records[0]["dryRun"] != true || records[0]["status"] != 400.0 {
		t.Errorf("audit records %v", records)
	}
}

func TestEveryRequestHasOneAccessLine(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Fail(400, "ResourceNotFoundException", "gone"))
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/pools/"+poolID, nil))
	g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/nowhere", nil))
	lines := logRecords(t, &logs, "request")
	if len(lines) != 2 {
		t.Fatalf("%d access lines: %s", len(lines), logs.String())
	}
	first, second := lines[0], lines[1]
	if first["route"] != "/pools/{poolId}" || first["status"] != 404.0 || first["cognitoError"] != "ResourceNotFoundException" ||
		first["coldStart"] != true || first["requestId"] == "" || !reflect.DeepEqual(first["actions"], []any{"DescribeUserPool"}) {
		t.Errorf("first line %v", first)
	}
	if second["coldStart"] != false || second["status"] != 404.0 || second["route"] != "" || second["actions"] != nil {
		t.Errorf("second line %v", second)
	}
}

// TestAccessLineIsAnEMFRecord checks the access line against CloudWatch's
// Embedded Metric Format: every declared metric and dimension is a root key.
func TestAccessLineIsAnEMFRecord(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Fail(400, "TooManyRequestsException", "Rate exceeded"))
	var logs bytes.Buffer
	g := gatewayWith(t, stub, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/pools/"+poolID, nil))
	var record struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
	}
	line := strings.TrimSpace(logs.String())
	if err := json.Unmarshal([]byte(line), &record); err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	_ = json.Unmarshal([]byte(line), &root)
	if record.AWS.Timestamp == 0 || len(record.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("no EMF metadata: %s", line)
	}
	directive := record.AWS.CloudWatchMetrics[0]
	if directive.Namespace != MetricsNamespace {
		t.Errorf("namespace %q", directive.Namespace)
	}
	for _, set := range directive.Dimensions {
		for _, d := range set {
			if _, ok := root[d].(string); !ok {
				t.Errorf("dimension %s is not a root string", d)
			}
		}
	}
	for _, m := range directive.Metrics {
		if _, ok := root[m.Name].(float64); !ok {
			t.Errorf("metric %s is not a root number", m.Name)
		}
	}
	if root["Route"] != "/pools/{poolId}" || root["StatusClass"] != "4xx" || root["CognitoThrottles"] != 1.0 || root["Errors"] != 0.0 {
		t.Errorf("values: %v", root)
	}
}

// TestGatewayRateLimitAnswers429 drives the real quota limiter at one request
// per second for UserPoolRead: the second call in a row has no room before
// its deadline, and Cognito never sees it.
func TestGatewayRateLimitAnswers429(t *testing.T) {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	g := gatewayWith(t, stub, Options{Limiter: quota.New(map[string]float64{"UserPoolRead": 0.5})})
	checker := spectest.New(t)
	get := func() *httptest.ResponseRecorder {
		// Far less than the 2 s the limiter would make the second call
		// wait, and enough for the first under -race on a loaded machine.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return checker.Serve(t, g, httptest.NewRequest("GET", "/pools/"+poolID, nil).WithContext(ctx))
	}
	if rec := get(); rec.Code != 200 {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	rec := get()
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "2" || !strings.Contains(rec.Body.String(), `"code":"GatewayThrottled"`) {
		t.Errorf("second: %d Retry-After %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if n := len(stub.Calls()); n != 1 {
		t.Errorf("Cognito saw %d calls, want 1", n)
	}
}

func TestHealth(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "shallow health calls nothing", method: "GET", target: "/health",
			status: 200, has: []string{`"status":"ok"`, `"version":"`, `"commit":"`}, hasNot: []string{`"cognito"`}},
		{name: "deep health lists one pool", method: "GET", target: "/health?deep=true",
			script: map[string]cognitotest.Handler{"ListUserPools": func(in map[string]any) (int, any) {
				if in["MaxResults"] != 1.0 {
					return 400, map[string]any{"__type": "InvalidParameterException", "message": "MaxResults"}
				}
				return 200, map[string]any{"UserPools": []any{}}
			}},
			status: 200, has: []string{`"cognito":"ok"`}, actions: []string{"ListUserPools"}},
		{name: "deep health reports Cognito failing", method: "GET", target: "/health?deep=true",
			script: map[string]cognitotest.Handler{"ListUserPools": cognitotest.Fail(500, "InternalErrorException", "down")},
			status: 502, code: "InternalErrorException", actions: []string{"ListUserPools"}},
	})
}

// logRecords parses a JSON log and returns the records with message msg.
func logRecords(t *testing.T, logs *bytes.Buffer, msg string) []map[string]any {
	t.Helper()
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if record["msg"] == msg {
			records = append(records, record)
		}
	}
	return records
}
