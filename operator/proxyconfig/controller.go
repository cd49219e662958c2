package proxyconfig

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// The ConfigMap lives in Weir's own namespace, where the chart's
// leader-election Role already grants ConfigMaps get, create and update
// (the cluster-wide rule below is the same verbs, for installs without
// watchNamespaces).
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;create;update
// +kubebuilder:rbac:groups="",resources=services,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Key is the ConfigMap key of the Caddyfile.
const Key = "Caddyfile"

// Event reasons.
const (
	// ReasonNotRouted: an Ingress of Weir's class, or one of its paths, is
	// left out of the proxy's configuration.
	ReasonNotRouted = "ProxyRouteSkipped"
)

// Defaults of Reconciler.
const (
	// DefaultResync renders again without any change: Ingresses of Weir's
	// namespace that are not its own routes are seen then, and a
	// ConfigMap deleted or edited by hand comes back. At rest it costs a
	// list of one namespace's Ingresses and one read, no write.
	DefaultResync = time.Minute
	// DefaultRetry is how soon a path waiting for its Service is retried.
	DefaultRetry = 15 * time.Second
)

// Reconciler keeps one ConfigMap's Caddyfile in step with the Ingresses
// of Weir's IngressClasses. Every event queues the same request: the
// whole file is rendered again.
type Reconciler struct {
	client.Client
	// APIReader reads what the cache does not hold: the ConfigMap (Weir's
	// namespace may be outside the watched ones), the Ingresses of that
	// namespace and Services by name.
	APIReader client.Reader
	Recorder  events.EventRecorder
	// Target is the ConfigMap (--proxy-config).
	Target types.NamespacedName
	// Render shapes the file (port, admin); its NamedPort is set here.
	Render RenderOptions
	// Resync and Retry; 0: the defaults.
	Resync, Retry time.Duration

	// reported are the problems of the last render: each is logged and
	// evented once, not at every render while it lasts. The one request
	// is never reconciled twice at once.
	reported map[string]bool
}

func (r *Reconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	log := ctrllog.FromContext(ctx)
	classes := &networkingv1.IngressClassList{}
	if err := r.List(ctx, classes); err != nil {
		return ctrl.Result{}, err
	}
	ours, deflt := weirClasses(classes.Items)
	if len(ours) == 0 {
		// Customized mode: another proxy routes; nothing to write.
		return ctrl.Result{}, nil
	}
	ings, err := r.ingresses(ctx, ours, deflt)
	if err != nil {
		return ctrl.Result{}, err
	}
	opts := r.Render
	opts.NamedPort = func(namespace, service, name string) (int32, error) {
		return r.namedPort(ctx, namespace, service, name)
	}
	text, problems := Render(ings, opts)
	retry := false
	reported := make(map[string]bool, len(problems))
	for _, p := range problems {
		retry = retry || p.Retry
		reported[p.String()] = true
		if r.reported[p.String()] {
			continue // said at an earlier render
		}
		log.Info("Ingress not fully routed by the proxy", "ingress", p.Namespace+"/"+p.Name, "reason", p.Message)
		if r.Recorder != nil {
			ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name}}
			for i := range ings {
				if ings[i].Namespace == p.Namespace && ings[i].Name == p.Name {
					ing = &ings[i]
				}
			}
			r.Recorder.Eventf(ing, nil, corev1.EventTypeWarning, ReasonNotRouted, "Render", "%s", p.Message)
		}
	}
	r.reported = reported
	if err := r.write(ctx, text); err != nil {
		return ctrl.Result{}, err
	}
	if retry {
		return ctrl.Result{RequeueAfter: durationOr(r.Retry, DefaultRetry)}, nil
	}
	return ctrl.Result{RequeueAfter: durationOr(r.Resync, DefaultResync)}, nil
}

// write creates or updates the ConfigMap when its Caddyfile differs.
func (r *Reconciler) write(ctx context.Context, text string) error {
	if len(text) > corev1.MaxSecretSize { // a ConfigMap's limit too
		return fmt.Errorf("the Caddyfile is %d bytes, more than a ConfigMap holds (1 MiB)", len(text))
	}
	cm := &corev1.ConfigMap{}
	err := r.APIReader.Get(ctx, r.Target, cm)
	switch {
	case apierrors.IsNotFound(err):
		cm = &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: r.Target.Namespace, Name: r.Target.Name,
				Labels: map[string]string{runsv1.LabelManagedBy: runsv1.ManagedBy}},
			Data: map[string]string{Key: text},
		}
		if err := r.Create(ctx, cm); err != nil {
			return fmt.Errorf("creating ConfigMap %s (--proxy-config): %w", r.Target, err)
		}
		ctrllog.FromContext(ctx).Info("proxy configuration written", "configMap", r.Target.String())
		return nil
	case err != nil:
		return fmt.Errorf("reading ConfigMap %s (--proxy-config): %w", r.Target, err)
	}
	if cm.Labels[runsv1.LabelManagedBy] != runsv1.ManagedBy {
		return fmt.Errorf("ConfigMap %s exists and is not Weir's (no label %s=%s): delete it, or name another with --proxy-config",
			r.Target, runsv1.LabelManagedBy, runsv1.ManagedBy)
	}
	if v, ok := cm.Data[Key]; ok && v == text {
		return nil
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[Key] = text
	if err := r.Update(ctx, cm); err != nil {
		return fmt.Errorf("updating ConfigMap %s (--proxy-config): %w", r.Target, err)
	}
	ctrllog.FromContext(ctx).Info("proxy configuration written", "configMap", r.Target.String())
	return nil
}

// ingresses are those of Weir's classes: the cached ones (Weir's routes,
// labelled with their WorkspaceManager) and, read uncached, all of the
// ConfigMap's namespace (Weir's own, where an install puts routes of its
// own, such as its login provider's: seen at the next render or resync).
func (r *Reconciler) ingresses(ctx context.Context, ours map[string]bool, deflt string) ([]networkingv1.Ingress, error) {
	cached := &networkingv1.IngressList{}
	if err := r.List(ctx, cached); err != nil {
		return nil, err
	}
	local := &networkingv1.IngressList{}
	if err := r.APIReader.List(ctx, local, client.InNamespace(r.Target.Namespace)); err != nil {
		return nil, fmt.Errorf("listing Ingresses in %s: %w", r.Target.Namespace, err)
	}
	seen := map[types.NamespacedName]bool{}
	var out []networkingv1.Ingress
	for _, ing := range append(cached.Items, local.Items...) {
		k := types.NamespacedName{Namespace: ing.Namespace, Name: ing.Name}
		if !seen[k] && ours[classOf(&ing, deflt)] {
			seen[k] = true
			out = append(out, ing)
		}
	}
	return out, nil
}

// namedPort reads the Service uncached: the cache holds Weir's own
// Services only, and a name is rare (Weir's routes give numbers).
func (r *Reconciler) namedPort(ctx context.Context, namespace, service, name string) (int32, error) {
	svc := &corev1.Service{}
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: namespace, Name: service}, svc); err != nil {
		return 0, err
	}
	for _, p := range svc.Spec.Ports {
		if p.Name == name {
			return p.Port, nil
		}
	}
	return 0, fmt.Errorf("no port named %q", name)
}

// weirClasses are the names of the IngressClasses Weir renders, and the
// default class's name ("" when there is none, or it is not Weir's).
func weirClasses(classes []networkingv1.IngressClass) (map[string]bool, string) {
	ours := map[string]bool{}
	deflt := ""
	for _, c := range classes {
		if c.Spec.Controller != ControllerName {
			continue
		}
		ours[c.Name] = true
		if c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
			deflt = c.Name
		}
	}
	return ours, deflt
}

// classOf is an Ingress's class: spec.ingressClassName, else the older
// annotation, else the default class.
func classOf(ing *networkingv1.Ingress, deflt string) string {
	if n := ing.Spec.IngressClassName; n != nil {
		return *n
	}
	if n, ok := ing.Annotations["kubernetes.io/ingress.class"]; ok {
		return n
	}
	return deflt
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
