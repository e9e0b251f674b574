// Package gateway owns the http.Handler: it finds the spec operation for a
// request, validates the request against the spec before Cognito is called,
// translates it into the operation's Cognito action and shapes the answer.
//
// Ordinary operations need no code here: the spec's x-cognito-* extensions and
// the action table in package cognito drive them. Composite operations, such
// as PATCH on a pool, are the handlers in the composites table.
//
// Its files follow a request: gateway.go (New, ServeHTTP), route.go,
// compile.go, validate.go (with token.go for /me's bearer token and
// conditional.go for If-Match), guard.go (the allow-list), call.go,
// shape.go, edit.go (PUT and PATCH, and the composites table),
// configuration.go (a pool's whole configuration, over package poolconfig),
// observe.go (access line, metrics, audit) and meta.go (/health,
// /openapi.*, /docs).
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/acme/cognito-admin-gateway/internal/cognito"
	"github.com/acme/cognito-admin-gateway/internal/invocation"
	"github.com/acme/cognito-admin-gateway/internal/jobrun"
	"github.com/acme/cognito-admin-gateway/internal/problem"
	"github.com/acme/cognito-admin-gateway/internal/quota"
	"github.com/acme/cognito-admin-gateway/internal/redact"
	"github.com/acme/cognito-admin-gateway/internal/scim"
	"github.com/acme/cognito-admin-gateway/openapi"
)

// Gateway is the http.Handler. Build it with New.
type Gateway struct {
	client *cip.Client
	spec   *openapi.Spec
	router *router
	// operations are the compiled operations, one for each of the
	// spec's, in the order of its Index, made in New; each is compiled
	// when a request first needs it, so that a cold start compiles one.
	operations []compilation
	actions    func() map[string]cognito.Action // the action table, made when first needed
	// composites is the package's table of composite handlers, held here
	// because some of them compile operations themselves.
	composites map[string]handlerFunc
	logger     *slog.Logger
	opts       Options
	// scim serves the operations the spec marks x-scim (scim.go).
	scim *scim.Server
	// served counts answered requests; the first one of a process is its
	// cold start.
	served atomic.Int64
	// validation options, shared by every request.
	validation openapi3filter.Options
}

// handlerFunc performs one operation. It returns the answer, or an error that
// becomes problem+json.
type handlerFunc func(ctx context.Context, g *Gateway, c *call) (*answer, error)

// call is one validated request.
type call struct {
	op    *operation
	req   *http.Request
	path  map[string]string // percent-decoded path parameters
	query url.Values
	body  map[string]any // the validated JSON body, if any
	// accessToken is the end user's token, for operations that take one,
	// and claims what its payload says, if it can be read.
	accessToken string
	claims      *claims
	// created names what a create made, by path parameter (poolId,
	// username, ...), for the audit line.
	created map[string]string
	// reread is set when a change was applied but reading the resource
	// again failed: the answer is still a success, and the audit says so.
	reread error
	// changes are the Cognito changes a configuration apply tried, one
	// audit line each.
	changes []changeRecord
}

// answer is what a handler returns: a status, headers and a JSON body.
type answer struct {
	status int
	header http.Header
	body   any
	raw    []byte // a body already encoded, sent as is
	// buf, when set, is the encodeBuffers buffer raw is in, which
	// writeAnswer recycles once raw is sent.
	buf *[]byte
}

// Options are the gateway's optional dependencies and policies.
type Options struct {
	// Logger receives error, audit and access records. Nil discards them.
	Logger *slog.Logger
	// AllowedPools, when not empty, are the only user pools the gateway
	// acts on; any other is a 403 before Cognito is called.
	AllowedPools []string
	// SCIMSettings are the SCIM server's settings by pool id; a pool not
	// in it has scim.DefaultSettings.
	SCIMSettings map[string]scim.Settings
	// Limiter, when set, paces the Cognito calls.
	Limiter Limiter
	// SCIMTokens checks the bearer tokens that SCIM clients present, and
	// issues new ones. Nil refuses every SCIM request.
	SCIMTokens SCIMTokens
	// Jobs, when set, serves /pools/{poolId}/jobs (jobs.go); without it
	// those routes are a 503.
	Jobs *jobrun.Service
}

// Limiter paces Cognito calls. Wait returns when action, of category, may
// be called on pool poolID ("" when its input names none), or an error if
// it cannot be called before ctx's deadline.
type Limiter interface {
	Wait(ctx context.Context, category quota.Category, poolID, action string) error
}

// SCIMTokens checks and issues the bearer tokens of a pool's SCIM
// routes. Verify returns nil for a token the pool accepts, or a
// *problem.Error: 401 for a missing or wrong token, 429 (with
// RetryAfter) when a source has failed too often; it never calls Cognito.
// source is the client's address, for throttling.
type SCIMTokens interface {
	Verify(ctx context.Context, poolID, token, source string) error
	Issue(ctx context.Context, poolID string) (token string, err error)
}

// Spec is the API description a gateway runs on: a document already
// whole (openapi.Load, or one a test makes), or an *openapi.Spec
// (openapi.LoadSpec), which decodes each operation when it is asked for.
type Spec interface {
	*openapi3.T | *openapi.Spec
}

// New builds the gateway from the spec and a Cognito client. It compiles
// no operation: each is compiled when a request first needs it.
func New[S Spec](client *cip.Client, spec S, opts Options) (*Gateway, error) {
	var s *openapi.Spec
	switch spec := any(spec).(type) {
	case *openapi3.T:
		var err error
		if s, err = openapi.SpecOf(spec); err != nil {
			return nil, fmt.Errorf("build router: %w", err)
		}
	case *openapi.Spec:
		s = spec
	}
	logger := slog.New(slog.DiscardHandler)
	if opts.Logger != nil {
		// Whatever the caller passes, nothing the gateway logs carries a secret.
		logger = slog.New(redact.Handler(opts.Logger.Handler()))
	}
	g := &Gateway{
		client: client, spec: s, router: newRouter(s), logger: logger, opts: opts, scim: scim.New(opts.SCIMSettings),
		actions: sync.OnceValue(cognito.Actions), composites: composites,
		validation: openapi3filter.Options{
			MultiError:         true,
			KeepValidatedValue: true,
		},
		operations: make([]compilation, s.Len()),
	}
	return g, nil
}

// ServeHTTP answers one request, and records it in the audit trail if it
// asks for a change.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := invocation.From(r.Context())
	requestID := info.RequestID
	if requestID == "" {
		requestID = newRequestID()
	}
	w.Header().Set("X-Request-Id", requestID)
	var c call
	status, cognitoCode := g.respond(w, r, requestID, &c)
	took := time.Since(start)
	g.access(r, requestID, &c, status, cognitoCode, took)
	if c.op != nil && changes(r.Method) && !c.op.changesNothing {
		g.audit(r, info, requestID, &c, status, cognitoCode, took)
	}
}

// respond runs the request and writes the answer. A panic becomes a 500
// with no internals; the stack goes to the log.
func (g *Gateway) respond(w http.ResponseWriter, r *http.Request, requestID string, c *call) (status int, cognitoCode string) {
	defer func() {
		if v := recover(); v != nil {
			g.logger.Error("panic", "requestId", requestID, "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			problem.Write(w, requestID, problem.Internal(nil))
			status, cognitoCode = http.StatusInternalServerError, ""
		}
	}()
	if r.Method == http.MethodHead {
		// HEAD is the GET of the same route, status and headers (ETag
		// among them) as the GET's, with no body.
		w = headResponse{w}
		get := r.WithContext(r.Context())
		get.Method = http.MethodGet
		r = get
	}
	a, err := g.serve(r, c)
	if err != nil {
		p := problem.As(err)
		if p.Status >= 500 {
			g.logger.Error("request failed", "requestId", requestID, "method", r.Method,
				"path", r.URL.Path, "status", p.Status, "code", p.Code, "error", p.Error())
		}
		if c.op != nil && c.op.scim || c.op == nil && isSCIMPath(r.URL.Path) {
			scim.WriteError(w, p)
		} else {
			problem.Write(w, requestID, p)
		}
		return p.Status, p.CognitoCode
	}
	writeAnswer(w, a)
	return a.status, ""
}

func (g *Gateway) serve(r *http.Request, c *call) (*answer, error) {
	if err := invocation.From(r.Context()).Malformed; err != nil {
		return nil, err
	}
	route, rawParams, err := g.router.FindRoute(r)
	if err != nil {
		return nil, g.routeError(r, err)
	}
	op, err := g.operation(route)
	if err != nil {
		return nil, err
	}
	c.op, c.req = op, r
	path, err := decodePathParams(rawParams)
	if err != nil {
		return nil, err
	}
	c.path = path
	if op.scim {
		if err := g.verifySCIMToken(r, path["poolId"]); err != nil {
			return nil, err
		}
	}
	if err := g.checkPool(op, path); err != nil {
		return nil, err
	}
	if op.accessToken {
		if c.accessToken, err = bearerToken(r); err != nil {
			return nil, err
		}
		c.claims = readClaims(c.accessToken)
		if err := g.checkTokenPool(c.claims); err != nil {
			return nil, err
		}
	}
	// The query is parsed once, here, for validation and translation alike.
	c.query = r.URL.Query()
	if c.body, err = g.validate(r, op, path, c.query); err != nil {
		return nil, err
	}
	a, err := op.handle(r.Context(), g, c)
	if err != nil && op.accessToken {
		err = tokenRefused(err, op.wrongCredential)
	}
	return a, err
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
