package poolconfig

import "testing"

// Each rule of normalise, and of the projection, pinned on its own: a plan
// of what Cognito echoes against what it was given has no change.

func TestNormaliseTakesEmptyAsAbsent(t *testing.T) {
	for name, tc := range map[string]struct{ echoed, given any }{
		"an empty list":                  {map[string]any{"CallbackURLs": []any{}}, map[string]any{}},
		"an empty object":                {map[string]any{"LambdaConfig": map[string]any{}}, map[string]any{}},
		"an empty string":                {map[string]any{"Description": ""}, map[string]any{}},
		"a null":                         {map[string]any{"RoleArn": nil}, map[string]any{}},
		"an object holding only empties": {map[string]any{"A": map[string]any{"B": []any{}, "C": ""}}, map[string]any{}},
	} {
		if !equal(normalise(tc.echoed), normalise(tc.given)) {
			t.Errorf("%s: %v and %v differ", name, tc.echoed, tc.given)
		}
	}
	if equal(normalise(map[string]any{"A": []any{"x"}}), normalise(map[string]any{})) {
		t.Error("a list with an item is taken as absent")
	}
	if equal(normalise(map[string]any{"Precedence": 0.0}), normalise(map[string]any{})) {
		t.Error("a zero is taken as absent: it is a value")
	}
}

func TestCanonMakesNumbersOfEveryOriginEqual(t *testing.T) {
	if !equal(canon(map[string]any{"n": int32(3)}), canon(map[string]any{"n": 3.0})) ||
		!equal(canon(map[string]any{"n": int64(3)}), canon(map[string]any{"n": 3})) {
		t.Error("3 as int32, int64, int and float64 differ")
	}
}

// TestProjectKeepsOnlyWhatTheUpdateTakes: read-only members (ids, ARNs,
// dates, statuses) never reach the document, and a renamed member is under
// the update's name.
func TestProjectKeepsOnlyWhatTheUpdateTakes(t *testing.T) {
	pool := sections[0]
	got := pool.project(map[string]any{
		"Id": "us-east-1_A", "Arn": "arn:aws:cognito-idp:...", "Name": "staging", "Status": "Enabled",
		"CreationDate": "2026-01-01T00:00:00Z", "LastModifiedDate": "2026-01-02T00:00:00Z",
		"EstimatedNumberOfUsers": 3.0, "Domain": "example", "DeletionProtection": "ACTIVE",
		"SchemaAttributes": []any{map[string]any{"Name": "custom:tenant"}},
	})
	want := map[string]any{"PoolName": "staging", "DeletionProtection": "ACTIVE",
		"Schema": []any{map[string]any{"Name": "custom:tenant"}}}
	if !equal(got, want) {
		t.Errorf("projection %v, want %v", got, want)
	}
}

// TestProjectDropsTheDeprecatedTwin: Cognito describes a deprecated member
// beside its replacement; the document holds the replacement alone.
func TestProjectDropsTheDeprecatedTwin(t *testing.T) {
	got := sections[0].project(map[string]any{
		"EmailVerificationMessage":    "code {####}",
		"VerificationMessageTemplate": map[string]any{"EmailMessage": "code {####}"},
	})
	if _, ok := got["EmailVerificationMessage"]; ok {
		t.Errorf("the deprecated member is in the document: %v", got)
	}
}
