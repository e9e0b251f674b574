package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
)

// TestDeleteProtectedPoolIsRefusedAgainstMoto: moto deletes a pool whose
// DeletionProtection is ACTIVE, where Cognito would refuse; the gateway
// refuses it itself, with 409 DeletionProtected, and the pool survives.
func TestDeleteProtectedPoolIsRefusedAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	ctx := context.Background()
	out, err := m.Direct.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("protected"), DeletionProtection: types.DeletionProtectionTypeActive})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.UserPool.Id)

	var refusal map[string]any
	expect(t, m.do(t, "DELETE", "/pools/"+id, "", nil, &refusal), http.StatusConflict)
	if refusal["code"] != "DeletionProtected" {
		t.Errorf("refusal %v", refusal)
	}
	if _, err := m.Direct.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id}); err != nil {
		t.Fatalf("the protected pool is gone: %v", err)
	}

	// Once protection is off, the pool can go.
	expect(t, m.do(t, "PATCH", "/pools/"+id, `{"DeletionProtection": "INACTIVE"}`, nil, nil), http.StatusOK)
	expect(t, m.do(t, "DELETE", "/pools/"+id, "", nil, nil), http.StatusNoContent)
	if _, err := m.Direct.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &id}); err == nil {
		t.Error("the unprotected pool was not deleted")
	}
}

// TestDeleteProtectedPoolNeverCallsDeleteUserPool pins the calls: only the
// Describe for a protected pool; Describe then Delete for another.
func TestDeleteProtectedPoolNeverCallsDeleteUserPool(t *testing.T) {
	for _, c := range []struct {
		protection string
		status     int
		calls      string
	}{
		{"ACTIVE", http.StatusConflict, "DescribeUserPool"},
		{"INACTIVE", http.StatusNoContent, "DescribeUserPool,DeleteUserPool"},
	} {
		t.Run(c.protection, func(t *testing.T) {
			stub := cognitotest.New(t)
			pool := describedPool()
			pool["UserPool"].(map[string]any)["DeletionProtection"] = c.protection
			stub.Handle("DescribeUserPool", cognitotest.Reply(pool))
			stub.Handle("DeleteUserPool", cognitotest.Reply(map[string]any{}))
			rec := serveStandIn(t, stub, "DELETE", "/pools/"+poolID, "", nil)
			if rec.Code != c.status || callNames(stub) != c.calls {
				t.Errorf("%d %s; calls %s", rec.Code, rec.Body, callNames(stub))
			}
			if c.status == http.StatusConflict && !strings.Contains(rec.Body.String(), `"code":"DeletionProtected"`) {
				t.Errorf("code: %s", rec.Body)
			}
			if in := onlyInput(t, stub, "DescribeUserPool"); in["UserPoolId"] != poolID {
				t.Errorf("DescribeUserPool input %v", in)
			}
		})
	}
}
