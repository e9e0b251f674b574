package jobrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// EnsureBucket creates the bucket of exports when it is missing, as
// template.yaml declares it: public access blocked, encrypted, and objects
// expired after expireDays. It is the local server's, so that it needs no
// setup step.
func EnsureBucket(ctx context.Context, client *s3.Client, name string, expireDays int32) error {
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name})
	if err == nil {
		return nil
	}
	if _, missing := errors.AsType[*s3types.NotFound](err); !missing {
		return fmt.Errorf("find bucket %s: %w", name, err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	_, err = client.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: &name,
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true),
			IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("block public access to bucket %s: %w", name, err)
	}
	_, err = client.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
		Bucket: &name,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			}},
		},
	})
	if err != nil {
		return fmt.Errorf("encrypt bucket %s: %w", name, err)
	}
	_, err = client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: &name,
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
			Rules: []s3types.LifecycleRule{{
				ID:                             aws.String("expire-job-files"),
				Status:                         s3types.ExpirationStatusEnabled,
				Filter:                         &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
				Expiration:                     &s3types.LifecycleExpiration{Days: aws.Int32(expireDays)},
				AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)},
			}},
		},
	})
	if err != nil {
		return fmt.Errorf("expire the objects of bucket %s: %w", name, err)
	}
	return nil
}

// ResultURLExpiry is how long the pre-signed URL of an export is valid.
const ResultURLExpiry = 15 * time.Minute

// ResultURL is a pre-signed GET URL of key, valid for ResultURLExpiry.
func ResultURL(ctx context.Context, client *s3.Client, bucket, key string) (string, error) {
	request, err := s3.NewPresignClient(client).PresignGetObject(ctx,
		&s3.GetObjectInput{Bucket: &bucket, Key: &key}, s3.WithPresignExpires(ResultURLExpiry))
	if err != nil {
		return "", err
	}
	return request.URL, nil
}
