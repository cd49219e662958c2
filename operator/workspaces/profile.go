package workspaces

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspaceexecutionprofiles,verbs=get;list;watch

// executionProfileRefIndex indexes Workspaces by spec.executionProfileRef,
// so a profile's change reaches the Workspaces that run with it.
const executionProfileRefIndex = "spec.executionProfileRef"

func executionProfileRefOf(o client.Object) []string {
	if ref := o.(*wsv1.Workspace).Spec.ExecutionProfileRef; ref != "" {
		return []string{ref}
	}
	return nil
}

// workspacesOfProfile queues the Workspaces of a profile's namespace that
// name it.
func (r *Reconciler) workspacesOfProfile(ctx context.Context, o client.Object) []reconcile.Request {
	list := &wsv1.WorkspaceList{}
	if err := r.List(ctx, list, client.InNamespace(o.GetNamespace()), client.MatchingFields{executionProfileRefIndex: o.GetName()}); err != nil {
		mgrLog(ctx).Error(err, "listing the Workspaces of an execution profile", "profile", o.GetNamespace()+"/"+o.GetName())
		return nil
	}
	return requestsFor(list.Items)
}

// profileOf is the execution profile an effective Workspace names, from
// the cache: nil without a reference; a Valid=False condition
// (ExecutionProfileNotFound) when it names one that does not exist, for
// the policies may not have seen it go yet, and no pod runs without the
// identity it asks for.
func (r *Reconciler) profileOf(ctx context.Context, eff *wsv1.Workspace) (*wsv1.WorkspaceExecutionProfile, *metav1.Condition, error) {
	ref := eff.Spec.ExecutionProfileRef
	if ref == "" {
		return nil, nil, nil
	}
	p := &wsv1.WorkspaceExecutionProfile{}
	err := r.Get(ctx, client.ObjectKey{Namespace: eff.Namespace, Name: ref}, p)
	switch {
	case apierrors.IsNotFound(err):
		return nil, &metav1.Condition{Type: wsv1.ConditionValid, Status: metav1.ConditionFalse, Reason: wsv1.ReasonExecutionProfileNotFound,
			Message: fmt.Sprintf("spec.executionProfileRef: WorkspaceExecutionProfile %q does not exist in namespace %s; create it, or name another profile",
				ref, eff.Namespace)}, nil
	case err != nil:
		return nil, nil, fmt.Errorf("WorkspaceExecutionProfile %s: %w", ref, err)
	}
	return p, nil, nil
}

// reservedKey: labels and annotations under Weir's own names, which a
// profile cannot put on a pod (they select and describe Weir's children).
func reservedKey(k string) bool {
	return k == runsv1.LabelManagedBy || strings.HasPrefix(k, "workspace.jupyter.org/") ||
		strings.HasPrefix(k, runsv1.GroupVersion.Group+"/")
}

// withProfile gives an IDE pod the identity of its execution profile:
// ServiceAccount, token automount (off unless the profile turns it on),
// the profile's pod labels and annotations under Weir's own, and its env
// after the Workspace's. Without a profile the pod has the namespace's
// default ServiceAccount and no token: nothing else can name one.
func withProfile(pod *corev1.PodTemplateSpec, p *wsv1.WorkspaceExecutionProfile) {
	pod.Spec.AutomountServiceAccountToken = ptr.To(false)
	if p == nil {
		return
	}
	s := p.Spec
	pod.Spec.ServiceAccountName = s.ServiceAccountName
	pod.Spec.AutomountServiceAccountToken = ptr.To(ptr.Deref(s.AutomountServiceAccountToken, false))
	for k, v := range s.PodLabels {
		if _, ours := pod.Labels[k]; !ours && !reservedKey(k) {
			if pod.Labels == nil {
				pod.Labels = map[string]string{}
			}
			pod.Labels[k] = v
		}
	}
	for k, v := range s.PodAnnotations {
		if !reservedKey(k) {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
	}
	c := &pod.Spec.Containers[0]
	c.Env = mergeEnv(c.Env, s.Env)
}

// mergeEnv is first's entries, then second's whose names first does not
// set.
func mergeEnv(first, second []corev1.EnvVar) []corev1.EnvVar {
	if len(second) == 0 {
		return first
	}
	names := make(map[string]bool, len(first))
	for _, e := range first {
		names[e.Name] = true
	}
	out := append([]corev1.EnvVar(nil), first...)
	for _, e := range second {
		if !names[e.Name] {
			out = append(out, e)
		}
	}
	return out
}
