package host

import (
	"context"
	"io/fs"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// A trusted module runs without wazero's termination checks, so a loop
// that calls nothing is not stopped by any deadline (not tested: it
// would spin until the process ends). One that calls the host is stopped
// at its next call, whichever it is, with the same error as a checked one.
func TestTrustedModuleStoppedAtItsNextHostCall(t *testing.T) {
	silent, _ := silentServer(t)
	for mode, port := range map[string]int{
		"sleep":  0,
		"emit":   0,
		"log":    0,
		"print":  0,
		"read":   silent,        // blocked in the host until the deadline
		"reread": eofServer(t),  // reads failing at once, in a loop
		"dial":   closedPort(t), // dials failing at once, in a loop
	} {
		t.Run(mode, func(t *testing.T) {
			opts, _ := testOptions(t)
			opts.Trusted = true
			opts.Limits.RunTime = time.Second
			opts.Network.AllowLoopback = true
			m := load(t, "stall", opts)
			if !m.Trusted() {
				t.Fatal("Options.Trusted was not kept")
			}
			err := discoverOrGiveUp(t, m, map[string]any{"mode": mode, "host": "127.0.0.1", "port": port})
			wantLimit(t, err, LimitRunTime, "1s")
			healthy(t)
		})
	}
}

// The caller's cancellation stops a trusted module the same way.
func TestTrustedModuleStoppedByTheCaller(t *testing.T) {
	opts, _ := testOptions(t)
	opts.Trusted = true
	m := load(t, "stall", opts)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, emit := collector()
	err := m.Discover(ctx, cfg(map[string]any{"mode": "sleep"}), emit)
	if err == nil || ctx.Err() == nil {
		t.Fatalf("Discover = %v; want the caller's deadline", err)
	}
}

// discoverOrGiveUp runs a Discover that must fail, failing the test
// rather than hanging when nothing stops the module (the goroutine then
// spins on until the test binary exits).
func discoverOrGiveUp(t *testing.T, m *Module, config map[string]any) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		done <- m.Discover(context.Background(), cfg(config), func([]model.Item) error { return nil })
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Discover succeeded; want an error")
		}
		t.Logf("stopped: %v", err)
		return err
	case <-time.After(time.Minute):
		t.Fatal("Discover still runs a minute after its 1s run-time limit: a host call does not check the deadline")
		return nil
	}
}

// Modules are checked unless the caller says otherwise.
func TestTerminationChecksAreTheDefault(t *testing.T) {
	if (Options{}).Trusted {
		t.Fatal("the zero Options are trusted")
	}
	opts, _ := testOptions(t)
	if load(t, "good", opts).Trusted() {
		t.Fatal("a module loaded with default options is trusted")
	}
}

// wazero keys compiled code by the bytes and the termination checks
// together, so one CacheDir holds both kinds and never hands one out for
// the other.
func TestTrustedAndCheckedCodeAreCachedApart(t *testing.T) {
	dir := t.TempDir()
	opts, _ := testOptions(t)
	opts.CacheDir = dir
	count := func() int {
		n := 0
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				n++
			}
			return err
		})
		return n
	}
	load(t, "good", opts)
	checked := count()
	if checked == 0 {
		t.Fatal("nothing cached")
	}
	opts.Trusted = true
	load(t, "good", opts)
	both := count()
	if both <= checked {
		t.Fatalf("%d cached modules after loading trusted, %d before: the checked code was reused", both, checked)
	}
	load(t, "good", opts)
	opts.Trusted = false
	load(t, "good", opts)
	if n := count(); n != both {
		t.Fatalf("%d cached modules after loading both kinds again, want %d (cache hits)", n, both)
	}
}

func TestModuleOf(t *testing.T) {
	opts, _ := testOptions(t)
	opts.Trusted = true
	m := load(t, "good", opts)
	ctx := context.Background()
	if got, err := ModuleOf(ctx, m); got != m || err != nil {
		t.Errorf("ModuleOf(*Module) = %v, %v", got, err)
	}
	lazy := Lazy(func(context.Context) (*Module, error) { return m, nil })
	if got, err := ModuleOf(ctx, lazy); got != m || err != nil || !got.Trusted() {
		t.Errorf("ModuleOf(Lazy) = %v, %v", got, err)
	}
	if _, err := ModuleOf(ctx, nil); err == nil {
		t.Error("ModuleOf(nil) succeeded")
	}
}

// eofServer accepts connections and closes them at once.
func eofServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort is a loopback port nothing listens on (any more).
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
