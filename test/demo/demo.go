package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

// demo is one run: the cluster, the local processes and their addresses.
type demo struct {
	t   *tb
	ctx context.Context

	*kwok.Cluster
	caddy   *realparts.Caddy
	idp     *realparts.IdP
	manager *kwok.Manager
}

// start brings everything up and prints the banner; every failure is a
// Fatal (run stops what was started).
func (d *demo) start() {
	t := d.t
	d.say("starting the kwok cluster %s (the first time takes a minute)", clusterName)
	// Kept after Ctrl-C: the next make demo picks it up.
	d.Cluster = kwok.Up(t, clusterName, kwok.Options{Keep: true, Context: d.ctx, Progress: logOut})

	// The CRDs first (as helm would from crds/): the local manager needs
	// them to start, and helm leaves CRDs that exist alone.
	d.ApplyCRDs(t, filepath.Join(d.Root, "charts", "weir", "crds"),
		"crd/workspaces.workspace.jupyter.org", "crd/workspacemanagers.workspace.jupyter.org",
		"crd/workspacetemplates.workspace.jupyter.org", "crd/workspaceshares.workspace.jupyter.org")
	d.EnsureNamespace(t, namespace)
	d.say("waiting until the quota controller counts Workspaces (up to a minute on a new cluster)")
	d.QuotaCountsWorkspaces(t, "weir-demo-quota-probe")
	d.StageStorage(t, 6)

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
	s := newStandins(t, d.Admin, d.caddy, types.NamespacedName{Namespace: namespace, Name: release + "-access"}, d.manager.AccessAddr)
	go func() { defer close(done); s.run(loopCtx, newTB("standins")) }()
	t.Cleanup(func() { cancel(); <-done })

	url := d.aliceWorkspace()
	d.banner(url)
}

// startManager runs bin/weir's manager with local webhooks (the chart's
// pod is only simulated by kwok) and Weir's proxy config, as the chart's
// Deployment would; its access server is what Caddy's access routes and
// forward_auth reach. When the demo stops, the manager stops and its
// webhook configurations go (their failurePolicy: Fail would refuse every
// write of a Workspace with nothing to answer them).
func (d *demo) startManager() {
	d.say("starting the weir manager")
	d.manager = kwok.StartManager(d.t, d.Cluster, kwok.ManagerOptions{Args: []string{"--image=ghcr.io/weir-dev/weir:demo",
		"--access-secret=" + namespace + "/weir-local-access", "--proxy-config=" + namespace + "/" + release + "-proxy"}})
	d.say("the weir manager is ready")
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
	if _, err := d.command(env, os.Getenv("HELM"), "upgrade", "--install", release, filepath.Join(d.Root, "charts", "weir"),
		"-n", namespace, "-f", file, "--wait", "--timeout", "3m", "--kubeconfig", d.Kubeconfig); err != nil {
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
		if err := d.Admin.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "weir-team"}, q); err != nil {
			return err
		}
		if _, ok := q.Status.Used["count/workspaces.workspace.jupyter.org"]; !ok {
			return fmt.Errorf("status %+v", q.Status)
		}
		return nil
	})
	ws := &wsv1.Workspace{}
	if err := d.Admin.Get(ctx, key, ws); apierrors.IsNotFound(err) {
		alice := d.As(d.t, "alice@example.com")
		d.say("creating Workspace team-a/alice-nb as alice@example.com (template jupyterlab)")
		err := alice.Create(ctx, &wsv1.Workspace{
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
		if err := d.Admin.Patch(ctx, ws, patch); err != nil {
			d.t.Fatal(err)
		}
	}
	d.say("waiting until team-a/alice-nb is Available through the proxy")
	d.waitFor(3*time.Minute, "Available=True on team-a/alice-nb", func() error {
		if err := d.Admin.Get(ctx, key, ws); err != nil {
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
`, url, base, d.Kubeconfig, kubectlDir, base, d.manager.LogPath, clusterName)
}

// command runs a program with its stderr shown (progress, e.g. helm's)
// and returns its stdout; env nil is the demo's own.
func (d *demo) command(env []string, name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(d.ctx, name, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, logOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%w (its output is above)\n%s", err, out.String())
	}
	return out.String(), nil
}

// waitFor polls check until it returns nil; the timeout or Ctrl-C ends
// the demo.
func (d *demo) waitFor(timeout time.Duration, what string, check func() error) {
	kwok.WaitForContext(d.ctx, d.t, timeout, what, check)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(logOut, "demo: "+format+"\n", args...)
}

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
