package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
)

// etag is the ETag as the README defines it, written independently of the
// gateway's encoders: the digest of json.Marshal's encoding of a resource's
// JSON document, without its volatile members. resourceETag must agree
// with it on every SDK value.
func etag(resource map[string]any) string {
	stable := make(map[string]any, len(resource))
	for k, v := range resource {
		if k != "EstimatedNumberOfUsers" && k != "LastModifiedDate" {
			stable[k] = v
		}
	}
	encoded, _ := json.Marshal(stable)
	sum := sha256.Sum256(encoded)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// TestResourceETagIsTheDigestOfTheDocument holds the one ETag function to
// the README's definition, on SDK values whose strings json.Marshal
// escapes (<, >, &, U+2028) or keeps (non-ASCII), and with the members an
// operation leaves out (ClientSecret) and the volatile ones.
func TestResourceETagIsTheDigestOfTheDocument(t *testing.T) {
	created := time.Date(2026, 11, 21, 22, 8, 48, 0, time.UTC)
	pools := []*types.UserPoolType{
		{Id: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOff},
		{Id: aws.String(poolID), Name: aws.String("example"), EstimatedNumberOfUsers: 3, LastModifiedDate: &created,
			CreationDate: &created, UserPoolTags: map[string]string{"team": "<R&D> Zürich", "città": "東京 \u2028"},
			EmailVerificationSubject: aws.String("Vérifiez <votre> adresse & merci"),
			Policies:                 &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12)}}},
		{},
	}
	for _, pool := range pools {
		document := cognito.Document(pool).(map[string]any)
		if got, want := resourceETag(pool, cognito.Filter{Omit: volatileMembers}), etag(document); got != want {
			t.Errorf("%v: %s, want %s", document, got, want)
		}
	}
	client := &types.UserPoolClientType{ClientId: aws.String(clientID), ClientSecret: aws.String(clientSecret), ClientName: aws.String("a<b")}
	covered := cognito.Filter{Omit: append([]string{"ClientSecret"}, volatileMembers...)}
	shown := cognito.Document(client).(map[string]any)
	delete(shown, "ClientSecret")
	if got, want := resourceETag(client, covered), etag(shown); got != want {
		t.Errorf("client without its secret: %s, want %s", got, want)
	}
}

// TestETagLeavesOutVolatileMembers: the user count and the modification
// date change on their own; the ETag must not.
func TestETagLeavesOutVolatileMembers(t *testing.T) {
	modified := time.Date(2026, 11, 21, 22, 8, 48, 0, time.UTC)
	pool := &types.UserPoolType{Id: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOff}
	volatile := *pool
	volatile.EstimatedNumberOfUsers, volatile.LastModifiedDate = 3, &modified
	covered := cognito.Filter{Omit: volatileMembers}
	if resourceETag(pool, covered) != resourceETag(&volatile, covered) {
		t.Errorf("volatile members changed the ETag")
	}
}
