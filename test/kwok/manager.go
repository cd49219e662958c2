package kwok

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/weir-dev/weir/test/realparts"
)

// ManagerOptions are what differ between the callers of StartManager.
type ManagerOptions struct {
	// Args are the caller's own flags: --image, --access-secret,
	// --proxy-config and the like.
	Args []string
	// LogPath is the manager's log; "" is weir-manager.log in
	// realparts.ArtifactsDir(t), which outlives the test.
	LogPath string
	// WebhookConfigPort is the port the local webhook configurations
	// call; 0 is the manager's own webhook port. A caller that puts its
	// own front (one address for two replicas, as a Service) names its port.
	WebhookConfigPort int
}

// Manager is bin/weir's manager running on this machine.
type Manager struct {
	AccessAddr string // its access server (host:port), what a proxy's forward_auth reaches
	HealthAddr string
	// WebhookAddr is where its webhook server listens (host:port, TLS).
	WebhookAddr string
	// MetricsAddr serves its Prometheus metrics over plain HTTP.
	MetricsAddr string
	LogPath     string

	// The command, kept so Restart runs the same one.
	weir string
	args []string
	env  []string
	ctx  context.Context

	mu     sync.Mutex
	proc   *exec.Cmd
	exited chan struct{}
}

// The webhook configurations config/webhook/local names (the manager
// keeps their CA bundle).
const (
	localValidating = "weir-local-validating"
	localMutating   = "weir-local-mutating"
)

// StartManager runs $WEIR manager against c as the chart's pod would (kwok
// only simulates it): local webhooks on a free port with a self-signed
// certificate in a temporary directory, metrics, health and access on free
// ports. It returns once /readyz answers 200. In t.Cleanup it stops the
// manager (SIGTERM, SIGKILL after 15 s), then deletes the local webhook
// configurations, whose failurePolicy: Fail would refuse every Workspace
// write with nothing to answer them.
func StartManager(t realparts.TB, c *Cluster, opts ManagerOptions) *Manager {
	t.Helper()
	weir := os.Getenv("WEIR")
	if weir == "" {
		t.Fatalf("WEIR is not set: point it at bin/weir (make build)")
	}
	webhookPort, metricsPort, healthPort, accessPort := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	configPort := webhookPort
	if opts.WebhookConfigPort != 0 {
		configPort = opts.WebhookConfigPort
	}
	webhooks := c.localWebhooks(t, configPort)
	t.Cleanup(func() {
		// Not c's context: a Ctrl-C has ended it by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kubectl", "--kubeconfig", c.Kubeconfig, "delete", "--ignore-not-found", "--wait=false",
			"validatingwebhookconfiguration/"+localValidating, "mutatingwebhookconfiguration/"+localMutating)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("could not delete the local webhook configurations (%v: %s); run: kubectl delete validatingwebhookconfiguration/%s mutatingwebhookconfiguration/%s",
				err, strings.TrimSpace(string(out)), localValidating, localMutating)
		}
	})
	c.Kubectl(t, "apply", "--server-side", "--force-conflicts", "-f", webhooks)

	m := &Manager{
		AccessAddr:  fmt.Sprintf("127.0.0.1:%d", accessPort),
		HealthAddr:  fmt.Sprintf("127.0.0.1:%d", healthPort),
		WebhookAddr: fmt.Sprintf("127.0.0.1:%d", webhookPort),
		MetricsAddr: fmt.Sprintf("127.0.0.1:%d", metricsPort),
		LogPath:     opts.LogPath,
		weir:        weir,
		env:         append(os.Environ(), "KUBECONFIG="+c.Kubeconfig),
		ctx:         c.ctx,
	}
	if m.LogPath == "" {
		m.LogPath = filepath.Join(realparts.ArtifactsDir(t), "weir-manager.log")
	}
	m.args = append([]string{"manager", "--marmot-url=http://marmot:8080",
		fmt.Sprintf("--metrics-bind-address=%s", m.MetricsAddr), "--metrics-secure=false",
		"--health-probe-bind-address=" + m.HealthAddr, "--access-bind-address=" + m.AccessAddr,
		"--webhook-host=127.0.0.1", fmt.Sprintf("--webhook-port=%d", webhookPort), "--webhook-cert-dir=" + t.TempDir(),
		"--webhook-certs=self-signed", "--webhook-secret=weir-system/weir-local-webhook-cert", "--webhook-dns-name=localhost",
		"--validating-webhook-configuration=" + localValidating, "--mutating-webhook-configuration=" + localMutating,
	}, opts.Args...)
	m.start(t, os.O_TRUNC)
	t.Cleanup(func() {
		op, exited := m.current()
		_ = syscall.Kill(-op.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-op.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	t.Logf("weir manager log: %s", m.LogPath)
	m.waitReady(t)
	return m
}

// Log is what the manager logged so far.
func (m *Manager) Log(t realparts.TB) string {
	t.Helper()
	b, err := os.ReadFile(m.LogPath)
	if err != nil {
		t.Fatalf("manager log: %v", err)
	}
	return string(b)
}

// Tail is the last n lines of the manager's log ("" if unreadable).
func (m *Manager) Tail(n int) string {
	b, _ := os.ReadFile(m.LogPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// localWebhooks is config/webhook/local/manifests.yaml calling port
// instead of 9443, in a temporary file.
func (c *Cluster) localWebhooks(t realparts.TB, port int) string {
	t.Helper()
	src := filepath.Join(c.Root, "config", "webhook", "local", "manifests.yaml")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("local webhooks: %v", err)
	}
	const url = "https://localhost:9443/"
	if !strings.Contains(string(b), url) {
		t.Fatalf("config/webhook/local/manifests.yaml does not call %s: StartManager rewrites that URL to its free port", url)
	}
	out := filepath.Join(t.TempDir(), "webhooks.yaml")
	if err := os.WriteFile(out, []byte(strings.ReplaceAll(string(b), url, fmt.Sprintf("https://localhost:%d/", port))), 0o600); err != nil {
		t.Fatalf("local webhooks: %v", err)
	}
	return out
}

// start runs the manager's command, its log opened with flag (O_TRUNC the
// first time, O_APPEND on a restart).
func (m *Manager) start(t realparts.TB, flag int) {
	t.Helper()
	logFile, err := os.OpenFile(m.LogPath, os.O_CREATE|os.O_WRONLY|flag, 0o644)
	if err != nil {
		t.Fatalf("manager log: %v", err)
	}
	op := exec.Command(m.weir, m.args...)
	op.Env = m.env
	op.Stdout, op.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C at the demo reaches the demo, which
	// stops the manager last.
	op.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := op.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s manager: %v", m.weir, err)
	}
	exited := make(chan struct{})
	go func() { _ = op.Wait(); logFile.Close(); close(exited) }()
	m.mu.Lock()
	m.proc, m.exited = op, exited
	m.mu.Unlock()
}

func (m *Manager) current() (*exec.Cmd, chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proc, m.exited
}

// waitReady waits until /readyz answers 200, failing t at once if the
// manager exits.
func (m *Manager) waitReady(t realparts.TB) {
	t.Helper()
	_, exited := m.current()
	WaitForContext(m.ctx, t, 90*time.Second, "the manager's /readyz", func() error {
		select {
		case <-exited:
			return Stop(fmt.Errorf("the manager exited; its log %s ends:\n%s", m.LogPath, m.Tail(30)))
		default:
		}
		resp, err := http.Get("http://" + m.HealthAddr + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// Kill ends the manager with SIGKILL, as an OOM kill or a lost node would
// (no lease released, nothing flushed), and returns once it is gone.
func (m *Manager) Kill(t realparts.TB) {
	t.Helper()
	op, exited := m.current()
	if err := syscall.Kill(-op.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the manager (pid %d): %v", op.Process.Pid, err)
	}
	<-exited
}

// Restart runs the manager again with the same flags and ports after Kill
// (its log goes on in the same file) and returns once /readyz answers.
func (m *Manager) Restart(t realparts.TB) {
	t.Helper()
	if _, exited := m.current(); !isClosed(exited) {
		t.Fatalf("Restart: the manager still runs; Kill it first")
	}
	m.start(t, os.O_APPEND)
	m.waitReady(t)
}

// Running says whether the manager's process is alive.
func (m *Manager) Running() bool {
	_, exited := m.current()
	return !isClosed(exited)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
