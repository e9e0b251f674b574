// Package quota keeps the gateway within its share of Cognito's request-rate
// quotas. Cognito meters requests per account and Region, by category of
// operation (UserUpdate, UserList, ...), and the gateway shares each
// category with the applications that use the same user pools. A gateway
// that spent a category's whole quota would throttle those applications'
// sign-ups and profile updates, so each gateway instance paces itself with
// one token bucket per category.
//
// It owns the categories and Cognito's default quota of each. Which
// category an action falls in is part of the action's row in package
// cognito, so that adding an action cannot forget it. It does not call
// Cognito, and it does not retry: a call it refuses is the caller's to answer.
package quota

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultShare is the part of Cognito's default quota a gateway instance
// takes for a category that configuration does not name.
const DefaultShare = 0.2

// Category is one of Cognito's request-rate quota categories, as the
// quotas page names it.
type Category string

// The categories the gateway's actions fall in. Source: "Quotas in Amazon
// Cognito", section "Amazon Cognito user pools API operation categories and
// request rate quotas",
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
const (
	UserCreation           Category = "UserCreation"
	UserAccountRecovery    Category = "UserAccountRecovery"
	UserRead               Category = "UserRead"
	UserUpdate             Category = "UserUpdate"
	UserResourceRead       Category = "UserResourceRead"
	UserResourceUpdate     Category = "UserResourceUpdate"
	UserList               Category = "UserList"
	UserPoolRead           Category = "UserPoolRead"
	UserPoolUpdate         Category = "UserPoolUpdate"
	UserPoolResourceRead   Category = "UserPoolResourceRead"
	UserPoolResourceUpdate Category = "UserPoolResourceUpdate"
	UserPoolClientRead     Category = "UserPoolClientRead"
	UserPoolClientUpdate   Category = "UserPoolClientUpdate"
)

// cognitoDefaultRPS is Cognito's default quota, in requests per second, of
// each category, from the same page.
var cognitoDefaultRPS = map[Category]float64{
	UserCreation:           50,
	UserAccountRecovery:    30,
	UserRead:               120,
	UserUpdate:             25,
	UserResourceRead:       50,
	UserResourceUpdate:     25,
	UserList:               30,
	UserPoolRead:           15,
	UserPoolUpdate:         15,
	UserPoolResourceRead:   20,
	UserPoolResourceUpdate: 15,
	UserPoolClientRead:     15,
	UserPoolClientUpdate:   15,
}

// PerPoolOperationRPS is Cognito's cap, in requests per second, on one
// operation on one pool in the categories perPoolCapped lists, whatever
// the category's own quota: a pool's 50 app clients updated in a row
// must not exceed it.
const PerPoolOperationRPS = 5

// perPoolCapped are the categories the quotas page marks as also capped
// per operation per pool.
var perPoolCapped = map[Category]bool{
	UserPoolResourceRead: true, UserPoolResourceUpdate: true,
	UserPoolClientRead: true, UserPoolClientUpdate: true,
}

// Limiter paces Cognito calls with one token bucket per quota category
// and, in the categories Cognito caps per pool and operation, one more per
// pool and operation. It is safe for concurrent use.
type Limiter struct {
	buckets map[Category]*rate.Limiter
	// perPool are the per pool and operation buckets. A Limiter made by
	// Share has its parent's: Cognito's cap is the pool's, whoever calls.
	perPool *poolBuckets
}

// poolBuckets are the per pool and operation buckets, made when first
// needed. A gateway manages a handful of pools, so they are few.
type poolBuckets struct {
	mu      sync.Mutex
	buckets map[poolOperation]*rate.Limiter
}

func newPoolBuckets() *poolBuckets {
	return &poolBuckets{buckets: map[poolOperation]*rate.Limiter{}}
}

type poolOperation struct{ pool, action string }

// New builds a Limiter. rates gives requests per second by category, as
// ParseRates returns them; a category it leaves out gets DefaultShare of
// Cognito's default quota. Each bucket holds one second's worth of tokens,
// and at least one.
func New(rates map[string]float64) *Limiter {
	l := &Limiter{buckets: make(map[Category]*rate.Limiter, len(cognitoDefaultRPS)), perPool: newPoolBuckets()}
	for category, quota := range cognitoDefaultRPS {
		rps, ok := rates[string(category)]
		if !ok {
			rps = quota * DefaultShare
		}
		l.buckets[category] = bucket(rps)
	}
	return l
}

// Only builds a Limiter that paces the categories rates names, and no
// other. It is for a Cognito stand-in on this machine (moto): it has no
// quota that production shares, and pacing it at production's share only
// makes a burst of local calls wait.
func Only(rates map[string]float64) *Limiter {
	l := &Limiter{buckets: make(map[Category]*rate.Limiter, len(rates)), perPool: newPoolBuckets()}
	for category, rps := range rates {
		l.buckets[Category(category)] = bucket(rps)
	}
	return l
}

// Share builds a Limiter that paces every category l paces at share
// (0 < share <= 1) of l's rate, in buckets of its own. It is for the job
// worker: a job that took a category's whole rate would leave nothing for
// the interactive admin calls that share it, so the worker runs at a
// fraction of what the gateway may spend.
func (l *Limiter) Share(share float64) *Limiter {
	shared := &Limiter{buckets: make(map[Category]*rate.Limiter, len(l.buckets)), perPool: l.perPool}
	for category, b := range l.buckets {
		shared.buckets[category] = bucket(float64(b.Limit()) * share)
	}
	return shared
}

// Rate is the requests per second l allows in category, and false when l
// does not pace it.
func (l *Limiter) Rate(category Category) (float64, bool) {
	b, ok := l.buckets[category]
	if !ok {
		return 0, false
	}
	return float64(b.Limit()), true
}

// bucket holds one second's worth of tokens, and at least one.
func bucket(rps float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(rps), max(1, int(math.Ceil(rps))))
}

// ThrottledError is the gateway refusing a call to protect Cognito's quota:
// the call could not have started before the request's deadline.
type ThrottledError struct {
	// Category is the Cognito quota category the call belongs to.
	Category Category
	// RetryAfter is how long until the category has room again.
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("throttled by the gateway to protect Cognito's shared quota (%s)", e.Category)
}

// Wait returns nil when action, of category, may be called on pool
// poolID ("" when it names none), after waiting for the category's bucket
// and, in a category Cognito caps per pool and operation, for that pool
// and action's bucket, if need be. If the wait would end after ctx's
// deadline it returns a *ThrottledError at once, without waiting; if ctx
// ends while waiting, ctx's error. A category the Limiter has no bucket
// for (see Only) is not paced.
func (l *Limiter) Wait(ctx context.Context, category Category, poolID, action string) error {
	now := time.Now()
	delay, cancel, paced := l.reserve(now, category, poolID, action)
	if !paced || delay == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && deadline.Sub(now) < delay {
		cancel()
		return &ThrottledError{Category: category, RetryAfter: delay}
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		cancel()
		return ctx.Err()
	}
}

// reserve takes a token, at now, from each bucket the call needs, and
// answers how long to wait for the later of the two, and how to give them
// back.
func (l *Limiter) reserve(now time.Time, category Category, poolID, action string) (time.Duration, func(), bool) {
	bucket, ok := l.buckets[category]
	if !ok {
		return 0, nil, false
	}
	first := bucket.ReserveN(now, 1)
	delay, cancel := first.DelayFrom(now), func() { first.CancelAt(now) }
	if !perPoolCapped[category] || poolID == "" {
		return delay, cancel, true
	}
	second := l.poolBucket(poolID, action).ReserveN(now, 1)
	return max(delay, second.DelayFrom(now)), func() { first.CancelAt(now); second.CancelAt(now) }, true
}

// poolBucket is the bucket of one operation on one pool: Cognito's cap,
// with room for one call at a time, so that no second holds more than
// PerPoolOperationRPS of them. The interval has a millisecond to spare:
// the token arithmetic is in floating point, and without it one start in
// a few dozen lands a nanosecond early.
func (l *Limiter) poolBucket(poolID, action string) *rate.Limiter {
	l.perPool.mu.Lock()
	defer l.perPool.mu.Unlock()
	key := poolOperation{poolID, action}
	bucket, ok := l.perPool.buckets[key]
	if !ok {
		bucket = rate.NewLimiter(rate.Every(time.Second/PerPoolOperationRPS+time.Millisecond), 1)
		l.perPool.buckets[key] = bucket
	}
	return bucket
}

// ParseRates reads per-category rates such as "UserUpdate=5,UserList=6.5",
// in requests per second. An empty string names no category.
func ParseRates(s string) (map[string]float64, error) {
	rates := map[string]float64{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		category, value, found := strings.Cut(entry, "=")
		category, value = strings.TrimSpace(category), strings.TrimSpace(value)
		if !found {
			return nil, fmt.Errorf("%q is not Category=requests-per-second, such as UserUpdate=5", entry)
		}
		if _, known := cognitoDefaultRPS[Category(category)]; !known {
			return nil, fmt.Errorf("unknown quota category %q; the gateway's categories are %s",
				category, strings.Join(Categories(), ", "))
		}
		if _, twice := rates[category]; twice {
			return nil, fmt.Errorf("quota category %s is given twice", category)
		}
		rps, err := strconv.ParseFloat(value, 64)
		if err != nil || !(rps > 0) || math.IsInf(rps, 1) {
			return nil, fmt.Errorf("%s=%s: the rate must be a positive number of requests per second", category, value)
		}
		rates[category] = rps
	}
	return rates, nil
}

// Categories returns the quota categories of the gateway's actions, sorted.
func Categories() []string {
	categories := make([]string, 0, len(cognitoDefaultRPS))
	for category := range cognitoDefaultRPS {
		categories = append(categories, string(category))
	}
	slices.Sort(categories)
	return categories
}

// Known reports whether c is a category with a default quota here: an
// action of any other category would never be paced.
func (c Category) Known() bool {
	_, ok := cognitoDefaultRPS[c]
	return ok
}
