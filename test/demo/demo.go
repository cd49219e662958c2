package main

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
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/test/realparts"
)

// demo is one run: the cluster, the local processes and their addresses.
type demo struct {
	t   *tb
	ctx context.Context

	root       string
	kubeconfig string
	cfg        *rest.Config
	admin      client.Client
	caddy      *realparts.Caddy
	idp        *realparts.IdP
	accessAddr string
	managerLog string
}

// start brings everything up and prints the banner; every failure is a
// Fatal (run stops what was started).
func (d *demo) start() error {
	t := d.t
	d.root = realparts.RepoRoot(t)
	if err := os.Setenv("PATH", os.Getenv("K8S_BIN")+string(os.PathListSeparator)+os.Getenv("PATH")); err != nil {
		return err
	}
	d.say("starting the kwok cluster %s (the first time takes a minute)", clusterName)
	out, err := d.command(nil, filepath.Join(d.root, "hack", "cluster.sh"), "up", clusterName)
	if err != nil {
		return fmt.Errorf("hack/cluster.sh up %s: %w", clusterName, err)
	}
	d.kubeconfig = strings.TrimSpace(out)
	if err := os.Setenv("KUBECONFIG", d.kubeconfig); err != nil {
		return err
	}
	if d.cfg, err = clientcmd.BuildConfigFromFlags("", d.kubeconfig); err != nil {
		return err
	}
	if d.admin, err = client.New(d.cfg, client.Options{Scheme: manager.Scheme()}); err != nil {
		return err
	}

	// The CRDs first (as helm would from crds/): the local manager needs
	// them to start, and helm leaves CRDs that exist alone.
	d.kubectl("apply", "--server-side", "--force-conflicts", "-f", filepath.Join(d.root, "charts", "weir", "crds"))
	d.kubectl("wait", "--for=condition=Established", "--timeout=60s",
		"crd/workspaces.workspace.jupyter.org", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspacetemplates.workspace.jupyter.org", "crd/workspaceshares.workspace.jupyter.org")
	d.ensureNamespace(namespace)
	d.quotaCountsWorkspaces()
	d.storage()

	// Caddy first: its port is the base URL, in the provider's redirect URI.
	d.caddy = realparts.StartCaddy(t)
	d.idp = realparts.StartIdP(t, realparts.IdPConfig{
		Users: []realparts.IdPUser{
			{ID: "alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Name: "Alice", Groups: []string{"data-science"}},
			{ID: "bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com", Name: "Bob"},
			{ID: "carol", Username: "carol", Password: "carol-pw", Email: "carol@example.com", Name: "Carol", Groups: []string{"data-science"}},
		},
		Clients: []realparts.IdPClient{{ID: clientID, Secret: clientSecret,
			RedirectURIs:           []string{d.caddy.URL + "/_weir/callback"},
			PostLogoutRedirectURIs: []string{d.caddy.URL + "/"}}},
	})
	d.say("Caddy at %s, the OIDC provider at %s", d.caddy.URL, d.idp.Issuer)
	d.startManager()
	d.install()

	// The proxy's routes and the Workspaces' IDEs, from now until the end.
	loopCtx, cancel := context.WithCancel(d.ctx)
	done := make(chan struct{})
	s := newStandins(t, d.admin, d.caddy, types.NamespacedName{Namespace: namespace, Name: release + "-access"}, d.accessAddr)
	go func() { defer close(done); s.run(loopCtx, newTB("standins")) }()
	t.Cleanup(func() { cancel(); <-done })

	url := d.aliceWorkspace()
	d.banner(url)
	return nil
}

// startManager runs bin/weir's manager with local webhooks (the chart's
// pod is only simulated by kwok) and Weir's proxy config, as the chart's
// Deployment would; its access server is what Caddy's access routes and
// forward_auth reach.
func (d *demo) startManager() {
	t := d.t
	webhookPort, metricsPort, healthPort, accessPort := freePort(t), freePort(t), freePort(t), freePort(t)
	webhooks := d.localWebhooks(webhookPort)
	// With nothing to answer them, their failurePolicy: Fail would refuse
	// every write of a Workspace (or Run) once the demo stops.
	t.Cleanup(func() {
		d.say("deleting the webhook configurations weir-local-validating and weir-local-mutating (nothing answers them once the manager stops)")
		// Not d.ctx: Ctrl-C has ended it by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kubectl", "delete", "--ignore-not-found", "--wait=false",
			"validatingwebhookconfiguration/weir-local-validating", "mutatingwebhookconfiguration/weir-local-mutating")
		if out, err := cmd.CombinedOutput(); err != nil {
			d.say("could not delete them (%v: %s); run: kubectl delete validatingwebhookconfiguration/weir-local-validating mutatingwebhookconfiguration/weir-local-mutating", err, strings.TrimSpace(string(out)))
		}
	})
	d.kubectl("apply", "--server-side", "--force-conflicts", "-f", webhooks)

	d.accessAddr = fmt.Sprintf("127.0.0.1:%d", accessPort)
	d.managerLog = filepath.Join(realparts.ArtifactsDir(t), "weir-manager.log")
	logFile, err := os.Create(d.managerLog)
	if err != nil {
		t.Fatal(err)
	}
	op := exec.Command(os.Getenv("WEIR"), "manager",
		"--image=ghcr.io/weir-dev/weir:demo", "--marmot-url=http://marmot:8080",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), "--metrics-secure=false",
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", healthPort),
		"--access-bind-address="+d.accessAddr, "--access-secret="+namespace+"/weir-local-access",
		"--proxy-config="+namespace+"/"+release+"-proxy",
		"--webhook-host=127.0.0.1", fmt.Sprintf("--webhook-port=%d", webhookPort), "--webhook-cert-dir="+t.TempDir(),
		"--webhook-certs=self-signed", "--webhook-secret="+namespace+"/weir-local-webhook-cert", "--webhook-dns-name=localhost",
		"--validating-webhook-configuration=weir-local-validating", "--mutating-webhook-configuration=weir-local-mutating")
	op.Stdout, op.Stderr = logFile, logFile
	// Its own process group: Ctrl-C reaches the demo, which stops it last.
	op.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := op.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = op.Wait(); logFile.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-op.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-op.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	d.say("the weir manager is starting (log: %s)", d.managerLog)
	d.waitFor(90*time.Second, "the manager's /readyz", func() error {
		select {
		case <-exited:
			return fatalf("the manager exited; its log %s ends:\n%s", d.managerLog, tail(d.managerLog, 30))
		default:
		}
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

// install is the admin's helm install in guided mode for two teams, with
// the local provider as the login (guided.oidc) instead of Dex. An upgrade
// when the release is there: a new run has new ports.
func (d *demo) install() {
	values := fmt.Sprintf(`# make demo: guided mode on kwok with local stand-ins (test/demo).
mode: guided
# The manager runs on this machine: its own webhooks judge, not the chart's.
webhooks:
  enabled: false
guided:
  baseURL: %s
  oidc:
    issuerURL: %s
    clientID: %s
    clientSecret: %s
  teams:
    - name: team-a
      users: [alice@example.com, carol@example.com]
    - name: team-b
      users: [bob@example.com]
`, d.caddy.URL, d.idp.Issuer, clientID, clientSecret)
	file := filepath.Join(d.t.TempDir(), "values.yaml")
	if err := os.WriteFile(file, []byte(values), 0o600); err != nil {
		d.t.Fatal(err)
	}
	d.say("helm upgrade --install %s charts/weir --set mode=guided --set guided.baseURL=%s --set guided.oidc.issuerURL=%s … (teams team-a: alice, carol; team-b: bob)",
		release, d.caddy.URL, d.idp.Issuer)
	helmDir := d.t.TempDir()
	env := append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(helmDir, "config"),
		"HELM_CACHE_HOME="+filepath.Join(helmDir, "cache"), "HELM_DATA_HOME="+filepath.Join(helmDir, "data"))
	if _, err := d.command(env, os.Getenv("HELM"), "upgrade", "--install", release, filepath.Join(d.root, "charts", "weir"),
		"-n", namespace, "-f", file, "--wait", "--timeout", "3m", "--kubeconfig", d.kubeconfig); err != nil {
		d.t.Fatalf("helm: %v", err)
	}
}

// aliceWorkspace creates team-a/alice-nb as alice (impersonation, as her
// kubectl would) from the jupyterlab template, unless an earlier run did,
// and waits until it is Available: served through Caddy behind Weir's
// forward-auth. It returns its URL.
func (d *demo) aliceWorkspace() string {
	ctx := d.ctx
	key := client.ObjectKey{Namespace: "team-a", Name: "alice-nb"}
	// The namespace's quota counts Workspaces within seconds of its
	// creation; until then the API server refuses what it limits.
	d.waitFor(60*time.Second, "team-a's ResourceQuota to count Workspaces", func() error {
		q := &corev1.ResourceQuota{}
		if err := d.admin.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "weir-team"}, q); err != nil {
			return err
		}
		if _, ok := q.Status.Used["count/workspaces.workspace.jupyter.org"]; !ok {
			return fmt.Errorf("status %+v", q.Status)
		}
		return nil
	})
	ws := &wsv1.Workspace{}
	if err := d.admin.Get(ctx, key, ws); apierrors.IsNotFound(err) {
		cfg := rest.CopyConfig(d.cfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: "alice@example.com", Groups: []string{"system:authenticated"}}
		alice, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
		if err != nil {
			d.t.Fatal(err)
		}
		d.say("creating Workspace team-a/alice-nb as alice@example.com (template jupyterlab)")
		err = alice.Create(ctx, &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace},
			Spec:       wsv1.WorkspaceSpec{DisplayName: "Alice's notebook", TemplateRef: "jupyterlab"},
		})
		if err != nil {
			d.t.Fatalf("alice creating team-a/alice-nb: %v", err)
		}
	} else if err != nil {
		d.t.Fatal(err)
	} else if ws.Spec.DesiredStatus == wsv1.DesiredStopped {
		d.say("Workspace team-a/alice-nb is stopped (idle shutdown?): starting it")
		patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"desiredStatus":"Running"}}`))
		if err := d.admin.Patch(ctx, ws, patch); err != nil {
			d.t.Fatal(err)
		}
	}
	d.say("waiting until team-a/alice-nb is Available through the proxy")
	d.waitFor(3*time.Minute, "Available=True on team-a/alice-nb", func() error {
		if err := d.admin.Get(ctx, key, ws); err != nil {
			return err
		}
		c := meta.FindStatusCondition(ws.Status.Conditions, wsv1.ConditionAvailable)
		if c == nil || c.Status != metav1.ConditionTrue || ws.Status.URL == "" {
			return fmt.Errorf("conditions %s", conditions(ws.Status.Conditions))
		}
		return nil
	})
	return ws.Status.URL
}

func (d *demo) banner(url string) {
	base := d.caddy.URL
	kubectlDir := os.Getenv("K8S_BIN")
	fmt.Printf(`
================================================================================
 Weir's guided mode is running on this machine (make demo).

 Open   %s
 Log in as alice / alice-pw (team-a, owner of alice-nb),
           carol / carol-pw (team-a: refused at alice-nb until alice shares it)
        or bob   / bob-pw   (team-b: RBAC keeps him out of team-a's Workspaces)
 Log out at %s/_weir/logout

 Try, in another shell:
   export KUBECONFIG=%s PATH=%s:$PATH
   # 1. alice shares alice-nb with carol, who can then open it:
   kubectl --as alice@example.com -n team-a apply -f - <<<'{"apiVersion":"workspace.jupyter.org/v1alpha1","kind":"WorkspaceShare","metadata":{"name":"alice-nb-carol"},"spec":{"workspaceName":"alice-nb","subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"carol@example.com"}]}}'
   # 2. bob makes his own Workspace, then opens %s/workspaces/team-b/bob-nb/
   kubectl --as bob@example.com -n team-b apply -f - <<<'{"apiVersion":"workspace.jupyter.org/v1alpha1","kind":"Workspace","metadata":{"name":"bob-nb"},"spec":{"templateRef":"jupyterlab"}}'
   # 3. RBAC keeps alice out of team-b:
   kubectl --as alice@example.com -n team-b get workspaces

 Each running Workspace's IDE is a local Jupyter Notebook here (kwok runs no
 pod). Manager log: %s
 Ctrl-C stops what this started; the cluster stays: make cluster-down CLUSTER=%s
================================================================================
`, url, base, d.kubeconfig, kubectlDir, base, d.managerLog, clusterName)
}

// quotaCountsWorkspaces waits until the controller-manager's quota
// controller counts Workspaces: it finds a new CRD at its next discovery
// (every 30 s), and a quota it first saw before then stays unknown, which
// refuses every Workspace, until its next full resync (5 min). So a fresh
// probe quota is made until one is counted (as test/e2e/guided does).
func (d *demo) quotaCountsWorkspaces() {
	const key = `count/workspaces.workspace.jupyter.org`
	ctx := d.ctx
	d.ensureNamespace("weir-demo-quota-probe")
	d.say("waiting until the quota controller counts Workspaces (up to a minute on a new cluster)")
	deadline := time.Now().Add(150 * time.Second)
	for i := 0; ; i++ {
		q := &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Namespace: "weir-demo-quota-probe"},
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{key: resource.MustParse("1")}},
		}
		if err := d.admin.Create(ctx, q); err != nil {
			d.t.Fatal(err)
		}
		counted := false
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !counted; d.sleep(500 * time.Millisecond) {
			if err := d.admin.Get(ctx, client.ObjectKeyFromObject(q), q); err != nil {
				d.t.Fatal(err)
			}
			_, counted = q.Status.Used[key]
		}
		_ = d.admin.Delete(ctx, q)
		if counted {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the quota controller does not count Workspaces: ResourceQuota %s status %+v", q.Name, q.Status)
		}
	}
}

// storage: what a cloud cluster has and kwok lacks, a default StorageClass
// and volumes for the Workspaces' claims to bind.
func (d *demo) storage() {
	var b strings.Builder
	b.WriteString(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
`)
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: weir-demo-%d}
spec:
  storageClassName: standard
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/weir-demo-%[1]d}
`, i)
	}
	d.kubectlStdin(b.String(), "apply", "-f", "-")
}

func (d *demo) ensureNamespace(name string) {
	err := d.admin.Create(d.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		d.t.Fatalf("namespace %s: %v", name, err)
	}
}

func (d *demo) localWebhooks(port int) string {
	b, err := os.ReadFile(filepath.Join(d.root, "config", "webhook", "local", "manifests.yaml"))
	if err != nil {
		d.t.Fatal(err)
	}
	const url = "https://localhost:9443/"
	if !strings.Contains(string(b), url) {
		d.t.Fatalf("config/webhook/local/manifests.yaml does not call %s", url)
	}
	out := filepath.Join(d.t.TempDir(), "webhooks.yaml")
	if err := os.WriteFile(out, []byte(strings.ReplaceAll(string(b), url, fmt.Sprintf("https://localhost:%d/", port))), 0o600); err != nil {
		d.t.Fatal(err)
	}
	return out
}

func (d *demo) kubectl(args ...string) string { return d.kubectlStdin("", args...) }

func (d *demo) kubectlStdin(stdin string, args ...string) string {
	var buf bytes.Buffer
	cmd := exec.CommandContext(d.ctx, "kubectl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		d.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return buf.String()
}

// command runs a program with its stderr shown (progress, e.g. kwokctl's)
// and returns its stdout; env nil is the demo's own.
func (d *demo) command(env []string, name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(d.ctx, name, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, logOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%v (its output is above)\n%s", err, out.String())
	}
	return out.String(), nil
}

// waitFor polls check until it returns nil; a fatalError from it, the
// timeout or Ctrl-C ends the demo.
func (d *demo) waitFor(timeout time.Duration, what string, check func() error) {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if fe, ok := err.(fatalError); ok {
			d.t.Fatalf("%s: %s", what, fe.msg)
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		d.sleep(500 * time.Millisecond)
	}
}

// sleep waits, or ends the demo at Ctrl-C.
func (d *demo) sleep(dur time.Duration) {
	select {
	case <-d.ctx.Done():
		d.t.Fatal("interrupted")
	case <-time.After(dur):
	}
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(logOut, "demo: "+format+"\n", args...)
}

// fatalError from a waitFor check stops the wait at once.
type fatalError struct{ msg string }

func (e fatalError) Error() string { return e.msg }

func fatalf(format string, args ...any) error { return fatalError{fmt.Sprintf(format, args...)} }

func conditions(cs []metav1.Condition) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
	}
	if len(parts) == 0 {
		return "none yet"
	}
	return strings.Join(parts, "; ")
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePort(t *tb) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
