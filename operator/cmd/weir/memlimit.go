package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryLimitShare is the part of the container's memory limit Go's GC aims
// to stay under; the rest is headroom for what that limit does not see: the
// mapped binary and pages freed but not yet returned to the kernel.
const memoryLimitShare = 0.9

// setMemoryLimit sets Go's soft memory limit to 90 % of the container's
// (cgroup v2 memory.max, else v1 memory.limit_in_bytes, under root) unless
// GOMEMLIMIT is set. Without it the heap may grow to twice the live set
// before a GC (GOGC=100): with 10,000 Runs cached that crosses the chart's
// limit and the kernel kills the manager, where a GC would have sufficed.
// Returns the limit it set, 0 when none.
func setMemoryLimit(root string) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit := cgroupMemoryLimit(root)
	if limit <= 0 {
		return 0
	}
	soft := int64(float64(limit) * memoryLimitShare)
	debug.SetMemoryLimit(soft)
	return soft
}

// cgroupMemoryLimit is the memory limit of the cgroup the process runs in
// (the container's), 0 when there is none.
func cgroupMemoryLimit(root string) int64 {
	for _, p := range []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		v, err := strconv.ParseInt(s, 10, 64)
		// cgroup v1 writes a page-aligned huge number for "no limit".
		if err != nil || v <= 0 || v >= 1<<62 {
			return 0
		}
		return v
	}
	return 0
}
