// Package scimauth owns the bearer tokens of a pool's SCIM routes: it
// issues them, keeps their SHA-256 hashes in AWS Secrets Manager, one
// secret per pool, and checks the token a SCIM client presents. It never
// keeps or logs a token itself, and never calls Cognito.
//
// It does not read the Authorization header or decide which routes need a
// token: the gateway does, and asks a Store through gateway.SCIMTokens.
//
// What each Lambda instance sees: a pool's hashes are read when a SCIM
// request first needs them and cached for CacheTTL. Issue updates the
// cache of the instance that issued, so the new token works there at once.
// Another instance keeps its cached hashes, and so accepts the old token,
// until they are CacheTTL old; a token that matches none of them makes it
// read the secret again once they are RefreshAfter old, so a new token
// works everywhere within RefreshAfter, and a dropped one stops working
// everywhere within CacheTTL.
package scimauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// DefaultPrefix starts the name of every pool's secret, unless Options
// names another: the secret of pool us-east-1_Example is
// "cognito-admin-gateway/scim/us-east-1_Example".
const DefaultPrefix = "cognito-admin-gateway/scim/"

// Policy, in one place, so that the README and the tests read the same
// figures.
const (
	// CacheTTL is how long a pool's hashes are used before the secret is
	// read again.
	CacheTTL = 5 * time.Minute
	// RefreshAfter is how old cached hashes must be before a token that
	// matches none of them makes the secret be read again: a token issued
	// on another instance works here within it, and a stream of wrong
	// tokens costs at most one read of a pool's secret per RefreshAfter.
	RefreshAfter = time.Minute
	// MaxFailures wrong or missing tokens from one source within one
	// FailureWindow make every further request of that source a 429, until
	// the window ends, whatever token it carries. Windows are aligned on
	// the clock, the same for every source, so that ending one drops every
	// counter at once: a source gets at most 2*MaxFailures tries in any
	// FailureWindow.
	MaxFailures   = 10
	FailureWindow = time.Minute
	// MaxSources bounds the failure counters, and so their memory: at most
	// this many sources are counted in a window, each under at most
	// maxSourceKey bytes, well under 2 MB in all. A source that fails first
	// when the table is full is not counted: spreading the guesses over so
	// many addresses defeats a per-source limit anyway, and a counted source
	// is never pushed out, so a throttled one stays throttled.
	MaxSources = 10000
	// MaxPools bounds the cache of pools' hashes (a pool with no secret is
	// cached too, so that requests naming made-up pools cannot make every
	// one of them a call to Secrets Manager); when it is full, any pool
	// goes, and is read again when next needed.
	MaxPools = 1000
	// MaxTokens is how many tokens a pool accepts at once: issuing one more
	// drops the oldest, so that a client can be moved to a new token while
	// the old one still works.
	MaxTokens = 2
	// maxSourceKey bounds the bytes of a source that a counter keeps: an
	// IPv6 address with a port fits.
	maxSourceKey = 64
	// tokenBytes of crypto/rand make a token: 256 bits.
	tokenBytes = 32
	// issueAttempts bounds how often Issue starts again when another issue
	// for the same pool changed the secret under it.
	issueAttempts = 5
)

// Actions are the Secrets Manager actions a Store calls, which the
// function's IAM policy must grant on the secrets under its prefix, and
// nothing else (a test holds template.yaml to this list, and another this
// list to the calls).
var Actions = []string{"CreateSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"}

// CodeStoreUnavailable is the problem code when Secrets Manager cannot be
// read or written.
const CodeStoreUnavailable = "TokenStoreUnavailable"

// CodeIssueConflict is the problem code of an Issue that lost to other
// issues for the same pool, issueAttempts times over.
const CodeIssueConflict = "TokenIssueConflict"

// Options are a Store's policies; the zero value is the default.
type Options struct {
	// Prefix starts every secret's name; empty means DefaultPrefix.
	Prefix string
	// Now is the clock; nil means time.Now. Tests move it instead of
	// sleeping.
	Now func() time.Time
}

// Store implements gateway.SCIMTokens on Secrets Manager. Build it with
// New; it calls nothing until a request needs it.
type Store struct {
	client *secretsmanager.Client
	prefix string
	now    func() time.Time

	mu       sync.Mutex // guards pools and failures
	pools    map[string]*poolHashes
	failures failureCounts
}

// poolHashes is what a Store knows of one pool's secret. mu is held while
// the secret is read, so that concurrent requests of a pool make one read.
type poolHashes struct {
	mu     sync.Mutex
	hashes [][sha256.Size]byte // nil when the pool has no secret
	readAt time.Time           // zero until first read
}

// failureCounts counts each source's failures in the current window.
type failureCounts struct {
	window int64 // the current window: the clock's time / FailureWindow
	counts map[string]int
}

// New returns a Store that keeps its secrets through client.
func New(client *secretsmanager.Client, opts Options) *Store {
	s := &Store{client: client, prefix: opts.Prefix, now: opts.Now, pools: map[string]*poolHashes{}}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// SecretName is the name of poolID's secret.
func (s *Store) SecretName(poolID string) string { return s.prefix + poolID }

// Verify returns nil when token is one of poolID's, or a *problem.Error:
// 401 for a missing or wrong token (another pool's among them) or a pool
// with no token, 429 when source has failed MaxFailures times in the
// current FailureWindow, 502 or 504 when Secrets Manager cannot be read.
func (s *Store) Verify(ctx context.Context, poolID, token, source string) error {
	now := s.now()
	if wait := s.throttled(source, now); wait > 0 {
		p := problem.New(http.StatusTooManyRequests, problem.CodeThrottled,
			"Too many requests from this address carried a wrong SCIM token; wait before trying again.")
		p.RetryAfter = int(math.Ceil(wait.Seconds()))
		return p
	}
	if token == "" {
		s.fail(source, now)
		return refused("This route takes a SCIM token of the pool as Authorization: Bearer <token>.")
	}
	sum := sha256.Sum256([]byte(token))
	pool := s.pool(poolID)
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if now.Sub(pool.readAt) >= CacheTTL {
		if err := s.load(ctx, poolID, pool, now); err != nil {
			return err
		}
	}
	if matches(pool.hashes, sum) {
		return nil
	}
	// A token issued on another instance since this one read the secret.
	if now.Sub(pool.readAt) >= RefreshAfter {
		if err := s.load(ctx, poolID, pool, now); err != nil {
			return err
		}
		if matches(pool.hashes, sum) {
			return nil
		}
	}
	s.fail(source, now)
	return refused("The SCIM token is not one of this pool's: it is wrong, or was dropped when newer ones were issued.")
}

// matches compares sum with every hash in constant time, so that the time
// taken tells nothing of which hash, or how much of one, matched.
func matches(hashes [][sha256.Size]byte, sum [sha256.Size]byte) bool {
	found := 0
	for _, h := range hashes {
		found |= subtle.ConstantTimeCompare(h[:], sum[:])
	}
	return found == 1
}

// refused is the 401 of a missing or wrong token. Its detail is the
// gateway's own and never repeats the token.
func refused(detail string) *problem.Error {
	p := problem.New(http.StatusUnauthorized, problem.CodeUnauthorized, detail)
	p.Header = http.Header{}
	p.Header.Set("WWW-Authenticate", `Bearer realm="scim", error="invalid_token"`)
	return p
}

// load reads poolID's hashes into pool, whose mu the caller holds.
func (s *Store) load(ctx context.Context, poolID string, pool *poolHashes, now time.Time) error {
	current, err := s.read(ctx, poolID)
	if err != nil {
		return err
	}
	pool.hashes, pool.readAt = current.hashes, now
	return nil
}

// pool is the cache entry of poolID, made if missing.
func (s *Store) pool(poolID string) *poolHashes {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pool, ok := s.pools[poolID]; ok {
		return pool
	}
	if len(s.pools) >= MaxPools {
		for other := range s.pools {
			delete(s.pools, other) // any one: it costs a read when next needed
			break
		}
	}
	pool := &poolHashes{}
	s.pools[poolID] = pool
	return pool
}

// throttled is how long source must still wait, or 0.
func (s *Store) throttled(source string, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	window := now.UnixNano() / int64(FailureWindow)
	if window != s.failures.window || s.failures.counts[sourceKey(source)] < MaxFailures {
		return 0
	}
	return time.Unix(0, (window+1)*int64(FailureWindow)).Sub(now)
}

// fail counts one failure of source.
func (s *Store) fail(source string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if window := now.UnixNano() / int64(FailureWindow); window != s.failures.window || s.failures.counts == nil {
		s.failures = failureCounts{window: window, counts: map[string]int{}}
	}
	key := sourceKey(source)
	if _, counted := s.failures.counts[key]; counted || len(s.failures.counts) < MaxSources {
		s.failures.counts[key]++
	}
}

// sourceKey is what a counter is kept under: source's host, without the
// port that a local server's RemoteAddr carries and that changes with every
// connection, cut to maxSourceKey bytes, so that a long one cannot make a
// counter large.
func sourceKey(source string) string {
	if host, _, err := net.SplitHostPort(source); err == nil {
		source = host
	}
	return source[:min(len(source), maxSourceKey)]
}

// Issue makes a new token for poolID, stores its hash (dropping the oldest
// beyond MaxTokens) and returns it: the only time it exists outside the
// client that receives it. Concurrent issues for one pool, on any
// instance, each keep their hash: a secret version becomes current only if
// the version it was made from still is, and an issue that loses starts
// again from the winner's.
func (s *Store) Issue(ctx context.Context, poolID string) (string, error) {
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", problem.Internal(err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	for range issueAttempts {
		current, err := s.read(ctx, poolID)
		if err != nil {
			return "", err
		}
		hashes := append(current.hashes, sum)
		hashes = hashes[max(0, len(hashes)-MaxTokens):]
		raced, err := s.write(ctx, poolID, current, hashes)
		if err != nil {
			return "", err
		}
		if raced {
			continue
		}
		pool := s.pool(poolID)
		pool.mu.Lock()
		pool.hashes, pool.readAt = hashes, s.now()
		pool.mu.Unlock()
		return token, nil
	}
	return "", problem.New(http.StatusConflict, CodeIssueConflict,
		"Other tokens were being issued for this pool at the same time; issue this one again.")
}

// secretValue is the secret's JSON: the hex SHA-256 hashes of the pool's
// tokens, oldest first. Never a token.
type secretValue struct {
	SHA256 []string `json:"sha256"`
}

// version is one read of a pool's secret.
type version struct {
	exists bool
	id     string // the current version's id
	hashes [][sha256.Size]byte
}

// read reads poolID's current secret version. A pool with no secret is
// not an error: it has no tokens.
func (s *Store) read(ctx context.Context, poolID string) (version, error) {
	// AWSCURRENT named, not implied: the label is what Issue moves.
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(s.SecretName(poolID)), VersionStage: aws.String("AWSCURRENT"),
	})
	var missing *smtypes.ResourceNotFoundException
	if errors.As(err, &missing) {
		return version{}, nil
	}
	if err != nil {
		return version{}, unavailable(err)
	}
	var value secretValue
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &value); err != nil {
		return version{}, problem.Internal(fmt.Errorf("secret %s is not the gateway's: %w", s.SecretName(poolID), err))
	}
	v := version{exists: true, id: aws.ToString(out.VersionId)}
	for _, h := range value.SHA256 {
		var sum [sha256.Size]byte
		if n, err := hex.Decode(sum[:], []byte(h)); err != nil || n != sha256.Size {
			return version{}, problem.Internal(fmt.Errorf("secret %s holds a hash that is not a hex SHA-256", s.SecretName(poolID)))
		}
		v.hashes = append(v.hashes, sum)
	}
	return v, nil
}

// write makes hashes poolID's current secret value, if current is still
// the current version. raced reports that another issue got there first.
func (s *Store) write(ctx context.Context, poolID string, current version, hashes [][sha256.Size]byte) (raced bool, err error) {
	value := secretValue{SHA256: make([]string, len(hashes))}
	for i, h := range hashes {
		value.SHA256[i] = hex.EncodeToString(h[:])
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		return false, problem.Internal(err)
	}
	name := s.SecretName(poolID)
	newID, err := versionID()
	if err != nil {
		return false, problem.Internal(err)
	}
	if !current.exists {
		_, err := s.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(name), SecretString: aws.String(string(encoded)), ClientRequestToken: aws.String(newID),
			Description: aws.String("SHA-256 hashes of the SCIM bearer tokens of Cognito user pool " + poolID +
				" (cognito-admin-gateway; issue tokens with POST /pools/" + poolID + "/scim/tokens)."),
		})
		var exists *smtypes.ResourceExistsException
		if errors.As(err, &exists) {
			return true, nil
		}
		if err != nil {
			return false, unavailable(err)
		}
		return false, nil
	}
	// The new version is staged AWSPENDING first, and made AWSCURRENT only
	// if AWSCURRENT is still on the version read: Secrets Manager refuses
	// the move otherwise, which is the compare-and-swap that keeps a
	// concurrent issue's hash.
	if _, err := s.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(name), SecretString: aws.String(string(encoded)),
		ClientRequestToken: aws.String(newID), VersionStages: []string{"AWSPENDING"},
	}); err != nil {
		return false, unavailable(err)
	}
	_, err = s.client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"),
		MoveToVersionId: aws.String(newID), RemoveFromVersionId: aws.String(current.id),
	})
	var moved *smtypes.InvalidParameterException
	if errors.As(err, &moved) {
		return true, nil
	}
	if err != nil {
		return false, unavailable(err)
	}
	return false, nil
}

// versionID is a new secret version's id (ClientRequestToken: 32 to 64
// characters).
func versionID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// unavailable is the answer when Secrets Manager fails: a 504 when the
// request ran out of time, a 502 otherwise, with the cause only logged.
func unavailable(err error) *problem.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &problem.Error{Status: http.StatusGatewayTimeout, Code: problem.CodeTimeout,
			Detail: "The store of SCIM tokens did not answer in time.", Cause: err}
	}
	return &problem.Error{Status: http.StatusBadGateway, Code: CodeStoreUnavailable,
		Detail: "The store of SCIM tokens failed. The failure was logged.", Cause: err}
}
