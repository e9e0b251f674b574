package scim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	elimity "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
)

// groups are SCIM Groups: a Cognito group, whose name is both id and
// displayName, and its members, whose value is the user's id (sub).
type groups struct{ s *Server }

var groupSchema = sync.OnceValue(schema.CoreGroupSchema)

// member is a group's member: the user's id and Cognito username.
type member struct{ id, username, display string }

func (h groups) Create(r *http.Request, attributes elimity.ResourceAttributes) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	name, _ := attributes["displayName"].(string)
	members, err := h.resolve(ctx, req, attributes["members"], nil)
	if err != nil {
		return elimity.Resource{}, err
	}
	out, err := req.cognito.Call(ctx, "CreateGroup", map[string]any{"UserPoolId": req.pool, "GroupName": name})
	if err != nil {
		return elimity.Resource{}, req.fail(err)
	}
	for _, m := range members {
		if err := h.membership(ctx, req, "AdminAddUserToGroup", name, m); err != nil {
			return elimity.Resource{}, err
		}
	}
	return groupResource(*out.(*cip.CreateGroupOutput).Group, members), nil
}

func (h groups) Get(r *http.Request, id string) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	if excludesMembers(r) {
		out, err := req.cognito.Call(ctx, "GetGroup", map[string]any{"UserPoolId": req.pool, "GroupName": id})
		if err != nil {
			if err = req.fail(err); isStatus(err, http.StatusNotFound) {
				err = notFound("group", id)
			}
			return elimity.Resource{}, err
		}
		return groupResource(*out.(*cip.GetGroupOutput).Group, nil), nil
	}
	group, members, err := h.read(ctx, req, id)
	if err != nil {
		return elimity.Resource{}, err
	}
	return groupResource(group, members), nil
}

// excludesMembers reports excludedAttributes=members, which Entra ID
// sends so as not to have a large group's members read.
func excludesMembers(r *http.Request) bool {
	for _, name := range strings.Split(r.URL.Query().Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(name), "members") {
			return true
		}
	}
	return false
}

// GetAll lists the pool's groups (Cognito's ListGroups has no filter)
// and evaluates the filter on them; members are read only for the groups
// of the page, or for all when the filter names members, and not at all
// with excludedAttributes=members, which Entra ID sends.
func (h groups) GetAll(r *http.Request, params elimity.ListRequestParams) (elimity.Page, error) {
	ctx, req := r.Context(), from(r)
	withMembers := !excludesMembers(r)
	filterMembers := false
	if params.FilterValidator != nil {
		if err := answerable(params.FilterValidator.GetFilter(), groupFilterPaths); err != nil {
			return elimity.Page{}, err
		}
		filterMembers = strings.Contains(strings.ToLower(fmt.Sprint(params.FilterValidator.GetFilter())), "members")
	}
	list, err := h.list(ctx, req)
	if err != nil {
		return elimity.Page{}, err
	}
	match := matcher(params, groupSchema())
	matches := make([]types.GroupType, 0, len(list))
	memberLists := map[string][]member{}
	for _, group := range list {
		var members []member
		if filterMembers {
			if members, err = h.members(ctx, req, *group.GroupName); err != nil {
				return elimity.Page{}, err
			}
			memberLists[*group.GroupName] = members
		}
		if match == nil || match.PassesFilter(filterView(groupResource(group, members))) == nil {
			matches = append(matches, group)
		}
	}
	start := min(max(params.StartIndex, 1)-1, len(matches))
	end := min(start+max(params.Count, 0), len(matches))
	page := make([]elimity.Resource, 0, end-start)
	for _, group := range matches[start:end] {
		members, read := memberLists[*group.GroupName]
		if withMembers && !read {
			if members, err = h.members(ctx, req, *group.GroupName); err != nil {
				return elimity.Page{}, err
			}
		}
		res := groupResource(group, members)
		if !withMembers {
			delete(res.Attributes, "members")
		}
		page = append(page, res)
	}
	return elimity.Page{TotalResults: len(matches), Resources: page}, nil
}

func (h groups) Replace(r *http.Request, id string, attributes elimity.ResourceAttributes) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	group, members, err := h.read(ctx, req, id)
	if err != nil {
		return elimity.Resource{}, err
	}
	if err := checkIfMatch(r, groupResource(group, members)); err != nil {
		return elimity.Resource{}, err
	}
	return h.update(ctx, req, group, members, map[string]any(attributes))
}

func (h groups) Patch(r *http.Request, id string, operations []elimity.PatchOperation) (elimity.Resource, error) {
	ctx, req := r.Context(), from(r)
	group, members, err := h.read(ctx, req, id)
	if err != nil {
		return elimity.Resource{}, err
	}
	doc, err := patched(r, groupResource(group, members), operations, groupSchema())
	if err != nil {
		return elimity.Resource{}, err
	}
	return h.update(ctx, req, group, members, doc)
}

func (h groups) Delete(r *http.Request, id string) error {
	ctx, req := r.Context(), from(r)
	if r.Header.Get("If-Match") != "" {
		group, members, err := h.read(ctx, req, id)
		if err != nil {
			return err
		}
		if err := checkIfMatch(r, groupResource(group, members)); err != nil {
			return err
		}
	}
	if _, err := req.cognito.Call(ctx, "DeleteGroup", map[string]any{"UserPoolId": req.pool, "GroupName": id}); err != nil {
		return req.fail(err)
	}
	return nil
}

// update makes the group what doc says. Cognito cannot rename a group:
// a new displayName is a new group, made with the old one's settings and
// members, and the old one is deleted; the answer carries the new id.
func (h groups) update(ctx context.Context, req *request, group types.GroupType, members []member, doc map[string]any) (elimity.Resource, error) {
	known := make(map[string]member, len(members))
	for _, m := range members {
		known[m.id] = m
	}
	want, err := h.resolve(ctx, req, doc["members"], known)
	if err != nil {
		return elimity.Resource{}, err
	}
	name := *group.GroupName
	newName, _ := doc["displayName"].(string)
	if newName != "" && newName != name {
		return h.rename(ctx, req, group, want, newName)
	}
	had := map[string]bool{}
	for _, m := range members {
		had[m.id] = true
	}
	keep := map[string]bool{}
	for _, m := range want {
		keep[m.id] = true
		if !had[m.id] {
			if err := h.membership(ctx, req, "AdminAddUserToGroup", name, m); err != nil {
				return elimity.Resource{}, err
			}
		}
	}
	for _, m := range members {
		if !keep[m.id] {
			if err := h.membership(ctx, req, "AdminRemoveUserFromGroup", name, m); err != nil {
				return elimity.Resource{}, err
			}
		}
	}
	return groupResource(group, want), nil
}

func (h groups) rename(ctx context.Context, req *request, group types.GroupType, members []member, newName string) (elimity.Resource, error) {
	input := map[string]any{"UserPoolId": req.pool, "GroupName": newName}
	if group.Description != nil {
		input["Description"] = *group.Description
	}
	if group.Precedence != nil {
		input["Precedence"] = *group.Precedence
	}
	if group.RoleArn != nil {
		input["RoleArn"] = *group.RoleArn
	}
	out, err := req.cognito.Call(ctx, "CreateGroup", input)
	if err != nil {
		return elimity.Resource{}, req.fail(err)
	}
	for _, m := range members {
		if err := h.membership(ctx, req, "AdminAddUserToGroup", newName, m); err != nil {
			return elimity.Resource{}, err
		}
	}
	if _, err := req.cognito.Call(ctx, "DeleteGroup", map[string]any{"UserPoolId": req.pool, "GroupName": *group.GroupName}); err != nil {
		return elimity.Resource{}, req.fail(err)
	}
	return groupResource(*out.(*cip.CreateGroupOutput).Group, members), nil
}

func (h groups) membership(ctx context.Context, req *request, action, group string, m member) error {
	_, err := req.cognito.Call(ctx, action, map[string]any{"UserPoolId": req.pool, "GroupName": group, "Username": m.username})
	if err != nil {
		return req.fail(err)
	}
	return nil
}

// resolve finds the users that a members value names by id, for the
// usernames Cognito's membership actions take, but for those known
// already. An unknown id is a 400: the group would silently lack a
// member the client asked for.
func (h groups) resolve(ctx context.Context, req *request, value any, known map[string]member) ([]member, error) {
	list, _ := value.([]any)
	var members []member
	seen := map[string]bool{}
	for _, item := range list {
		m, _ := item.(map[string]any)
		id, _ := m["value"].(string)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if m, ok := known[id]; ok {
			members = append(members, m)
			continue
		}
		facts, user, err := users(h).find(ctx, req, id)
		if err != nil {
			if scimErr, ok := err.(scimerrors.ScimError); ok && scimErr.Status == http.StatusNotFound {
				return nil, scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidValue,
					Detail: "A member's value is not the id of a user of the pool."}
			}
			return nil, err
		}
		res := userResource(facts, user)
		display, _ := res.Attributes["userName"].(string)
		members = append(members, member{id: id, username: *user.Username, display: display})
	}
	return members, nil
}

func (h groups) read(ctx context.Context, req *request, name string) (types.GroupType, []member, error) {
	out, err := req.cognito.Call(ctx, "GetGroup", map[string]any{"UserPoolId": req.pool, "GroupName": name})
	if err != nil {
		if err = req.fail(err); isStatus(err, http.StatusNotFound) {
			err = notFound("group", name)
		}
		return types.GroupType{}, nil, err
	}
	members, err := h.members(ctx, req, name)
	if err != nil {
		return types.GroupType{}, nil, err
	}
	return *out.(*cip.GetGroupOutput).Group, members, nil
}

func isStatus(err error, status int) bool {
	scimErr, ok := err.(scimerrors.ScimError)
	return ok && scimErr.Status == status
}

// members reads every page of ListUsersInGroup.
func (h groups) members(ctx context.Context, req *request, name string) ([]member, error) {
	facts, err := h.s.facts(ctx, req)
	if err != nil {
		return nil, err
	}
	var members []member
	token := ""
	for range listPages {
		input := map[string]any{"UserPoolId": req.pool, "GroupName": name, "Limit": pageSize}
		if token != "" {
			input["NextToken"] = token
		}
		out, err := req.cognito.Call(ctx, "ListUsersInGroup", input)
		if err != nil {
			return nil, req.fail(err)
		}
		page := out.(*cip.ListUsersInGroupOutput)
		for _, user := range page.Users {
			res := userResource(facts, user)
			display, _ := res.Attributes["userName"].(string)
			members = append(members, member{id: res.ID, username: deref(user.Username), display: display})
		}
		if page.NextToken == nil || *page.NextToken == "" {
			return members, nil
		}
		token = *page.NextToken
	}
	return nil, tooMany()
}

// list reads every page of ListGroups.
func (h groups) list(ctx context.Context, req *request) ([]types.GroupType, error) {
	var all []types.GroupType
	token := ""
	for range listPages {
		input := map[string]any{"UserPoolId": req.pool, "Limit": pageSize}
		if token != "" {
			input["NextToken"] = token
		}
		out, err := req.cognito.Call(ctx, "ListGroups", input)
		if err != nil {
			return nil, req.fail(err)
		}
		page := out.(*cip.ListGroupsOutput)
		all = append(all, page.Groups...)
		if page.NextToken == nil || *page.NextToken == "" {
			return all, nil
		}
		token = *page.NextToken
	}
	return nil, tooMany()
}

func groupResource(group types.GroupType, members []member) elimity.Resource {
	name := deref(group.GroupName)
	doc := map[string]any{"displayName": name}
	if len(members) > 0 {
		list := make([]any, len(members))
		for i, m := range members {
			list[i] = map[string]any{"value": m.id, "display": m.display, "type": "User"}
		}
		doc["members"] = list
	}
	res := elimity.Resource{ID: name, Attributes: doc}
	res.Meta.Created, res.Meta.LastModified = group.CreationDate, group.LastModifiedDate
	res.Meta.Version = version(res)
	return res
}
