//go:build e2e

package access

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/realparts"
)

const (
	team  = "team-a"
	alice = "alice@example.com"
	bob   = "bob@example.com"
)

// TestBrowserAccess is the walk-through: alice logs in and runs a
// cell in her OwnerOnly Workspace; bob is refused until alice shares it,
// and again once the share is deleted; a Public Workspace admits bob; a
// browser without a session is sent to the IdP.
func TestBrowserAccess(t *testing.T) {
	e := startEnv(t)
	ctx := context.Background()

	// The manager: Ingresses of class "caddy" (Caddy is configured from
	// them below), login at the IdP, the client secret by reference.
	wm := &wsv1.WorkspaceManager{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e"},
		Spec: wsv1.WorkspaceManagerSpec{
			BaseURL: e.caddy.URL,
			Routing: wsv1.WorkspaceRouting{
				Ingress:       &wsv1.IngressRouting{ClassName: "caddy"},
				AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090},
			},
			Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{
				IssuerURL: e.idp.Issuer, ClientID: "weir",
				ClientSecretRef: &wsv1.SecretKeySelector{Name: "weir-oidc", Key: "client-secret"}}},
		},
	}
	// The class Caddy stands for, as its ingress controller's install makes.
	must(t, e.Admin.Create(ctx, &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "caddy"},
		Spec: networkingv1.IngressClassSpec{Controller: "weir.dev/e2e-caddy"}}))
	must(t, e.Admin.Create(ctx, wm))
	kwok.WaitFor(t, 60*time.Second, "WorkspaceManager e2e Ready", func() error {
		got := &wsv1.WorkspaceManager{}
		if err := e.Admin.Get(ctx, client.ObjectKeyFromObject(wm), got); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(got.Status.Conditions, wsv1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("Ready: %+v", c)
		}
		return nil
	})

	// Namespace RBAC, the outer fence: both users may create Workspaces
	// and shares and connect; only owners (or a "share" grant) may share.
	e.Kubectl(t, "create", "namespace", team)
	must(t, e.Admin.Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "workspace-users", Namespace: team},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{wsv1.GroupVersion.Group}, Resources: []string{"workspaces", "workspaceshares"},
				Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: []string{wsv1.GroupVersion.Group}, Resources: []string{"workspaces/connection"}, Verbs: []string{"create"}},
		},
	}))
	must(t, e.Admin.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "workspace-users", Namespace: team},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "workspace-users"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: alice},
			{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: bob}},
	}))

	asAlice := e.As(t, alice, "data-science")
	asBob := e.As(t, bob, "analysts")
	private := e.workspace(t, asAlice, "alice-nb", wsv1.OwnershipOwnerOnly)
	public := e.workspace(t, asAlice, "open-nb", wsv1.OwnershipPublic)

	aliceTab := browser(t, "alice")
	bobTab := browser(t, "bob")

	t.Run("alice logs in and runs a cell over the WebSocket", func(t *testing.T) {
		navigate(t, aliceTab, private)
		e.idp.BrowserLogin(t, aliceTab, "alice", "alice-pw")
		waitJupyterTree(t, aliceTab, "alice-nb")
		realparts.Screenshot(t, aliceTab, "alice-tree")
		navigate(t, aliceTab, private+"notebooks/Untitled.ipynb")
		out, err := chromedp.Run(aliceTab, chromedp.Poll[string](
			`window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel.ws.url`,
			chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
		if err != nil {
			realparts.Screenshot(t, aliceTab, "alice-kernel-failed")
			t.Fatalf("the kernel's WebSocket did not connect through the proxy: %v", err)
		}
		if !strings.HasPrefix(out, "ws://"+e.caddy.Addr+"/workspaces/"+team+"/alice-nb/api/kernels/") {
			t.Fatalf("kernel WebSocket %s is not under the Workspace's URL on the proxy", out)
		}
		must(t, chromedp.Do(aliceTab, chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.execute_all_cells()`)))
		res, err := chromedp.Run(aliceTab, chromedp.Poll[string](
			`(document.querySelector('.output_subarea.output_stream pre') || {}).innerText`,
			chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
		if err != nil || strings.TrimSpace(res) != "42" {
			realparts.Screenshot(t, aliceTab, "alice-cell-failed")
			t.Fatalf("cell output %q (%v), want 42", res, err)
		}
		realparts.Screenshot(t, aliceTab, "alice-ran-cell")
	})

	t.Run("bob is refused with the 403 page", func(t *testing.T) {
		navigate(t, bobTab, private)
		e.idp.BrowserLogin(t, bobTab, "bob", "bob-pw")
		waitDenied(t, bobTab, "alice-nb")
		realparts.Screenshot(t, bobTab, "bob-refused")
	})

	t.Run("bob may not share alice's Workspace with himself", func(t *testing.T) {
		err := asBob.Create(ctx, share("bob-self", "alice-nb", bob))
		if err == nil || !strings.Contains(err.Error(), bob) || !strings.Contains(err.Error(), "share") {
			t.Fatalf("bob's own share: got %v, want a denial naming him and the share verb", err)
		}
	})

	s := share("alice-to-bob", "alice-nb", bob)
	t.Run("alice shares with bob, bob gets in", func(t *testing.T) {
		must(t, asAlice.Create(ctx, s))
		kwok.WaitFor(t, 30*time.Second, "bob let in after the share", func() error {
			navigateNoFail(bobTab, private)
			return jupyterTree(bobTab, "alice-nb")
		})
		realparts.Screenshot(t, bobTab, "bob-shared")
	})

	t.Run("the share is deleted, bob is refused again", func(t *testing.T) {
		must(t, asAlice.Delete(ctx, s))
		kwok.WaitFor(t, 30*time.Second, "bob refused after the share is gone", func() error {
			navigateNoFail(bobTab, private)
			return denied(bobTab, "alice-nb")
		})
		realparts.Screenshot(t, bobTab, "bob-unshared")
	})

	t.Run("a tampered session cookie is no session, and never logged", func(t *testing.T) {
		tampered := browser(t, "tampered")
		navigate(t, tampered, e.caddy.URL+"/_weir/logout") // any page of the site, to set a cookie on it
		value := "MTcwMDAwMDAwMHxmb3JnZWQtYnktbWFsbG9yeXw" + "tampered0123456789"
		must(t, chromedp.Do(tampered, chromedp.Evaluate[chromedp.Void](`document.cookie = "weir_session=`+value+`; path=/"`)))
		navigate(t, tampered, private)
		kwok.WaitFor(t, 20*time.Second, "the IdP's login form", func() error {
			loc, err := chromedp.Run(tampered, chromedp.Location())
			if err != nil {
				return err
			}
			if !strings.HasPrefix(loc, e.idp.Issuer+"/login/username") {
				return fmt.Errorf("the tab is at %s", loc)
			}
			return nil
		})
		if log := e.manager.Log(t); strings.Contains(log, value) {
			t.Fatalf("the manager's log holds the tampered cookie's value")
		}
	})

	t.Run("a Public Workspace admits bob", func(t *testing.T) {
		navigate(t, bobTab, public)
		waitJupyterTree(t, bobTab, "open-nb")
		realparts.Screenshot(t, bobTab, "bob-public")
	})

	t.Run("no session redirects to the IdP", func(t *testing.T) {
		anon := browser(t, "anonymous")
		navigate(t, anon, private)
		kwok.WaitFor(t, 20*time.Second, "the IdP's login form", func() error {
			loc, err := chromedp.Run(anon, chromedp.Location())
			if err != nil {
				return err
			}
			if !strings.HasPrefix(loc, e.idp.Issuer+"/login/username") {
				return fmt.Errorf("the tab is at %s", loc)
			}
			return nil
		})
		realparts.Screenshot(t, anon, "anonymous-at-idp")
	})
}

// workspace creates a Workspace as c, starts the Jupyter standing in for
// its pod, configures Caddy from the Ingresses, and waits until the
// Workspace is Available (Weir's probe through the route succeeded). It
// returns status.url.
func (e *env) workspace(t *testing.T, c client.Client, name string, ownership wsv1.OwnershipType) string {
	ctx := context.Background()
	ws := &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: team},
		Spec:       wsv1.WorkspaceSpec{DisplayName: name, Image: "quay.io/jupyter/base-notebook:2025-01-06", OwnershipType: ownership},
	}
	must(t, c.Create(ctx, ws))
	base := "/workspaces/" + team + "/" + name + "/"
	e.upstreams[team+"/"+name] = realparts.StartJupyter(t, base).Addr
	want := e.caddy.URL + base
	kwok.WaitFor(t, 90*time.Second, "Workspace "+name+" Available at "+want, func() error {
		if err := e.syncRoutes(t); err != nil {
			return err
		}
		got := &wsv1.Workspace{}
		if err := e.Admin.Get(ctx, client.ObjectKeyFromObject(ws), got); err != nil {
			return err
		}
		if got.Status.URL != want {
			return fmt.Errorf("status.url %q", got.Status.URL)
		}
		c := meta.FindStatusCondition(got.Status.Conditions, wsv1.ConditionAvailable)
		if c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("Available: %+v", c)
		}
		return nil
	})
	return want
}

func share(name, workspace, user string) *wsv1.WorkspaceShare {
	return &wsv1.WorkspaceShare{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: team},
		Spec: wsv1.WorkspaceShareSpec{WorkspaceName: workspace,
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}},
	}
}

func browser(t *testing.T, who string) context.Context {
	ctx, cancel := context.WithTimeout(realparts.Chromium(t), 5*time.Minute)
	t.Cleanup(cancel)
	t.Cleanup(func() {
		if t.Failed() {
			realparts.Screenshot(t, ctx, who+"-at-failure")
		}
	})
	return ctx
}

func navigate(t *testing.T, tab context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

func navigateNoFail(tab context.Context, url string) { _ = chromedp.Do(tab, chromedp.Navigate(url)) }

// jupyterTree is nil once the tab shows the Jupyter file browser of the
// Workspace (its base URL in the page's settings).
func jupyterTree(tab context.Context, name string) error {
	base, err := chromedp.Run(tab, chromedp.Evaluate[string](`(document.body && document.body.dataset.baseUrl) || ""`))
	if err != nil {
		return err
	}
	if !strings.HasSuffix(base, "/"+name+"/") {
		loc, _ := chromedp.Run(tab, chromedp.Location())
		return fmt.Errorf("not the Jupyter page of %s (at %s, base %q)", name, loc, base)
	}
	return nil
}

func waitJupyterTree(t *testing.T, tab context.Context, name string) {
	t.Helper()
	kwok.WaitFor(t, 30*time.Second, "the Jupyter page of "+name, func() error { return jupyterTree(tab, name) })
}

// denied is nil once the tab shows Weir's 403 page for the Workspace,
// with the reason from the access policy.
func denied(tab context.Context, name string) error {
	title, _ := chromedp.Run(tab, chromedp.Title())
	text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return err
	}
	if !strings.Contains(text, bob) || !strings.Contains(text, name) || !strings.Contains(text, "OwnerOnly") {
		return fmt.Errorf("not the 403 page for %s (title %q): %.300s", name, title, text)
	}
	return nil
}

func waitDenied(t *testing.T, tab context.Context, name string) {
	t.Helper()
	kwok.WaitFor(t, 30*time.Second, "the 403 page", func() error { return denied(tab, name) })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
