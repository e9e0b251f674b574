package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestHeadIsTheGetWithoutItsBodyOnEveryGetRoute: HEAD on every GET route of
// the spec answers as the GET does, status and headers (ETag among them),
// with the same Cognito calls and no body; it is logged as HEAD, and not
// audited.
func TestHeadIsTheGetWithoutItsBodyOnEveryGetRoute(t *testing.T) {
	checker := spectest.New(t)
	withETag := 0
	for path, item := range checker.Doc.Paths.Map() {
		if item.Get == nil {
			continue
		}
		t.Run(item.Get.OperationID, func(t *testing.T) {
			target := exampleTarget(t, path)
			answers := map[string]*httptest.ResponseRecorder{}
			calls := map[string][]string{}
			var logs bytes.Buffer
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				stub := cognitotest.New(t)
				stub.Handle("DescribeUserPool", cognitotest.Reply(describedPool()))
				stub.Handle("GetGroup", cognitotest.Reply(describedGroup()))
				stub.Handle("DescribeUserPoolClient", cognitotest.Reply(describedClient()))
				stub.Handle("AdminGetUser", cognitotest.Reply(map[string]any{"Username": "ada", "Enabled": true, "UserStatus": "CONFIRMED"}))
				stub.HandleOthers(cognitotest.Reply(map[string]any{}))
				logs.Reset()
				g, err := New(stub.Client(), loadSpec(t), Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
				if err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(method, target, nil)
				req.Header.Set("Authorization", "Bearer "+accessToken)
				answers[method] = checker.Serve(t, g, req)
				for _, c := range stub.Calls() {
					calls[method] = append(calls[method], c.Action)
				}
			}
			get, head := answers[http.MethodGet], answers[http.MethodHead]
			if head.Code != get.Code || head.Body.Len() != 0 {
				t.Errorf("HEAD: %d with %d bytes; GET: %d", head.Code, head.Body.Len(), get.Code)
			}
			if got, want := withoutRequestID(head.Header()), withoutRequestID(get.Header()); !reflect.DeepEqual(got, want) {
				t.Errorf("HEAD headers %v, GET's %v", got, want)
			}
			if !reflect.DeepEqual(calls[http.MethodHead], calls[http.MethodGet]) {
				t.Errorf("HEAD called %v, GET %v", calls[http.MethodHead], calls[http.MethodGet])
			}
			if !strings.Contains(logs.String(), `"method":"HEAD"`) || strings.Contains(logs.String(), `"msg":"audit"`) {
				t.Errorf("HEAD logged as: %s", logs.String())
			}
			if get.Code == http.StatusOK && get.Header().Get("ETag") != "" {
				withETag++
			}
		})
	}
	// Pools, groups, clients and the /docs files at least answer with one.
	if withETag < 4 {
		t.Errorf("only %d GET routes answered 200 with an ETag", withETag)
	}
}

func withoutRequestID(h http.Header) http.Header {
	h = maps.Clone(h)
	h.Del("X-Request-Id")
	return h
}

// TestHeadOfARouteWithoutGetIs405WithAllow: HEAD is allowed exactly where
// GET is, and Allow says so.
func TestHeadOfARouteWithoutGetIs405WithAllow(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "HEAD where only POST is allowed", method: "HEAD", target: "/pools/" + poolID + "/users/ada/enable",
			status: 405, headers: map[string]string{"Allow": "POST"}},
		{name: "Allow lists HEAD beside GET", method: "POST", target: "/pools/" + poolID + "/groups/admins",
			status: 405, code: "MethodNotAllowed", headers: map[string]string{"Allow": "DELETE, GET, HEAD, PATCH"}},
		{name: "HEAD of an unknown route", method: "HEAD", target: "/nothing/here", status: 404},
	})
}

// TestHeadShowsTheETagAgainstMoto: curl -I of a pool, a user, a group and an
// app client shows the ETag their GET sends, over HTTP, with no body.
func TestHeadShowsTheETagAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	pool := createPool(t, m, "head")
	base := "/pools/" + pool
	expect(t, m.do(t, "POST", base+"/users", `{"Username": "ada", "MessageAction": "SUPPRESS"}`, nil, nil), http.StatusCreated)
	expect(t, m.do(t, "POST", base+"/groups", `{"GroupName": "admins"}`, nil, nil), http.StatusCreated)
	var client map[string]any
	expect(t, m.do(t, "POST", base+"/clients", `{"ClientName": "back-office"}`, nil, &client), http.StatusCreated)
	clientID, _ := client["ClientId"].(string)
	for _, target := range []string{base, base + "/users/ada", base + "/groups/admins", base + "/clients/" + clientID, "/pools", base + "/users"} {
		get := m.do(t, "GET", target, "", nil, nil)
		head := m.do(t, "HEAD", target, "", nil, nil)
		expect(t, get, http.StatusOK)
		expect(t, head, http.StatusOK)
		if target == base && get.Header.Get("ETag") == "" {
			t.Fatalf("GET %s: no ETag", target)
		}
		if head.Header.Get("ETag") != get.Header.Get("ETag") || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: ETag %q, Content-Type %q; GET's %q, %q", target, head.Header.Get("ETag"),
				head.Header.Get("Content-Type"), get.Header.Get("ETag"), get.Header.Get("Content-Type"))
		}
		if body, _ := io.ReadAll(head.Body); len(body) != 0 {
			t.Errorf("HEAD %s: a body of %d bytes", target, len(body))
		}
	}
}
