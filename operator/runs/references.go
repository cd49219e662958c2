package runs

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// checkReferences says whether the Secrets and ServiceAccount the Run
// names exist. The cache holds Weir's own objects only, so it reads the API
// server, metadata only: no Secret data ever reaches the operator.
func (r *Reconciler) checkReferences(ctx context.Context, run *runsv1.Run) (metav1.Condition, error) {
	c := metav1.Condition{Type: runsv1.ConditionReferencesResolved, Status: metav1.ConditionTrue,
		Reason: ReasonReferencesFound, ObservedGeneration: run.Generation,
		Message: "every Secret and ServiceAccount the Run names exists"}
	var missing []string
	type object struct{ kind, name string }
	looked := map[object]error{} // one read per object, however often it is named
	for _, ref := range run.References() {
		if ref.Optional {
			continue // the pods start without it
		}
		id := object{ref.Kind, ref.Name}
		err, seen := looked[id]
		if !seen {
			obj := &metav1.PartialObjectMetadata{}
			obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(ref.Kind))
			err = r.APIReader.Get(ctx, client.ObjectKey{Namespace: run.Namespace, Name: ref.Name}, obj)
			looked[id] = err
		}
		where := ref.Field
		if ref.Variable != "" {
			where += ", variable " + ref.Variable
		}
		switch {
		case apierrors.IsNotFound(err):
			if c.Reason == ReasonReferencesFound || ref.Kind == "Secret" {
				c.Reason = ref.Kind + "NotFound"
			}
			missing = append(missing, fmt.Sprintf("%s %s (%s) does not exist", ref.Kind, ref.Name, where))
		case err != nil:
			c.Status, c.Reason = metav1.ConditionUnknown, "CheckFailed"
			c.Message = fmt.Sprintf("cannot check %s %s (%s): %v", ref.Kind, ref.Name, where, err)
			return c, fmt.Errorf("checking %s %s: %w", ref.Kind, ref.Name, err)
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
