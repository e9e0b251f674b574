package cognito_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/benchmark"
	"github.com/acme/cognito-admin-gateway/internal/cognito"
)

// BenchmarkAppendMembers is the writing of a GET /pools/{id} answer: a full
// pool, as the SDK decodes it, to JSON.
func BenchmarkAppendMembers(b *testing.B) {
	out, err := benchmark.Client().DescribeUserPool(context.Background(),
		&cip.DescribeUserPoolInput{UserPoolId: aws.String(benchmark.PoolID)})
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, err = cognito.AppendMembers(buf[:0], out.UserPool, cognito.Filter{}, true, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
