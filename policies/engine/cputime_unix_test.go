//go:build unix

package engine

import (
	"syscall"
	"time"
)

// cpuTime is the CPU the process has used, user and system, on every
// thread: what a decision costs whatever else the machine runs (wall-clock
// latencies on a shared machine include waiting for a core).
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
