package workspaces_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// fakeProxy plays the reverse proxy in front of every Workspace URL: a
// real HTTP server that answers 503 for a URL until a test says it serves
// (as a proxy does before it loaded the route), and the RouteProber that
// GETs a URL through it.
type fakeProxy struct {
	*httptest.Server
	mu      sync.Mutex
	serving map[string]bool
	probes  map[string]int
}

func startRoutes() *fakeProxy {
	p := &fakeProxy{serving: map[string]bool{}, probes: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		ok := p.serving[r.Host+r.URL.Path]
		p.mu.Unlock()
		if !ok {
			http.Error(w, "no route for "+r.Host+r.URL.Path, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("<title>Jupyter Server</title>"))
	}))
	return p
}

func (p *fakeProxy) Probe(ctx context.Context, _ *wsv1.Workspace, u string) error {
	parsed, err := url.Parse(u)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.probes[u]++
	p.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+parsed.Path, nil)
	if err != nil {
		return err
	}
	req.Host = parsed.Host
	resp, err := p.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// serve makes a Workspace URL answer (the proxy loaded its route).
func (p *fakeProxy) serve(u string) {
	parsed, err := url.Parse(u)
	Expect(err).NotTo(HaveOccurred())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serving[parsed.Host+parsed.Path] = true
}

// refuse makes a Workspace URL answer 503 again (the route broke).
func (p *fakeProxy) refuse(u string) {
	parsed, err := url.Parse(u)
	Expect(err).NotTo(HaveOccurred())
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.serving, parsed.Host+parsed.Path)
}

func (p *fakeProxy) probeCount(u string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.probes[u]
}

// newManager creates a WorkspaceManager that serves the namespaces
// labelled team=<team> only (so no other spec's Workspaces are routed),
// deleted after the spec.
func newManager(team, specYAML string) *wsv1.WorkspaceManager {
	m := &wsv1.WorkspaceManager{}
	Expect(yaml.Unmarshal([]byte(specYAML), m)).To(Succeed())
	m.Name = "wsm-" + team
	m.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": team}}
	m.Spec.Authentication.OIDC = wsv1.OIDCAuthentication{IssuerURL: "https://idp.example.test", ClientID: "weir"}
	Expect(k8s.Create(ctx, m)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, m))).To(Succeed()) })
	return m
}

const accessService = `
    accessService: {name: weir-access, namespace: weir-system, port: 8090}`

func gatewaySpec(base string) string {
	return `
spec:
  baseURL: ` + base + `
  routing:
    gatewayRef: {name: edge, namespace: gateways}` + accessService
}

// updateManager changes a manager's spec, retrying on conflicts.
func updateManager(m *wsv1.WorkspaceManager, change func(*wsv1.WorkspaceManager)) {
	Eventually(func(g Gomega) {
		got := &wsv1.WorkspaceManager{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(m), got)).To(Succeed())
		change(got)
		g.Expect(k8s.Update(ctx, got)).To(Succeed())
	}, timeout, interval).Should(Succeed())
}

func httpRouteOf(g Gomega, ns, name string) *gatewayv1.HTTPRoute {
	r := &gatewayv1.HTTPRoute{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: workspaces.RouteName(name)}, r)).To(Succeed())
	return r
}

func ingressOf(g Gomega, ns, name string) *networkingv1.Ingress {
	in := &networkingv1.Ingress{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: workspaces.RouteName(name)}, in)).To(Succeed())
	return in
}

// runningWorkspace creates a Workspace and plays the Deployment
// controller for it until the spec ends: every new generation of its
// Deployment gets its pods ready, as the base path in the pod spec
// follows the manager (which may also reach the controller's cache only
// after the Workspace).
func runningWorkspace(ns, name string) *wsv1.Workspace {
	ws := workspaceFromYAML(ns, name, `
spec:
  image: jupyter/minimal-notebook:latest
`)
	Expect(k8s.Create(ctx, ws)).To(Succeed())
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			list := &appsv1.DeploymentList{}
			if err := k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabels(workspaces.ChildSelector(name))); err != nil || len(list.Items) != 1 {
				continue
			}
			if d := &list.Items[0]; !played(d) {
				n := *d.Spec.Replicas
				d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
				_ = k8s.Status().Update(ctx, d) // a conflict: the next tick
			}
		}
	}()
	DeferCleanup(func() { close(stop); <-done })
	Eventually(func(g Gomega) {
		g.Expect(played(deploymentOf(g, ns, name))).To(BeTrue())
	}, timeout, interval).Should(Succeed())
	return ws
}

// played: the Deployment's status is what playDeploymentController writes
// for its current generation.
func played(d *appsv1.Deployment) bool {
	n := *d.Spec.Replicas
	return d.Status.ObservedGeneration == d.Generation && d.Status.Replicas == n && d.Status.AvailableReplicas == n
}

var _ = Describe("A Workspace under a WorkspaceManager", func() {
	It("gets an HTTPRoute to its Service, its URL, and is Available only once the route serves", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		m := newManager(team, gatewaySpec("https://ide-"+team+".example.test/base"))
		ws := runningWorkspace(ns, "lab")
		want := "https://ide-" + team + ".example.test/base/workspaces/" + ns + "/lab/"

		Eventually(func(g Gomega) {
			r := httpRouteOf(g, ns, ws.Name)
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(metav1.IsControlledBy(r, got)).To(BeTrue())
			g.Expect(r.Labels).To(HaveKeyWithValue(wsv1.LabelWorkspace, "lab"))
			g.Expect(r.Labels).To(HaveKeyWithValue(wsv1.LabelManager, m.Name))
			g.Expect(r.Annotations).To(HaveKeyWithValue(wsv1.AnnotationAuthURL, "http://weir-access.weir-system.svc:8090/_weir/auth"))
			g.Expect(r.Spec.ParentRefs).To(HaveLen(1))
			g.Expect(string(r.Spec.ParentRefs[0].Name)).To(Equal("edge"))
			g.Expect(r.Spec.Hostnames).To(ConsistOf(gatewayv1.Hostname("ide-" + team + ".example.test")))
			g.Expect(*r.Spec.Rules[0].Matches[0].Path.Value).To(Equal("/base/workspaces/" + ns + "/lab/"))
			g.Expect(string(r.Spec.Rules[0].BackendRefs[0].Name)).To(Equal(workspaces.ServiceName("lab")))

			g.Expect(got.Status.Route).To(Equal(&wsv1.RouteStatus{Kind: "HTTPRoute", Name: workspaces.RouteName("lab"), Manager: m.Name}))
			g.Expect(got.Status.URL).To(Equal(want))
			av := condition(g, got, wsv1.ConditionAvailable)
			g.Expect(av.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(av.Reason).To(Equal(workspaces.ReasonRouteNotServing))
			g.Expect(av.Message).To(ContainSubstring("503"))
		}, timeout, interval).Should(Succeed())

		routes.serve(want)
		// The next probe comes at the latest after the backoff (5 s, then
		// 10 s, ...).
		Eventually(func(g Gomega) {
			av := condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionAvailable)
			g.Expect(av.Status).To(Equal(metav1.ConditionTrue), "%+v", av)
			g.Expect(av.Message).To(ContainSubstring("serves at " + want))
		}, "70s", interval).Should(Succeed())

		By("once Available, the route is probed again every interval, and an unchanged answer writes nothing")
		probes, rv := routes.probeCount(want), getWorkspace(Default, ns, ws.Name).ResourceVersion
		Consistently(func(g Gomega) {
			g.Expect(getWorkspace(g, ns, ws.Name).ResourceVersion).To(Equal(rv))
		}, 3*reprobeInterval, interval).Should(Succeed())
		Expect(routes.probeCount(want)).To(BeNumerically(">=", probes+2))
	})

	It("turns Available False when its route breaks later, and True again once it serves", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		want := "https://ide-" + team + ".example.test/workspaces/" + ns + "/lab/"
		routes.serve(want)
		ws := runningWorkspace(ns, "lab")
		Eventually(func(g Gomega) {
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())

		By("the proxy stops serving the route")
		routes.refuse(want)
		var broken metav1.Condition
		Eventually(func(g Gomega) {
			broken = condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionAvailable)
			g.Expect(broken.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(broken.Reason).To(Equal(workspaces.ReasonRouteNotServing))
			g.Expect(broken.Message).To(ContainSubstring("503"))
			g.Expect(broken.Message).To(ContainSubstring(want))
		}, 3*reprobeInterval+timeout, interval).Should(Succeed())

		By("it serves again: probing resumed with the backoff")
		routes.serve(want)
		Eventually(func(g Gomega) {
			av := condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionAvailable)
			g.Expect(av.Status).To(Equal(metav1.ConditionTrue), "%+v", av)
			g.Expect(av.Message).To(ContainSubstring("serves at " + want))
			g.Expect(av.LastTransitionTime.Time).NotTo(BeTemporally("<", broken.LastTransitionTime.Time))
		}, "20s", interval).Should(Succeed())
	})

	It("tells the IDE its base path, and a new base path restarts it with the new one", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		m := newManager(team, gatewaySpec("https://ide-"+team+".example.test/base"))
		ws := runningWorkspace(ns, "lab")
		path := "/base/workspaces/" + ns + "/lab/"
		Eventually(func(g Gomega) {
			env := envOf(deploymentOf(g, ns, ws.Name).Spec.Template.Spec.Containers[0])
			g.Expect(env).To(HaveKeyWithValue("WORKSPACE_BASE_URL", path))
			g.Expect(env).To(HaveKeyWithValue("NOTEBOOK_ARGS", "--ServerApp.base_url="+path))
		}, timeout, interval).Should(Succeed())

		updateManager(m, func(m *wsv1.WorkspaceManager) { m.Spec.URLScheme = wsv1.URLSchemeSubdomain })
		Eventually(func(g Gomega) {
			env := envOf(deploymentOf(g, ns, ws.Name).Spec.Template.Spec.Containers[0])
			g.Expect(env).To(HaveKeyWithValue("WORKSPACE_BASE_URL", "/"))
			g.Expect(env).To(HaveKeyWithValue("NOTEBOOK_ARGS", "--ServerApp.base_url=/"))
		}, timeout, interval).Should(Succeed())

		By("the user's NOTEBOOK_ARGS is kept")
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.Env = []corev1.EnvVar{{Name: "NOTEBOOK_ARGS", Value: "--ServerApp.base_url=/ --debug"}}
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			env := envOf(deploymentOf(g, ns, ws.Name).Spec.Template.Spec.Containers[0])
			g.Expect(env).To(HaveKeyWithValue("WORKSPACE_BASE_URL", "/"))
			g.Expect(env).To(HaveKeyWithValue("NOTEBOOK_ARGS", "--ServerApp.base_url=/ --debug"))
		}, timeout, interval).Should(Succeed())
	})

	It("follows the manager: Ingress instead of HTTPRoute, a new base URL, the Subdomain scheme", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		m := newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		ws := runningWorkspace(ns, "lab")
		Eventually(func(g Gomega) { httpRouteOf(g, ns, ws.Name) }, timeout, interval).Should(Succeed())

		By("a switch to Ingress deletes the HTTPRoute")
		updateManager(m, func(m *wsv1.WorkspaceManager) {
			m.Spec.Routing.GatewayRef = nil
			m.Spec.Routing.Ingress = &wsv1.IngressRouting{ClassName: "nginx", TLSSecretName: "ide-tls",
				Annotations: map[string]string{"nginx.ingress.kubernetes.io/auth-url": "http://weir-access.weir-system.svc:8090/_weir/auth"}}
		})
		Eventually(gone(&gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: workspaces.RouteName(ws.Name)}}),
			timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			in := ingressOf(g, ns, ws.Name)
			g.Expect(*in.Spec.IngressClassName).To(Equal("nginx"))
			g.Expect(in.Annotations).To(HaveKey("nginx.ingress.kubernetes.io/auth-url"))
			g.Expect(in.Annotations).To(HaveKey(wsv1.AnnotationAuthURL))
			g.Expect(in.Spec.Rules[0].Host).To(Equal("ide-" + team + ".example.test"))
			g.Expect(in.Spec.Rules[0].HTTP.Paths[0].Path).To(Equal("/workspaces/" + ns + "/lab/"))
			g.Expect(in.Spec.TLS).To(HaveLen(1))
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.Route.Kind).To(Equal("Ingress"))
		}, timeout, interval).Should(Succeed())

		By("a new base URL rewrites the Ingress and the URL; dropped annotations go")
		updateManager(m, func(m *wsv1.WorkspaceManager) {
			m.Spec.BaseURL = "https://apps-" + team + ".example.test/ide"
			m.Spec.Routing.Ingress.Annotations = nil
		})
		Eventually(func(g Gomega) {
			in := ingressOf(g, ns, ws.Name)
			g.Expect(in.Spec.Rules[0].Host).To(Equal("apps-" + team + ".example.test"))
			g.Expect(in.Spec.Rules[0].HTTP.Paths[0].Path).To(Equal("/ide/workspaces/" + ns + "/lab/"))
			g.Expect(in.Annotations).NotTo(HaveKey("nginx.ingress.kubernetes.io/auth-url"))
			g.Expect(getWorkspace(g, ns, ws.Name).Status.URL).To(Equal("https://apps-" + team + ".example.test/ide/workspaces/" + ns + "/lab/"))
		}, timeout, interval).Should(Succeed())

		By("the Subdomain scheme gives the Workspace a host of its own")
		updateManager(m, func(m *wsv1.WorkspaceManager) { m.Spec.URLScheme = wsv1.URLSchemeSubdomain })
		host := "lab--" + ns + ".apps-" + team + ".example.test"
		Eventually(func(g Gomega) {
			in := ingressOf(g, ns, ws.Name)
			g.Expect(in.Spec.Rules[0].Host).To(Equal(host))
			g.Expect(in.Spec.Rules[0].HTTP.Paths[0].Path).To(Equal("/"))
			g.Expect(in.Spec.TLS[0].Hosts).To(ConsistOf(host))
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.URL).To(Equal("https://" + host + "/"))
		}, timeout, interval).Should(Succeed())
	})

	It("clears its URL while Stopped and keeps the route, so a restart has the same URL", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		ws := runningWorkspace(ns, "lab")
		want := "https://ide-" + team + ".example.test/workspaces/" + ns + "/lab/"
		routes.serve(want)
		var uid string
		Eventually(func(g Gomega) {
			g.Expect(getWorkspace(g, ns, ws.Name).Status.URL).To(Equal(want))
			uid = string(httpRouteOf(g, ns, ws.Name).UID)
		}, timeout, interval).Should(Succeed())

		setDesired := func(d wsv1.DesiredStatus) {
			Eventually(func(g Gomega) {
				got := getWorkspace(g, ns, ws.Name)
				got.Spec.DesiredStatus = d
				g.Expect(k8s.Update(ctx, got)).To(Succeed())
			}, timeout, interval).Should(Succeed())
		}
		setDesired(wsv1.DesiredStopped)
		Eventually(func(g Gomega) {
			playDeploymentController(g, deploymentOf(g, ns, ws.Name))
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.URL).To(BeEmpty())
			g.Expect(got.Status.Route).NotTo(BeNil())
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Reason).To(Equal("Stopped"))
			g.Expect(string(httpRouteOf(g, ns, ws.Name).UID)).To(Equal(uid))
		}, timeout, interval).Should(Succeed())

		setDesired(wsv1.DesiredRunning)
		Eventually(func(g Gomega) {
			playDeploymentController(g, deploymentOf(g, ns, ws.Name))
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.URL).To(Equal(want))
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(string(httpRouteOf(g, ns, ws.Name).UID)).To(Equal(uid))
		}, timeout, interval).Should(Succeed())
	})

	It("loses its route when its namespace is relabelled away from the manager, and falls back to --workspace-url-base", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		ws := runningWorkspace(ns, "lab")
		Eventually(func(g Gomega) { httpRouteOf(g, ns, ws.Name) }, timeout, interval).Should(Succeed())

		Eventually(func(g Gomega) {
			n := &corev1.Namespace{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Name: ns}, n)).To(Succeed())
			n.Labels["team"] = "elsewhere"
			g.Expect(k8s.Update(ctx, n)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(gone(&gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: workspaces.RouteName(ws.Name)}}),
			timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(got.Status.Route).To(BeNil())
			g.Expect(got.Status.URL).To(Equal(urlBase + "/workspaces/" + ns + "/lab/"))
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
			// No route of Weir's: the IDE is told no base path.
			env := envOf(deploymentOf(g, ns, ws.Name).Spec.Template.Spec.Containers[0])
			g.Expect(env).NotTo(HaveKey("WORKSPACE_BASE_URL"))
			g.Expect(env).NotTo(HaveKey("NOTEBOOK_ARGS"))
		}, timeout, interval).Should(Succeed())
	})

	It("has no route and says why when its name cannot be a host label (Subdomain)", func() {
		team := rand.String(8)
		ns := newNamespace(map[string]string{"team": team})
		m := newManager(team, gatewaySpec("https://ide-"+team+".example.test"))
		updateManager(m, func(m *wsv1.WorkspaceManager) { m.Spec.URLScheme = wsv1.URLSchemeSubdomain })
		ws := runningWorkspace(ns, "my.lab")
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			dg := condition(g, got, wsv1.ConditionDegraded)
			g.Expect(dg.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(dg.Reason).To(Equal(workspaces.ReasonRouteNotPossible))
			g.Expect(dg.Message).To(ContainSubstring("urlScheme Path"))
			g.Expect(got.Status.URL).To(BeEmpty())
			g.Expect(got.Status.Route).To(BeNil())
		}, timeout, interval).Should(Succeed())
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: workspaces.RouteName(ws.Name)}, &gatewayv1.HTTPRoute{})
		}, "1s", interval).ShouldNot(Succeed())
	})
})
