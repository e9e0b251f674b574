package gateway

import (
	"net/http"
	"testing"
)

// BenchmarkPromoteExamplePool measures what the README's "Promote staging
// to production" costs for the acceptance scenario's pool, through the
// gateway over loopback, in front of moto and the stand-in beside it: the
// export, a plan of five changes, and an apply of five changes (the
// document with them and the one without, in turn, so that each apply
// makes five). cognito-calls/op is what the stand-in received, per
// operation. moto answers slower than Cognito does, so the time is an
// upper bound of the gateway's share, not a forecast of AWS's.
func BenchmarkPromoteExamplePool(b *testing.B) {
	c := startConfigGateway(b)
	pool := everyFeaturePool(b, c.direct, "staging", "staging-bench")
	doc, _ := c.export(b, pool.ID)
	changed := withFiveChanges(b, doc)

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
		documents := []map[string]any{changed, doc}
		measure(b, func(i int) {
			_, outcome := c.json(b, http.StatusOK, http.MethodPut, "/pools/"+pool.ID+"/configuration", documents[i%2], nil)
			if applied := targets(b, outcome["Applied"]); len(applied) != 5 {
				b.Fatalf("apply: %v", outcome)
			}
		})
		// Leave the pool as the export found it, for a next run of the
		// benchmark with more iterations.
		c.json(b, http.StatusOK, http.MethodPut, "/pools/"+pool.ID+"/configuration", doc, nil)
	})
}
