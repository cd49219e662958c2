package proxyconfig_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/internal/testenv"
	"github.com/weir-dev/weir/operator/proxyconfig"
)

func TestParseTarget(t *testing.T) {
	if got, ok, err := proxyconfig.ParseTarget("weir-system/weir-proxy"); err != nil || !ok || got.String() != "weir-system/weir-proxy" {
		t.Errorf("weir-system/weir-proxy: %v %v %v", got, ok, err)
	}
	if _, ok, err := proxyconfig.ParseTarget(""); err != nil || ok {
		t.Errorf("\"\" must disable: %v %v", ok, err)
	}
	for _, bad := range []string{"weir-proxy", "/x", "x/", "a/b/c"} {
		if _, _, err := proxyconfig.ParseTarget(bad); err == nil || !strings.Contains(err.Error(), "--proxy-config") {
			t.Errorf("%q: error %v, want one naming --proxy-config", bad, err)
		}
	}
}

// The controller against a real API server, with the manager's cache as
// Weir configures it (Ingresses labelled with their WorkspaceManager, its
// own ConfigMaps): nothing is written while no class is Weir's; then the
// ConfigMap holds the routes of Weir's class only, follows Ingress changes
// and deletions, includes Weir's namespace's own Ingresses, comes back
// after an edit by hand, and is not written at rest.
func TestControllerEnvtest(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/proxyconfig/")
	}
	env := &envtest.Environment{}
	restCfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(restCfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)

	routes, _ := labels.NewRequirement(wsv1.LabelManager, selection.Exists, nil)
	writes := &testenv.Writes{}
	mgr, err := ctrl.NewManager(writes.Wrap(restCfg), ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&networkingv1.Ingress{}: {Label: labels.NewSelector().Add(*routes)},
			&corev1.ConfigMap{}:     {Label: labels.SelectorFromSet(labels.Set{runsv1.LabelManagedBy: runsv1.ManagedBy})},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	target := types.NamespacedName{Namespace: "weir-system", Name: "weir-proxy"}
	// No resync within the test: what it sees, the watches brought.
	r := &proxyconfig.Reconciler{Target: target, Resync: time.Hour}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()

	create := func(objs ...client.Object) {
		t.Helper()
		for _, o := range objs {
			if err := k8s.Create(ctx, o); err != nil {
				t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
			}
		}
	}
	for _, ns := range []string{"weir-system", "team"} {
		create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	caddyfile := func() (string, string, bool) {
		cm := &corev1.ConfigMap{}
		if err := k8s.Get(ctx, target, cm); apierrors.IsNotFound(err) {
			return "", "", false
		} else if err != nil {
			t.Fatal(err)
		}
		return cm.Data[proxyconfig.Key], cm.ResourceVersion, true
	}
	eventually := func(what string, ok func(text string) bool) string {
		t.Helper()
		var text string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if text, _, _ = caddyfile(); ok(text) {
				return text
			}
		}
		t.Fatalf("%s: the Caddyfile is now:\n%s", what, text)
		return ""
	}
	// Weir's routes, as the builders make them, without their owners
	// (there are no Workspaces here; envtest runs no garbage collector).
	weirIngress := func(ing networkingv1.Ingress) *networkingv1.Ingress {
		ing.OwnerReferences = nil
		ing.CreationTimestamp = metav1.Time{}
		return &ing
	}
	// An unrelated change to Weir's class: one more render.
	touchClass := func(i int) {
		t.Helper()
		class := &networkingv1.IngressClass{}
		if err := k8s.Get(ctx, types.NamespacedName{Name: caddyClass}, class); err != nil {
			t.Fatal(err)
		}
		class.Annotations = map[string]string{"touched": strconv.Itoa(i)}
		if err := k8s.Update(ctx, class); err != nil {
			t.Fatal(err)
		}
	}
	m := testManager("main", "http://ide.example.com")
	other := testManager("other", "http://other.example.com")
	other.Spec.Routing.Ingress.ClassName = "nginx"

	// Another controller's class only: nothing to write.
	create(&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		weirIngress(workspaceIngress(t, other, "team", "elsewhere", t0)))
	time.Sleep(time.Second)
	if _, _, found := caddyfile(); found {
		t.Fatal("a ConfigMap was written with no IngressClass of controller weir.dev/caddy")
	}

	create(&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: caddyClass}, Spec: networkingv1.IngressClassSpec{Controller: proxyconfig.ControllerName}},
		weirIngress(workspaceIngress(t, m, "team", "lab", t0)),
		weirIngress(accessIngress(t, m, t0)))
	text := eventually("Weir's routes", func(s string) bool {
		return strings.Contains(s, "/workspaces/team/lab/*") && strings.Contains(s, "/_weir/login")
	})
	if strings.Contains(text, "elsewhere") {
		t.Errorf("the nginx class's Ingress is in the Caddyfile:\n%s", text)
	}
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(ctx, target, cm); err != nil || cm.Labels[runsv1.LabelManagedBy] != runsv1.ManagedBy || len(cm.OwnerReferences) != 0 {
		t.Errorf("ConfigMap %v: labels %v, owners %v; want Weir's label and no owner", err, cm.Labels, cm.OwnerReferences)
	}

	// At rest: reconciles (an unrelated change to the class, each time)
	// read, and never write.
	_, rv, _ := caddyfile()
	before := writes.Load()
	for i := 1; i <= 5; i++ {
		touchClass(i)
		time.Sleep(300 * time.Millisecond)
	}
	if n := writes.Load() - before; n != 0 {
		t.Errorf("%d writes at rest", n)
	}
	if _, rv2, _ := caddyfile(); rv2 != rv {
		t.Errorf("the ConfigMap changed at rest: resourceVersion %s, then %s", rv, rv2)
	}

	// An Ingress of Weir's namespace without the manager label: an
	// install's own route.
	create(plainIngressPtr("weir-system", "dex", "", "/dex", "dex", 5556))
	touchClass(0) // not watched: seen at the next render
	eventually("Weir's namespace's own Ingress", func(s string) bool {
		return strings.Contains(s, "dex.weir-system.svc.cluster.local:5556")
	})
	// Elsewhere, only Weir's routes are seen.
	create(plainIngressPtr("team", "unlabelled", "", "/unlabelled", "x", 80))
	lab := &networkingv1.Ingress{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: "team", Name: "ws-lab"}, lab); err != nil {
		t.Fatal(err)
	}
	lab.Spec.Rules[0].HTTP.Paths[0].Path = "/workspaces/team/lab-moved/"
	if err := k8s.Update(ctx, lab); err != nil {
		t.Fatal(err)
	}
	text = eventually("a changed route", func(s string) bool {
		return strings.Contains(s, "/workspaces/team/lab-moved/*") && !strings.Contains(s, "/workspaces/team/lab/*")
	})
	if strings.Contains(text, "unlabelled") {
		t.Errorf("an Ingress outside Weir's namespace and not Weir's is in the file:\n%s", text)
	}

	// An edit by hand is put back.
	cm = &corev1.ConfigMap{}
	if err := k8s.Get(ctx, target, cm); err != nil {
		t.Fatal(err)
	}
	want := cm.Data[proxyconfig.Key]
	cm.Data[proxyconfig.Key] = "# mine now\n"
	if err := k8s.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	eventually("an edit by hand undone", func(s string) bool { return s == want })

	// A deleted route leaves the file.
	if err := k8s.Delete(ctx, lab); err != nil {
		t.Fatal(err)
	}
	eventually("a deleted route", func(s string) bool { return !strings.Contains(s, "lab-moved") && strings.Contains(s, "/_weir/login") })

	// An Ingress left out is said in an Event on it.
	create(plainIngressPtr("weir-system", "dex-again", "", "/dex/", "evil", 80))
	touchClass(6)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		evs := &eventsv1.EventList{}
		if err := k8s.List(ctx, evs, client.InNamespace("weir-system")); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range evs.Items {
			found = found || (e.Regarding.Name == "dex-again" && e.Reason == proxyconfig.ReasonNotRouted &&
				strings.Contains(e.Note, "already routed by the older Ingress weir-system/dex"))
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s Event on the conflicting Ingress: %+v", proxyconfig.ReasonNotRouted, evs.Items)
		}
	}
	if text, _, _ := caddyfile(); strings.Contains(text, "evil") {
		t.Errorf("the younger Ingress took the path:\n%s", text)
	}
}

func plainIngressPtr(namespace, name, host, path, service string, port int32) *networkingv1.Ingress {
	ing := plainIngress(namespace, name, host, path, networkingv1.PathTypePrefix, service, port)
	return &ing
}
