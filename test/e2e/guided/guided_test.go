//go:build e2e

// Package guided installs the chart in guided mode on a kwok cluster of its
// own, as an admin would for two teams, and checks what it made: every
// object, the Deployments as ready as kwok makes them, the Caddyfile Weir
// renders for the chart's Caddy, and the teams' fences (alice may create a
// Workspace from the default jupyterlab template in team-a, and RBAC refuses
// her in team-b). kwok runs no container, so the weir manager also runs here
// as a local process with local webhooks, for admission and the controllers.
package guided

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/test/realparts"
)

const (
	clusterName = "weir-e2e-guided"
	namespace   = "weir-system"
	release     = "weir"
)

type env struct {
	root       string
	kubeconfig string
	cfg        *rest.Config
	admin      client.Client
}

func TestGuidedInstall(t *testing.T) {
	for _, v := range []string{"K8S_BIN", "WEIR", "HELM"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set: K8S_BIN=$(hack/control-plane.sh) WEIR=$PWD/bin/weir HELM=$(hack/helm.sh) go test -tags e2e ./test/e2e/guided/ (make build makes bin/weir)", v)
		}
	}
	e := &env{root: realparts.RepoRoot(t)}
	t.Setenv("PATH", os.Getenv("K8S_BIN")+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := exec.Command(filepath.Join(e.root, "hack", "cluster.sh"), "up", clusterName).Output()
	if err != nil {
		t.Fatalf("cluster up: %v: %s", err, stderrOf(err))
	}
	e.kubeconfig = strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command(filepath.Join(e.root, "hack", "cluster.sh"), "down", clusterName).Run() })
	t.Setenv("KUBECONFIG", e.kubeconfig)
	if e.cfg, err = clientcmd.BuildConfigFromFlags("", e.kubeconfig); err != nil {
		t.Fatal(err)
	}
	if e.admin, err = client.New(e.cfg, client.Options{Scheme: manager.Scheme()}); err != nil {
		t.Fatal(err)
	}

	// The CRDs first (as helm would from crds/): the local manager needs
	// them to start, and helm leaves CRDs that exist alone.
	e.kubectl(t, "apply", "--server-side", "-f", filepath.Join(e.root, "charts", "weir", "crds"))
	e.kubectl(t, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/workspaces.workspace.jupyter.org", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspacetemplates.workspace.jupyter.org", "crd/workspaceexecutionprofiles.workspace.jupyter.org")
	e.kubectl(t, "create", "namespace", namespace)
	e.quotaCountsWorkspaces(t)
	e.storage(t)
	e.startManager(t)

	// The admin's install: guided mode, two teams.
	values := filepath.Join(e.root, "test", "e2e", "guided", "testdata", "values.yaml")
	e.helm(t, "install", release, filepath.Join(e.root, "charts", "weir"), "-n", namespace, "-f", values, "--wait", "--timeout", "3m")

	t.Run("every object the chart made exists", func(t *testing.T) {
		manifest := e.helm(t, "get", "manifest", release, "-n", namespace)
		got := e.kubectlStdin(t, manifest, "get", "-f", "-", "-o", "name")
		for _, want := range []string{
			"ingressclass.networking.k8s.io/weir-caddy", "deployment.apps/weir-caddy", "service/weir-caddy",
			"deployment.apps/weir-dex", "service/weir-dex", "ingress.networking.k8s.io/weir-dex", "secret/weir-dex", "secret/weir-oidc",
			"workspacemanager.workspace.jupyter.org/weir", "namespace/team-a", "namespace/team-b",
			"workspacetemplate.workspace.jupyter.org/jupyterlab", "workspacetemplate.workspace.jupyter.org/vscode",
			"workspaceexecutionprofile.workspace.jupyter.org/workspace", "role.rbac.authorization.k8s.io/weir-team-member",
			"limitrange/weir-team", "resourcequota/weir-team", "deployment.apps/weir", "service/weir-access",
		} {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("kubectl get of the release's manifest lacks %s:\n%s", want, got)
			}
		}
	})

	t.Run("Deployments are available and their pods ready", func(t *testing.T) {
		e.kubectl(t, "-n", namespace, "wait", "--for=condition=Available", "--timeout=120s", "deployment/weir", "deployment/weir-caddy", "deployment/weir-dex")
		e.kubectl(t, "-n", namespace, "wait", "--for=condition=Ready", "--timeout=120s", "pod", "-l", "app.kubernetes.io/instance="+release)
		pods := e.kubectl(t, "-n", namespace, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.labels.app\\.kubernetes\\.io/name} {.status.phase}{\"\\n\"}{end}")
		for _, app := range []string{"weir Running", "caddy Running", "dex Running"} {
			if !strings.Contains(pods, app) {
				t.Errorf("pods %q lack %q", pods, app)
			}
		}
	})

	t.Run("Weir renders the Caddyfile of the chart's Caddy", func(t *testing.T) {
		waitFor(t, 60*time.Second, "the Caddyfile in ConfigMap weir-proxy to route /dex to Dex", func() error {
			cf, err := e.caddyfile()
			if err != nil {
				return err
			}
			if !strings.Contains(cf, "weir-dex.weir-system.svc.cluster.local:5556") {
				return fmt.Errorf("no Dex upstream in:\n%s", cf)
			}
			return nil
		})
	})

	// The quota controller counts a new ResourceQuota's usage within
	// seconds; until then the API server refuses what it limits.
	for _, team := range []string{"team-a", "team-b"} {
		e.kubectl(t, "-n", team, "wait", "--for=jsonpath={.status.used.count/workspaces\\.workspace\\.jupyter\\.org}=0",
			"--timeout=60s", "resourcequota/weir-team")
	}

	ws := func(ns string) *wsv1.Workspace {
		return &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Name: "alice-nb", Namespace: ns},
			Spec:       wsv1.WorkspaceSpec{DisplayName: "Alice's notebook", TemplateRef: "jupyterlab"},
		}
	}
	alice := e.as(t, "alice@example.com")
	ctx := context.Background()

	t.Run("alice creates a Workspace from jupyterlab in team-a", func(t *testing.T) {
		if err := alice.Create(ctx, ws("team-a")); err != nil {
			t.Fatalf("alice creating a Workspace in team-a: %v", err)
		}
		got := &wsv1.Workspace{}
		waitFor(t, 60*time.Second, "Valid=True on team-a/alice-nb", func() error {
			if err := e.admin.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "alice-nb"}, got); err != nil {
				return err
			}
			c := meta.FindStatusCondition(got.Status.Conditions, wsv1.ConditionValid)
			if c == nil || c.Status != metav1.ConditionTrue {
				return fmt.Errorf("Valid = %+v", c)
			}
			return nil
		})
		if got.Spec.Image == "" || !strings.HasPrefix(got.Spec.Image, "quay.io/jupyter/base-notebook:") {
			t.Errorf("image = %q, want the template's default", got.Spec.Image)
		}
		if got.Annotations[wsv1.AnnotationCreatedBy] != "alice@example.com" {
			t.Errorf("created-by = %q", got.Annotations[wsv1.AnnotationCreatedBy])
		}
		// The namespace enforces "restricted", its LimitRange and quota:
		// none of them keeps the Workspace's pod from being made and run.
		waitFor(t, 90*time.Second, "a Ready pod for team-a/alice-nb", func() error {
			pods := &corev1.PodList{}
			if err := e.admin.List(ctx, pods, client.InNamespace("team-a"), client.MatchingLabels{wsv1.LabelWorkspace: "alice-nb"}); err != nil {
				return err
			}
			for _, p := range pods.Items {
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						return nil
					}
				}
			}
			return fmt.Errorf("%d pods, none Ready; events:\n%s", len(pods.Items), e.kubectlNoFail("-n", "team-a", "get", "events"))
		})
		// And Weir routes it through the chart's Caddy, behind forward-auth.
		waitFor(t, 60*time.Second, "the Workspace's route in the Caddyfile", func() error {
			cf, err := e.caddyfile()
			if err != nil {
				return err
			}
			if !strings.Contains(cf, "/workspaces/team-a/alice-nb/") || !strings.Contains(cf, "forward_auth") {
				return fmt.Errorf("no forward-auth route for team-a/alice-nb in:\n%s", cf)
			}
			return nil
		})
		cf, _ := e.caddyfile()
		t.Logf("Caddyfile Weir rendered:\n%s", cf)
	})

	t.Run("RBAC refuses alice in team-b", func(t *testing.T) {
		err := alice.Create(ctx, ws("team-b"))
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `cannot create resource "workspaces"`) {
			t.Fatalf("alice creating a Workspace in team-b: %v, want RBAC's Forbidden", err)
		}
	})

	t.Run("bob creates one in team-b", func(t *testing.T) {
		if err := e.as(t, "bob@example.com").Create(ctx, ws("team-b")); err != nil {
			t.Fatalf("bob creating a Workspace in team-b: %v", err)
		}
	})
}

// startManager runs bin/weir's manager with local webhooks (the chart's
// pod is only simulated by kwok) and Weir's proxy config for the chart's
// Caddy, as the chart's Deployment would.
func (e *env) startManager(t *testing.T) {
	webhookPort, metricsPort, healthPort, accessPort := freePort(t), freePort(t), freePort(t), freePort(t)
	e.kubectl(t, "apply", "-f", e.localWebhooks(t, webhookPort))
	ctx, cancel := context.WithCancel(context.Background())
	logPath := filepath.Join(realparts.ArtifactsDir(t), "weir-manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	op := exec.CommandContext(ctx, os.Getenv("WEIR"), "manager",
		"--image=ghcr.io/weir-dev/weir:e2e", "--marmot-url=http://marmot:8080",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), "--metrics-secure=false",
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", healthPort),
		fmt.Sprintf("--access-bind-address=127.0.0.1:%d", accessPort), "--access-secret="+namespace+"/weir-local-access",
		"--proxy-config="+namespace+"/weir-proxy",
		"--webhook-host=127.0.0.1", fmt.Sprintf("--webhook-port=%d", webhookPort), "--webhook-cert-dir="+t.TempDir(),
		"--webhook-certs=self-signed", "--webhook-secret="+namespace+"/weir-local-webhook-cert", "--webhook-dns-name=localhost",
		"--validating-webhook-configuration=weir-local-validating", "--mutating-webhook-configuration=weir-local-mutating")
	op.Stdout, op.Stderr = logFile, logFile
	if err := op.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("weir manager log: %s", logPath)
	t.Cleanup(func() { cancel(); _ = op.Wait(); logFile.Close() })
	waitFor(t, 90*time.Second, "the manager's /readyz", func() error {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort))
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

// quotaCountsWorkspaces waits until the controller-manager's quota
// controller counts Workspaces: it finds a new CRD at its next discovery
// (every 30 s), and a quota it first saw before then stays unknown, which
// refuses every Workspace, until its next full resync (5 min). So a fresh
// probe quota is made until one is counted. An admin installs Weir's CRDs
// long before the teams' quotas; a fresh kwok cluster does not.
func (e *env) quotaCountsWorkspaces(t *testing.T) {
	const key = `count/workspaces.workspace.jupyter.org`
	ctx := context.Background()
	e.kubectl(t, "create", "namespace", "quota-probe")
	deadline := time.Now().Add(150 * time.Second)
	for i := 0; ; i++ {
		q := &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("probe-%d", i), Namespace: "quota-probe"},
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{key: resource.MustParse("1")}},
		}
		if err := e.admin.Create(ctx, q); err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
			if err := e.admin.Get(ctx, client.ObjectKeyFromObject(q), q); err != nil {
				t.Fatal(err)
			}
			if _, ok := q.Status.Used[key]; ok {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the quota controller does not count Workspaces: ResourceQuota %s status %+v", q.Name, q.Status)
		}
		_ = e.admin.Delete(ctx, q)
	}
}

// storage: what a cloud cluster has and kwok lacks, a default StorageClass
// and volumes for the Workspaces' claims to bind.
func (e *env) storage(t *testing.T) {
	var b strings.Builder
	b.WriteString(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
`)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: weir-e2e-guided-%d}
spec:
  storageClassName: standard
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/weir-e2e-guided-%[1]d}
`, i)
	}
	e.kubectlStdin(t, b.String(), "apply", "-f", "-")
}

func (e *env) caddyfile() (string, error) {
	cm := &corev1.ConfigMap{}
	if err := e.admin.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: "weir-proxy"}, cm); err != nil {
		return "", err
	}
	return cm.Data["Caddyfile"], nil
}

// as is a client acting as user (impersonation), as kubectl with the user's
// own credentials would.
func (e *env) as(t *testing.T, user string) client.Client {
	cfg := rest.CopyConfig(e.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) localWebhooks(t *testing.T, port int) string {
	b, err := os.ReadFile(filepath.Join(e.root, "config", "webhook", "local", "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://localhost:9443/"
	if !strings.Contains(string(b), url) {
		t.Fatalf("config/webhook/local/manifests.yaml does not call %s", url)
	}
	out := filepath.Join(t.TempDir(), "webhooks.yaml")
	if err := os.WriteFile(out, []byte(strings.ReplaceAll(string(b), url, fmt.Sprintf("https://localhost:%d/", port))), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// helm runs $HELM with its own config, cache and data directories.
func (e *env) helm(t *testing.T, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	cmd := exec.Command(os.Getenv("HELM"), append(args, "--kubeconfig", e.kubeconfig)...)
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"HELM_CACHE_HOME="+filepath.Join(tmp, "cache"), "HELM_DATA_HOME="+filepath.Join(tmp, "data"))
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return buf.String()
}

func (e *env) kubectlStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	cmd := exec.Command("kubectl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return buf.String()
}

func (e *env) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return e.kubectlStdin(t, "", args...)
}

// kubectlNoFail is for diagnostics inside a poll.
func (e *env) kubectlNoFail(args ...string) string {
	out, _ := exec.Command("kubectl", args...).CombinedOutput()
	return string(out)
}

func waitFor(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
