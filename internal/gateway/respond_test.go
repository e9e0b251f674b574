package gateway

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/canonjson"
)

func TestETagLeavesOutVolatileMembers(t *testing.T) {
	pool := map[string]any{"Id": "us-east-1_Example1", "MfaConfiguration": "OFF"}
	volatile := map[string]any{"Id": "us-east-1_Example1", "MfaConfiguration": "OFF",
		"EstimatedNumberOfUsers": int64(3), "LastModifiedDate": "2026-11-21T22:08:48Z"}
	if etag(pool) != etag(volatile) {
		t.Errorf("volatile members changed the ETag")
	}
	if len(volatile) != 4 {
		t.Errorf("etag changed the resource: %v", volatile)
	}
	encoded, _ := json.Marshal(pool)
	if got, want := etag(pool), etagOf(encoded); got != want {
		t.Errorf("etag %s, want the digest of json.Marshal's encoding %s", got, want)
	}
}

// TestBodyETagIsTheResourcesETag holds the ETag cut from an answer's body to
// the one the resource itself gets.
func TestBodyETagIsTheResourcesETag(t *testing.T) {
	resources := []map[string]any{
		{"Id": "a", "EstimatedNumberOfUsers": 3.0, "LastModifiedDate": "2026-01-01T00:00:00Z", "Name": "n"},
		{"EstimatedNumberOfUsers": 3.0, "Id": "a"},
		{"Id": "a", "LastModifiedDate": "x"},
		{"EstimatedNumberOfUsers": 3.0, "LastModifiedDate": "x"},
		{"Id": "a<b>&c", "LastModifiedDate": "x", "Z": []any{"<"}},
		{"Id": "a"},
		{},
	}
	for _, resource := range resources {
		body, _ := canonjson.Append(nil, resource, false)
		var stable [][2]int
		for _, name := range sortedKeys(resource) {
			if !slices.Contains(volatileMembers, name) {
				member, _ := canonjson.Append(nil, map[string]any{name: resource[name]}, false)
				member = member[1 : len(member)-1]
				start := bytes.Index(body, member)
				stable = append(stable, [2]int{start, start + len(member)})
			}
		}
		if got, want := bodyETag(body, stable, func() string { return etag(resource) }), etag(resource); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
}
