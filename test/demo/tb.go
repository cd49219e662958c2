package main

import (
	"fmt"
	"os"
	"sync"
)

// fatal is what a tb's Fatal panics with: the starters in test/realparts
// expect Fatal not to return, as testing.T's does (Goexit). try and run
// recover it.
type fatal struct{ msg string }

// tb is realparts.TB for a program: logs go to stderr, Fatal panics with
// fatal, and close runs the clean-ups (last first) and removes its
// temporary directories. The demo has one for itself and one per Jupyter,
// so a Workspace's stand-in stops alone when the Workspace goes.
type tb struct {
	name string

	mu       sync.Mutex
	cleanups []func()
	dirs     []string
	failed   bool
}

func newTB(name string) *tb { return &tb{name: name} }

func (t *tb) Helper()      {}
func (t *tb) Name() string { return t.name }

func (t *tb) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *tb) Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "demo: %s: %s\n", t.name, fmt.Sprintf(format, args...))
}

func (t *tb) Errorf(format string, args ...any) {
	t.setFailed()
	t.Logf("error: "+format, args...)
}

func (t *tb) Fatal(args ...any) { t.fail(fmt.Sprint(args...)) }

func (t *tb) Fatalf(format string, args ...any) { t.fail(fmt.Sprintf(format, args...)) }

func (t *tb) fail(msg string) {
	t.setFailed()
	panic(fatal{msg: t.name + ": " + msg})
}

func (t *tb) setFailed() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
}

// Failed: true after an error; the starters then keep their process's log
// under bin/artifacts/<name>/ and print its tail when they stop it.
func (t *tb) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func (t *tb) TempDir() string {
	dir, err := os.MkdirTemp("", "weir-demo-")
	if err != nil {
		t.Fatalf("temporary directory: %v", err)
	}
	t.mu.Lock()
	t.dirs = append(t.dirs, dir)
	t.mu.Unlock()
	return dir
}

// close runs the clean-ups, last registered first (a clean-up may register
// more), then removes the temporary directories. A clean-up's Fatal is
// logged and the rest still run.
func (t *tb) close() {
	for {
		t.mu.Lock()
		n := len(t.cleanups)
		if n == 0 {
			t.mu.Unlock()
			break
		}
		f := t.cleanups[n-1]
		t.cleanups = t.cleanups[:n-1]
		t.mu.Unlock()
		if err := try(f); err != nil {
			fmt.Fprintf(os.Stderr, "demo: clean-up: %v\n", err)
		}
	}
	t.mu.Lock()
	dirs := t.dirs
	t.dirs = nil
	t.mu.Unlock()
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}

// try runs f and returns the message of a Fatal inside it as an error;
// other panics go on.
func try(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ft, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", ft.msg)
		}
	}()
	f()
	return nil
}
