package workspaces

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
)

// Reasons of the Available, Progressing and Degraded conditions.
const (
	ReasonRunning      = "Running"
	ReasonStarting     = "Starting"
	ReasonStopping     = "Stopping"
	ReasonNotValid     = "NotValid"
	ReasonStable       = "Stable"
	ReasonAsExpected   = "AsExpected"
	ReasonNameConflict = "NameConflict"
	ReasonRolloutFail  = "RolloutFailed"
	// ReasonStoppedState (Available=False): desiredStatus is Stopped.
	ReasonStoppedState = "Stopped"
)

func findCondition(conds []metav1.Condition, t string) *metav1.Condition {
	return meta.FindStatusCondition(conds, t)
}

// urlOf is the Workspace's status.url. Under a manager: its URL there
// while it runs (valid, Running) and has a route; "" otherwise, so a
// stopped Workspace shows no URL while its route stays for the restart.
// Without a manager: the --workspace-url-base URL, as before managers.
func (r *Reconciler) urlOf(ws, eff *wsv1.Workspace, valid bool, obs *observed) string {
	m := obs.manager
	if m == nil {
		return r.Options.URL(ws.Namespace, ws.Name)
	}
	if !valid || eff.Spec.DesiredStatus == wsv1.DesiredStopped || obs.route == nil {
		return ""
	}
	return WorkspaceURL(m, ws.Namespace, ws.Name)
}

// setStatus records the effective spec and what the children look like.
func (r *Reconciler) setStatus(ws, eff *wsv1.Workspace, valid bool, obs *observed, url string, childErr error) {
	st := &ws.Status
	st.URL = url
	st.Route = obs.route
	st.ServiceAccountName = ""
	if obs.profile != nil {
		st.ServiceAccountName = obs.profile.Spec.ServiceAccountName
	}
	st.Image = eff.Spec.Image
	st.Resources = eff.Spec.Resources
	st.Storage = StorageStatus(eff)
	if c := obs.claim; c != nil {
		st.Storage.Phase = c.Status.Phase
		if q, ok := c.Status.Capacity[corev1.ResourceStorage]; ok {
			st.Storage.Capacity = &q
		}
	}
	st.DeploymentName, st.ServiceName = "", ""
	if obs.service != nil {
		st.ServiceName = obs.service.Name
	}
	desired := Replicas(eff, valid)
	st.DesiredReplicas, st.CurrentReplicas, st.ReadyReplicas = desired, 0, 0
	d := obs.deployment
	if d != nil {
		st.DeploymentName = d.Name
		st.CurrentReplicas, st.ReadyReplicas = d.Status.Replicas, d.Status.ReadyReplicas
	}
	status.SetCondition(ws, &st.Conditions, available(eff, valid, obs, st.URL))
	status.SetCondition(ws, &st.Conditions, progressing(desired, valid, d))
	status.SetCondition(ws, &st.Conditions, degraded(obs, d, childErr))
}

// settled: the Deployment controller has seen the latest spec and the
// pods are what it asks for.
func settled(d *appsv1.Deployment, desired int32) bool {
	return d.Status.ObservedGeneration >= d.Generation && d.Generation > 0 &&
		d.Status.Replicas == desired && d.Status.UpdatedReplicas == desired &&
		d.Status.AvailableReplicas == desired
}

// podReady: the Deployment controller has seen the latest spec and the
// IDE pod is ready.
func podReady(d *appsv1.Deployment) bool {
	return d != nil && d.Status.ObservedGeneration >= d.Generation && d.Generation > 0 && d.Status.AvailableReplicas >= 1
}

// available says whether the IDE serves: its pod is ready and, when the
// route was probed, the URL answered. A claim that is not bound is the
// usual reason a pod waits (no default StorageClass, no volume to match),
// so the message names it rather than only the pod.
func available(eff *wsv1.Workspace, valid bool, obs *observed, url string) metav1.Condition {
	d, claim := obs.deployment, obs.claim
	c := metav1.Condition{Type: wsv1.ConditionAvailable, Status: metav1.ConditionFalse}
	switch {
	case !valid:
		c.Reason, c.Message = ReasonNotValid, "no pod runs while the Workspace is not valid; see the Valid condition"
	case eff.Spec.DesiredStatus == wsv1.DesiredStopped:
		c.Reason, c.Message = ReasonStoppedState, "desiredStatus is Stopped: no pod runs; the storage, the Service and the route are kept, status.url is empty"
	case d == nil:
		c.Reason, c.Message = ReasonStarting, "the Deployment is being created"
	case podReady(d) && obs.probed && obs.probeErr != nil:
		c.Reason = ReasonRouteNotServing
		c.Message = fmt.Sprintf("the IDE pod of Deployment %s is ready, but %s does not serve it (%s %s): %v",
			d.Name, url, obs.route.Kind, obs.route.Name, obs.probeErr)
	case podReady(d):
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, ReasonRunning, "the IDE pod of Deployment "+d.Name+" is ready"
		switch {
		case obs.probed:
			c.Message += " and serves at " + url
		case url == "" && obs.manager != nil:
			c.Message += "; status.url is empty: WorkspaceManager " + obs.manager.Name + " cannot route it (see the Degraded condition)"
		case url == "":
			c.Message += "; status.url is empty: no WorkspaceManager serves this namespace and the manager has no --workspace-url-base"
		}
	default:
		c.Reason, c.Message = ReasonStarting, "waiting for the IDE pod of Deployment "+d.Name+" to be ready"
	}
	if c.Status == metav1.ConditionFalse && c.Reason == ReasonStarting && claim != nil && claim.Status.Phase != corev1.ClaimBound {
		c.Message += fmt.Sprintf("; PersistentVolumeClaim %s is %s, not bound: the pod cannot start until it is "+
			"(kubectl describe pvc %s -n %s says why: no default StorageClass, no volume that matches)",
			claim.Name, phaseOrPending(claim.Status.Phase), claim.Name, claim.Namespace)
	}
	return c
}

func phaseOrPending(p corev1.PersistentVolumeClaimPhase) corev1.PersistentVolumeClaimPhase {
	if p == "" {
		return corev1.ClaimPending
	}
	return p
}

func progressing(desired int32, valid bool, d *appsv1.Deployment) metav1.Condition {
	c := metav1.Condition{Type: wsv1.ConditionProgressing, Status: metav1.ConditionTrue}
	switch {
	case d == nil && desired == 0:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonStable, "no Deployment, none wanted"
		if !valid {
			c.Reason, c.Message = ReasonNotValid, "nothing is created while the Workspace is not valid; see the Valid condition"
		}
	case d == nil:
		c.Reason, c.Message = ReasonStarting, "creating the Deployment"
	case settled(d, desired):
		c.Status, c.Reason = metav1.ConditionFalse, ReasonStable
		c.Message = fmt.Sprintf("Deployment %s has the %d pod(s) it should", d.Name, desired)
	// No pod counts in the messages: a reconcile comes only for a change
	// status shows (predicates.go), and counts would date between two.
	case desired == 0:
		c.Reason = ReasonStopping
		c.Message = "Deployment " + d.Name + " is scaling to 0"
	default:
		c.Reason = ReasonStarting
		c.Message = "Deployment " + d.Name + " is starting its pod"
	}
	return c
}

func degraded(obs *observed, d *appsv1.Deployment, childErr error) metav1.Condition {
	c := metav1.Condition{Type: wsv1.ConditionDegraded, Status: metav1.ConditionTrue}
	switch {
	case childErr != nil:
		c.Reason, c.Message = ReasonReconcileError, childErr.Error()
		if errors.As(childErr, new(errConflict)) {
			c.Reason = ReasonNameConflict
		}
	case obs.claimProblem != "":
		c.Reason, c.Message = obs.claimReason, obs.claimProblem
	case obs.routeProblem != "":
		c.Reason, c.Message = ReasonRouteNotPossible, obs.routeProblem
	case obs.claim != nil && obs.claim.Status.Phase == corev1.ClaimLost:
		c.Reason = ReasonClaimLost
		c.Message = "PersistentVolumeClaim " + obs.claim.Name + " lost its volume; the data must be restored by an admin"
	case claimResizeError(obs.claim) != "":
		c.Reason, c.Message = ReasonResizeFailed, claimResizeError(obs.claim)
	case d != nil && rolloutFailure(d) != "":
		c.Reason, c.Message = ReasonRolloutFail, rolloutFailure(d)
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonAsExpected, "nothing needs attention"
	}
	return c
}

// claimResizeError is why a resize of claim failed, from the conditions
// the resize controllers set; "" when none did.
func claimResizeError(claim *corev1.PersistentVolumeClaim) string {
	if claim == nil {
		return ""
	}
	for _, pc := range claim.Status.Conditions {
		if (pc.Type == corev1.PersistentVolumeClaimControllerResizeError || pc.Type == corev1.PersistentVolumeClaimNodeResizeError) &&
			pc.Status == corev1.ConditionTrue {
			return fmt.Sprintf("PersistentVolumeClaim %s cannot grow: %s", claim.Name, pc.Message)
		}
	}
	return ""
}

// rolloutFailure is why the Deployment cannot make its pod, from its own
// conditions; "" when it can.
func rolloutFailure(d *appsv1.Deployment) string {
	for _, dc := range d.Status.Conditions {
		if (dc.Type == appsv1.DeploymentReplicaFailure && dc.Status == corev1.ConditionTrue) ||
			(dc.Type == appsv1.DeploymentProgressing && dc.Status == corev1.ConditionFalse) {
			return fmt.Sprintf("Deployment %s: %s", d.Name, dc.Message)
		}
	}
	return ""
}
