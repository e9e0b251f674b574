// Package scim is the SCIM 2.0 service provider (RFC 7643, RFC 7644) of a
// user pool: the Users and Groups resources mapped onto Cognito, their
// filters, PATCH and ETags, and the discovery documents.
//
// The protocol (routing within /scim/v2, list responses, filter and PATCH
// parsing, the error schema) is github.com/elimity-com/scim's; this package
// is its resource handlers on Cognito and what the library lacks, each
// wrapped around it rather than forked: If-Match, 409 uniqueness,
// Okta's path-less PATCH values, Entra ID's emails[type eq "work"].value
// filter and the ServiceProviderConfig the gateway really supports.
//
// It does not authenticate (the gateway checks the bearer token before it
// calls Serve), pace or authorise Cognito calls: every call goes through the
// Cognito the caller passes, which is the gateway's own paced path.
package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	elimity "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// ContentType is the media type of every SCIM answer, errors included.
const ContentType = "application/scim+json"

// Cognito calls one Cognito action with a JSON-shaped input and returns the
// SDK's output (*cognitoidentityprovider.XOutput). Its errors are
// *problem.Error, with Cognito's exception name in CognitoCode.
type Cognito interface {
	Call(ctx context.Context, action string, input map[string]any) (any, error)
}

// Server serves the SCIM routes of every pool. Build it with New.
type Server struct {
	settings map[string]Settings
	// pools caches what the handlers read of a pool's configuration that
	// Cognito never changes after creation (its username attributes).
	pools sync.Map // pool id -> poolFacts
}

// allowStringValues is set once: the library keeps whether "False" is a
// boolean in a package variable, and Entra ID sends booleans as strings.
var allowStringValues sync.Once

// New returns the server, with settings by pool id (DefaultSettings for
// a pool not in it).
func New(settings map[string]Settings) *Server {
	allowStringValues.Do(func() { schema.SetAllowStringValues(true) })
	return &Server{settings: settings}
}

// Response is a SCIM answer, for the gateway to send.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// request is what a handler knows of the request it serves, beyond the
// *http.Request the library hands it.
type request struct {
	pool     string
	cognito  Cognito
	settings Settings
	// failure is the gateway's error that ended the request (a throttle,
	// an unreachable Cognito): the library can only send a 500 for an
	// error that is not its own, so Serve answers with this instead.
	failure *problem.Error
}

type requestKey struct{}

func from(r *http.Request) *request { return r.Context().Value(requestKey{}).(*request) }

// Serve answers one request under a pool's /scim/v2. r's path is the
// gateway's (/pools/{poolId}/scim/v2/Users/...); base is the URL path of
// /scim/v2 as the client sees it, for Location and meta.location. A
// *problem.Error comes back for the gateway to send as a SCIM error
// (WriteError), 429 and 5xx among them.
func (s *Server) Serve(r *http.Request, poolID, base string, cognito Cognito) (*Response, error) {
	rest, err := relativePath(r.URL.EscapedPath())
	if err != nil {
		return nil, err
	}
	if rest == "/ServiceProviderConfig" {
		return jsonResponse(http.StatusOK, serviceProviderConfig(base))
	}
	req := &request{pool: poolID, cognito: cognito, settings: s.settingsOf(poolID)}
	inner := r.Clone(context.WithValue(r.Context(), requestKey{}, req))
	inner.URL.Path, inner.URL.RawPath = rest, ""
	if r.GetBody != nil {
		if inner.Body, err = r.GetBody(); err != nil {
			return nil, problem.Internal(err)
		}
	}
	query := inner.URL.Query()
	if f := query.Get("filter"); f != "" {
		query.Set("filter", rewriteFilter(f))
		inner.URL.RawQuery = query.Encode()
	}
	server, err := elimity.NewServer(&elimity.ServerArgs{
		ServiceProviderConfig: &elimity.ServiceProviderConfig{MaxResults: MaxResults, SupportFiltering: true, SupportPatch: true},
		ResourceTypes:         s.resourceTypes(),
	}, elimity.WithBaseURL(base))
	if err != nil {
		return nil, problem.Internal(err)
	}
	rec := &recorder{header: http.Header{}}
	server.ServeHTTP(rec, inner)
	if req.failure != nil {
		return nil, req.failure
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	return &Response{Status: status, Header: rec.header, Body: rec.body.Bytes()}, nil
}

// relativePath is the part of a gateway path after /scim/v2, still
// percent-encoded, for the library to decode once.
func relativePath(path string) (string, error) {
	_, rest, ok := strings.Cut(path, "/scim/v2")
	if !ok {
		return "", problem.New(http.StatusNotFound, problem.CodeNotFound, "No SCIM resource at this path.")
	}
	return rest, nil
}

func (s *Server) resourceTypes() []elimity.ResourceType {
	return []elimity.ResourceType{
		{
			ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
			Description: optional.NewString("A user of the pool"),
			Schema:      schema.CoreUserSchema(),
			SchemaExtensions: []elimity.SchemaExtension{
				{Schema: schema.ExtensionEnterpriseUser()},
			},
			Handler: users{s},
		},
		{
			ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
			Description: optional.NewString("A group of the pool"),
			Schema:      schema.CoreGroupSchema(),
			Handler:     groups{s},
		},
	}
}

// recorder keeps the library's answer, which Serve hands on or replaces.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func jsonResponse(status int, body any) (*Response, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, problem.Internal(err)
	}
	return &Response{Status: status, Header: http.Header{"Content-Type": {ContentType}}, Body: raw}, nil
}

// fail turns a handler's error into one the library sends: a SCIM error
// it knows as is, Cognito's refusals as their SCIM meaning, and any other
// failure kept for Serve to answer with, since the library would put its
// text in a 500.
func (req *request) fail(err error) error {
	var scimErr scimerrors.ScimError
	if errors.As(err, &scimErr) {
		return scimErr
	}
	p := problem.As(err)
	switch p.CognitoCode {
	case "UserNotFoundException", "ResourceNotFoundException":
		return scimerrors.ScimError{Status: http.StatusNotFound, Detail: "No such resource in the user pool."}
	case "UsernameExistsException", "GroupExistsException", "AliasExistsException":
		return conflict(p.Detail)
	}
	if p.Status == http.StatusBadRequest {
		return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidValue, Detail: p.Detail}
	}
	req.failure = p
	return scimerrors.ScimErrorInternal
}

func conflict(detail string) error {
	return scimerrors.ScimError{Status: http.StatusConflict, ScimType: scimerrors.ScimTypeUniqueness, Detail: detail}
}

func notFound(kind, id string) error {
	return scimerrors.ScimError{Status: http.StatusNotFound, Detail: fmt.Sprintf("No %s %q in the user pool.", kind, id)}
}

// WriteError sends err as SCIM's error schema: status as a string, a
// scimType where one applies, and problem's detail, which for a 5xx never
// carries the cause.
func WriteError(w http.ResponseWriter, err error) {
	p := problem.As(err)
	h := w.Header()
	h.Del("ETag")
	h.Del("Location")
	for k, vs := range p.Header {
		h[k] = vs
	}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	detail := p.Detail
	if len(p.Violations) > 1 {
		var b strings.Builder
		b.WriteString(detail)
		for _, v := range p.Violations {
			b.WriteString(" " + v.Pointer + v.Parameter + ": " + v.Message + ".")
		}
		detail = b.String()
	}
	_ = json.NewEncoder(w).Encode(scimerrors.ScimError{Status: p.Status, ScimType: scimType(p), Detail: detail})
}

// scimType is RFC 7644's keyword for the gateway's own 400s.
func scimType(p *problem.Error) scimerrors.ScimType {
	switch {
	case p.Status != http.StatusBadRequest:
		return ""
	case p.Code == problem.CodeMalformedBody:
		return scimerrors.ScimTypeInvalidSyntax
	default:
		return scimerrors.ScimTypeInvalidValue
	}
}
