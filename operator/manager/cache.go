package manager

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/operator/workspaces"
)

// cacheOptions is what the manager's cache holds: namespaced objects of
// cfg.Namespaces only (all namespaces when empty), and of the kinds Weir
// creates, only those it labelled as its own: a cluster's ConfigMaps,
// Jobs, Deployments, Services and claims would cost memory, and a Run's or
// Workspace's reconcile must never act on an object Weir did not make.
// Cluster-scoped kinds are not limited.
//
// Every cached object loses its managedFields: no reconciler reads them
// (Weir writes with Create, Update and merge patches, never server-side
// apply), and on objects that Weir and the API server both write they are
// a large part of each object (docs/performance.md, "Manager memory"). An
// Update of a cached object sends no managedFields, which the API server
// takes as "unchanged".
func cacheOptions(cfg Config) cache.Options {
	ours := labels.SelectorFromSet(labels.Set{runsv1.LabelManagedBy: runsv1.ManagedBy})
	stripManagedFields := cache.TransformStripManagedFields()
	// Every cached object also shares the strings it repeats with the
	// others (internStrings).
	strip := func(obj any) (any, error) {
		obj, err := stripManagedFields(obj)
		if err != nil {
			return obj, err
		}
		return internStrings(obj)
	}
	// A Run's Jobs and CronJobs (runs.SlimChild) and a Workspace's
	// Deployment (workspaces.SlimDeployment) are cached without their pod
	// template: containers, env and the inline pipeline file are most of
	// each child and no reconciler reads them from the cache
	// (docs/performance.md, "Manager memory"). A ByObject transform
	// replaces the default one, so these strip managedFields too.
	slim := func(t toolscache.TransformFunc) toolscache.TransformFunc {
		return func(obj any) (any, error) {
			obj, err := strip(obj)
			if err != nil {
				return obj, err
			}
			return t(obj)
		}
	}
	o := cache.Options{DefaultTransform: strip, ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}:      {Label: ours},
		&batchv1.Job{}:           {Label: ours, Transform: slim(runs.SlimChild)},
		&batchv1.CronJob{}:       {Label: ours, Transform: slim(runs.SlimChild)},
		&corev1.ServiceAccount{}: {Label: ours},
		// A Workspace's children.
		&appsv1.Deployment{}:            {Label: ours, Transform: slim(workspaces.SlimDeployment)},
		&corev1.Service{}:               {Label: ours},
		&corev1.PersistentVolumeClaim{}: {Label: ours},
	}}
	for _, ns := range cfg.Namespaces {
		if o.DefaultNamespaces == nil {
			o.DefaultNamespaces = map[string]cache.Config{}
		}
		o.DefaultNamespaces[ns] = cache.Config{}
	}
	return o
}

// routeCache caches the routes Weir makes for Workspaces and for the access
// server: only those labelled with their WorkspaceManager. HTTPRoutes only
// when the cluster serves them: the cache cannot start with a kind the API
// server does not know.
func routeCache(o *cache.Options, gatewayAPI bool) {
	routes := labels.NewSelector().Add(mustRequirement(wsv1.LabelManager, selection.Exists, nil))
	o.ByObject[&networkingv1.Ingress{}] = cache.ByObject{Label: routes}
	if gatewayAPI {
		o.ByObject[&gatewayv1.HTTPRoute{}] = cache.ByObject{Label: routes}
	}
}

func mustRequirement(key string, op selection.Operator, vals []string) labels.Requirement {
	r, err := labels.NewRequirement(key, op, vals)
	if err != nil {
		panic(err)
	}
	return *r
}

// gatewayAPIServed says whether the API server serves Gateway API
// HTTPRoutes (v1), asked once at start: installing the CRDs later takes a
// restart of Weir.
func gatewayAPIServed(restCfg *rest.Config) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(restCfg)
	if err != nil {
		return false, fmt.Errorf("discovery client: %w", err)
	}
	list, err := dc.ServerResourcesForGroupVersion(gatewayv1.GroupVersion.String())
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("discovering %s: %w", gatewayv1.GroupVersion, err)
	}
	for _, r := range list.APIResources {
		if r.Name == "httproutes" {
			return true, nil
		}
	}
	return false, nil
}
