package kwok

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recorder is a realparts.TB whose Fatal panics, as the demo's does, so a
// test can see what failed it.
type recorder struct {
	*testing.T
	fatal string
}

type fatalPanic struct{}

func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...); panic(fatalPanic{}) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(fatalPanic{})
}

// run calls f with a recorder and returns the message f failed with ("" if none).
func run(t *testing.T, f func(r *recorder)) (msg string) {
	r := &recorder{T: t}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(fatalPanic); !ok {
				panic(p)
			}
			msg = r.fatal
		}
	}()
	f(r)
	return ""
}

func TestWaitFor(t *testing.T) {
	n := 0
	if msg := run(t, func(r *recorder) {
		WaitFor(r, 5*time.Second, "third time", func() error {
			if n++; n < 3 {
				return errors.New("not yet")
			}
			return nil
		})
	}); msg != "" || n != 3 {
		t.Errorf("WaitFor: failed with %q after %d checks, want success at the third", msg, n)
	}
	start := time.Now()
	msg := run(t, func(r *recorder) {
		WaitFor(r, time.Minute, "a process", func() error { return Stop(errors.New("it exited")) })
	})
	if msg != "a process: it exited" || time.Since(start) > 5*time.Second {
		t.Errorf("WaitFor with Stop: %q after %s, want \"a process: it exited\" at once", msg, time.Since(start))
	}
	msg = run(t, func(r *recorder) {
		WaitFor(r, 400*time.Millisecond, "never", func() error { return errors.New("still not") })
	})
	if !strings.HasPrefix(msg, "never: not within 400ms: still not") {
		t.Errorf("WaitFor past its timeout: %q", msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	msg = run(t, func(r *recorder) {
		WaitForContext(ctx, r, time.Minute, "never", func() error { return errors.New("still not") })
	})
	if msg != "interrupted" {
		t.Errorf("WaitForContext with its context ended: %q, want interrupted", msg)
	}
}

func TestLocalWebhooksUseThePort(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "config", "webhook", "local")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "clientConfig:\n  url: https://localhost:9443/validate-workspace\n"
	if err := os.WriteFile(filepath.Join(dir, "manifests.yaml"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Root: root}
	b, err := os.ReadFile(c.localWebhooks(t, 12345))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "clientConfig:\n  url: https://localhost:12345/validate-workspace\n" {
		t.Errorf("local webhooks:\n%s", got)
	}

	if err := os.WriteFile(filepath.Join(dir, "manifests.yaml"), []byte("url: https://weir:443/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := run(t, func(r *recorder) { c.localWebhooks(r, 1) }); !strings.Contains(msg, "does not call https://localhost:9443/") {
		t.Errorf("local webhooks without the 9443 URL: %q", msg)
	}
}

func TestFreePort(t *testing.T) {
	if p := FreePort(t); p <= 0 || p > 65535 {
		t.Errorf("FreePort = %d", p)
	}
}
