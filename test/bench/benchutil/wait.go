package benchutil

import (
	"fmt"
	"os"
	"time"
)

// WaitFor polls (every interval, each poll given the last state) until
// done says the state is reached, and returns it with the time since
// start; after timeout from start it gives up with an error naming what
// and the last state. A failed poll is reported on stderr, as prog's, and
// keeps the last state; every 10 s the state is logged there too.
func WaitFor[S fmt.Stringer](prog, what string, start time.Time, timeout, interval time.Duration,
	poll func(prev S) (S, error), done func(S) bool, prev S) (S, time.Duration, error) {
	lastLog := time.Now()
	for {
		s, err := poll(prev)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: poll: %v\n", prog, err)
			s = prev
		} else if done(s) {
			return s, time.Since(start), nil
		}
		prev = s
		if time.Since(lastLog) > 10*time.Second {
			fmt.Fprintf(os.Stderr, "  %5.1fs waiting until %s: %v\n", time.Since(start).Seconds(), what, s)
			lastLog = time.Now()
		}
		if time.Since(start) > timeout {
			return s, time.Since(start), fmt.Errorf("not %s after %v: %v", what, timeout, s)
		}
		time.Sleep(interval)
	}
}
