//go:build e2e

package faults

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/weir-dev/weir/test/kwok"
)

// bgT is a realparts.TB for a goroutine other than the test's: Fatal
// records the failure and ends only that goroutine (t.FailNow may not be
// called there). Wait for done before the test ends.
type bgT struct {
	*testing.T
	mu     sync.Mutex
	failed string
}

func (b *bgT) Fatal(args ...any) { b.Fatalf("%s", fmt.Sprint(args...)) }

func (b *bgT) Fatalf(format string, args ...any) {
	b.mu.Lock()
	b.failed = fmt.Sprintf(format, args...)
	b.mu.Unlock()
	b.Errorf(format, args...)
	runtime.Goexit()
}

// go runs f in a goroutine with b; the returned channel closes when f
// returns or fails.
func (b *bgT) run(f func(*bgT)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(b)
	}()
	return done
}

func fmtErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

// poll is kwok.WaitForContext every 3 s (a check lists thousands of
// objects; kwok's 300 ms would load the API server it measures), logging
// where it stands every 30 s.
func poll(t *testing.T, c *kwok.Cluster, timeout time.Duration, what string, check func() error) {
	t.Helper()
	start, last, lastLog := time.Now(), time.Time{}, time.Now()
	kwok.WaitForContext(c.Context(), t, timeout, what, func() error {
		if wait := 3*time.Second - time.Since(last); wait > 0 {
			time.Sleep(wait)
		}
		last = time.Now()
		err := check()
		if err != nil && time.Since(lastLog) > 30*time.Second {
			t.Logf("%5.0fs waiting until %s: %v", time.Since(start).Seconds(), what, err)
			lastLog = time.Now()
		}
		return err
	})
}
