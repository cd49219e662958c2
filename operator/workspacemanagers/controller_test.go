package workspacemanagers_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspacemanagers"
)

// issuer serves an OpenID Connect discovery document for its own URL.
func issuer() string {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
			"jwks_uri": srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	DeferCleanup(srv.Close)
	return srv.URL
}

// closedPort is a URL nothing listens at.
func closedPort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	u := "http://" + l.Addr().String()
	Expect(l.Close()).To(Succeed())
	return u
}

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// gatewayName is the name of every test Gateway; each test has its own namespace.
const gatewayName = "public"

// gateway creates a Gateway (nothing serves it; only its existence counts).
func gateway(ns string) {
	if err := k8s.Create(ctx, namespace(ns)); err != nil && !apierrors.IsAlreadyExists(err) {
		Expect(err).NotTo(HaveOccurred())
	}
	gw := &gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: gatewayName}, Spec: gatewayv1.GatewaySpec{
		GatewayClassName: "test",
		Listeners:        []gatewayv1.Listener{{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType}},
	}}
	Expect(k8s.Create(ctx, gw)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, gw))).To(Succeed()) })
}

// withGateway and withIngress are the two routing kinds.
func withGateway(ns string) wsv1.WorkspaceRouting {
	return wsv1.WorkspaceRouting{
		GatewayRef:    &wsv1.GatewayReference{Namespace: ns, Name: gatewayName},
		AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: weirNS, Port: 8090},
	}
}

func withIngress(class string) wsv1.WorkspaceRouting {
	return wsv1.WorkspaceRouting{
		Ingress:       &wsv1.IngressRouting{ClassName: class},
		AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: weirNS, Port: 8090},
	}
}

// newManager creates a WorkspaceManager, deleted after the spec.
func newManager(name, baseURL, issuerURL string, routing wsv1.WorkspaceRouting, secret *wsv1.SecretKeySelector) *wsv1.WorkspaceManager {
	m := &wsv1.WorkspaceManager{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wsv1.WorkspaceManagerSpec{
		BaseURL: baseURL,
		Routing: routing,
		Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{
			IssuerURL: issuerURL, ClientID: "weir", ClientSecretRef: secret}},
	}}
	Expect(k8s.Create(ctx, m)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, m))).To(Succeed()) })
	return m
}

// condition is a manager's condition of type t once it is about the
// current generation.
func condition(name, t string) func(Gomega) *metav1.Condition {
	return func(g Gomega) *metav1.Condition {
		m := &wsv1.WorkspaceManager{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, m)).To(Succeed())
		g.Expect(m.Status.ObservedGeneration).To(Equal(m.Generation))
		c := meta.FindStatusCondition(m.Status.Conditions, t)
		g.Expect(c).NotTo(BeNil(), "condition %s", t)
		g.Expect(c.ObservedGeneration).To(Equal(m.Generation))
		return c
	}
}

func haveStatus(s metav1.ConditionStatus, reason string) OmegaMatcher {
	return And(HaveField("Status", s), HaveField("Reason", reason))
}

// events are the Events about a manager (they live in default: it is
// cluster-scoped).
func events(name string) func(Gomega) []eventsv1.Event {
	return func(g Gomega) []eventsv1.Event {
		list := &eventsv1.EventList{}
		g.Expect(k8s.List(ctx, list, client.InNamespace(metav1.NamespaceDefault))).To(Succeed())
		var out []eventsv1.Event
		for _, e := range list.Items {
			if e.Regarding.Kind == "WorkspaceManager" && e.Regarding.Name == name {
				out = append(out, e)
			}
		}
		return out
	}
}

func event(typ, reason string) OmegaMatcher {
	return ContainElement(And(HaveField("Type", typ), HaveField("Reason", reason)))
}

func accessRoute(name string) func(Gomega) *gatewayv1.HTTPRoute {
	return func(g Gomega) *gatewayv1.HTTPRoute {
		r := &gatewayv1.HTTPRoute{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: workspacemanagers.AccessRouteName(name)}, r)).To(Succeed())
		return r
	}
}

func accessIngress(name string) func(Gomega) *networkingv1.Ingress {
	return func(g Gomega) *networkingv1.Ingress {
		r := &networkingv1.Ingress{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: workspacemanagers.AccessRouteName(name)}, r)).To(Succeed())
		return r
	}
}

func clientSecret(name, key, value string) {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: weirNS, Name: name}, StringData: map[string]string{key: value}}
	Expect(k8s.Create(ctx, s)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, s))).To(Succeed()) })
}

func update(name string, change func(*wsv1.WorkspaceManager)) {
	Eventually(func(g Gomega) {
		m := &wsv1.WorkspaceManager{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, m)).To(Succeed())
		change(m)
		g.Expect(k8s.Update(ctx, m)).To(Succeed())
	}, timeout, interval).Should(Succeed())
}

var _ = Describe("WorkspaceManager", func() {
	It("is Ready with a reachable issuer, its Gateway and its client secret, routes the login pages, and writes no status at rest", func() {
		gateway("gw-ready")
		clientSecret("oidc-ready", "client-secret", "s3cret")
		m := newManager("ready", "https://ide.example.test/base", issuer(), withGateway("gw-ready"),
			&wsv1.SecretKeySelector{Name: "oidc-ready", Key: "client-secret"})

		Eventually(condition(m.Name, wsv1.ConditionRoutingReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonRoutingReady))
		Eventually(condition(m.Name, wsv1.ConditionIdPReachable), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonIdPReachable))
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))
		Eventually(events(m.Name), timeout, interval).Should(event(corev1.EventTypeNormal, workspacemanagers.ReasonReady))

		got := &wsv1.WorkspaceManager{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: m.Name}, got)).To(Succeed())
		Expect(got.Status.BaseURL).To(Equal("https://ide.example.test/base"))

		r := accessRoute(m.Name)(Default)
		Expect(r.Labels).To(HaveKeyWithValue(wsv1.LabelManager, m.Name))
		Expect(r.Annotations).NotTo(HaveKey(wsv1.AnnotationAuthURL))
		Expect(metav1.IsControlledBy(r, got)).To(BeTrue())
		Expect(r.Spec.ParentRefs).To(HaveLen(1))
		Expect(string(r.Spec.ParentRefs[0].Name)).To(Equal("public"))
		Expect(r.Spec.Hostnames).To(ConsistOf(gatewayv1.Hostname("ide.example.test")))
		var paths []string
		for _, mt := range r.Spec.Rules[0].Matches {
			paths = append(paths, *mt.Path.Value)
		}
		Expect(paths).To(ConsistOf("/base/_weir/login", "/base/_weir/callback", "/base/_weir/logout"))

		// The issuer is read again (RecheckReachable is 2 s here) without a
		// status write: nothing changed. (A reconcile right after the first
		// write may still read the cache from before it and write once more.)
		time.Sleep(time.Second)
		Expect(k8s.Get(ctx, client.ObjectKey{Name: m.Name}, got)).To(Succeed())
		Consistently(func(g Gomega) *wsv1.WorkspaceManager {
			now := &wsv1.WorkspaceManager{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Name: m.Name}, now)).To(Succeed())
			return now
		}, 5*time.Second, 250*time.Millisecond).Should(HaveField("ResourceVersion", got.ResourceVersion), "%+v", got)
	})

	It("says IssuerUnreachable with a Warning for a closed port, and recovers when the issuer is fixed", func() {
		gateway("gw-unreach")
		bad := closedPort()
		m := newManager("unreachable", "https://ide.example.test", bad, withGateway("gw-unreach"), nil)

		Eventually(condition(m.Name, wsv1.ConditionIdPReachable), timeout, interval).Should(And(
			haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonIssuerUnreachable),
			HaveField("Message", ContainSubstring(bad))))
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonIssuerUnreachable))
		Expect(condition(m.Name, wsv1.ConditionRoutingReady)(Default)).To(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonRoutingReady))
		Eventually(events(m.Name), timeout, interval).Should(event(corev1.EventTypeWarning, workspacemanagers.ReasonIssuerUnreachable))

		good := issuer()
		update(m.Name, func(m *wsv1.WorkspaceManager) { m.Spec.Authentication.OIDC.IssuerURL = good })
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))
	})

	It("says DiscoveryFailed when the URL answers without a discovery document", func() {
		gateway("gw-disc")
		m := newManager("discovery", "https://ide.example.test", issuer()+"/elsewhere", withGateway("gw-disc"), nil)
		Eventually(condition(m.Name, wsv1.ConditionIdPReachable), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonDiscoveryFailed))
	})

	It("says ClientSecretNotFound until the Secret exists in Weir's namespace", func() {
		gateway("gw-secret")
		m := newManager("secret", "https://ide.example.test", issuer(), withGateway("gw-secret"),
			&wsv1.SecretKeySelector{Name: "oidc-later", Key: "client-secret"})
		Eventually(condition(m.Name, wsv1.ConditionIdPReachable), timeout, interval).Should(And(
			haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonClientSecretNotFound),
			HaveField("Message", ContainSubstring(weirNS+"/oidc-later"))))
		Eventually(events(m.Name), timeout, interval).Should(event(corev1.EventTypeWarning, workspacemanagers.ReasonClientSecretNotFound))

		clientSecret("oidc-later", "client-secret", "s3cret")
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))
	})

	It("says GatewayNotFound until the Gateway exists, with the route already in place", func() {
		m := newManager("nogateway", "https://ide.example.test", issuer(), withGateway("gw-later"), nil)
		Eventually(condition(m.Name, wsv1.ConditionRoutingReady), timeout, interval).Should(And(
			haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonGatewayNotFound),
			HaveField("Message", ContainSubstring("gw-later/public"))))
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonGatewayNotFound))
		Eventually(events(m.Name), timeout, interval).Should(event(corev1.EventTypeWarning, workspacemanagers.ReasonGatewayNotFound))
		Eventually(accessRoute(m.Name), timeout, interval).ShouldNot(BeNil())

		gateway("gw-later")
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))
	})

	It("rewrites the route when the manager changes, moves to an Ingress when routing does, and puts back a deleted route", func() {
		gateway("gw-change")
		m := newManager("change", "https://one.example.test", issuer(), withGateway("gw-change"), nil)
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))

		update(m.Name, func(m *wsv1.WorkspaceManager) { m.Spec.BaseURL = "https://two.example.test/ide" })
		Eventually(func(g Gomega) []gatewayv1.Hostname { return accessRoute(m.Name)(g).Spec.Hostnames }, timeout, interval).
			Should(ConsistOf(gatewayv1.Hostname("two.example.test")))
		Expect(*accessRoute(m.Name)(Default).Spec.Rules[0].Matches[0].Path.Value).To(HavePrefix("/ide/_weir/"))
		Eventually(func(g Gomega) string {
			got := &wsv1.WorkspaceManager{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Name: m.Name}, got)).To(Succeed())
			return got.Status.BaseURL
		}, timeout, interval).Should(Equal("https://two.example.test/ide"))

		// Deleted by hand: the controller owns it and puts it back.
		r := accessRoute(m.Name)(Default)
		Expect(k8s.Delete(ctx, r)).To(Succeed())
		Eventually(func(g Gomega) bool { return accessRoute(m.Name)(g).UID != r.UID }, timeout, interval).Should(BeTrue())

		// The access Service moves: so does the route.
		Expect(k8s.Create(ctx, namespace("weir-moved"))).To(Succeed())
		update(m.Name, func(m *wsv1.WorkspaceManager) { m.Spec.Routing.AccessService.Namespace = "weir-moved" })
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: "weir-moved", Name: workspacemanagers.AccessRouteName(m.Name)}, &gatewayv1.HTTPRoute{})).To(Succeed())
			err := k8s.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: workspacemanagers.AccessRouteName(m.Name)}, &gatewayv1.HTTPRoute{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the route in %s: %v", weirNS, err)
		}, timeout, interval).Should(Succeed())
		update(m.Name, func(m *wsv1.WorkspaceManager) { m.Spec.Routing.AccessService.Namespace = weirNS })

		// Ingress routing: the HTTPRoute goes, an Ingress of the class
		// serves the same paths; the class is missing until created.
		update(m.Name, func(m *wsv1.WorkspaceManager) { m.Spec.Routing = withIngress("weir-test") })
		Eventually(condition(m.Name, wsv1.ConditionRoutingReady), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonIngressClassNotFound))
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: workspacemanagers.AccessRouteName(m.Name)}, &gatewayv1.HTTPRoute{}))
		}, timeout, interval).Should(BeTrue())
		ing := accessIngress(m.Name)(Default)
		Expect(*ing.Spec.IngressClassName).To(Equal("weir-test"))
		Expect(ing.Spec.Rules).To(HaveLen(1))
		Expect(ing.Spec.Rules[0].Host).To(Equal("two.example.test"))
		var paths []string
		for _, p := range ing.Spec.Rules[0].HTTP.Paths {
			paths = append(paths, p.Path)
			Expect(p.Backend.Service.Name).To(Equal("weir-access"))
		}
		Expect(paths).To(ConsistOf("/ide/_weir/login", "/ide/_weir/callback", "/ide/_weir/logout"))

		class := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "weir-test"}, Spec: networkingv1.IngressClassSpec{Controller: "example.com/test"}}
		Expect(k8s.Create(ctx, class)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, class))).To(Succeed()) })
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))
	})

	It("says AccessRouteFailed while the access Service's namespace does not exist", func() {
		gateway("gw-nons")
		routing := withGateway("gw-nons")
		routing.AccessService.Namespace = "weir-elsewhere"
		m := newManager("nonamespace", "https://ide.example.test", issuer(), routing, nil)
		Eventually(condition(m.Name, wsv1.ConditionRoutingReady), timeout, interval).Should(And(
			haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonAccessRouteFailed),
			HaveField("Message", ContainSubstring("weir-elsewhere"))))

		Expect(k8s.Create(ctx, namespace("weir-elsewhere"))).To(Succeed())
		Eventually(condition(m.Name, wsv1.ConditionReady), timeout, interval).Should(haveStatus(metav1.ConditionTrue, workspacemanagers.ReasonReady))
	})

	It("reports a name taken by another object as AccessRouteConflict and leaves that object alone", func() {
		gateway("gw-taken")
		other := &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: weirNS, Name: workspacemanagers.AccessRouteName("taken")},
			Spec: gatewayv1.HTTPRouteSpec{Hostnames: []gatewayv1.Hostname{"mine.example.test"}}}
		Expect(k8s.Create(ctx, other)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, other))).To(Succeed()) })
		m := newManager("taken", "https://ide.example.test", issuer(), withGateway("gw-taken"), nil)
		Eventually(condition(m.Name, wsv1.ConditionRoutingReady), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonAccessRouteConflict))
		Expect(accessRoute("taken")(Default).Spec.Hostnames).To(ConsistOf(gatewayv1.Hostname("mine.example.test")))
	})

	It("tells the younger of two managers that select a namespace that the older one serves it", func() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-conflict", Labels: map[string]string{"team": "conflict"}}}
		Expect(k8s.Create(ctx, ns)).To(Succeed())
		sel := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "conflict"}}
		gateway("gw-conflict")
		older := newManagerSelecting("conflict-older", sel)
		// creationTimestamp has a resolution of one second.
		time.Sleep(1100 * time.Millisecond)
		younger := newManagerSelecting("conflict-younger", sel)
		Eventually(events(younger.Name), timeout, interval).Should(ContainElement(And(
			HaveField("Type", corev1.EventTypeWarning), HaveField("Reason", workspacemanagers.ReasonNamespaceConflict),
			HaveField("Note", And(ContainSubstring("team-conflict"), ContainSubstring("served by conflict-older"))))))
		Consistently(func(g Gomega) []eventsv1.Event {
			var out []eventsv1.Event
			for _, e := range events(older.Name)(g) {
				if e.Reason == workspacemanagers.ReasonNamespaceConflict {
					out = append(out, e)
				}
			}
			return out
		}, 2*time.Second, 200*time.Millisecond).Should(BeEmpty())
	})
})

func newManagerSelecting(name string, sel *metav1.LabelSelector) *wsv1.WorkspaceManager {
	m := &wsv1.WorkspaceManager{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wsv1.WorkspaceManagerSpec{
		BaseURL:           "https://" + name + ".example.test",
		NamespaceSelector: sel,
		Routing:           withGateway("gw-conflict"),
		Authentication:    wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{IssuerURL: issuer(), ClientID: "weir"}},
	}}
	Expect(k8s.Create(ctx, m)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, m))).To(Succeed()) })
	return m
}

var _ = It("accepts the sample WorkspaceManager (config/samples) and names the unknown issuer", func() {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", "workspacemanager.yaml"))
	Expect(err).NotTo(HaveOccurred())
	m := &wsv1.WorkspaceManager{}
	Expect(yaml.UnmarshalStrict(raw, m)).To(Succeed())
	m.Name = "sample"
	Expect(k8s.Create(ctx, m)).To(Succeed())
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, m))).To(Succeed()) })
	Eventually(condition(m.Name, wsv1.ConditionIdPReachable), timeout, interval).Should(And(
		HaveField("Status", metav1.ConditionFalse), HaveField("Message", ContainSubstring("https://login.example.com"))))
	Expect(condition(m.Name, wsv1.ConditionRoutingReady)(Default)).To(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonGatewayNotFound))
})
