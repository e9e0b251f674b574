package cognito

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MaxAnswerBytes caps what the gateway reads of one answer from Cognito.
// Cognito's largest answers (a page of 60 users, a full pool) are tens of
// kilobytes. Without a cap, whatever answers in Cognito's place decides how
// much memory and time a request costs: a 60 MB answer took 274 MB to decode.
const MaxAnswerBytes = 8 << 20

// Policy is the option every Cognito client of the gateway is built with,
// for cip.NewFromConfig: the retry policy (see retries), and the bounds on
// Cognito's answers. A redirect is not followed; an answer larger than
// MaxAnswerBytes is abandoned; an empty 200 to an action whose answer has
// members is a failure, not an empty result. Each of these is an error that
// Problem maps to 502 CognitoUnavailable.
func Policy(o *cip.Options) {
	retries(o)
	o.HTTPClient = withoutRedirects(o.HTTPClient)
	o.APIOptions = append(o.APIOptions, addAnswerChecks)
}

// withoutRedirects returns client with redirects refused. The SDK's own
// client follows 307 and 308, which would send a signed call wherever the
// answer points. Only the SDK's client and *http.Client can be changed; any
// other client is returned as it is, and a redirect it does not follow is
// still refused by boundAnswer.
func withoutRedirects(client cip.HTTPClient) cip.HTTPClient {
	switch c := client.(type) {
	case *awshttp.BuildableClient:
		return &http.Client{Transport: c.GetTransport(), Timeout: c.GetTimeout(), CheckRedirect: refuseRedirect}
	case *http.Client:
		refusing := *c
		refusing.CheckRedirect = refuseRedirect
		return &refusing
	}
	return client
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// addAnswerChecks installs boundAnswer between the operation's deserializer
// and the transport, where it sees the answer before it is decoded, and
// requireAnswer around the deserializer, where it sees the decoded result.
func addAnswerChecks(stack *middleware.Stack) error {
	if err := stack.Deserialize.Insert(boundAnswer, "OperationDeserializer", middleware.After); err != nil {
		return err
	}
	return stack.Deserialize.Insert(requireAnswer, "OperationDeserializer", middleware.Before)
}

// answerBodyKey holds, in an attempt's metadata, the boundedBody its answer
// is read through.
type answerBodyKey struct{}

// boundAnswer refuses a redirect and reads every answer through a
// boundedBody, including the SDK's own draining of the body. The request's
// context, and so its deadline, bounds each read: the transport ends the
// body when the context ends.
var boundAnswer = middleware.DeserializeMiddlewareFunc("BoundAnswer", func(
	ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler,
) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, metadata, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, metadata, err
	}
	answer, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || answer.Body == nil {
		return out, metadata, err
	}
	body := &boundedBody{ReadCloser: answer.Body, left: MaxAnswerBytes}
	answer.Body = body
	metadata.Set(answerBodyKey{}, body)
	if answer.StatusCode >= 300 && answer.StatusCode < 400 {
		body.left = 0
		return out, metadata, fmt.Errorf("cognito answered %s, a redirect to %q, which the gateway does not follow",
			answer.Status, answer.Header.Get("Location"))
	}
	if answer.ContentLength > MaxAnswerBytes {
		body.left = 0
		return out, metadata, fmt.Errorf("cognito's answer of %d bytes: %w", answer.ContentLength, errAnswerTooLarge)
	}
	return out, metadata, nil
})

// requireAnswer fails a successful call whose answer had no body at all,
// when the action's output has members: DescribeUserPool answered by an
// empty 200 would otherwise be a pool with nothing in it. Actions whose
// output has no members are answered with an empty body, as Cognito's API
// reference says.
var requireAnswer = middleware.DeserializeMiddlewareFunc("RequireAnswer", func(
	ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler,
) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, metadata, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, metadata, err
	}
	body, _ := metadata.Get(answerBodyKey{}).(*boundedBody)
	if body != nil && body.read == 0 && hasMembers(out.Result) {
		return out, metadata, fmt.Errorf("cognito answered %T with an empty body", out.Result)
	}
	return out, metadata, nil
})

// hasMembers reports whether an SDK output has members besides the
// ResultMetadata every output carries.
func hasMembers(output any) bool {
	t := reflect.TypeOf(output)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false
	}
	t = t.Elem()
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Name != "ResultMetadata" {
			return true
		}
	}
	return false
}

var errAnswerTooLarge = errors.New("larger than the gateway reads (cognito.MaxAnswerBytes)")

// boundedBody reads at most left bytes of an answer, then fails. It counts
// what it read, so that requireAnswer can tell an empty answer.
type boundedBody struct {
	io.ReadCloser
	left int64
	read int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells an answer of exactly the cap from a longer one.
		var probe [1]byte
		if n, err := b.ReadCloser.Read(probe[:]); n == 0 {
			return 0, err
		}
		return 0, errAnswerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	b.read += int64(n)
	return n, err
}
