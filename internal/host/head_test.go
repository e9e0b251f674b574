package host

import (
	"context"
	"net/http"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/eventstest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestLambdaHeadSendsTheGetsHeadersWithoutItsBody: in Lambda, where nothing
// drops a body after the handler as net/http does, a HEAD event is answered
// with the GET's status and ETag, and an empty body.
func TestLambdaHeadSendsTheGetsHeadersWithoutItsBody(t *testing.T) {
	handler := LambdaHandler(newGateway(t, eventstest.StandIn(t), nil))
	get, err := handler(context.Background(), readEvent(t, "get-pool"))
	if err != nil {
		t.Fatal(err)
	}
	event := readEvent(t, "head-pool")
	head, err := handler(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	getETag, headETag := eventstest.Header(get).Get("ETag"), eventstest.Header(head).Get("ETag")
	if head.StatusCode != get.StatusCode || head.Body != "" || get.Body == "" || getETag == "" || headETag != getETag {
		t.Errorf("HEAD: %d, ETag %q, body %q; GET: %d, ETag %q", head.StatusCode, headETag, head.Body, get.StatusCode, getETag)
	}
	eventstest.Check(t, spectest.New(t), eventstest.Case{Event: "head-pool", Status: http.StatusOK}, event, head)
}
