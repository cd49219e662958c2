//go:build !unix

package engine

import "time"

// cpuTime is not measured here; the benchmarks then leave cpu-ns/op out.
func cpuTime() (time.Duration, bool) { return 0, false }
