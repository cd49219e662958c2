package webhooks

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
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

// reference is a Secret or ServiceAccount a Run's pods use.
type reference struct {
	kind, name, field, hint string
	// optional: the pods start without it (secretKeyRef.optional).
	optional bool
}

// runReferences lists the Secrets and the ServiceAccount run names, in
// the order of its fields.
func runReferences(run *runsv1.Run) []reference {
	var refs []reference
	for i, e := range run.Spec.Env {
		if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
			refs = append(refs, reference{"Secret", r.SecretKeyRef.Name, fmt.Sprintf("spec.env[%d].valueFrom.secretKeyRef.name", i),
				fmt.Sprintf("kubectl create secret generic %s -n %s --from-literal=%s=...", r.SecretKeyRef.Name, run.Namespace, r.SecretKeyRef.Key),
				ptr.Deref(r.SecretKeyRef.Optional, false)})
		}
	}
	for i, e := range run.Spec.EnvFrom {
		if e.SecretRef != nil {
			refs = append(refs, reference{"Secret", e.SecretRef.Name, fmt.Sprintf("spec.envFrom[%d].secretRef.name", i),
				fmt.Sprintf("kubectl create secret generic %s -n %s --from-literal=<VAR>=...", e.SecretRef.Name, run.Namespace),
				ptr.Deref(e.SecretRef.Optional, false)})
		}
	}
	if sa := run.Spec.ServiceAccountName; sa != "" {
		refs = append(refs, reference{"ServiceAccount", sa, "spec.serviceAccountName",
			fmt.Sprintf("kubectl create serviceaccount %s -n %s", sa, run.Namespace), false})
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
		run, changed := runChange(req)
		if !changed {
			return nil
		}
		var out []engine.Violation
		for _, ref := range runReferences(run) {
			if ref.optional {
				continue
			}
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
