package webhooks

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// The webhook asks the API server whether the Secrets and ServiceAccount a
// Run names exist: a metadata-only get of each (RBAC has no metadata-only
// verb), never a list or watch, and never a Secret's data.
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts,verbs=get

// reference is an object a Run's pods cannot start without.
type reference struct {
	kind, name, field, hint string
}

// runReferences lists the Secrets and the ServiceAccount run names;
// optional Secret references are left out.
func runReferences(run *runsv1.Run) []reference {
	var refs []reference
	for i, e := range run.Spec.Env {
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && !ptr.Deref(r.SecretKeyRef.Optional, false) {
			refs = append(refs, reference{"Secret", r.SecretKeyRef.Name, fmt.Sprintf("spec.env[%d].valueFrom.secretKeyRef.name", i),
				fmt.Sprintf("kubectl create secret generic %s -n %s --from-literal=%s=...", r.SecretKeyRef.Name, run.Namespace, r.SecretKeyRef.Key)})
		}
	}
	for i, e := range run.Spec.EnvFrom {
		if e.SecretRef != nil && !ptr.Deref(e.SecretRef.Optional, false) {
			refs = append(refs, reference{"Secret", e.SecretRef.Name, fmt.Sprintf("spec.envFrom[%d].secretRef.name", i),
				fmt.Sprintf("kubectl create secret generic %s -n %s --from-literal=<VAR>=...", e.SecretRef.Name, run.Namespace)})
		}
	}
	if sa := run.Spec.ServiceAccountName; sa != "" {
		refs = append(refs, reference{"ServiceAccount", sa, "spec.serviceAccountName",
			fmt.Sprintf("kubectl create serviceaccount %s -n %s", sa, run.Namespace)})
	}
	return refs
}

// missingReferences warns, at kubectl apply, of each Secret and
// ServiceAccount the Run names that does not exist. It is a warning: the
// Secret may well be applied next, and the Run's status says the same
// (ReferencesResolved). On UPDATE it speaks only when the spec changed,
// so the controller's own writes draw no warnings. A lookup that fails
// says nothing rather than fail the request.
func missingReferences(reader client.Reader) func(context.Context, admission.Request) []engine.Violation {
	return func(ctx context.Context, req admission.Request) []engine.Violation {
		run := &runsv1.Run{}
		if len(req.Object.Raw) == 0 || json.Unmarshal(req.Object.Raw, run) != nil || run.DeletionTimestamp != nil {
			return nil
		}
		run.Namespace = req.Namespace
		if len(req.OldObject.Raw) > 0 {
			old := &runsv1.Run{}
			if json.Unmarshal(req.OldObject.Raw, old) == nil && equality.Semantic.DeepEqual(old.Spec, run.Spec) {
				return nil
			}
		}
		var out []engine.Violation
		for _, ref := range runReferences(run) {
			obj := &metav1.PartialObjectMetadata{}
			obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(ref.kind))
			if err := reader.Get(ctx, client.ObjectKey{Namespace: req.Namespace, Name: ref.name}, obj); apierrors.IsNotFound(err) {
				out = append(out, engine.Violation{Field: ref.field, Message: fmt.Sprintf(
					"%s %q does not exist in namespace %s, so the Run's pods cannot start; create it: %s",
					ref.kind, ref.name, req.Namespace, ref.hint)})
			}
		}
		return out
	}
}
