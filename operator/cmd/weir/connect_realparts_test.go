package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/operator/workspaces"
	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
	"github.com/weir-dev/weir/tunnel"
)

// TestConnectThroughTheRealProxy is the desktop tunnel end to end, with
// real parts: an API server (envtest) and Weir's manager (controllers and
// access server), the Ingress Weir makes loaded into real Caddy, real
// `weir tunnel serve` sidecars and `weir workspace connect` processes, a
// real OIDC provider's ID tokens, Jupyter as the IDE server behind one
// tunnel and a TCP echo server behind another. Alice's token carries
// bytes both ways; bob's (not the owner, not shared) and none are refused,
// and connect says why.
func TestConnectThroughTheRealProxy(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/cmd/weir/")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := realparts.RepoRoot(t)
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join(root, "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	restCfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	admin, err := client.New(restCfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	// connect reads Workspaces as a person would: a user with get only.
	reader, err := env.AddUser(envtest.User{Name: "desktop", Groups: []string{"system:authenticated"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigBytes, err := reader.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	must(t, os.WriteFile(kubeconfig, kubeconfigBytes, 0o600))

	caddy := realparts.StartCaddy(t)
	const loopback = "http://127.0.0.1:1/callback" // where the desktop login stops
	weirClient := realparts.IdPClient{ID: "weir", RedirectURIs: []string{caddy.URL + "/_weir/callback", loopback}}
	idp := realparts.StartIdP(t, realparts.IdPConfig{
		Users: []realparts.IdPUser{
			{ID: "alice", Username: "alice", Password: "alice-pw", Email: "alice@example.com", Groups: []string{"data-science"}},
			{ID: "bob", Username: "bob", Password: "bob-pw", Email: "bob@example.com"},
		},
		Clients: []realparts.IdPClient{weirClient},
	})

	// Weir: controllers and the access server.
	for _, ns := range []string{"weir-system", "team"} {
		must(t, admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	accessAddr := freeAddr(t)
	mgr, err := manager.New(ctx, restCfg, manager.Config{
		Runs:               runs.Options{Image: "ghcr.io/weir-dev/weir:e2e"},
		MetricsBindAddress: "0", HealthProbeBindAddress: "0", DefaultPolicies: true,
		Access: manager.AccessConfig{BindAddress: accessAddr, SecretNamespace: "weir-system", SecretName: "weir-access"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-mgrDone; err != nil {
			t.Errorf("manager stopped with an error: %v", err)
		}
	})

	must(t, admin.Create(ctx, &wsv1.WorkspaceManager{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e"},
		Spec: wsv1.WorkspaceManagerSpec{
			BaseURL: caddy.URL,
			Routing: wsv1.WorkspaceRouting{
				Ingress:       &wsv1.IngressRouting{ClassName: "caddy"},
				AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090},
			},
			Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{IssuerURL: idp.Issuer, ClientID: "weir"}},
		},
	}))
	// RBAC's fence: both users may connect in team (and read Workspaces,
	// as connect does with its own kubeconfig).
	must(t, admin.Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "workspace-users", Namespace: "team"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{wsv1.GroupVersion.Group}, Resources: []string{"workspaces"}, Verbs: []string{"get"}},
			{APIGroups: []string{wsv1.GroupVersion.Group}, Resources: []string{"workspaces/connection"}, Verbs: []string{"create"}},
		},
	}))
	must(t, admin.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "workspace-users", Namespace: "team"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "workspace-users"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "alice@example.com"}, {Kind: rbacv1.UserKind, Name: "bob@example.com"},
			{Kind: rbacv1.UserKind, Name: "desktop"}},
	}))

	// The IDE servers: Jupyter (its HTTP port is the tunnel's target, as
	// an SSH or VS Code server's would be) and a TCP echo server.
	jupyter := realparts.StartJupyter(t, "/workspaces/team/alice-jup/")
	echo := echoServer(t)
	sidecars := map[string]string{ // Workspace -> its sidecar
		"alice-jup":  startSidecar(t, jupyter.Addr),
		"alice-echo": startSidecar(t, echo),
	}
	for name, target := range map[string]string{"alice-jup": jupyter.Addr, "alice-echo": echo, "alice-plain": ""} {
		ws := &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team",
				Annotations: map[string]string{wsv1.AnnotationCreatedBy: "alice@example.com"}},
			Spec: wsv1.WorkspaceSpec{DisplayName: name, Image: "jupyter/base-notebook", OwnershipType: wsv1.OwnershipOwnerOnly},
		}
		if target != "" {
			_, port, _ := net.SplitHostPort(target)
			ws.Spec.Tunnel = &wsv1.WorkspaceTunnel{Port: int32(atoi(t, port))}
		}
		must(t, admin.Create(ctx, ws))
	}

	// Caddy serves what the Ingresses say, as an ingress controller would:
	// each tunnel path to its sidecar, Weir's own route to the access server.
	kwok.WaitFor(t, 60*time.Second, "the Workspaces' Ingresses with their tunnel paths", func() error {
		list := &networkingv1.IngressList{}
		if err := admin.List(ctx, list, client.InNamespace("team")); err != nil {
			return err
		}
		var routes []realparts.Route
		for _, in := range list.Items {
			ws := in.Annotations[workspaces.AnnotationWorkspace]
			for _, p := range in.Spec.Rules[0].HTTP.Paths {
				if p.Backend.Service.Port.Number != workspaces.TunnelPort {
					continue
				}
				if !strings.HasSuffix(p.Path, "/_weir/tunnel") || sidecars[ws] == "" {
					return fmt.Errorf("Ingress %s: tunnel path %s for Workspace %q", in.Name, p.Path, ws)
				}
				routes = append(routes, realparts.Route{PathPrefix: p.Path, Upstream: sidecars[ws], ForwardAuth: accessAddr,
					AuthURI: "/_weir/auth", CopyHeaders: []string{"X-Weir-User", "X-Weir-Groups"}})
			}
		}
		if len(routes) != 2 {
			return fmt.Errorf("%d tunnel paths in %d Ingresses, want 2 (alice-plain has no tunnel)", len(routes), len(list.Items))
		}
		caddy.Load(t, append(routes, realparts.Route{PathPrefix: "/_weir/", Upstream: accessAddr}))
		return nil
	})
	kwok.WaitFor(t, 60*time.Second, "status.url of the Workspaces", func() error {
		for _, name := range []string{"alice-jup", "alice-echo"} {
			ws := &wsv1.Workspace{}
			if err := admin.Get(ctx, client.ObjectKey{Namespace: "team", Name: name}, ws); err != nil {
				return err
			}
			if want := caddy.URL + "/workspaces/team/" + name + "/"; ws.Status.URL != want {
				return fmt.Errorf("%s: status.url %q, want %q", name, ws.Status.URL, want)
			}
		}
		return nil
	})
	// The manager's wiring: the sidecar runs its --image, the Service has
	// the tunnel's port.
	dep := &appsv1.Deployment{}
	must(t, admin.Get(ctx, client.ObjectKey{Namespace: "team", Name: workspaces.DeploymentName("alice-echo")}, dep))
	if cs := dep.Spec.Template.Spec.Containers; len(cs) != 2 || cs[1].Name != "tunnel" || cs[1].Image != "ghcr.io/weir-dev/weir:e2e" {
		t.Errorf("alice-echo's pod: containers %+v, want the IDE and the tunnel sidecar of Weir's image", cs)
	}
	svc := &corev1.Service{}
	must(t, admin.Get(ctx, client.ObjectKey{Namespace: "team", Name: workspaces.ServiceName("alice-echo")}, svc))
	if len(svc.Spec.Ports) != 2 || svc.Spec.Ports[1].Name != wsv1.TunnelPortName {
		t.Errorf("alice-echo's Service ports %+v, want http and %s", svc.Spec.Ports, wsv1.TunnelPortName)
	}
	// Nothing is exposed outside the cluster but through the route.
	svcs := &corev1.ServiceList{}
	must(t, admin.List(ctx, svcs))
	for _, s := range svcs.Items {
		if s.Spec.Type == corev1.ServiceTypeLoadBalancer || s.Spec.Type == corev1.ServiceTypeNodePort {
			t.Errorf("Service %s/%s is of type %s", s.Namespace, s.Name, s.Spec.Type)
		}
	}

	alice := idp.IDToken(t, weirClient, loopback, "alice", "alice-pw")
	bob := idp.IDToken(t, weirClient, loopback, "bob", "bob-pw")
	connect := func(t *testing.T, token string, args ...string) *connectProcess {
		return startConnect(t, kubeconfig, token, args...)
	}

	t.Run("alice reaches Jupyter's API through the tunnel", func(t *testing.T) {
		c := connect(t, alice, "alice-jup")
		addr := c.forwarding(t, "team/alice-jup", jupyter.Addr)
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Get("http://" + addr + "/workspaces/team/alice-jup/api")
		if err != nil {
			t.Fatalf("GET /api through the tunnel: %v\nconnect:\n%s", err, c.output())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"version"`) {
			t.Fatalf("GET /api through the tunnel: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("alice's MiB arrives intact both ways", func(t *testing.T) {
		c := connect(t, alice, "alice-echo", "--local-port", fmt.Sprint(kwok.FreePort(t)))
		addr := c.forwarding(t, "team/alice-echo", echo)
		for i := 0; i < 2; i++ { // a second connection: one tunnel each
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 1<<20)
			_, _ = rand.Read(data)
			got := make(chan []byte, 1)
			go func() { b, _ := io.ReadAll(conn); got <- b }()
			if _, err := conn.Write(data); err != nil {
				t.Fatal(err)
			}
			must(t, conn.(*net.TCPConn).CloseWrite())
			select {
			case b := <-got:
				if !bytes.Equal(b, data) {
					t.Fatalf("connection %d: %d bytes came back, want the %d sent\nconnect:\n%s", i, len(b), len(data), c.output())
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("connection %d: no EOF after the echo\nconnect:\n%s", i, c.output())
			}
			conn.Close()
		}
	})
	t.Run("heartbeats pass the proxy with alice's token only", func(t *testing.T) {
		url := caddy.URL + "/workspaces/team/alice-echo/"
		if err := (&tunnel.Dialer{URL: url, Token: alice}).Heartbeat(ctx); err != nil {
			t.Errorf("alice's heartbeat: %v", err)
		}
		if err := (&tunnel.Dialer{URL: url, Token: bob}).Heartbeat(ctx); err == nil || !strings.Contains(err.Error(), "HTTP 403") {
			t.Errorf("bob's heartbeat: %v, want HTTP 403", err)
		}
	})
	t.Run("bob is refused, and connect says why", func(t *testing.T) {
		out := runConnect(t, kubeconfig, bob, "alice-echo")
		t.Logf("connect with bob's token:\n%s", out)
		for _, want := range []string{"HTTP 403", "Access denied", "bob@example.com", "alice@example.com"} {
			if !strings.Contains(out, want) {
				t.Errorf("connect with bob's token says %q; want it to mention %q", out, want)
			}
		}
	})
	t.Run("no token, a bad token", func(t *testing.T) {
		if out := runConnect(t, kubeconfig, "", "alice-echo"); !strings.Contains(out, "no ID token: pass --id-token-file or set $WEIR_ID_TOKEN") {
			t.Errorf("connect without a token says %q", out)
		}
		if out := runConnect(t, kubeconfig, alice[:len(alice)-6]+"AAAAAA", "alice-echo"); !strings.Contains(out, "HTTP 401") || !strings.Contains(out, "ID token refused") {
			t.Errorf("connect with a tampered token says %q; want the 401", out)
		}
		// Through the proxy without connect: no Authorization at all.
		req, _ := http.NewRequest(http.MethodGet, caddy.URL+"/workspaces/team/alice-echo/_weir/tunnel", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the tunnel without a token: status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("a Workspace without a tunnel", func(t *testing.T) {
		if out := runConnect(t, kubeconfig, alice, "alice-plain"); !strings.Contains(out, "workspace team/alice-plain has no tunnel: set its spec.tunnel.port") {
			t.Errorf("connect to alice-plain says %q", out)
		}
	})
}

// startSidecar runs `weir tunnel serve` (this test binary as weir) to target.
func startSidecar(t *testing.T, target string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "tunnel", "serve", "--listen", addr, "--target", target)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	kwok.WaitFor(t, 20*time.Second, "weir tunnel serve on "+addr, func() error {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
	return addr
}

// connectProcess is a running `weir workspace connect`.
type connectProcess struct {
	cmd   *exec.Cmd
	lines chan string
	buf   *bytes.Buffer
}

func connectCmd(kubeconfig, token string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"workspace", "connect", "-n", "team", "--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1", EnvIDToken+"="+token)
	return cmd
}

func startConnect(t *testing.T, kubeconfig, token string, args ...string) *connectProcess {
	t.Helper()
	cmd := connectCmd(kubeconfig, token, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProcess{cmd: cmd, lines: make(chan string, 1), buf: &bytes.Buffer{}}
	cmd.Stderr = p.buf
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			p.lines <- s.Text()
		}
		close(p.lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	return p
}

func (p *connectProcess) output() string { return p.buf.String() }

var forwardingLine = regexp.MustCompile(`^Forwarding (127\.0\.0\.1:\d+) -> (\S+) \(port (\d+) in the pod\)$`)

// forwarding waits for connect's "Forwarding" line and returns the local
// address it names.
func (p *connectProcess) forwarding(t *testing.T, workspace, target string) string {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			_ = p.cmd.Wait() // it ended: all its stderr is in
		}
		m := forwardingLine.FindStringSubmatch(line)
		if !ok || m == nil || m[2] != workspace || !strings.HasSuffix(target, ":"+m[3]) {
			t.Fatalf("connect printed %q, want Forwarding 127.0.0.1:N -> %s (port of %s in the pod); stderr:\n%s", line, workspace, target, p.output())
		}
		return m[1]
	case <-time.After(30 * time.Second):
		t.Fatalf("connect printed nothing in 30 s; stderr:\n%s", p.output())
	}
	return ""
}

// runConnect runs connect to its end (a refusal) and returns what it said.
func runConnect(t *testing.T, kubeconfig, token string, args ...string) string {
	t.Helper()
	cmd := connectCmd(kubeconfig, token, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	must(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("connect %v succeeded; want a refusal. Output:\n%s", args, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		waitErr := <-done // the kill's "signal: killed", said for the record
		t.Errorf("connect %v still runs after 30 s (%v); want a refusal. Output:\n%s", args, waitErr, out.String())
	}
	return out.String()
}

func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func freeAddr(t *testing.T) string { return fmt.Sprintf("127.0.0.1:%d", kwok.FreePort(t)) }

func atoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
