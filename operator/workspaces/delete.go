package workspaces

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// reconcileDelete settles the primary claim before the Workspace goes:
// Retain (the default) removes the Workspace's owner reference, so garbage
// collection keeps the claim and a new Workspace of the same name finds
// it; Delete deletes it. The Deployment and Service go by garbage
// collection.
func (r *Reconciler) reconcileDelete(ctx context.Context, ws *wsv1.Workspace) error {
	if !controllerutil.ContainsFinalizer(ws, FinalizerStorage) {
		return nil
	}
	policy := r.reclaimPolicy(ctx, ws)
	claim := &corev1.PersistentVolumeClaim{}
	found, err := r.get(ctx, ws, ClaimName(ws.Name), claim)
	if err != nil {
		return err
	}
	if found && mustOwn(ws, claim) == nil {
		switch policy {
		case wsv1.ReclaimDelete:
			if err := r.Delete(ctx, claim, client.Preconditions{UID: &claim.UID}); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete PersistentVolumeClaim %s: %w", claim.Name, err)
			}
			r.Recorder.Eventf(ws, claim, corev1.EventTypeNormal, ReasonStorageDeleted, "Delete",
				"PersistentVolumeClaim %s deleted with the Workspace (reclaimPolicy Delete)", claim.Name)
		default:
			patch := client.MergeFrom(claim.DeepCopy())
			refs := claim.OwnerReferences[:0]
			for _, ref := range claim.OwnerReferences {
				if ref.UID != ws.UID {
					refs = append(refs, ref)
				}
			}
			claim.OwnerReferences = refs
			if err := r.Patch(ctx, claim, patch); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("release PersistentVolumeClaim %s: %w", claim.Name, err)
			}
			r.Recorder.Eventf(ws, claim, corev1.EventTypeNormal, ReasonStorageRetained, "Delete",
				"PersistentVolumeClaim %s is kept with its data (reclaimPolicy Retain); delete it yourself when it is no longer needed, or create a Workspace named %s to use it again",
				claim.Name, ws.Name)
		}
	}
	patch := client.MergeFrom(ws.DeepCopy())
	controllerutil.RemoveFinalizer(ws, FinalizerStorage)
	return client.IgnoreNotFound(r.Patch(ctx, ws, patch))
}

// reclaimPolicy is the effective storage.reclaimPolicy: the spec's, else
// the template's (from the policies' patch, the same as at any
// reconcile), else the last one status showed, else Retain. A decision
// that fails keeps the data.
func (r *Reconciler) reclaimPolicy(ctx context.Context, ws *wsv1.Workspace) wsv1.StorageReclaimPolicy {
	if s := ws.Spec.Storage; s != nil && s.ReclaimPolicy != "" {
		return s.ReclaimPolicy
	}
	// The policies judge no Workspace being deleted; decide a copy that
	// is not.
	live := ws.DeepCopy()
	live.DeletionTimestamp = nil
	if eff, _, err := r.decide(ctx, live); err == nil && eff.Spec.Storage != nil && eff.Spec.Storage.ReclaimPolicy != "" {
		return eff.Spec.Storage.ReclaimPolicy
	}
	if s := ws.Status.Storage; s != nil && s.ReclaimPolicy != "" {
		return s.ReclaimPolicy
	}
	return wsv1.DefaultReclaimPolicy
}
