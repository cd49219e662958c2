package runs

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;create

// ensureIngestServiceAccount makes the operator's ingest service account in a
// Run's namespace when the Run relies on it, so Runs work in any namespace.
// The account has no RBAC; an existing one, Weir's or not, is left alone.
func (r *Reconciler) ensureIngestServiceAccount(ctx context.Context, run *runsv1.Run) error {
	name := r.Options.IngestServiceAccount
	if run.Spec.ServiceAccountName != "" || name == "" {
		return nil
	}
	key := client.ObjectKey{Namespace: run.Namespace, Name: name}
	sa := &corev1.ServiceAccount{}
	err := r.Get(ctx, key, sa) // the cache holds Weir's accounts only
	if !apierrors.IsNotFound(err) {
		return err
	}
	// Someone else's account (the chart's, in Weir's own namespace) is not
	// in the cache: having found it, don't read it past the cache at every
	// reconcile of every Run there; look again after the recheck interval.
	if at, ok := r.foreignAccounts.Load(key); ok && time.Since(at.(time.Time)) < r.Options.recheckInterval() {
		return nil
	}
	err = r.APIReader.Get(ctx, key, sa)
	if err == nil {
		r.foreignAccounts.Store(key, time.Now())
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	sa = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: run.Namespace,
		Labels: map[string]string{runsv1.LabelManagedBy: runsv1.ManagedBy},
	}}
	return client.IgnoreAlreadyExists(r.Create(ctx, sa))
}
