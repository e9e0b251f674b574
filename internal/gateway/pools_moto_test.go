package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

const preSignUpARN = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"

// createRichPool creates, behind the gateway's back, a pool with the
// settings UpdateUserPool resets when they are not sent again.
func createRichPool(t *testing.T, m *motoGateway) string {
	t.Helper()
	out, err := m.Direct.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{
		PoolName:     aws.String("rich"),
		LambdaConfig: &types.LambdaConfigType{PreSignUp: aws.String(preSignUpARN)},
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength: aws.Int32(14), RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3}},
		UserPoolTags: map[string]string{"team": "identity", "cost-center": "42"},
		DeviceConfiguration: &types.DeviceConfigurationType{
			ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.UserPool.Id
}

func TestPatchPoolKeepsEverythingAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	id := createRichPool(t, m)

	var pool map[string]any
	resp := m.do(t, "PATCH", "/pools/"+id, `{"DeletionProtection": "ACTIVE"}`,
		map[string]string{"Content-Type": "application/merge-patch+json"}, &pool)
	expect(t, resp, http.StatusOK)
	if resp.Header.Get("ETag") == "" || pool["DeletionProtection"] != "ACTIVE" {
		t.Fatalf("answer: %v %v", resp.Header, pool)
	}

	// A separate client, not the gateway, proves what Cognito now holds.
	out, err := m.Direct.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: &id})
	if err != nil {
		t.Fatal(err)
	}
	p := out.UserPool
	if p.DeletionProtection != types.DeletionProtectionTypeActive {
		t.Errorf("DeletionProtection %q: the patch was not applied", p.DeletionProtection)
	}
	if p.LambdaConfig == nil || aws.ToString(p.LambdaConfig.PreSignUp) != preSignUpARN {
		t.Errorf("the PreSignUp trigger was lost: %+v", p.LambdaConfig)
	}
	if pp := p.Policies.PasswordPolicy; aws.ToInt32(pp.MinimumLength) != 14 || !pp.RequireSymbols || pp.TemporaryPasswordValidityDays != 3 {
		t.Errorf("the password policy was reset: %+v", pp)
	}
	if p.UserPoolTags["team"] != "identity" || p.UserPoolTags["cost-center"] != "42" {
		t.Errorf("tags were lost: %v", p.UserPoolTags)
	}
	if d := p.DeviceConfiguration; d == nil || !d.ChallengeRequiredOnNewDevice || !d.DeviceOnlyRememberedOnUserPrompt {
		t.Errorf("the device configuration was lost: %+v", d)
	}
	if aws.ToString(p.Name) != "rich" {
		t.Errorf("the name changed to %q", aws.ToString(p.Name))
	}
}

func TestPoolLifecycleAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)

	var created map[string]any
	resp := m.do(t, "POST", "/pools", `{"PoolName": "lifecycle", "UserPoolTags": {"env": "test"}}`, nil, &created)
	expect(t, resp, http.StatusCreated)
	id, _ := created["Id"].(string)
	if id == "" || resp.Header.Get("Location") != "/pools/"+id {
		t.Fatalf("created %v, Location %q", created, resp.Header.Get("Location"))
	}

	var got map[string]any
	resp = m.do(t, "GET", "/pools/"+id, "", nil, &got)
	expect(t, resp, http.StatusOK)
	etag := resp.Header.Get("ETag")
	if got["Name"] != "lifecycle" || etag == "" {
		t.Fatalf("GET: %v, ETag %q", got, etag)
	}
	if _, wrapped := got["UserPool"]; wrapped {
		t.Error("GET wraps the pool in UserPool")
	}

	// A second GET of an unchanged pool has the same ETag.
	if again := m.do(t, "GET", "/pools/"+id, "", nil, nil).Header.Get("ETag"); again != etag {
		t.Errorf("ETag unstable: %s then %s", etag, again)
	}

	// A stale If-Match is 412 and changes nothing.
	resp = m.do(t, "PATCH", "/pools/"+id, `{"MfaConfiguration": "OPTIONAL"}`, map[string]string{"If-Match": `"stale"`}, nil)
	expect(t, resp, http.StatusPreconditionFailed)
	// A dry run shows the input and changes nothing.
	var preview map[string]any
	resp = m.do(t, "PATCH", "/pools/"+id+"?dryRun=true", `{"UserPoolTags": {"owner": "ops"}}`, nil, &preview)
	expect(t, resp, http.StatusOK)
	if tags, _ := preview["UserPoolTags"].(map[string]any); tags["env"] != "test" || tags["owner"] != "ops" || preview["UserPoolId"] != id {
		t.Errorf("dry run preview %v", preview)
	}
	out, err := m.Direct.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.UserPool.UserPoolTags["owner"]; ok {
		t.Error("the dry run changed the pool")
	}

	// The current ETag lets a PUT through; PUT is Cognito's replacement.
	var replaced map[string]any
	resp = m.do(t, "PUT", "/pools/"+id, `{"UserPoolTags": {"env": "prod"}}`, map[string]string{"If-Match": etag}, &replaced)
	expect(t, resp, http.StatusOK)
	if resp.Header.Get("ETag") == etag {
		t.Error("PUT left the ETag unchanged")
	}

	var list struct {
		UserPools []map[string]any
		NextToken string
	}
	m.do(t, "POST", "/pools", `{"PoolName": "second"}`, nil, nil)
	resp = m.do(t, "GET", "/pools?Limit=1", "", nil, &list)
	expect(t, resp, http.StatusOK)
	link := resp.Header.Get("Link")
	if len(list.UserPools) != 1 || list.NextToken == "" || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("page 1: %+v, Link %q", list, link)
	}
	next := strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
	var page2 struct{ UserPools []map[string]any }
	expect(t, m.do(t, "GET", next, "", nil, &page2), http.StatusOK)
	if len(page2.UserPools) != 1 || page2.UserPools[0]["Id"] == list.UserPools[0]["Id"] {
		t.Errorf("page 2: %+v", page2)
	}

	expect(t, m.do(t, "DELETE", "/pools/"+id, "", nil, nil), http.StatusNoContent)
	expect(t, m.do(t, "GET", "/pools/"+id, "", nil, nil), http.StatusNotFound)
}
