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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/kwok"
)

const (
	clusterName = "weir-e2e-guided"
	namespace   = "weir-system"
	release     = "weir"
)

type env struct{ *kwok.Cluster }

func TestGuidedInstall(t *testing.T) {
	for _, v := range []string{"K8S_BIN", "WEIR", "HELM"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set: K8S_BIN=$(hack/control-plane.sh) WEIR=$PWD/bin/weir HELM=$(hack/helm.sh) go test -tags e2e ./test/e2e/guided/ (make build makes bin/weir)", v)
		}
	}
	e := &env{kwok.Up(t, clusterName, kwok.Options{})}

	// The CRDs first (as helm would from crds/): the local manager needs
	// them to start, and helm leaves CRDs that exist alone.
	e.ApplyCRDs(t, filepath.Join(e.Root, "charts", "weir", "crds"),
		"crd/workspaces.workspace.jupyter.org", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspacetemplates.workspace.jupyter.org", "crd/workspaceexecutionprofiles.workspace.jupyter.org")
	e.Kubectl(t, "create", "namespace", namespace)
	e.QuotaCountsWorkspaces(t, "quota-probe")
	e.StageStorage(t, 3)
	// bin/weir's manager with local webhooks (the chart's pod is only
	// simulated by kwok) and Weir's proxy config for the chart's Caddy, as
	// the chart's Deployment would.
	kwok.StartManager(t, e.Cluster, kwok.ManagerOptions{Args: []string{"--image=ghcr.io/weir-dev/weir:e2e",
		"--access-secret=" + namespace + "/weir-local-access", "--proxy-config=" + namespace + "/weir-proxy"}})

	// The admin's install: guided mode, two teams.
	values := filepath.Join(e.Root, "test", "e2e", "guided", "testdata", "values.yaml")
	e.helm(t, "install", release, filepath.Join(e.Root, "charts", "weir"), "-n", namespace, "-f", values, "--wait", "--timeout", "3m")

	t.Run("every object the chart made exists", func(t *testing.T) {
		manifest := e.helm(t, "get", "manifest", release, "-n", namespace)
		got := e.KubectlStdin(t, manifest, "get", "-f", "-", "-o", "name")
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
		e.Kubectl(t, "-n", namespace, "wait", "--for=condition=Available", "--timeout=120s", "deployment/weir", "deployment/weir-caddy", "deployment/weir-dex")
		e.Kubectl(t, "-n", namespace, "wait", "--for=condition=Ready", "--timeout=120s", "pod", "-l", "app.kubernetes.io/instance="+release)
		pods := e.Kubectl(t, "-n", namespace, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.labels.app\\.kubernetes\\.io/name} {.status.phase}{\"\\n\"}{end}")
		for _, app := range []string{"weir Running", "caddy Running", "dex Running"} {
			if !strings.Contains(pods, app) {
				t.Errorf("pods %q lack %q", pods, app)
			}
		}
	})

	t.Run("Weir renders the Caddyfile of the chart's Caddy", func(t *testing.T) {
		kwok.WaitFor(t, 60*time.Second, "the Caddyfile in ConfigMap weir-proxy to route /dex to Dex", func() error {
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
		e.Kubectl(t, "-n", team, "wait", "--for=jsonpath={.status.used.count/workspaces\\.workspace\\.jupyter\\.org}=0",
			"--timeout=60s", "resourcequota/weir-team")
	}

	ws := func(ns string) *wsv1.Workspace {
		return &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Name: "alice-nb", Namespace: ns},
			Spec:       wsv1.WorkspaceSpec{DisplayName: "Alice's notebook", TemplateRef: "jupyterlab"},
		}
	}
	alice := e.As(t, "alice@example.com")
	ctx := context.Background()

	t.Run("alice creates a Workspace from jupyterlab in team-a", func(t *testing.T) {
		if err := alice.Create(ctx, ws("team-a")); err != nil {
			t.Fatalf("alice creating a Workspace in team-a: %v", err)
		}
		got := &wsv1.Workspace{}
		kwok.WaitFor(t, 60*time.Second, "Valid=True on team-a/alice-nb", func() error {
			if err := e.Admin.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "alice-nb"}, got); err != nil {
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
		kwok.WaitFor(t, 90*time.Second, "a Ready pod for team-a/alice-nb", func() error {
			pods := &corev1.PodList{}
			if err := e.Admin.List(ctx, pods, client.InNamespace("team-a"), client.MatchingLabels{wsv1.LabelWorkspace: "alice-nb"}); err != nil {
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
		kwok.WaitFor(t, 60*time.Second, "the Workspace's route in the Caddyfile", func() error {
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
		if err := e.As(t, "bob@example.com").Create(ctx, ws("team-b")); err != nil {
			t.Fatalf("bob creating a Workspace in team-b: %v", err)
		}
	})
}

func (e *env) caddyfile() (string, error) {
	cm := &corev1.ConfigMap{}
	if err := e.Admin.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: "weir-proxy"}, cm); err != nil {
		return "", err
	}
	return cm.Data["Caddyfile"], nil
}

// helm runs $HELM with its own config, cache and data directories.
func (e *env) helm(t *testing.T, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	cmd := exec.Command(os.Getenv("HELM"), append(args, "--kubeconfig", e.Kubeconfig)...)
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"HELM_CACHE_HOME="+filepath.Join(tmp, "cache"), "HELM_DATA_HOME="+filepath.Join(tmp, "data"))
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return buf.String()
}

// kubectlNoFail is for diagnostics inside a poll.
func (e *env) kubectlNoFail(args ...string) string {
	out, _ := exec.Command("kubectl", args...).CombinedOutput()
	return string(out)
}
