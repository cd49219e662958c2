package engine

import (
	"context"
	"testing"
)

// BenchmarkDecideRun decides a realistic Run with the default bundle: two
// sources, a schedule, IRSA, env and resources.
func BenchmarkDecideRun(b *testing.B) {
	e := loaded(b, DefaultBundle())
	in := runInput(b, seedSpec)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Decide(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
