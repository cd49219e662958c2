package runs

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// The operator reads only the metadata of Secrets (PartialObjectMetadata,
// past the cache), to learn whether they exist; RBAC has no metadata-only
// verb, so this is `get`. It never lists or watches them.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reasons of the ReferencesResolved condition.
const (
	ReasonReferencesFound        = "Found"
	ReasonSecretNotFound         = "SecretNotFound"
	ReasonServiceAccountNotFound = "ServiceAccountNotFound"
)

// reference is an object a Run's pods need before they can start.
type reference struct {
	kind, name, field string
}

// references lists the Secrets and the ServiceAccount a Run's pods cannot
// start without; optional Secret references are left out.
func references(run *runsv1.Run) []reference {
	var refs []reference
	for i, e := range run.Spec.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && !ptr.Deref(e.ValueFrom.SecretKeyRef.Optional, false) {
			refs = append(refs, reference{"Secret", e.ValueFrom.SecretKeyRef.Name,
				fmt.Sprintf("spec.env[%d].valueFrom.secretKeyRef (%s)", i, e.Name)})
		}
	}
	for i, e := range run.Spec.EnvFrom {
		if e.SecretRef != nil && !ptr.Deref(e.SecretRef.Optional, false) {
			refs = append(refs, reference{"Secret", e.SecretRef.Name, fmt.Sprintf("spec.envFrom[%d].secretRef", i)})
		}
	}
	if run.Spec.ServiceAccountName != "" {
		refs = append(refs, reference{"ServiceAccount", run.Spec.ServiceAccountName, "spec.serviceAccountName"})
	}
	return refs
}

// checkReferences says whether the Secrets and ServiceAccount the Run
// names exist. The cache holds Weir's own objects only, so it reads the API
// server, metadata only: no Secret data ever reaches the operator.
func (r *Reconciler) checkReferences(ctx context.Context, run *runsv1.Run) (metav1.Condition, error) {
	c := metav1.Condition{Type: runsv1.ConditionReferencesResolved, Status: metav1.ConditionTrue,
		Reason: ReasonReferencesFound, ObservedGeneration: run.Generation,
		Message: "every Secret and ServiceAccount the Run names exists"}
	var missing []string
	looked := map[reference]error{} // one read per object, however often it is named
	for _, ref := range references(run) {
		id := reference{kind: ref.kind, name: ref.name}
		err, seen := looked[id]
		if !seen {
			obj := &metav1.PartialObjectMetadata{}
			obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(ref.kind))
			err = r.APIReader.Get(ctx, client.ObjectKey{Namespace: run.Namespace, Name: ref.name}, obj)
			looked[id] = err
		}
		switch {
		case apierrors.IsNotFound(err):
			if c.Reason == ReasonReferencesFound || ref.kind == "Secret" {
				c.Reason = ref.kind + "NotFound"
			}
			missing = append(missing, fmt.Sprintf("%s %s (%s) does not exist", ref.kind, ref.name, ref.field))
		case err != nil:
			c.Status, c.Reason = metav1.ConditionUnknown, "CheckFailed"
			c.Message = fmt.Sprintf("cannot check %s %s (%s): %v", ref.kind, ref.name, ref.field, err)
			return c, fmt.Errorf("checking %s %s: %w", ref.kind, ref.name, err)
		}
	}
	if len(missing) > 0 {
		c.Status = metav1.ConditionFalse
		c.Message = fmt.Sprintf("in namespace %s: %s; the ingestion pod cannot start until they are created "+
			"(or a Secret reference is marked optional: true)", run.Namespace, strings.Join(missing, "; "))
	}
	return c, nil
}

// setReferences records ReferencesResolved and warns once per new problem.
func (r *Reconciler) setReferences(run *runsv1.Run, before *runsv1.RunStatus, c metav1.Condition) {
	prev := meta.FindStatusCondition(before.Conditions, runsv1.ConditionReferencesResolved)
	if c.Status == metav1.ConditionFalse && (prev == nil || prev.Message != c.Message) {
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, c.Reason, "CheckReferences", "%s", c.Message)
	}
	meta.SetStatusCondition(&run.Status.Conditions, c)
}
