package gateway

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkPromoteExamplePool measures what the README's "Promote staging
// to production" costs for the acceptance scenario's pool, through the
// gateway over loopback, in front of moto and the stand-in beside it: the
// export, a plan of five changes, and an apply of five changes (the
// document with them and the one that undoes them, in turn, so that each
// apply makes five), and a clone. cognito-calls/op is what the stand-in received, per
// operation. moto answers slower than Cognito does, so the time is an
// upper bound of the gateway's share, not a forecast of AWS's.
func BenchmarkPromoteExamplePool(b *testing.B) {
	c := startConfigGateway(b)
	pool := everyFeaturePool(b, c.direct, "staging", "staging-bench")
	doc, _ := c.export(b, pool.ID)
	changed := withFiveChanges(b, doc)
	// The way back: the document merges as a JSON merge patch does, so
	// the mapping fiveChanges adds is removed by a null.
	reverted := deepCopy(b, doc)
	at(reverted, "IdentityProviders", "corp-saml")["AttributeMapping"] = map[string]any{"email": "mail", "name": nil}

	measure := func(b *testing.B, op func(i int)) {
		calls := len(c.stand.Calls())
		i := 0
		for b.Loop() {
			op(i)
			i++
		}
		b.ReportMetric(float64(len(c.stand.Calls())-calls)/float64(b.N), "cognito-calls/op")
	}
	b.Run("export", func(b *testing.B) {
		measure(b, func(int) { c.export(b, pool.ID) })
	})
	b.Run("plan", func(b *testing.B) {
		measure(b, func(int) {
			if changes := c.plan(b, pool.ID, changed); len(changes) != 5 {
				b.Fatalf("plan: %d changes, want 5", len(changes))
			}
		})
	})
	b.Run("apply", func(b *testing.B) {
		documents := []map[string]any{changed, reverted}
		measure(b, func(i int) {
			_, outcome := c.json(b, http.StatusOK, http.MethodPut, "/pools/"+pool.ID+"/configuration", documents[i%2], nil)
			if applied := targets(b, outcome["Applied"]); len(applied) != 5 {
				b.Fatalf("apply: %v", outcome)
			}
		})
		// Leave the pool as the export found it, for a next run of the
		// benchmark with more iterations.
		c.json(b, http.StatusOK, http.MethodPut, "/pools/"+pool.ID+"/configuration", reverted, nil)
	})
	b.Run("clone", func(b *testing.B) {
		measure(b, func(i int) {
			clone := map[string]any{"PoolName": "production", "Domain": fmt.Sprintf("production-bench-%d-%d", b.N, i),
				"Secrets": map[string]any{"IdentityProviders": map[string]any{"corp-oidc": map[string]any{"client_secret": "production-oidc-s3cret"}}}}
			_, outcome := c.json(b, http.StatusCreated, http.MethodPost, "/pools/"+pool.ID+"/clone", clone, nil)
			if outcome["Failed"] != nil {
				b.Fatalf("clone: %v", outcome)
			}
		})
	})
}
