package benchutil

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

type count int

func (c count) String() string { return "n=" + strconv.Itoa(int(c)) }

func TestWaitFor(t *testing.T) {
	polls := 0
	poll := func(prev count) (count, error) {
		polls++
		if polls == 2 {
			return 0, errors.New("flaky") // keeps the last state
		}
		return prev + 1, nil
	}
	s, _, err := WaitFor("test", "three", time.Now(), time.Minute, time.Millisecond, poll, func(c count) bool { return c == 3 }, 0)
	if err != nil || s != 3 || polls != 4 {
		t.Errorf("WaitFor = %v, %v after %d polls; want n=3 after 4 (one failed)", s, err, polls)
	}
	s, _, err = WaitFor("test", "never", time.Now(), 5*time.Millisecond, time.Millisecond,
		func(prev count) (count, error) { return prev + 1, nil }, func(count) bool { return false }, 0)
	if err == nil || !strings.Contains(err.Error(), "not never after") || !strings.Contains(err.Error(), s.String()) {
		t.Errorf("a wait past its timeout: %v (state %v)", err, s)
	}
}
