package scim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	elimity "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// EnterpriseURN is the enterprise User extension's schema (RFC 7643 §4.3).
const EnterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// field is one SCIM attribute that a Cognito attribute holds: its path in
// the resource (an extension's attributes under its URN), and the
// attribute's name. emails and phoneNumbers are not rows: only their
// primary value is kept (primaryFields).
type field struct {
	path      []string
	attribute string
}

// UserFields is the mapping of the README's "attribute mapping" table.
// The custom attributes are those Setup adds.
var UserFields = []field{
	{[]string{"name", "givenName"}, "given_name"},
	{[]string{"name", "familyName"}, "family_name"},
	{[]string{"name", "formatted"}, "name"},
	{[]string{"locale"}, "locale"},
	{[]string{"timezone"}, "zoneinfo"},
	{[]string{"nickName"}, "nickname"},
	{[]string{"externalId"}, "custom:scim_external_id"},
	{[]string{EnterpriseURN, "employeeNumber"}, "custom:scim_employee_no"},
	{[]string{EnterpriseURN, "department"}, "custom:scim_department"},
	{[]string{EnterpriseURN, "manager", "value"}, "custom:scim_manager"},
}

// primaryFields are the multi-valued attributes of which Cognito keeps
// the primary value: the one marked primary, else the first.
var primaryFields = map[string]string{"emails": "email", "phoneNumbers": "phone_number"}

// poolFacts is what the handlers need of a pool's configuration, which
// Cognito fixes when the pool is created.
type poolFacts struct {
	// emailUsername is set where users sign in with their email
	// (UsernameAttributes): userName is then the email, and Cognito's
	// username a generated id.
	emailUsername bool
}

func (s *Server) facts(ctx context.Context, req *request) (poolFacts, error) {
	if f, ok := s.pools.Load(req.pool); ok {
		return f.(poolFacts), nil
	}
	out, err := req.cognito.Call(ctx, "DescribeUserPool", map[string]any{"UserPoolId": req.pool})
	if err != nil {
		return poolFacts{}, req.fail(err)
	}
	var f poolFacts
	if pool := out.(*cip.DescribeUserPoolOutput).UserPool; pool != nil {
		f.emailUsername = slices.Contains(pool.UsernameAttributes, types.UsernameAttributeTypeEmail)
	}
	s.pools.Store(req.pool, f)
	return f, nil
}

type users struct{ s *Server }

// The schemas are made when a SCIM request first needs them, not in the
// init of every cold start, most of which serve no SCIM request.
var (
	userSchema       = sync.OnceValue(schema.CoreUserSchema)
	enterpriseSchema = sync.OnceValue(schema.ExtensionEnterpriseUser)
)

func (h users) Create(r *http.Request, attributes elimity.ResourceAttributes) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	facts, err := h.s.facts(ctx, req)
	if err != nil {
		return elimity.Resource{}, err
	}
	doc := map[string]any(attributes)
	userName, _ := doc["userName"].(string)
	want := toCognito(doc)
	if facts.emailUsername {
		want["email"] = userName
	}
	input := map[string]any{"UserPoolId": req.pool, "Username": userName,
		"UserAttributes": attributeList(want, req.settings, true)}
	if req.settings.MessageAction == "SUPPRESS" {
		input["MessageAction"] = "SUPPRESS"
	}
	out, err := req.cognito.Call(ctx, "AdminCreateUser", input)
	if err != nil {
		return elimity.Resource{}, req.fail(err)
	}
	user := *out.(*cip.AdminCreateUserOutput).User
	if active, ok := doc["active"].(bool); ok && !active {
		if err := h.setEnabled(ctx, req, user, false); err != nil {
			return elimity.Resource{}, err
		}
		user.Enabled = false
	}
	return userResource(facts, user), nil
}

func (h users) Get(r *http.Request, id string) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	facts, user, err := h.find(ctx, req, id)
	if err != nil {
		return elimity.Resource{}, err
	}
	return userResource(facts, user), nil
}

func (h users) GetAll(r *http.Request, params elimity.ListRequestParams) (elimity.Page, error) {
	ctx, req := r.Context(), from(r)
	facts, err := h.s.facts(ctx, req)
	if err != nil {
		return elimity.Page{}, err
	}
	cognitoFilter := ""
	if params.FilterValidator != nil {
		expr := params.FilterValidator.GetFilter()
		if err := answerable(expr, userFilterPaths); err != nil {
			return elimity.Page{}, err
		}
		cognitoFilter = userPrefilter(expr, facts)
	}
	list, err := h.list(ctx, req, cognitoFilter)
	if err != nil {
		return elimity.Page{}, err
	}
	match := matcher(params, userSchema(), enterpriseSchema())
	matches := make([]elimity.Resource, 0, len(list))
	for _, user := range list {
		res := userResource(facts, user)
		if match == nil || match.PassesFilter(filterView(res)) == nil {
			matches = append(matches, res)
		}
	}
	return elimity.Page{TotalResults: len(matches), Resources: window(matches, params.StartIndex, params.Count)}, nil
}

func (h users) Replace(r *http.Request, id string, attributes elimity.ResourceAttributes) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	facts, user, err := h.find(ctx, req, id)
	if err != nil {
		return elimity.Resource{}, err
	}
	if err := checkIfMatch(r, userResource(facts, user)); err != nil {
		return elimity.Resource{}, err
	}
	return h.update(ctx, req, facts, user, map[string]any(attributes))
}

func (h users) Patch(r *http.Request, id string, operations []elimity.PatchOperation) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	facts, user, err := h.find(ctx, req, id)
	if err != nil {
		return elimity.Resource{}, err
	}
	doc, err := patched(r, userResource(facts, user), operations, userSchema(), enterpriseSchema())
	if err != nil {
		return elimity.Resource{}, err
	}
	return h.update(ctx, req, facts, user, doc)
}

func (h users) Delete(r *http.Request, id string) error {
	ctx, req := r.Context(), from(r)
	facts, user, err := h.find(ctx, req, id)
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, userResource(facts, user)); err != nil {
		return err
	}
	if req.settings.OnDelete == "disable" {
		return h.setEnabled(ctx, req, user, false)
	}
	_, err = req.cognito.Call(ctx, "AdminDeleteUser", map[string]any{"UserPoolId": req.pool, "Username": *user.Username})
	if err != nil {
		return req.fail(err)
	}
	return nil
}

// update makes the user what doc says: a PUT's body, or a PATCH's result.
// Mapped attributes doc leaves out are deleted; active, when present,
// enables or disables. Cognito cannot rename a user, so a userName that
// differs (but for case) is a 400 mutability, except where userName is
// the email, which changes.
func (h users) update(ctx context.Context, req *request, facts poolFacts, user types.UserType, doc map[string]any) (elimity.Resource, error) {
	current := attributeMap(user)
	want := toCognito(doc)
	userName, _ := doc["userName"].(string)
	switch {
	case facts.emailUsername && userName != "":
		want["email"] = userName
	case !facts.emailUsername && userName != "" && !strings.EqualFold(userName, *user.Username):
		return elimity.Resource{}, scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeMutability,
			Detail: "Cognito cannot rename a user: userName is immutable in this pool."}
	}
	changed := map[string]string{}
	var removed []any
	for _, name := range slices.Sorted(maps.Keys(want)) {
		value := want[name]
		switch {
		case value != "" && value != current[name]:
			changed[name] = value
		case value == "" && current[name] != "" && !(facts.emailUsername && name == "email"):
			removed = append(removed, name)
		}
	}
	username := *user.Username
	if len(changed) > 0 {
		_, err := req.cognito.Call(ctx, "AdminUpdateUserAttributes", map[string]any{"UserPoolId": req.pool,
			"Username": username, "UserAttributes": attributeList(changed, req.settings, false)})
		if err != nil {
			return elimity.Resource{}, req.fail(err)
		}
	}
	if len(removed) > 0 {
		_, err := req.cognito.Call(ctx, "AdminDeleteUserAttributes", map[string]any{"UserPoolId": req.pool,
			"Username": username, "UserAttributeNames": removed})
		if err != nil {
			return elimity.Resource{}, req.fail(err)
		}
	}
	if active, ok := doc["active"].(bool); ok && active != user.Enabled {
		if err := h.setEnabled(ctx, req, user, active); err != nil {
			return elimity.Resource{}, err
		}
	}
	_, user, err := h.find(ctx, req, current["sub"])
	if err != nil {
		return elimity.Resource{}, err
	}
	return userResource(facts, user), nil
}

func (h users) setEnabled(ctx context.Context, req *request, user types.UserType, enabled bool) error {
	action := "AdminDisableUser"
	if enabled {
		action = "AdminEnableUser"
	}
	if _, err := req.cognito.Call(ctx, action, map[string]any{"UserPoolId": req.pool, "Username": *user.Username}); err != nil {
		return req.fail(err)
	}
	return nil
}

// find is the user whose sub is id, with ListUsers' Filter: SCIM's id is
// Cognito's sub, which no Admin* action takes.
func (h users) find(ctx context.Context, req *request, id string) (poolFacts, types.UserType, error) {
	facts, err := h.s.facts(ctx, req)
	if err != nil {
		return facts, types.UserType{}, err
	}
	list, err := h.list(ctx, req, cognitoEquals("sub", id))
	if err != nil {
		return facts, types.UserType{}, err
	}
	for _, user := range list {
		if attributeMap(user)["sub"] == id {
			return facts, user, nil
		}
	}
	return facts, types.UserType{}, notFound("user", id)
}

// list reads every page of ListUsers with filter, up to listPages.
func (h users) list(ctx context.Context, req *request, filter string) ([]types.UserType, error) {
	var all []types.UserType
	token := ""
	for range listPages {
		input := map[string]any{"UserPoolId": req.pool, "Limit": pageSize}
		if filter != "" {
			input["Filter"] = filter
		}
		if token != "" {
			input["PaginationToken"] = token
		}
		out, err := req.cognito.Call(ctx, "ListUsers", input)
		if err != nil {
			return nil, req.fail(err)
		}
		page := out.(*cip.ListUsersOutput)
		all = append(all, page.Users...)
		if page.PaginationToken == nil || *page.PaginationToken == "" {
			return all, nil
		}
		token = *page.PaginationToken
	}
	return nil, tooMany()
}

func tooMany() error {
	return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeTooMany,
		Detail: fmt.Sprintf("Answering this needs more than %d users read from Cognito; narrow it with a filter on userName, id or emails.", listPages*pageSize)}
}

// cognitoEquals is a ListUsers Filter: name = "value", quoted as Cognito reads it.
func cognitoEquals(name, value string) string {
	value = strings.ReplaceAll(value, `\`, `\\`)
	value = strings.ReplaceAll(value, `"`, `\"`)
	return name + ` = "` + value + `"`
}

func attributeMap(user types.UserType) map[string]string {
	m := make(map[string]string, len(user.Attributes))
	for _, a := range user.Attributes {
		if a.Name != nil && a.Value != nil {
			m[*a.Name] = *a.Value
		}
	}
	return m
}

// userResource is the SCIM User of a Cognito user.
func userResource(facts poolFacts, user types.UserType) elimity.Resource {
	attrs := attributeMap(user)
	doc := map[string]any{"active": user.Enabled}
	doc["userName"] = deref(user.Username)
	if facts.emailUsername {
		doc["userName"] = attrs["email"]
	}
	for _, f := range UserFields {
		if v := attrs[f.attribute]; v != "" {
			setPath(doc, f.path, v)
		}
	}
	for scimName, attribute := range primaryFields {
		if v := attrs[attribute]; v != "" {
			doc[scimName] = []any{map[string]any{"value": v, "type": "work", "primary": true}}
		}
	}
	res := elimity.Resource{ID: attrs["sub"]}
	if external, ok := doc["externalId"].(string); ok {
		res.ExternalID = optional.NewString(external)
		delete(doc, "externalId")
	}
	res.Attributes = doc
	res.Meta.Created, res.Meta.LastModified = user.UserCreateDate, user.UserLastModifiedDate
	res.Meta.Version = version(res)
	return res
}

// toCognito is the Cognito attributes doc sets, "" for each mapped one it
// leaves out.
func toCognito(doc map[string]any) map[string]string {
	want := map[string]string{}
	for _, f := range UserFields {
		want[f.attribute] = stringAt(doc, f.path)
	}
	for scimName, attribute := range primaryFields {
		want[attribute] = primaryValue(doc[scimName])
	}
	return want
}

// attributeList is AdminCreateUser's or AdminUpdateUserAttributes' list
// of the values set, with email_verified where the pool takes the
// identity provider's emails as verified.
func attributeList(values map[string]string, settings Settings, create bool) []any {
	var list []any
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if values[name] == "" {
			continue
		}
		list = append(list, map[string]any{"Name": name, "Value": values[name]})
	}
	if values["email"] != "" && settings.VerifyEmail != nil && *settings.VerifyEmail {
		list = append(list, map[string]any{"Name": "email_verified", "Value": "true"})
	}
	return list
}

func primaryValue(v any) string {
	list, _ := v.([]any)
	first := ""
	for i, item := range list {
		m, _ := item.(map[string]any)
		value, _ := m["value"].(string)
		if primary, _ := m["primary"].(bool); primary {
			return value
		}
		if i == 0 {
			first = value
		}
	}
	return first
}

func stringAt(doc map[string]any, path []string) string {
	var v any = doc
	for _, name := range path {
		m, _ := v.(map[string]any)
		v = m[name]
	}
	s, _ := v.(string)
	return s
}

func setPath(doc map[string]any, path []string, value any) {
	for _, name := range path[:len(path)-1] {
		next, ok := doc[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[name] = next
		}
		doc = next
	}
	doc[path[len(path)-1]] = value
}

// document is a resource's attributes as PATCH edits them: a deep copy,
// with externalId among them.
func document(res elimity.Resource) map[string]any {
	raw, _ := json.Marshal(res.Attributes)
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	if res.ExternalID.Present() {
		doc["externalId"] = res.ExternalID.Value()
	}
	return doc
}

// filterView is a resource as the library's filter evaluates it: with id,
// externalId and meta, and an extension's attributes under "URN:name".
func filterView(res elimity.Resource) map[string]any {
	view := document(res)
	view["id"] = res.ID
	meta := map[string]any{}
	if res.Meta.Created != nil {
		meta["created"] = res.Meta.Created.UTC().Format("2006-01-02T15:04:05Z")
	}
	if res.Meta.LastModified != nil {
		meta["lastModified"] = res.Meta.LastModified.UTC().Format("2006-01-02T15:04:05Z")
	}
	view["meta"] = meta
	if ext, ok := view[EnterpriseURN].(map[string]any); ok {
		for k, v := range ext {
			view[EnterpriseURN+":"+k] = v
		}
	}
	return view
}

// version is a resource's ETag and meta.version: a hash of what it
// says, weak as RFC 7644's examples are, since it is a hash of a
// representation rather than of bytes sent.
func version(res elimity.Resource) string {
	raw, _ := json.Marshal(map[string]any{"id": res.ID, "externalId": res.ExternalID.Value(), "attributes": res.Attributes})
	sum := sha256.Sum256(raw)
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// checkIfMatch honours If-Match (RFC 7644 §3.14): a list of versions, or
// *, one of which must be the resource's; otherwise 412, and nothing
// changes. Versions compare weakly: W/"x" and "x" are one.
func checkIfMatch(r *http.Request, current elimity.Resource) error {
	header := r.Header.Get("If-Match")
	if header == "" {
		return nil
	}
	have := strings.TrimPrefix(current.Meta.Version, "W/")
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == have {
			return nil
		}
	}
	return scimerrors.ScimError{Status: http.StatusPreconditionFailed,
		Detail: "The resource has changed since that version (If-Match): read it again."}
}

// window is the page of list that startIndex (1-based) and count select.
func window(list []elimity.Resource, startIndex, count int) []elimity.Resource {
	start := min(max(startIndex, 1)-1, len(list))
	end := min(start+max(count, 0), len(list))
	return list[start:end]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
