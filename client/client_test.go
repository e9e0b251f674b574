package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/oapi-codegen/nullable"

	"github.com/acme/cognito-admin-gateway/client"
	"github.com/acme/cognito-admin-gateway/internal/gateway"
	"github.com/acme/cognito-admin-gateway/internal/mototest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// localGateway is the gateway served over HTTP in front of a real moto
// server, as `make run` serves it.
type localGateway struct {
	URL string
	// Direct talks to moto, not through the gateway, to check Cognito's state.
	Direct *cip.Client

	mu             sync.Mutex
	authorizations []string // the Authorization header of every request, in order
}

func startGateway(t *testing.T) *localGateway {
	t.Helper()
	endpoint := mototest.Start(t)
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cip.NewFromConfig(mototest.Config(t, endpoint)), doc, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	local := &localGateway{Direct: cip.NewFromConfig(mototest.Config(t, endpoint))}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local.mu.Lock()
		local.authorizations = append(local.authorizations, r.Header.Get("Authorization"))
		local.mu.Unlock()
		g.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	local.URL = server.URL
	return local
}

// Authorizations returns the Authorization headers the gateway has received.
func (g *localGateway) Authorizations() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.authorizations)
}

// newClient returns a generated client for g whose every answer is also
// checked against the spec.
func newClient(t *testing.T, g *localGateway, opts ...client.ClientOption) *client.ClientWithResponses {
	t.Helper()
	checked := &http.Client{Transport: spectest.New(t).Transport(t, nil)}
	api, err := client.NewClientWithResponses(g.URL, slices.Concat([]client.ClientOption{client.WithHTTPClient(checked)}, opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// createPool creates a pool through the client and returns its id.
func createPool(t *testing.T, api *client.ClientWithResponses, body client.CreateUserPoolRequest) string {
	t.Helper()
	created, err := api.CreatePoolWithResponse(context.Background(), body)
	if err := client.Check(created, err); err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != http.StatusCreated || created.JSON201 == nil || created.JSON201.ID == nil {
		t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
	}
	id := *created.JSON201.ID
	if location := created.HTTPResponse.Header.Get("Location"); location != "/pools/"+id {
		t.Errorf("Location %q, want /pools/%s", location, id)
	}
	return id
}

func TestClientPatchesAPoolWithIfMatch(t *testing.T) {
	g := startGateway(t)
	api := newClient(t, g)
	ctx := context.Background()
	id := createPool(t, api, client.CreateUserPoolRequest{
		PoolName:     "client-patch",
		UserPoolTags: &client.UserPoolTagsType{"team": "identity"},
	})

	got, err := api.GetPoolWithResponse(ctx, id)
	if err := client.Check(got, err); err != nil {
		t.Fatal(err)
	}
	if got.JSON200.Name == nil || *got.JSON200.Name != "client-patch" {
		t.Fatalf("GET: %s", got.Body)
	}
	if got.Headers200 == nil || got.Headers200.ETag == nil || *got.Headers200.ETag == "" {
		t.Fatalf("GET: no ETag in %v", got.HTTPResponse.Header)
	}
	etag := *got.Headers200.ETag

	patch := client.PatchUserPoolRequest{
		DeletionProtection: nullable.NewNullableWithValue("ACTIVE"),
		UserPoolTags:       nullable.NewNullableWithValue(map[string]*string{"owner": aws.String("ops")}),
	}
	patched, err := api.PatchPoolWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, id, &client.PatchPoolParams{IfMatch: &etag}, patch)
	if err := client.Check(patched, err); err != nil {
		t.Fatal(err)
	}
	if ct := patched.HTTPResponse.Request.Header.Get("Content-Type"); ct != "application/merge-patch+json" {
		t.Errorf("the patch went as %q", ct)
	}
	pool := patched.JSON200
	if pool.DeletionProtection == nil || *pool.DeletionProtection != client.DeletionProtectionTypeACTIVE {
		t.Errorf("DeletionProtection after the patch: %v", pool.DeletionProtection)
	}
	if tags := *pool.UserPoolTags; tags["team"] != "identity" || tags["owner"] != "ops" {
		t.Errorf("tags after the patch: %v (the merge must keep team)", tags)
	}
	if patched.Headers200 == nil || patched.Headers200.ETag == nil || *patched.Headers200.ETag == etag {
		t.Errorf("the patch answered ETag %v; want a new one", patched.Headers200)
	}

	// The ETag read before the patch is stale now: 412, nothing changed.
	stale, err := api.PatchPoolWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, id, &client.PatchPoolParams{IfMatch: &etag},
		client.PatchUserPoolRequest{DeletionProtection: nullable.NewNullableWithValue("INACTIVE")})
	if err != nil {
		t.Fatal(err)
	}
	if stale.StatusCode() != http.StatusPreconditionFailed || stale.ApplicationProblemJSON412 == nil {
		t.Fatalf("stale If-Match: %d %s, want a 412 problem", stale.StatusCode(), stale.Body)
	}
}

func TestClientPatchNullRemovesAMember(t *testing.T) {
	g := startGateway(t)
	api := newClient(t, g)
	ctx := context.Background()
	id := createPool(t, api, client.CreateUserPoolRequest{
		PoolName:                 "client-null",
		SmsAuthenticationMessage: aws.String("Your code is {####}"),
	})

	// A pointer could only leave the member out; nullable sends null.
	patch := client.PatchUserPoolRequest{SmsAuthenticationMessage: nullable.NewNullNullable[string]()}
	patched, err := api.PatchPoolWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, id, nil, patch)
	if err := client.Check(patched, err); err != nil {
		t.Fatal(err)
	}
	if m := patched.JSON200.SmsAuthenticationMessage; m != nil {
		t.Errorf("SmsAuthenticationMessage is still %q after a patch that set it to null", *m)
	}
}

func TestClientListsTheUsersItCreated(t *testing.T) {
	g := startGateway(t)
	api := newClient(t, g)
	ctx := context.Background()
	id := createPool(t, api, client.CreateUserPoolRequest{PoolName: "client-users"})

	created, err := api.CreateUserWithResponse(ctx, id, client.CreateUserJSONRequestBody{
		Username:          "ada",
		TemporaryPassword: aws.String("Temp#Passw0rd"),
		MessageAction:     ptr(client.MessageActionTypeSUPPRESS),
		UserAttributes:    &[]client.AttributeType{{Name: "email", Value: aws.String("ada@example.com")}},
	})
	if err := client.Check(created, err); err != nil {
		t.Fatal(err)
	}

	users, err := api.ListUsersWithResponse(ctx, id, &client.ListUsersParams{Filter: aws.String(`email = "ada@example.com"`)})
	if err := client.Check(users, err); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, user := range users.JSON200.Users {
		names = append(names, *user.Username)
	}
	if !slices.Equal(names, []string{"ada"}) {
		t.Errorf("users: %v, want [ada]", names)
	}
}

func TestClientDecodesTheProblemOfAnUnknownPool(t *testing.T) {
	g := startGateway(t)
	api := newClient(t, g)

	got, err := api.GetPoolWithResponse(context.Background(), "us-east-1_NoSuchPool")
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusCode() != http.StatusNotFound || got.ApplicationProblemJSON404 == nil {
		t.Fatalf("GET of an unknown pool: %d %s, want a 404 problem", got.StatusCode(), got.Body)
	}
	if p := got.ApplicationProblemJSON404; p.Status != http.StatusNotFound || p.Code == "" || p.Title == "" {
		t.Errorf("the problem: %+v", p)
	}

	var problem *client.Problem
	if err := client.Check(got, err); !errors.As(err, &problem) || problem.Code != got.ApplicationProblemJSON404.Code {
		t.Errorf("Check: %v, want the 404 problem", err)
	}
}

func TestClientReportsEveryValidationFailure(t *testing.T) {
	g := startGateway(t)
	api := newClient(t, g)

	// Both mistakes, each with its place, in one answer and in Check's error.
	got, err := api.CreatePoolWithResponse(context.Background(), client.CreateUserPoolRequest{
		PoolName:         "",
		MfaConfiguration: ptr(client.UserPoolMfaType("SOMETIMES")),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := got.ApplicationProblemJSON400
	if got.StatusCode() != http.StatusBadRequest || p == nil || p.Errors == nil || len(*p.Errors) < 2 {
		t.Fatalf("create with two mistakes: %d %s", got.StatusCode(), got.Body)
	}
	message := client.Check(got, err).Error()
	for _, place := range []string{"/PoolName: ", "/MfaConfiguration: "} {
		if !strings.Contains(message, place) {
			t.Errorf("Check's error does not say what is wrong at %s: %s", place, message)
		}
	}
}

func TestSigV4ClientWorksAgainstTheGateway(t *testing.T) {
	g := startGateway(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: staticCredentials}
	api := newClient(t, g, client.WithSigV4(cfg))

	id := createPool(t, api, client.CreateUserPoolRequest{PoolName: "signed"})
	got, err := api.GetPoolWithResponse(context.Background(), id)
	if err := client.Check(got, err); err != nil {
		t.Fatal(err)
	}

	// The local gateway does not check signatures (API Gateway does), so
	// check that they were sent.
	authorizations := g.Authorizations()
	if len(authorizations) != 2 {
		t.Fatalf("the gateway got %d requests, want 2", len(authorizations))
	}
	for _, authorization := range authorizations {
		if !signedAuthorization.MatchString(authorization) {
			t.Errorf("Authorization %q is not a SigV4 signature by AKIDEXAMPLE for execute-api in us-east-1", authorization)
		}
	}
}

func ptr[T any](v T) *T { return &v }
