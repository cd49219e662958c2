package realparts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a child started by a Start function: its own process group
// (so Jupyter's kernels stop with it), output kept in a file whose tail is
// logged if the test fails.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error
}

// start runs cmd, stops it (SIGTERM to its group, SIGKILL after 5 s) in
// t.Cleanup, and logs the tail of its output when the test has failed.
func start(t TB, name string, cmd *exec.Cmd) *process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s (%s): %v", name, cmd.Path, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			// The temporary directory goes next; keep the whole log.
			kept := filepath.Join(ArtifactsDir(t), name+".log")
			if err := os.WriteFile(kept, []byte(p.output()), 0o644); err != nil {
				kept = logPath + " (removed with the test's temporary directory)"
			}
			t.Logf("%s output (last lines of %s):\n%s", name, kept, p.tail(40))
		}
	})
	return p
}

func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// output is everything the process has written so far.
func (p *process) output() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func (p *process) tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.output(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls ready until it returns nil, the process exits or timeout
// passes; the error says which, with the process's last output.
func (p *process) waitFor(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = ready(); last == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited (%w) before it was ready:\n%s", p.name, p.waitErr, p.tail(30))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s (last check: %w):\n%s", p.name, timeout, last, p.tail(30))
		}
	}
}

// freePort asks the kernel for a free loopback port. The port is released
// before the child binds it, so a start that loses the race is retried by
// the callers that need a port number up front.
func freePort(t TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// addrInUse reports whether a child's output says its port was taken.
func addrInUse(output string) bool {
	return strings.Contains(output, "address already in use")
}

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// RepoRoot is the root of the Weir checkout (the directory of the go.mod
// that declares github.com/weir-dev/weir), found from the working directory.
func RepoRoot(t TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if modulePath(filepath.Join(dir, "go.mod")) == "github.com/weir-dev/weir" {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("no go.mod for github.com/weir-dev/weir above the working directory")
				return
			}
			dir = parent
		}
	})
	if rootErr != nil {
		t.Fatalf("repository root: %v", rootErr)
	}
	return rootDir
}

func modulePath(goMod string) string {
	b, err := os.ReadFile(goMod)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// tool finds a binary built by a hack/ script: the path in env if set,
// otherwise the script's cached build (the script is run with
// WEIR_TOOLS_NO_BUILD=1, so it only prints the path or says it is missing).
func tool(t TB, env, script string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", env, p, err)
		}
		return p
	}
	root := RepoRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, script))
	cmd.Env = append(os.Environ(), "WEIR_TOOLS_NO_BUILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s is missing: build it with %s (or make tools), or set %s to a binary (%v: %s)",
			filepath.Base(script), script, env, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out))
}

// privateEnv is the environment for a child whose home, config and data
// directories are dir, so nothing it writes lands outside the test.
func privateEnv(dir string, extra ...string) []string {
	env := []string{
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, ".run"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
	}
	if tz := os.Getenv("TZ"); tz != "" {
		env = append(env, "TZ="+tz)
	}
	for _, d := range []string{".config", ".local/share", ".cache", ".run"} {
		_ = os.MkdirAll(filepath.Join(dir, d), 0o700)
	}
	return append(env, extra...)
}
