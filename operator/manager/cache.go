package manager

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// cacheOptions is what the manager's cache holds: namespaced objects of
// cfg.Namespaces only (all namespaces when empty), and of the kinds Weir
// creates, only those it labelled as its own: a cluster's ConfigMaps,
// Jobs, Deployments, Services and claims would cost memory, and a Run's or
// Workspace's reconcile must never act on an object Weir did not make.
// Cluster-scoped kinds are not limited.
func cacheOptions(cfg Config) cache.Options {
	ours := labels.SelectorFromSet(labels.Set{runsv1.LabelManagedBy: runsv1.ManagedBy})
	o := cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}:      {Label: ours},
		&batchv1.Job{}:           {Label: ours},
		&batchv1.CronJob{}:       {Label: ours},
		&corev1.ServiceAccount{}: {Label: ours},
		// A Workspace's children.
		&appsv1.Deployment{}:            {Label: ours},
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
