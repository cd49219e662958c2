//go:build e2e

package certmanager

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

// process is a program of the test running on this machine, its output in
// the artifacts directory (kept after the test for a failure's story).
type process struct {
	name, log string
	cmd       *exec.Cmd
	exited    chan struct{}
}

// start runs bin with args and env added to the test's, and stops it in
// t.Cleanup (SIGTERM, SIGKILL after 15 s).
func start(t *testing.T, name, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{name: name, log: filepath.Join(realparts.ArtifactsDir(t), name+".log")}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatalf("%s log: %v", name, err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s (%s): %v", name, bin, err)
	}
	p.exited = make(chan struct{})
	go func() { _ = p.cmd.Wait(); f.Close(); close(p.exited) }()
	t.Logf("%s log: %s", name, p.log)
	t.Cleanup(func() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	})
	return p
}

// alive fails t with the end of the log if the process has exited.
func (p *process) alive(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("%s exited (%v); its log %s ends:\n%s", p.name, p.cmd.ProcessState, p.log, p.tail(30))
	default:
	}
}

func (p *process) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitReady waits for GET url to answer 200 while the process runs.
func (p *process) waitReady(t *testing.T, url string) {
	t.Helper()
	kwok.WaitFor(t, 90*time.Second, p.name+" "+url, func() error {
		select {
		case <-p.exited:
			return kwok.Stop(os.ErrProcessDone)
		default:
		}
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode}
		}
		return nil
	})
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }

var netDialer = net.Dialer{Timeout: 10 * time.Second}
