//go:build e2e

package faults

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

// testControlPlaneOutage stops the whole control plane (kwokctl stop
// cluster: kube-apiserver, etcd, controller-manager, scheduler, kwok) for
// FAULTS_OUTAGE (30 s) under a running manager, starts it again (etcd
// restarted on its data), and checks that the same manager process,
// never restarted, converges a Run made before the outage and one made
// after, and that its probes answer.
//
// With elect the manager runs with --leader-elect (the chart's default)
// and a renew deadline longer than the outage (45 s): a leader that
// cannot renew for the renew deadline exits by controller-runtime's
// design ("leader election lost"), so with the default 10 s a 30 s
// outage restarts the pod; with 45 s the same process rides it out,
// which is what this checks.
func testControlPlaneOutage(t *testing.T, c *kwok.Cluster, elect bool) {
	outage := envDuration(t, "FAULTS_OUTAGE", 30*time.Second)
	ns, args := "faults-outage", []string{managerImage}
	if elect {
		ns, args = "faults-outage-elected", append(args, "--leader-elect", "--leader-election-namespace="+leaseNS,
			"--leader-elect-lease-duration=60s", "--leader-elect-renew-deadline=45s", "--leader-elect-retry-period=5s")
	}
	c.EnsureNamespace(t, ns)
	m := kwok.StartManager(t, c, kwok.ManagerOptions{
		Args:    args,
		LogPath: filepath.Join(realparts.ArtifactsDir(t), "weir-manager.log"),
	})
	fast, err := fastClient(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	var tl tally
	create := func(name string, i int) {
		t.Helper()
		if err := createOne(c.Context(), fast, func() client.Object { return newRun(ns, name, i) }, &tl); err != nil {
			t.Fatal(err)
		}
	}
	create("before", 0)
	create("before", 1)
	waitRuns(t, c, ns, 2, "the Runs made before the outage")

	kwokctl(t, c, "stop", "cluster")
	down := time.Now()
	if _, err := http.Get(c.Config.Host + "/readyz"); err == nil {
		t.Fatalf("the API server still answers after kwokctl stop cluster")
	}
	t.Logf("control plane stopped; down for %s", outage)
	time.Sleep(outage)
	if !m.Running() {
		t.Fatalf("the manager exited during the outage; its log ends:\n%s", m.Tail(30))
	}
	kwokctl(t, c, "start", "cluster")
	kwok.WaitFor(t, 2*time.Minute, "the API server back", func() error {
		_, err := c.Admin.RESTMapper().RESTMapping(schemaRun.GroupKind(), schemaRun.Version)
		if err != nil {
			return err
		}
		return c.Admin.List(c.Context(), &corev1.NamespaceList{})
	})
	t.Logf("control plane back %.1fs after it stopped", time.Since(down).Seconds())

	create("after", 0)
	create("after", 1)
	kwok.WaitForContext(c.Context(), t, 3*time.Minute, "the Runs made before and after the outage", func() error {
		f, err := checkRuns(c.Context(), c.Admin, ns, 4)
		switch {
		case err != nil:
			return err
		case !f.ok():
			return fmtErr("%v", f)
		case !m.Running():
			return kwok.Stop(fmtErr("the manager exited; its log ends:\n%s", m.Tail(30)))
		}
		return nil
	})
	for _, probe := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + m.HealthAddr + probe)
		if err != nil {
			t.Errorf("%s after the outage: %v", probe, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s after the outage: status %d", probe, resp.StatusCode)
		}
	}
	if !m.Running() {
		t.Errorf("the manager exited")
	}
	t.Logf("creates: %v; manager log: %s", &tl, m.LogPath)
}

// kwokctl runs kwokctl on the test's cluster (hack/cluster.sh's workdir).
func kwokctl(t *testing.T, c *kwok.Cluster, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(c.Context(), "kwokctl", append(args, "--name", c.Name)...)
	cmd.Env = append(os.Environ(), "KWOK_WORKDIR="+filepath.Join(c.Root, ".cache", "kwok"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kwokctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
