package proxyconfig

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// ParseTarget reads --proxy-config: "<namespace>/<name>", or "" (disabled:
// ok is false).
func ParseTarget(s string) (target types.NamespacedName, ok bool, err error) {
	if s == "" {
		return types.NamespacedName{}, false, nil
	}
	ns, name, found := strings.Cut(s, "/")
	if !found || ns == "" || name == "" || strings.Contains(name, "/") {
		return types.NamespacedName{}, false, fmt.Errorf("--proxy-config=%q: want <namespace>/<name> of the ConfigMap, or \"\" to render no proxy configuration", s)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, true, nil
}

// SetupWithManager registers the controller. It watches every
// IngressClass, the Ingresses the manager's cache holds (Weir's own
// routes), those of the ConfigMap's namespace (Weir's), and the ConfigMap
// when the cache holds that namespace (an edit by hand is put back at
// once; otherwise at the next resync).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Target.Name == "" || r.Target.Namespace == "" {
		return fmt.Errorf("proxy config: no ConfigMap named (--proxy-config)")
	}
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("weir-proxyconfig")
	}
	// The manager's cache holds Weir's routes only; an install's own
	// Ingresses (its login provider's) are in Weir's namespace: a cache of
	// that one namespace's Ingresses sees them.
	if r.Local == nil {
		local, err := cache.New(mgr.GetConfig(), cache.Options{
			Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(), HTTPClient: mgr.GetHTTPClient(),
			DefaultNamespaces: map[string]cache.Config{r.Target.Namespace: {}},
		})
		if err != nil {
			return fmt.Errorf("proxy config: cache of %s's Ingresses: %w", r.Target.Namespace, err)
		}
		if err := mgr.Add(local); err != nil {
			return err
		}
		r.Local = local
	}
	target := func() []reconcile.Request { return []reconcile.Request{{NamespacedName: r.Target}} }
	all := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request { return target() })
	changed := predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
	return ctrl.NewControllerManagedBy(mgr).
		Named("proxyconfig").
		// One file: a single worker, and every event is the same request.
		Watches(&networkingv1.IngressClass{}, all).
		Watches(&networkingv1.Ingress{}, all, builder.WithPredicates(changed)).
		WatchesRawSource(source.Kind(r.Local, &networkingv1.Ingress{},
			handler.TypedEnqueueRequestsFromMapFunc(func(context.Context, *networkingv1.Ingress) []reconcile.Request { return target() }),
			predicate.Or[*networkingv1.Ingress](predicate.TypedGenerationChangedPredicate[*networkingv1.Ingress]{},
				predicate.TypedAnnotationChangedPredicate[*networkingv1.Ingress]{}))).
		Watches(&corev1.ConfigMap{}, all, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetNamespace() == r.Target.Namespace && o.GetName() == r.Target.Name
		}))).
		Complete(r)
}

// Setup registers the controller for --proxy-config (namespace/name; ""
// registers nothing) with the in-cluster rendering.
func Setup(mgr ctrl.Manager, proxyConfig string) error {
	target, ok, err := ParseTarget(proxyConfig)
	if err != nil || !ok {
		return err
	}
	return (&Reconciler{Target: target}).SetupWithManager(mgr)
}
