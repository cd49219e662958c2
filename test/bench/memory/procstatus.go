package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// rssParts is VmRSS split as /proc/<pid>/status splits it: anonymous pages
// (the Go heap, stacks, the runtime's own) and file pages (the binary's
// text and read-only data that were touched, clean and reclaimable under
// pressure but counted in RSS), in bytes.
func rssParts(pid int) (anon, file float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "RssAnon:":
			anon = kb * 1024
		case "RssFile:":
			file = kb * 1024
		}
	}
	return anon, file
}
