package jobrun_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yaml "github.com/oasdiff/yaml3"

	"github.com/acme/cognito-admin-gateway/internal/jobrun"
)

// child is the value under keys in nested YAML mappings, or nil.
func child(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// granted are the actions a function's policies allow, sorted.
func granted(t *testing.T, resources *yaml.Node, function string) []string {
	t.Helper()
	var actions []string
	for _, policy := range child(resources, function, "Properties", "Policies").Content {
		for _, statement := range child(policy, "Statement").Content {
			if child(statement, "Effect").Value != "Allow" {
				continue
			}
			for _, action := range child(statement, "Action").Content {
				actions = append(actions, action.Value)
			}
		}
	}
	slices.Sort(actions)
	return actions
}

// TestTemplateGrantsWhatTheJobsCall: the worker function may call exactly
// what jobrun says it calls (which the export test holds to the calls it
// records), and the API function the jobs routes' table, queue and bucket
// actions besides Cognito's and the SCIM token store's (held to
// scimauth.Actions by a test in package gateway); the worker takes SQS events with
// ReportBatchItemFailures, and the bucket blocks public access, encrypts
// and expires its files.
func TestTemplateGrantsWhatTheJobsCall(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	resources := child(doc.Content[0], "Resources")

	want := slices.Sorted(slices.Values(append(slices.Clone(jobrun.WorkerActions), jobrun.WorkerCognitoActions...)))
	if got := granted(t, resources, "WorkerFunction"); !slices.Equal(got, want) {
		t.Errorf("WorkerFunction is granted %v, want %v", got, want)
	}
	var api []string
	for _, action := range granted(t, resources, "ApiFunction") {
		if !strings.HasPrefix(action, "cognito-idp:") && !strings.HasPrefix(action, "secretsmanager:") {
			api = append(api, action)
		}
	}
	if want := slices.Sorted(slices.Values(jobrun.APIActions)); !slices.Equal(api, want) {
		t.Errorf("ApiFunction is granted %v besides Cognito, want %v", api, want)
	}

	worker := child(resources, "WorkerFunction", "Properties")
	event := child(worker, "Events", "Steps", "Properties")
	if types := child(event, "FunctionResponseTypes"); types == nil || len(types.Content) != 1 || types.Content[0].Value != "ReportBatchItemFailures" {
		t.Error("the worker's SQS event does not report batch item failures")
	}
	if child(worker, "Timeout").Value != "900" || child(worker, "Environment", "Variables", "GATEWAY_ROLE").Value != "worker" {
		t.Error("the worker is not the 15-minute GATEWAY_ROLE=worker function")
	}
	bucket := child(resources, "JobBucket", "Properties")
	for _, setting := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if v := child(bucket, "PublicAccessBlockConfiguration", setting); v == nil || v.Value != "true" {
			t.Errorf("the jobs bucket does not set %s", setting)
		}
	}
	if child(bucket, "BucketEncryption") == nil || child(bucket, "LifecycleConfiguration") == nil {
		t.Error("the jobs bucket is not encrypted, or its files never expire")
	}
}
