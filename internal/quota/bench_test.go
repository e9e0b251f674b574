package quota

import (
	"context"
	"testing"
)

// BenchmarkWait is the pacing every Cognito call goes through: a bucket
// with room, and a category that a local Cognito leaves unpaced (Only).
func BenchmarkWait(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		limiter *Limiter
	}{
		{"paced", New(map[string]float64{"UserRead": 1e9})},
		{"unpaced", Only(nil)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.limiter.Wait(ctx, UserRead, "", "AdminGetUser"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
