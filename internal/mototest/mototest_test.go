package mototest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/mototest"
)

func TestCreatedUserPoolIsListedBack(t *testing.T) {
	endpoint := mototest.Start(t)
	client := cip.NewFromConfig(mototest.Config(t, endpoint))
	ctx := context.Background()

	created, err := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("harness-check")})
	if err != nil {
		t.Fatalf("CreateUserPool: %v", err)
	}
	poolID := aws.ToString(created.UserPool.Id)
	if poolID == "" {
		t.Fatal("CreateUserPool returned no pool ID")
	}

	// MaxResults is required; the SDK rejects the call client-side without it.
	listed, err := client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		t.Fatalf("ListUserPools: %v", err)
	}
	if len(listed.UserPools) != 1 {
		t.Fatalf("ListUserPools returned %d pools, want exactly the one created", len(listed.UserPools))
	}
	if got := listed.UserPools[0]; aws.ToString(got.Id) != poolID || aws.ToString(got.Name) != "harness-check" {
		t.Errorf("listed pool = {Id: %q, Name: %q}, want {Id: %q, Name: %q}",
			aws.ToString(got.Id), aws.ToString(got.Name), poolID, "harness-check")
	}
}

func TestEachServerStartsEmpty(t *testing.T) {
	first := cip.NewFromConfig(mototest.Config(t, mototest.Start(t)))
	if _, err := first.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("only-in-first")}); err != nil {
		t.Fatalf("CreateUserPool: %v", err)
	}

	second := cip.NewFromConfig(mototest.Config(t, mototest.Start(t)))
	listed, err := second.ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		t.Fatalf("ListUserPools: %v", err)
	}
	if len(listed.UserPools) != 0 {
		t.Errorf("second server lists %d pools, want 0: state leaked between servers", len(listed.UserPools))
	}
}
