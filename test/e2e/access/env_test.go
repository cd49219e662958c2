//go:build e2e

// Package access drives the access path end to end with real parts only: a
// kwok cluster, the weir manager (controllers, webhooks, access server),
// Caddy configured from the Ingresses Weir makes, zitadel/oidc's provider
// with two users, Debian's jupyter-notebook standing in for each
// Workspace's container, and headless Chromium.
package access

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/test/realparts"
)

const clusterName = "weir-e2e-access"

// env is one cluster with Weir, Caddy and the IdP, shared by the steps of a test.
type env struct {
	root       string
	kubeconfig string
	cfg        *rest.Config
	admin      client.Client
	caddy      *realparts.Caddy
	idp        *realparts.IdP
	accessAddr string
	logPath    string
	// upstreams maps a Workspace ("ns/name") to the Jupyter serving it.
	upstreams map[string]string
	loaded    []realparts.Route
}

func startEnv(t *testing.T) *env {
	for _, v := range []string{"K8S_BIN", "WEIR"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set: run `make test-e2e`", v)
		}
	}
	e := &env{root: realparts.RepoRoot(t), upstreams: map[string]string{}}
	t.Setenv("PATH", os.Getenv("K8S_BIN")+string(os.PathListSeparator)+os.Getenv("PATH"))

	out, err := exec.Command(filepath.Join(e.root, "hack", "cluster.sh"), "up", clusterName).Output()
	if err != nil {
		t.Fatalf("cluster up: %v: %s", err, stderrOf(err))
	}
	e.kubeconfig = strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command(filepath.Join(e.root, "hack", "cluster.sh"), "down", clusterName).Run() })
	t.Setenv("KUBECONFIG", e.kubeconfig)
	e.cfg, err = clientcmd.BuildConfigFromFlags("", e.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	e.admin, err = client.New(e.cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		t.Fatal(err)
	}

	e.kubectl(t, "apply", "--server-side", "-f", filepath.Join(e.root, "config", "crd", "bases"))
	e.kubectl(t, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/workspaces.workspace.jupyter.org", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspaceshares.workspace.jupyter.org", "crd/policybundles.policies.weir.dev")
	e.kubectl(t, "create", "namespace", "weir-system")
	// What a cloud cluster has and kwok lacks: a default StorageClass and
	// volumes for the Workspaces' claims to bind.
	var storage strings.Builder
	storage.WriteString(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
`)
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&storage, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: weir-e2e-access-%d}
spec:
  storageClassName: standard
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/weir-e2e-access-%[1]d}
`, i)
	}
	e.kubectlStdin(t, storage.String(), "apply", "-f", "-")
	webhookPort, metricsPort, healthPort, accessPort := freePort(t), freePort(t), freePort(t), freePort(t)
	e.kubectl(t, "apply", "-f", e.localWebhooks(t, webhookPort))

	// Caddy first: its port is in the IdP client's redirect URI.
	e.caddy = realparts.StartCaddy(t)
	e.idp = realparts.StartIdP(t, realparts.IdPConfig{
		Host: "localhost", // a different site from the proxy, as a real IdP is
		Users: []realparts.IdPUser{
			{ID: "alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Groups: []string{"data-science"}},
			{ID: "bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com", Groups: []string{"analysts"}},
		},
		Clients: []realparts.IdPClient{{ID: "weir", Secret: "e2e-client-secret",
			RedirectURIs:           []string{e.caddy.URL + "/_weir/callback"},
			PostLogoutRedirectURIs: []string{e.caddy.URL + "/"}}},
	})
	e.kubectl(t, "-n", "weir-system", "create", "secret", "generic", "weir-oidc", "--from-literal=client-secret=e2e-client-secret")

	e.accessAddr = fmt.Sprintf("127.0.0.1:%d", accessPort)
	certDir := t.TempDir()
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
		"--access-bind-address="+e.accessAddr, "--access-secret=weir-system/weir-access",
		"--webhook-host=127.0.0.1", fmt.Sprintf("--webhook-port=%d", webhookPort), "--webhook-cert-dir="+certDir,
		"--webhook-certs=self-signed", "--webhook-secret=weir-system/weir-local-webhook-cert", "--webhook-dns-name=localhost",
		"--validating-webhook-configuration=weir-local-validating", "--mutating-webhook-configuration=weir-local-mutating")
	op.Stdout, op.Stderr = logFile, logFile
	if err := op.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("weir manager log: %s", logPath)
	e.logPath = logPath
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
	return e
}

// managerLog is what the weir manager logged so far.
func (e *env) managerLog(t *testing.T) string {
	b, err := os.ReadFile(e.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// as is a client that acts as user (impersonation), so the webhooks see
// that user, as they would see a person running kubectl.
func (e *env) as(t *testing.T, user string, groups ...string) client.Client {
	cfg := rest.CopyConfig(e.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: append(groups, "system:authenticated")}
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syncRoutes configures Caddy from the Ingresses Weir made, as an ingress
// controller would: each path to its backend (the Jupyter standing in for
// a Workspace's Service, or the access server for Weir's access route),
// behind forward-auth when the Ingress carries Weir's auth-url annotation.
func (e *env) syncRoutes(t *testing.T) error {
	list := &networkingv1.IngressList{}
	if err := e.admin.List(context.Background(), list, client.HasLabels{wsv1.LabelManager}); err != nil {
		return err
	}
	var routes []realparts.Route
	for _, ing := range list.Items {
		auth := ing.Annotations[wsv1.AnnotationAuthURL]
		upstream := e.accessAddr // Weir's own route (login, callback, logout)
		if ws, ok := ing.Labels[wsv1.LabelWorkspace]; ok {
			if upstream, ok = e.upstreams[ing.Namespace+"/"+ws]; !ok {
				continue // no Jupyter stands in for it
			}
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				r := realparts.Route{PathPrefix: p.Path, Upstream: upstream}
				if auth != "" {
					if !strings.HasSuffix(auth, "/_weir/auth") {
						return fmt.Errorf("Ingress %s/%s: auth-url %q is not Weir's forward-auth endpoint", ing.Namespace, ing.Name, auth)
					}
					r.ForwardAuth, r.AuthURI = e.accessAddr, "/_weir/auth"
					r.CopyHeaders = []string{"X-Weir-User", "X-Weir-Groups"}
				}
				routes = append(routes, r)
			}
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].PathPrefix < routes[j].PathPrefix })
	if !reflect.DeepEqual(routes, e.loaded) {
		e.caddy.Load(t, routes)
		e.loaded = routes
	}
	return nil
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
	var buf bytes.Buffer
	cmd := exec.Command("kubectl", args...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return buf.String()
}

// waitFor polls check until it returns nil, failing the test with the last
// error after timeout.
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
		time.Sleep(300 * time.Millisecond)
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
