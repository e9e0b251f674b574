package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/acme/cognito-admin-gateway/internal/cognitotest"
	"github.com/acme/cognito-admin-gateway/internal/spectest"
)

// TestMeOutsideTheAllowListIsRefusedAgainstMoto: with only pool A allowed,
// a real access token of pool F neither reads nor changes its user through
// /me, while a token of pool A does.
func TestMeOutsideTheAllowListIsRefusedAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	allowed, allowedToken := signIn(t, m, "ada", "Correct-Horse-9")
	other, otherToken := signIn(t, m, "eve", "Correct-Horse-9")
	guarded := m.with(t, Options{AllowedPools: []string{allowed}})
	bearerOf := func(token string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }

	var refusal map[string]any
	expect(t, guarded.do(t, "GET", "/me", "", bearerOf(otherToken), &refusal), http.StatusForbidden)
	if refusal["code"] != "Forbidden" {
		t.Errorf("refusal %v", refusal)
	}
	expect(t, guarded.do(t, "PATCH", "/me/attributes", `{"UserAttributes": [{"Name": "given_name", "Value": "Mallory"}]}`,
		bearerOf(otherToken), nil), http.StatusForbidden)
	user, err := m.Direct.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &other, Username: aws.String("eve")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range user.UserAttributes {
		if aws.ToString(a.Name) == "given_name" {
			t.Errorf("the refused PATCH changed eve: given_name %q", aws.ToString(a.Value))
		}
	}

	var me map[string]any
	expect(t, guarded.do(t, "GET", "/me", "", bearerOf(allowedToken), &me), http.StatusOK)
	if me["Username"] != "ada" {
		t.Errorf("GET /me with the allowed pool's token: %v", me)
	}
	// A token whose payload names no pool cannot be checked: 401.
	resp := guarded.do(t, "GET", "/me", "", bearer, nil)
	expect(t, resp, http.StatusUnauthorized)
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// TestMeAllowListIsCheckedBeforeCognito: under an allow-list, a token of
// another pool, or one whose payload names no Cognito pool, never reaches
// Cognito.
func TestMeAllowListIsCheckedBeforeCognito(t *testing.T) {
	cases := []struct {
		name, token string
		status      int
	}{
		{"another pool", tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", "sub": "s"}), 403},
		{"an allowed pool's name inside another's", tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/" + poolID + "x"}), 403},
		{"an issuer that is not Cognito", tokenFor(map[string]any{"iss": "https://example.com/" + poolID}), 401},
		{"a path under the pool", tokenFor(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/" + poolID + "/x"}), 401},
		{"no iss", tokenFor(map[string]any{"sub": "s"}), 401},
		{"a payload that is not JSON", "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".c2ln", 401},
		{"not a JWT", "opaque-token", 401},
	}
	stub := cognitotest.New(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gatewayWith(t, stub, Options{AllowedPools: []string{poolID}})
			req := httptest.NewRequest("GET", "/me", nil)
			req.Header.Set("Authorization", "Bearer "+c.token)
			rec := spectest.New(t).Serve(t, g, req)
			if rec.Code != c.status {
				t.Errorf("%d, want %d: %s", rec.Code, c.status, rec.Body)
			}
		})
	}
	if calls := callNames(stub); calls != "" {
		t.Errorf("Cognito was called: %s", calls)
	}
}

// tokenFor is a JWT-shaped token with payload: enough for the gateway,
// which reads the payload unverified; Cognito (here the stand-in) would
// check the signature.
func tokenFor(payload map[string]any) string {
	encoded, _ := json.Marshal(payload)
	return "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0." + base64.RawURLEncoding.EncodeToString(encoded) + ".c2lnbmF0dXJl"
}

// TestAllowListedPoolsFillThePageAgainstMoto: with 2 of 25 pools allowed,
// the first page has both and no NextToken, and pages of one are never
// empty: the client cannot count the pools it is not allowed to see.
func TestAllowListedPoolsFillThePageAgainstMoto(t *testing.T) {
	m := startMotoGateway(t)
	var ids []string
	for i := range 25 {
		out, err := m.Direct.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String(fmt.Sprintf("pool-%02d", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.UserPool.Id))
	}
	allowed := []string{ids[7], ids[19]}
	guarded := m.with(t, Options{AllowedPools: allowed})

	var page struct {
		UserPools []map[string]any
		NextToken string
	}
	resp := guarded.do(t, "GET", "/pools", "", nil, &page)
	expect(t, resp, http.StatusOK)
	if got := poolIDs(page.UserPools); !slices.Equal(sorted(got), sorted(allowed)) || page.NextToken != "" || resp.Header.Get("Link") != "" {
		t.Errorf("first page %v, NextToken %q, Link %q; want %v and no next page", got, page.NextToken, resp.Header.Get("Link"), allowed)
	}

	pages := walkPools(t, func(next string) (*http.Response, listPage) {
		var p listPage
		return guarded.do(t, "GET", "/pools?Limit=1"+next, "", nil, &p), p
	})
	if len(pages) != 2 || !slices.Equal(sorted(slices.Concat(pages...)), sorted(allowed)) {
		t.Errorf("pages of one: %v, want %v, one per page", pages, allowed)
	}
}

// TestFilledPagesResumeExactly walks Cognito pages of four through the
// stand-in with every Limit: each page but the last is full, and every
// allowed pool is shown once, in Cognito's order, wherever a page stopped
// (in the middle of a Cognito page too).
func TestFilledPagesResumeExactly(t *testing.T) {
	stub, pools := pagedPools(t, 23, 4, nil)
	allowed := []string{pools[1], pools[2], pools[3], pools[9], pools[22]}
	g := gatewayWith(t, stub, Options{AllowedPools: allowed})
	for limit := 1; limit <= 6; limit++ {
		pages := walkPools(t, func(next string) (*http.Response, listPage) {
			rec := spectest.New(t).Serve(t, g, httptest.NewRequest("GET", fmt.Sprintf("/pools?Limit=%d%s", limit, next), nil))
			var p listPage
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			return rec.Result(), p
		})
		if got := slices.Concat(pages...); !slices.Equal(got, allowed) {
			t.Errorf("Limit=%d: %v, want %v", limit, pages, allowed)
		}
		for i, page := range pages {
			if len(page) != limit && i < len(pages)-1 || len(page) == 0 {
				t.Errorf("Limit=%d: page %d has %d pools: %v", limit, i, len(page), pages)
			}
		}
	}
	for _, call := range stub.Calls() {
		if call.Input["MaxResults"] != 60.0 {
			t.Fatalf("ListUserPools input %v: pages are read at Cognito's largest", call.Input)
		}
	}
}

// TestFilledPageStopsBeforeTheDeadline: when another read of Cognito would
// not fit in what is left of the deadline, the page holds what was read,
// with a NextToken, instead of a 504 with nothing.
func TestFilledPageStopsBeforeTheDeadline(t *testing.T) {
	t.Run("a slow read is not followed by another", func(t *testing.T) {
		// The first read takes 0.4 s of the 1 s deadline: a second
		// would not fit twice in what is left.
		stub, pools := pagedPools(t, 8, 4, func(page int) { time.Sleep(400 * time.Millisecond) })
		g := gatewayWith(t, stub, Options{AllowedPools: []string{pools[1], pools[5]}})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rec := spectest.New(t).Serve(t, g, httptest.NewRequest("GET", "/pools", nil).WithContext(ctx))
		var p listPage
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != 200 || !slices.Equal(poolIDs(p.UserPools), pools[1:2]) || p.NextToken == "" || len(stub.Calls()) != 1 {
			t.Errorf("%d %s; %d reads", rec.Code, rec.Body, len(stub.Calls()))
		}
	})
	t.Run("a read cut by the deadline resumes", func(t *testing.T) {
		release := make(chan struct{})
		var stalled atomic.Bool
		stub, pools := pagedPools(t, 8, 4, func(page int) {
			if page == 1 && !stalled.Swap(true) {
				<-release
			}
		})
		t.Cleanup(func() { close(release) }) // before the stand-in closes
		g := gatewayWith(t, stub, Options{AllowedPools: []string{pools[1], pools[5]}})
		// The deadline only has to outlast the first read: the second
		// stalls until the test ends, whatever the deadline. 300 ms was
		// too short for the first under -race on a loaded machine.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rec := spectest.New(t).Serve(t, g, httptest.NewRequest("GET", "/pools", nil).WithContext(ctx))
		var p listPage
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != 200 || !slices.Equal(poolIDs(p.UserPools), pools[1:2]) || p.NextToken == "" {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		// Bounded, since a gateway that did not stop would read the
		// stalled page here.
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rec = spectest.New(t).Serve(t, g, httptest.NewRequest("GET", "/pools?NextToken="+p.NextToken, nil).WithContext(ctx))
		var rest listPage
		_ = json.Unmarshal(rec.Body.Bytes(), &rest)
		if rec.Code != 200 || !slices.Equal(poolIDs(rest.UserPools), pools[5:6]) || rest.NextToken != "" {
			t.Errorf("the next page: %d %s", rec.Code, rec.Body)
		}
		calls := stub.Calls()
		if last := calls[len(calls)-1].Input; last["NextToken"] != pageToken(1) {
			t.Errorf("the next page read Cognito from %v, want %q", last["NextToken"], pageToken(1))
		}
	})
}

// listPage is one page of GET /pools.
type listPage struct {
	UserPools []map[string]any
	NextToken string
}

// walkPools follows NextToken from the first page to the last, and
// returns the pool ids of each page.
func walkPools(t *testing.T, get func(next string) (*http.Response, listPage)) [][]string {
	t.Helper()
	var pages [][]string
	next := ""
	for range 50 {
		resp, page := get(next)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d", len(pages), resp.StatusCode)
		}
		pages = append(pages, poolIDs(page.UserPools))
		if page.NextToken == "" {
			return pages
		}
		next = "&NextToken=" + page.NextToken
	}
	t.Fatalf("no last page after 50: %v", pages)
	return nil
}

// pagedPools is a stand-in whose ListUserPools lists n pools, perPage at a
// time, whatever MaxResults says; each read first calls slow, if set, with
// the page's number.
func pagedPools(t *testing.T, n, perPage int, slow func(page int)) (*cognitotest.Server, []string) {
	var pools []string
	for i := range n {
		pools = append(pools, fmt.Sprintf("us-east-1_Pool%02d", i))
	}
	stub := cognitotest.New(t)
	stub.Handle("ListUserPools", func(input map[string]any) (int, any) {
		page := 0
		if token, ok := input["NextToken"].(string); ok {
			if _, err := fmt.Sscanf(token, "page+%d/==", &page); err != nil {
				return 400, map[string]any{"__type": "InvalidParameterException", "message": "bad token"}
			}
		}
		if slow != nil {
			slow(page)
		}
		var items []any
		for _, id := range pools[page*perPage : min(n, (page+1)*perPage)] {
			items = append(items, map[string]any{"Id": id, "Name": strings.ToLower(id)})
		}
		out := map[string]any{"UserPools": items}
		if (page+1)*perPage < n {
			out["NextToken"] = pageToken(page + 1)
		}
		return 200, out
	})
	return stub, pools
}

// pageToken is the stand-in's token of a page: with characters that a
// NextToken must carry through a URL.
func pageToken(page int) string { return fmt.Sprintf("page+%d/==", page) }

func poolIDs(pools []map[string]any) []string {
	ids := []string{}
	for _, p := range pools {
		id, _ := p["Id"].(string)
		ids = append(ids, id)
	}
	return ids
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
