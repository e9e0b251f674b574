// Package benchmark holds what the gateway's benchmarks share: a Cognito
// that answers from memory with canned JSON-RPC responses, and an SDK client
// wired to it the way production wires its own.
//
// The canned answers go through the SDK's real serializer, signer, retryer
// and deserializer, so a benchmark of the gateway and one of the bare SDK
// call differ only in what the gateway adds. It is not a Cognito stand-in for
// tests: it checks nothing and remembers nothing (see internal/cognitotest).
package benchmark

import (
	"bytes"
	"embed"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
)

// PoolID is the pool every canned answer describes.
const PoolID = "us-east-1_Example1"

const targetPrefix = "AWSCognitoIdentityProviderService."

// Transport answers Cognito's JSON-RPC requests from memory: the canned
// answer of the action named in X-Amz-Target, or an empty object. It reads
// the whole request body, as a real transport sends it.
type Transport struct{}

// RoundTrip implements http.RoundTripper.
func (Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	body := answerOf(r.Header.Get("X-Amz-Target"))
	return &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":     {"application/x-amz-json-1.1"},
			"X-Amzn-Requestid": {"benchmark"},
		},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// Handler serves the same canned answers over HTTP, for a gateway process
// pointed at it with AWS_ENDPOINT_URL.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body := answerOf(r.Header.Get("X-Amz-Target"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", "benchmark")
		_, _ = w.Write(body)
	})
}

func answerOf(target string) []byte {
	if body, ok := answers[strings.TrimPrefix(target, targetPrefix)]; ok {
		return body
	}
	return []byte("{}")
}

// Client is an SDK client whose requests Transport answers, with the
// gateway's policy (cognito.Policy), as host.Build makes it.
func Client() *cip.Client {
	return cip.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: Transport{}},
	}, cognito.Policy)
}

// answers are Cognito's canned outputs by action, one file each in answers/,
// shaped as the Cognito API reference documents them. DescribeUserPool is a
// full pool, standard schema attributes and all, as Cognito returns it.
var answers = func() map[string][]byte {
	entries, err := answerFiles.ReadDir("answers")
	if err != nil {
		panic(err)
	}
	m := make(map[string][]byte, len(entries))
	for _, e := range entries {
		body, err := answerFiles.ReadFile("answers/" + e.Name())
		if err != nil {
			panic(err)
		}
		// Cognito sends compact JSON; the files are indented for people.
		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			panic(e.Name() + ": " + err.Error())
		}
		m[strings.TrimSuffix(e.Name(), ".json")] = compact.Bytes()
	}
	return m
}()

//go:embed answers/*.json
var answerFiles embed.FS
