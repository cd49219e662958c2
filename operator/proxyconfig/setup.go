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
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
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
// routes) and the ConfigMap when the cache holds its namespace (an edit
// by hand is put back at once; otherwise at the next resync). The other
// Ingresses of Weir's namespace are not watched: a watch that may be
// forbidden (a namespaced install without guided mode) would keep the
// manager from starting; they are read at each render and resync.
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
	all := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: r.Target}}
	})
	changed := predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
	return ctrl.NewControllerManagedBy(mgr).
		Named("proxyconfig").
		// One file: a single worker, and every event is the same request.
		Watches(&networkingv1.IngressClass{}, all).
		Watches(&networkingv1.Ingress{}, all, builder.WithPredicates(changed)).
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
