package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// poolTokens is the SCIM token store of these tests: one fixed token per
// pool. The real store, on Secrets Manager, is tested with it.
type poolTokens map[string]string

func (p poolTokens) Verify(_ context.Context, poolID, token, _ string) error {
	if want, ok := p[poolID]; ok && token != "" && token == want {
		return nil
	}
	e := problem.New(http.StatusUnauthorized, problem.CodeUnauthorized, "The SCIM token is missing or wrong.")
	e.Header = http.Header{"Www-Authenticate": {`Bearer realm="scim"`}}
	return e
}

func (p poolTokens) Issue(context.Context, string) (string, error) {
	return "", errors.New("poolTokens issues no token")
}

// scimPool is a moto pool behind a gateway whose SCIM token for it is token.
type scimPool struct {
	*motoGateway
	pool, token string
}

func startSCIMPool(t *testing.T, create *cip.CreateUserPoolInput, opts Options) *scimPool {
	t.Helper()
	m := startMotoGateway(t)
	if create == nil {
		create = &cip.CreateUserPoolInput{}
	}
	create.PoolName = aws.String("scim")
	out, err := m.Direct.CreateUserPool(context.Background(), create)
	if err != nil {
		t.Fatal(err)
	}
	pool := *out.UserPool.Id
	opts.SCIMTokens = poolTokens{pool: "token-" + pool}
	return &scimPool{motoGateway: m.with(t, opts), pool: pool, token: "token-" + pool}
}

// scim sends a SCIM request under the pool's /scim/v2 with its token.
func (p *scimPool) scim(t *testing.T, method, path, body string, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + p.token}
	for k, v := range header {
		h[k] = v
	}
	if body != "" {
		h["Content-Type"] = "application/scim+json"
	}
	var out map[string]any
	resp := p.do(t, method, "/pools/"+p.pool+"/scim/v2"+path, body, h, nil)
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp, out
}

// replayStep is one request of an identity provider's published
// provisioning sequence (testdata/scim/*.json), with what its answer must
// contain and what Cognito must hold afterwards.
type replayStep struct {
	Name   string          `json:"name"`
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
	Status int             `json:"status"`
	// Expect is a part of the answer: each member it has must be equal
	// in the answer, lists item by item.
	Expect map[string]any `json:"expect"`
	// Capture names values of the answer, for ${name} in later steps.
	Capture map[string]string `json:"capture"`
	// Cognito is the state a separate SDK client must find afterwards.
	Cognito *cognitoState `json:"cognito"`
}

type cognitoState struct {
	User       string            `json:"user"` // Cognito username
	Enabled    *bool             `json:"enabled"`
	Attributes map[string]string `json:"attributes"` // "" means absent
	UserGone   string            `json:"userGone"`
	Group      string            `json:"group"`
	Members    []string          `json:"members"` // usernames
	GroupGone  string            `json:"groupGone"`
}

func TestOktaProvisioningSequenceAgainstMoto(t *testing.T) {
	replay(t, "okta.json")
}

func TestEntraIDProvisioningSequenceAgainstMoto(t *testing.T) {
	replay(t, "entra.json")
}

func replay(t *testing.T, fixture string) {
	raw, err := os.ReadFile(filepath.Join("testdata", "scim", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var steps []replayStep
	if err := json.Unmarshal(raw, &steps); err != nil {
		t.Fatal(err)
	}
	p := startSCIMPool(t, nil, Options{})
	// The mapping's custom attributes, as an administrator adds them.
	var setup map[string]any
	expect(t, p.do(t, http.MethodPost, "/pools/"+p.pool+"/scim/setup", "", nil, &setup), http.StatusOK)
	vars := map[string]string{}
	// A member that exists before the sequence, as a group's other member.
	other, err := p.Direct.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{UserPoolId: &p.pool,
		Username: aws.String("other"), MessageAction: types.MessageActionTypeSuppress})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range other.User.Attributes {
		if *a.Name == "sub" {
			vars["otherId"] = *a.Value
		}
	}
	for _, step := range steps {
		substitute := func(s string) string {
			for k, v := range vars {
				s = strings.ReplaceAll(s, "${"+k+"}", v)
			}
			return s
		}
		resp, answer := p.scim(t, step.Method, substitute(step.Path), substitute(string(step.Body)), nil)
		if resp.StatusCode != step.Status {
			t.Fatalf("%s: %d, want %d: %v", step.Name, resp.StatusCode, step.Status, answer)
		}
		if resp.StatusCode != http.StatusNoContent && resp.Header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("%s: Content-Type %q", step.Name, resp.Header.Get("Content-Type"))
		}
		var want map[string]any
		raw, _ := json.Marshal(step.Expect)
		_ = json.Unmarshal([]byte(substitute(string(raw))), &want)
		if diff := containedIn(want, answer, ""); diff != "" {
			t.Errorf("%s: %s\nanswer: %v", step.Name, diff, answer)
		}
		for name, member := range step.Capture {
			v, _ := answer[member].(string)
			vars[name] = v
		}
		if step.Cognito != nil {
			checkCognito(t, p, step.Name, step.Cognito, substitute)
		}
	}
}

// containedIn is "" when every member of want is in got with the same
// value (objects recursively, lists item by item), else what differs.
func containedIn(want, got any, at string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return at + ": not an object"
		}
		for k, v := range w {
			if d := containedIn(v, g[k], at+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return at + ": want " + string(mustJSON(w)) + ", got " + string(mustJSON(got))
		}
		for i := range w {
			if d := containedIn(w[i], g[i], at+"[]"); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return at + ": want " + string(mustJSON(want)) + ", got " + string(mustJSON(got))
	}
	return ""
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}

func checkCognito(t *testing.T, p *scimPool, step string, want *cognitoState, substitute func(string) string) {
	t.Helper()
	ctx := context.Background()
	if want.User != "" {
		user, err := p.Direct.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &p.pool, Username: aws.String(substitute(want.User))})
		if err != nil {
			t.Fatalf("%s: AdminGetUser: %v", step, err)
		}
		if want.Enabled != nil && user.Enabled != *want.Enabled {
			t.Errorf("%s: Cognito's user is enabled %v, want %v", step, user.Enabled, *want.Enabled)
		}
		have := map[string]string{}
		for _, a := range user.UserAttributes {
			have[*a.Name] = *a.Value
		}
		for name, value := range want.Attributes {
			if have[name] != substitute(value) {
				t.Errorf("%s: Cognito's %s is %q, want %q", step, name, have[name], substitute(value))
			}
		}
	}
	if want.UserGone != "" {
		_, err := p.Direct.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &p.pool, Username: aws.String(substitute(want.UserGone))})
		var missing *types.UserNotFoundException
		if !errors.As(err, &missing) {
			t.Errorf("%s: user %s is still in Cognito (%v)", step, want.UserGone, err)
		}
	}
	if want.Group != "" {
		out, err := p.Direct.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: &p.pool, GroupName: aws.String(substitute(want.Group))})
		if err != nil {
			t.Fatalf("%s: ListUsersInGroup: %v", step, err)
		}
		members := []string{}
		for _, u := range out.Users {
			members = append(members, *u.Username)
		}
		sort.Strings(members)
		wantMembers := append([]string{}, want.Members...)
		for i := range wantMembers {
			wantMembers[i] = substitute(wantMembers[i])
		}
		sort.Strings(wantMembers)
		if !reflect.DeepEqual(members, wantMembers) {
			t.Errorf("%s: group %s has %v, want %v", step, want.Group, members, wantMembers)
		}
	}
	if want.GroupGone != "" {
		_, err := p.Direct.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: &p.pool, GroupName: aws.String(substitute(want.GroupGone))})
		var missing *types.ResourceNotFoundException
		if !errors.As(err, &missing) {
			t.Errorf("%s: group %s is still in Cognito (%v)", step, want.GroupGone, err)
		}
	}
}
