package gateway

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/openapi"
)

func newLazyGateway(t *testing.T, stub *cognitotest.Server) *Gateway {
	t.Helper()
	spec, err := openapi.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(stub.Client(), spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLazyDocumentCompilesLikeTheLoadedOne: every operation compiles, and
// compiled on first use from a lazily loaded document, is the one compiled
// from the loaded document. New compiles none.
func TestLazyDocumentCompilesLikeTheLoadedOne(t *testing.T) {
	stub := cognitotest.New(t)
	eager, lazy := newTestGateway(t, stub), newLazyGateway(t, stub)
	if i, ok := lazy.spec.Index("getPool"); !ok || lazy.operations[i].op != nil {
		t.Fatal("New compiled an operation, or left getPool out")
	}
	if len(eager.operations) < 50 || len(lazy.operations) != len(eager.operations) {
		t.Fatalf("%d operations, lazily %d", len(eager.operations), len(lazy.operations))
	}
	for _, id := range eager.spec.OperationIDs() {
		o, err := eager.compiled(id)
		if err != nil {
			t.Errorf("%s does not compile: %v", id, err)
			continue
		}
		want, got := comparable(o), comparable(lazy.operationByID(id))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s compiled lazily:\n%+v\nwant\n%+v", id, got, want)
		}
	}
}

// comparable is o without its functions, with its actions by name, and
// without the responses of the operation it validates requests against:
// lazily, the schemas of the answers are left empty, for no request reads
// them.
func comparable(o *operation) any {
	if o == nil {
		return nil
	}
	c := *o
	c.handle = nil
	unsecured := *c.unsecured
	unsecured.Responses = nil
	c.unsecured = &unsecured
	route := *c.route
	route.Operation = &unsecured
	c.route = &route
	var names []string
	for _, a := range c.actions {
		names = append(names, a.Name)
	}
	c.actions = nil
	return struct {
		operation
		Actions []string
	}{c, names}
}

// lazyRequests are requests of operations that share responses and
// schemas, the spec's own description among them.
var lazyRequests = []struct{ method, target, body string }{
	{http.MethodPatch, "/pools/" + poolID, `{"MfaConfiguration": "OFF", "UserPoolTags": {"owner": "ops"}}`},
	{http.MethodGet, "/pools/" + poolID, ""},
	{http.MethodGet, "/pools?Limit=5", ""},
	{http.MethodPost, "/pools", `{"PoolName": "", "Surprise": 1}`},
	{http.MethodPut, "/pools", ""},
	{http.MethodGet, "/nowhere", ""},
	{http.MethodGet, "/me", ""},
	{http.MethodGet, "/openapi.json", ""},
}

func lazyStub(t *testing.T) *cognitotest.Server {
	stub := cognitotest.New(t)
	stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
	stub.Handle("UpdateUserPool", cognitotest.Reply(map[string]any{}))
	stub.Handle("ListUserPools", cognitotest.Reply(map[string]any{"UserPools": []any{map[string]any{"Id": poolID}}}))
	return stub
}

func serveLazyRequest(g *Gateway, i int) *httptest.ResponseRecorder {
	r := lazyRequests[i]
	req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
	req = req.WithContext(invocation.With(req.Context(), invocation.Info{RequestID: "lazy-or-not"}))
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	answer := httptest.NewRecorder()
	g.ServeHTTP(answer, req)
	answer.Header().Del("X-Request-Id")
	return answer
}

func checkSameAnswer(t *testing.T, i int, got, want *httptest.ResponseRecorder) {
	t.Helper()
	if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) || got.Body.String() != want.Body.String() {
		r := lazyRequests[i]
		t.Errorf("%s %s: lazily %d %v\n%s\nwant %d %v\n%s", r.method, r.target,
			got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
	}
}

// TestLazyDocumentAnswersLikeTheLoadedOne sends the same requests to a
// gateway over each.
func TestLazyDocumentAnswersLikeTheLoadedOne(t *testing.T) {
	stub := lazyStub(t)
	lazy, eager := newLazyGateway(t, stub), newTestGateway(t, stub)
	for i := range lazyRequests {
		checkSameAnswer(t, i, serveLazyRequest(lazy, i), serveLazyRequest(eager, i))
	}
}

// TestLazyDocumentAnswersConcurrentFirstRequests: requests that each decode
// parts of the document, some the same parts, all at once; under -race,
// this is where decoding and reading would collide.
func TestLazyDocumentAnswersConcurrentFirstRequests(t *testing.T) {
	stub := lazyStub(t)
	eager := newTestGateway(t, stub)
	want := make([]*httptest.ResponseRecorder, len(lazyRequests))
	for i := range lazyRequests {
		want[i] = serveLazyRequest(eager, i)
	}
	for range 3 {
		lazy := newLazyGateway(t, stub)
		got := make([]*httptest.ResponseRecorder, 2*len(lazyRequests))
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i] = serveLazyRequest(lazy, i%len(lazyRequests)) })
		}
		wg.Wait()
		for i := range got {
			checkSameAnswer(t, i%len(lazyRequests), got[i], want[i%len(lazyRequests)])
		}
	}
}
