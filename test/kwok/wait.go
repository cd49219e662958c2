package kwok

import (
	"context"
	"errors"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/test/realparts"
)

// pollInterval is how often WaitFor checks.
const pollInterval = 300 * time.Millisecond

// WaitFor polls check until it returns nil, failing t with the last error
// after timeout; a check's Stop error fails t at once.
func WaitFor(t realparts.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	WaitForContext(context.Background(), t, timeout, what, check)
}

// WaitForContext is WaitFor that also fails t ("interrupted") when ctx
// ends (the demo's Ctrl-C).
func WaitForContext(ctx context.Context, t realparts.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		var s stopError
		if errors.As(err, &s) {
			t.Fatalf("%s: %v", what, s.err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		sleep(ctx, t, pollInterval)
	}
}

// Stop wraps a check's error that waiting longer cannot cure (the process
// it waits for exited): WaitFor fails with it at once.
func Stop(err error) error { return stopError{err} }

type stopError struct{ err error }

func (s stopError) Error() string { return s.err.Error() }

// sleep waits d, or fails t when ctx ends first.
func sleep(ctx context.Context, t realparts.TB, d time.Duration) {
	select {
	case <-ctx.Done():
		t.Fatal("interrupted")
	case <-time.After(d):
	}
}

// FreePort asks the kernel for a free loopback port. It is released
// before the caller's process binds it: a small race, fine on a test box.
func FreePort(t realparts.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// QuotaCountsWorkspaces waits until the controller-manager's quota
// controller counts Workspaces: it finds a new CRD at its next discovery
// (every 30 s), and a quota it first saw before then stays unknown, which
// refuses every Workspace, until its next full resync (5 min). So a fresh
// probe quota (in namespace probeNS) is made until one is counted. An
// admin installs Weir's CRDs long before the teams' quotas; a fresh kwok
// cluster does not.
func (c *Cluster) QuotaCountsWorkspaces(t realparts.TB, probeNS string) {
	t.Helper()
	const key = `count/workspaces.workspace.jupyter.org`
	c.EnsureNamespace(t, probeNS)
	deadline := time.Now().Add(150 * time.Second)
	for {
		q := &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Namespace: probeNS},
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{key: resource.MustParse("1")}},
		}
		if err := c.Admin.Create(c.ctx, q); err != nil {
			t.Fatalf("probe ResourceQuota in %s: %v", probeNS, err)
		}
		counted := false
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !counted; sleep(c.ctx, t, 500*time.Millisecond) {
			if err := c.Admin.Get(c.ctx, client.ObjectKeyFromObject(q), q); err != nil {
				t.Fatalf("probe ResourceQuota %s/%s: %v", probeNS, q.Name, err)
			}
			_, counted = q.Status.Used[key]
		}
		_ = c.Admin.Delete(c.ctx, q)
		if counted {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the quota controller does not count Workspaces: ResourceQuota %s/%s status %+v", probeNS, q.Name, q.Status)
		}
	}
}
