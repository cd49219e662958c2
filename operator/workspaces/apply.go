package workspaces

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// Reasons of the Degraded condition about the claim.
const (
	ReasonResizeRefused = "ResizeRefused"
	ReasonShrinkRefused = "ShrinkRefused"
	ReasonClassChanged  = "StorageClassChanged"
	ReasonResizeFailed  = "ResizeFailed"
	ReasonClaimLost     = "ClaimLost"
)

// get reads a child; found is false when it does not exist.
func (r *Reconciler) get(ctx context.Context, ws *wsv1.Workspace, name string, obj client.Object) (bool, error) {
	err := r.Get(ctx, client.ObjectKey{Namespace: ws.Namespace, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// create makes a child and adds it to obs.created, which the pass's one
// Created event names. AlreadyExists means an object the cache does not
// hold (it holds only what Weir labelled) has the name: not ours.
func (r *Reconciler) create(ctx context.Context, ws *wsv1.Workspace, obj client.Object, obs *observed) error {
	if err := r.Create(ctx, obj); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return errConflict{fmt.Errorf("%s %s already exists and is not owned by Workspace %s; delete or rename that object, or rename the Workspace",
				kindOf(obj), obj.GetName(), ws.Name)}
		}
		return fmt.Errorf("create %s %s: %w", kindOf(obj), obj.GetName(), err)
	}
	obs.created = append(obs.created, kindOf(obj)+" "+obj.GetName())
	obs.createdLast = obj
	return nil
}

// eventCreated records one Created event naming every child this pass
// made: a new Workspace costs one Event write, not one per child (claim,
// Service, Deployment, route).
func (r *Reconciler) eventCreated(ws *wsv1.Workspace, obs *observed) {
	if len(obs.created) == 0 {
		return
	}
	r.Recorder.Eventf(ws, obs.createdLast, corev1.EventTypeNormal, ReasonCreated, "Create", "created %s", strings.Join(obs.created, ", "))
}

// ensureClaim creates the primary claim, adopts one a deleted Workspace of
// the same name retained, and grows it when the effective size grows. It
// never shrinks it and never changes its class (the API server refuses
// both); the Degraded condition says so instead.
func (r *Reconciler) ensureClaim(ctx context.Context, ws, eff *wsv1.Workspace, obs *observed) error {
	want := BuildClaim(eff)
	have := &corev1.PersistentVolumeClaim{}
	found, err := r.get(ctx, ws, want.Name, have)
	if err != nil {
		return err
	}
	if !found {
		if err := r.create(ctx, ws, want, obs); err != nil {
			return err
		}
		obs.claim = want
		return nil
	}
	if retainedFor(ws, have) {
		patch := client.MergeFrom(have.DeepCopy())
		if err := controllerutil.SetControllerReference(ws, have, r.Scheme()); err != nil {
			return err
		}
		if err := r.Patch(ctx, have, patch); err != nil {
			return fmt.Errorf("adopt PersistentVolumeClaim %s: %w", have.Name, err)
		}
		r.Recorder.Eventf(ws, have, corev1.EventTypeNormal, ReasonStorageAdopted, "Adopt",
			"using the retained PersistentVolumeClaim %s of an earlier Workspace %s, with its data", have.Name, ws.Name)
	}
	if err := mustOwn(ws, have); err != nil {
		return err
	}
	obs.claim = have
	if w, h := ptr.Deref(want.Spec.StorageClassName, ""), ptr.Deref(have.Spec.StorageClassName, ""); w != "" && w != h {
		obs.claimReason = ReasonClassChanged
		obs.claimProblem = fmt.Sprintf("PersistentVolumeClaim %s has StorageClass %q; a claim's class cannot change, so storage.storageClassName %q is not applied; set it back, or create a new Workspace",
			have.Name, h, w)
		return nil
	}
	wantSize, haveSize := want.Spec.Resources.Requests[corev1.ResourceStorage], have.Spec.Resources.Requests[corev1.ResourceStorage]
	switch wantSize.Cmp(haveSize) {
	case -1:
		obs.claimReason = ReasonShrinkRefused
		obs.claimProblem = fmt.Sprintf("PersistentVolumeClaim %s requests %s; storage cannot shrink, so storage.size %s is not applied; set it to at least %s",
			have.Name, haveSize.String(), wantSize.String(), haveSize.String())
	case 1:
		grown := have.DeepCopy()
		grown.Spec.Resources.Requests[corev1.ResourceStorage] = wantSize
		if err := r.Patch(ctx, grown, client.MergeFrom(have)); err != nil {
			if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) {
				obs.claimReason = ReasonResizeRefused
				obs.claimProblem = fmt.Sprintf("PersistentVolumeClaim %s cannot grow from %s to %s (%s); use a StorageClass with allowVolumeExpansion, or set storage.size back to %s",
					have.Name, haveSize.String(), wantSize.String(), apiMessage(err), haveSize.String())
				return nil
			}
			return fmt.Errorf("resize PersistentVolumeClaim %s: %w", have.Name, err)
		}
		obs.claim = grown
		r.Recorder.Eventf(ws, have, corev1.EventTypeNormal, ReasonUpdated, "Resize",
			"PersistentVolumeClaim %s grows from %s to %s", have.Name, haveSize.String(), wantSize.String())
	}
	return nil
}

// retainedFor: claim is the primary claim a deleted Workspace of this name
// retained (labelled by Weir for it, controlled by nothing).
func retainedFor(ws *wsv1.Workspace, claim *corev1.PersistentVolumeClaim) bool {
	return metav1.GetControllerOf(claim) == nil &&
		claim.Labels[runsv1.LabelManagedBy] == runsv1.ManagedBy &&
		claim.Annotations[AnnotationWorkspace] == ws.Name
}

// ensureService creates the Service, or updates it when its spec changed.
func (r *Reconciler) ensureService(ctx context.Context, ws, eff *wsv1.Workspace, obs *observed) error {
	want := BuildService(eff)
	have := &corev1.Service{}
	found, err := r.get(ctx, ws, want.Name, have)
	if err != nil {
		return err
	}
	if !found {
		obs.service = want
		return r.create(ctx, ws, want, obs)
	}
	if err := mustOwn(ws, have); err != nil {
		return err
	}
	obs.service = have
	if have.Annotations[annotationSpecHash] == want.Annotations[annotationSpecHash] {
		return nil
	}
	patch := client.MergeFrom(have.DeepCopy())
	// clusterIP and the other fields the API server fills stay as they are.
	have.Spec.Type, have.Spec.Selector, have.Spec.Ports = want.Spec.Type, want.Spec.Selector, want.Spec.Ports
	mergeMeta(have, want)
	if err := r.Patch(ctx, have, patch); err != nil {
		return fmt.Errorf("update Service %s: %w", have.Name, err)
	}
	return nil
}

// ensureDeployment creates the Deployment, or updates it when the
// effective spec or the replicas changed. holdBack needs no live read: its
// patch sets the replicas only.
func (r *Reconciler) ensureDeployment(ctx context.Context, ws, eff *wsv1.Workspace, obs *observed) error {
	want := BuildDeployment(eff, obs.profile, BasePath(obs.manager, ws.Namespace, ws.Name), Replicas(eff, true), r.Options.TunnelImage)
	have := &appsv1.Deployment{}
	found, err := r.get(ctx, ws, want.Name, have)
	if err != nil {
		return err
	}
	if !found {
		obs.deployment = want
		return r.create(ctx, ws, want, obs)
	}
	if err := mustOwn(ws, have); err != nil {
		return err
	}
	obs.deployment = have
	// holdBack scales to zero without touching the hash, so compare the
	// replicas too.
	current := func(d *appsv1.Deployment) bool {
		return d.Annotations[annotationSpecHash] == want.Annotations[annotationSpecHash] &&
			ptr.Deref(d.Spec.Replicas, 1) == *want.Spec.Replicas
	}
	if current(have) {
		return nil
	}
	// The cached Deployment has no pod template (SlimDeployment): a merge
	// patch from it could not remove what the new spec drops (a
	// nodeSelector key, a pod annotation, a profile's service account),
	// so it starts from the live object.
	live := &appsv1.Deployment{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(have), live); err != nil {
		return client.IgnoreNotFound(err) // gone: its deletion brings the Workspace back
	}
	if err := mustOwn(ws, live); err != nil {
		return err
	}
	have = live
	obs.deployment = have
	if current(have) {
		return nil // the cache was behind: the last pass's patch is there
	}
	wasReplicas := ptr.Deref(have.Spec.Replicas, 1)
	patch := client.MergeFrom(have.DeepCopy())
	have.Spec = want.Spec
	mergeMeta(have, want)
	if err := r.Patch(ctx, have, patch); err != nil {
		return fmt.Errorf("update Deployment %s: %w", have.Name, err)
	}
	switch now := *want.Spec.Replicas; {
	case wasReplicas > 0 && now == 0:
		r.Recorder.Eventf(ws, have, corev1.EventTypeNormal, ReasonStopped, "Stop",
			"desiredStatus is Stopped: Deployment %s scaled to 0; the storage and the Service are kept", have.Name)
	case wasReplicas == 0 && now > 0:
		r.Recorder.Eventf(ws, have, corev1.EventTypeNormal, ReasonUpdated, "Start", "Deployment %s scaled to 1", have.Name)
	default:
		r.Recorder.Eventf(ws, have, corev1.EventTypeNormal, ReasonUpdated, "Update", "Deployment %s updated to the Workspace's spec", have.Name)
	}
	return nil
}

// holdBack keeps an invalid Workspace without a pod: a Deployment it has
// is scaled to zero (its pod template, and the claim and Service, stay, so
// a fix starts it again as it was); none is created.
func (r *Reconciler) holdBack(ctx context.Context, ws *wsv1.Workspace, obs *observed) error {
	claim := &corev1.PersistentVolumeClaim{}
	if found, err := r.get(ctx, ws, ClaimName(ws.Name), claim); err != nil {
		return err
	} else if found && mustOwn(ws, claim) == nil {
		obs.claim = claim
	}
	svc := &corev1.Service{}
	if found, err := r.get(ctx, ws, ServiceName(ws.Name), svc); err != nil {
		return err
	} else if found && mustOwn(ws, svc) == nil {
		obs.service = svc
	}
	d := &appsv1.Deployment{}
	found, err := r.get(ctx, ws, DeploymentName(ws.Name), d)
	if err != nil || !found || mustOwn(ws, d) != nil {
		return err
	}
	obs.deployment = d
	if ptr.Deref(d.Spec.Replicas, 1) == 0 {
		return nil
	}
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Replicas = ptr.To[int32](0)
	if err := r.Patch(ctx, d, patch); err != nil {
		return fmt.Errorf("scale Deployment %s to 0: %w", d.Name, err)
	}
	r.Recorder.Eventf(ws, d, corev1.EventTypeWarning, ReasonHeldBack, "Stop",
		"Deployment %s scaled to 0 while the Workspace is not valid (see its Valid condition)", d.Name)
	return nil
}

// apiMessage is what the API server said, without the request's preamble.
func apiMessage(err error) string {
	if st, ok := err.(apierrors.APIStatus); ok && st.Status().Message != "" {
		return st.Status().Message
	}
	return err.Error()
}

// mergeMeta sets want's labels and annotations on have, keeping the ones
// others set (the Deployment controller's revision annotation).
func mergeMeta(have, want client.Object) {
	labels, annotations := have.GetLabels(), have.GetAnnotations()
	if labels == nil {
		labels = map[string]string{}
	}
	if annotations == nil {
		annotations = map[string]string{}
	}
	for k, v := range want.GetLabels() {
		labels[k] = v
	}
	for k, v := range want.GetAnnotations() {
		annotations[k] = v
	}
	have.SetLabels(labels)
	have.SetAnnotations(annotations)
}
