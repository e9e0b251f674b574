package cognito

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// TestRedirectsAreNotFollowed, with the SDK's own HTTP client (what
// host.Build gets from the default configuration, which follows 307 and
// 308) and with a plain *http.Client (which follows every redirect).
func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed atomic.Int32
	var target string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Add(1)
			_, _ = w.Write([]byte(`{"UserPool": {"Id": "us-east-1_Example1"}}`))
			return
		}
		status, _ := strconv.Atoi(target)
		http.Redirect(w, r, "http://"+r.Host+"/elsewhere", status)
	}))
	t.Cleanup(server.Close)
	clients := map[string]aws.HTTPClient{
		"SDK client":   awshttp.NewBuildableClient(),
		"*http.Client": &http.Client{},
	}
	for name, httpClient := range clients {
		for _, status := range []string{"301", "307", "308"} {
			t.Run(name+" "+status, func(t *testing.T) {
				target = status
				followed.Store(0)
				client := cip.NewFromConfig(aws.Config{
					Region:       "us-east-1",
					Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
					BaseEndpoint: aws.String(server.URL),
					HTTPClient:   httpClient,
				}, Policy)
				err := describePool(context.Background(), client)
				if p := Problem(err); p.Status != http.StatusBadGateway || p.Code != "CognitoUnavailable" {
					t.Errorf("error %v, as %d %s; want 502 CognitoUnavailable", err, p.Status, p.Code)
				}
				if n := followed.Load(); n != 0 {
					t.Errorf("the redirect was followed %d times", n)
				}
			})
		}
	}
}

// TestEmptyAnswers: an empty 200 is a failure for an action whose answer
// has members, and the normal answer of one whose answer has none, as the
// Cognito API reference says of AdminDeleteUser and its like.
func TestEmptyAnswers(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	}))
	t.Cleanup(server.Close)
	client := retryingClient(server.URL, true)
	err := describePool(context.Background(), client)
	if err == nil {
		t.Error("DescribeUserPool answered empty: no error")
	} else if p := Problem(err); p.Status != http.StatusBadGateway || p.Code != "CognitoUnavailable" {
		t.Errorf("DescribeUserPool answered empty: error %v, as %d %s; want 502 CognitoUnavailable", err, p.Status, p.Code)
	}
	_, err = client.AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{
		UserPoolId: aws.String("us-east-1_Example1"), Username: aws.String("jane")})
	if err != nil {
		t.Errorf("AdminDeleteUser answered empty: %v", err)
	}
}

// TestAnswersAreCapped: an answer of exactly MaxAnswerBytes is read; one
// byte more, with its length declared or not, is refused without reading
// the rest. AdminDeleteUser's answer has no members, so the SDK reads its
// body only to discard it: the test costs no JSON decoding.
func TestAnswersAreCapped(t *testing.T) {
	cases := []struct {
		name    string
		size    int
		declare bool
		status  int // 0 for no error
	}{
		{"at the cap", MaxAnswerBytes, true, 0},
		{"at the cap, chunked", MaxAnswerBytes, false, 0},
		{"over the cap, declared", MaxAnswerBytes + 1, true, http.StatusBadGateway},
		{"over the cap, chunked", MaxAnswerBytes + 1, false, http.StatusBadGateway},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				if c.declare {
					w.Header().Set("Content-Length", strconv.Itoa(c.size))
				} else {
					w.Header().Set("Transfer-Encoding", "chunked")
				}
				_, _ = w.Write([]byte(strings.Repeat(" ", c.size)))
			}))
			t.Cleanup(server.Close)
			_, err := retryingClient(server.URL, true).AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{
				UserPoolId: aws.String("us-east-1_Example1"), Username: aws.String("jane")})
			switch {
			case c.status == 0 && err != nil:
				t.Errorf("error %v", err)
			case c.status != 0 && err == nil:
				t.Error("no error")
			case c.status != 0 && Problem(err).Status != c.status:
				t.Errorf("error %v, as %d; want %d", err, Problem(err).Status, c.status)
			}
		})
	}
}
