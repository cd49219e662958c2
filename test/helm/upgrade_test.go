package helm_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// previousChart is the commit of the chart as released before guided mode.
const previousChart = "8b1e1e1"

// upgradeCluster is the kwok cluster of TestUpgradeFromPreviousChart alone.
const upgradeCluster = "weir-helm-upgrade"

// cluster is a kwok cluster (hack/cluster.sh) that helm and kubectl talk to.
type cluster struct {
	kubeconfig string
	kubectl    string
}

func startCluster(t *testing.T, name string) *cluster {
	t.Helper()
	// make test-helm sets K8S_BIN, make test-unit KUBEBUILDER_ASSETS: the
	// same directory (hack/control-plane.sh), which also holds kwok.
	bin := os.Getenv("K8S_BIN")
	if bin == "" {
		bin = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if bin == "" {
		t.Fatal("K8S_BIN is not set: K8S_BIN=$(hack/control-plane.sh) HELM=$(hack/helm.sh) go test ./test/helm/...")
	}
	root := repoRoot(t)
	script := filepath.Join(root, "hack", "cluster.sh")
	cmd := exec.Command(script, "up", name)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/cluster.sh up %s: %v\n%s", name, err, stderr.String())
	}
	t.Cleanup(func() {
		down := exec.Command(script, "down", name)
		down.Env = cmd.Env
		_ = down.Run()
	})
	return &cluster{kubeconfig: strings.TrimSpace(string(out)), kubectl: filepath.Join(bin, "kubectl")}
}

func (c *cluster) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(c.kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	cmd.Dir = repoRoot(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (c *cluster) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.run(t, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// helm runs helm against the cluster; failing is fatal.
func (c *cluster) helm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := helm(t, append(args, "--kubeconfig", c.kubeconfig)...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// The chart as of the previous release installs, then upgrades in place to
// today's chart: customized (as before), guided (Caddy, Dex, manager,
// teams, templates appear; the generated client secret survives a second
// upgrade), and back to customized (guided's objects go, the teams'
// namespaces stay). kwok runs no container, so the chart's webhooks could
// never answer: the release is installed with webhooks.enabled=false
// (test/e2e/guided runs a real manager with webhooks).
func TestUpgradeFromPreviousChart(t *testing.T) {
	c := startCluster(t, upgradeCluster)
	old := t.TempDir()
	archive := exec.Command("sh", "-c", "git archive "+previousChart+" charts/weir | tar -x -C "+old)
	archive.Dir = repoRoot(t)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s charts/weir: %v\n%s", previousChart, err, out)
	}
	const ns = "weir-system"
	common := []string{"-n", ns, "--set", "webhooks.enabled=false", "--wait", "--timeout", "3m"}
	c.helm(t, append([]string{"install", "weir", filepath.Join(old, "charts", "weir"), "--create-namespace"}, common...)...)
	if _, err := c.run(t, "get", "crd", "workspacemanagers.workspace.jupyter.org"); err == nil {
		t.Fatalf("the chart of %s already had the WorkspaceManager CRD: pick the previous release's commit", previousChart)
	}

	// Helm installs crds/ only on install: an upgrade applies them first
	// (docs/install.md).
	c.must(t, "apply", "--server-side", "--force-conflicts", "-f", filepath.Join(chartDir, "crds"))
	c.must(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspaceexecutionprofiles.workspace.jupyter.org", "crd/workspacetemplates.workspace.jupyter.org")

	c.helm(t, append([]string{"upgrade", "weir", chartDir}, common...)...)
	c.must(t, "-n", ns, "get", "service", "weir-access") // new since the previous chart
	for _, o := range []string{"ingressclass/weir-caddy", "workspacemanager/weir", "namespace/team-a"} {
		if _, err := c.run(t, "get", o); err == nil {
			t.Errorf("customized upgrade made %s", o)
		}
	}

	guided := append([]string{"upgrade", "weir", chartDir, "-f", guidedValues}, common...)
	c.helm(t, guided...)
	for _, o := range []string{"ingressclass/weir-caddy", "workspacemanager/weir", "workspacetemplate/jupyterlab", "workspacetemplate/vscode",
		"namespace/team-a", "namespace/team-b", "clusterrolebinding/weir-template-reader"} {
		c.must(t, "get", o)
	}
	for _, o := range []string{"deployment/weir-caddy", "deployment/weir-dex", "service/weir-caddy", "service/weir-dex",
		"ingress/weir-dex", "secret/weir-dex", "secret/weir-oidc"} {
		c.must(t, "-n", ns, "get", o)
	}
	for _, team := range []string{"team-a", "team-b"} {
		for _, o := range []string{"role/weir-team-member", "rolebinding/weir-team-member", "limitrange/weir-team", "resourcequota/weir-team"} {
			c.must(t, "-n", team, "get", o)
		}
	}
	c.must(t, "-n", "team-a", "get", "workspaceexecutionprofile/workspace", "serviceaccount/workspace")
	if a := c.must(t, "-n", ns, "get", "deployment/weir", "-o", "jsonpath={.spec.template.spec.containers[0].args}"); !strings.Contains(a, "--proxy-config=weir-system/weir-proxy") {
		t.Errorf("manager args after the guided upgrade: %s", a)
	}
	secret := func() string {
		return c.must(t, "-n", ns, "get", "secret/weir-oidc", "-o", "jsonpath={.data.client-secret}")
	}
	first := secret()
	if first == "" {
		t.Fatal("Secret weir-oidc has no client-secret")
	}

	c.helm(t, guided...)
	if again := secret(); again != first {
		t.Errorf("a second upgrade changed Dex's client secret (%s -> %s): lookup must keep it", first, again)
	}

	c.helm(t, append([]string{"upgrade", "weir", chartDir}, common...)...)
	deadline := time.Now().Add(time.Minute)
	for _, o := range []string{"deployment/weir-caddy", "deployment/weir-dex", "secret/weir-oidc"} {
		for {
			_, err := c.run(t, "-n", ns, "get", o)
			if err != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s still exists after the upgrade back to customized", o)
				break
			}
			time.Sleep(time.Second)
		}
	}
	for _, o := range []string{"ingressclass/weir-caddy", "workspacemanager/weir", "workspacetemplate/jupyterlab"} {
		if _, err := c.run(t, "get", o); err == nil {
			t.Errorf("%s still exists after the upgrade back to customized", o)
		}
	}
	// helm.sh/resource-policy: keep — a team's Workspaces and data outlive the mode.
	c.must(t, "get", "namespace/team-a", "namespace/team-b")
}
