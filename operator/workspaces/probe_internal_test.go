package workspaces

import (
	"testing"
	"time"
)

// A failing route is probed again after 5 s, then twice as long each
// time, never more than a minute apart.
func TestProbeBackoff(t *testing.T) {
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("failure %d: %v, want %v", i+1, got, w)
		}
	}
}
