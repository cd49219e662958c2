package webhooks

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// The webhook asks the API server whether the Secrets and ServiceAccount a
// Run names exist: a metadata-only get of each (RBAC has no metadata-only
// verb), never a list or watch, and never a Secret's data.
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts,verbs=get

// createHint is the kubectl command that creates a missing reference.
func createHint(ref runsv1.Reference, ns string) string {
	switch {
	case ref.Kind == "ServiceAccount":
		return fmt.Sprintf("kubectl create serviceaccount %s -n %s", ref.Name, ns)
	case ref.Key != "":
		return fmt.Sprintf("kubectl create secret generic %s -n %s --from-literal=%s=...", ref.Name, ns, ref.Key)
	}
	return fmt.Sprintf("kubectl create secret generic %s -n %s --from-literal=<VAR>=...", ref.Name, ns)
}

// missingReferences warns, at kubectl apply, of each Secret and
// ServiceAccount the Run names that does not exist. It is a warning: the
// Secret may well be applied next, and the Run's status says the same
// (ReferencesResolved). On UPDATE it speaks only when the spec changed,
// so the controller's own writes draw no warnings. A lookup that fails
// says nothing rather than fail the request.
//
// An object found is not looked up again for recentTTL (recent.go); a
// missing one is, so that creating it clears the warning at once.
func missingReferences(reader client.Reader) func(context.Context, admission.Request) []engine.Violation {
	found := newRecent()
	return func(ctx context.Context, req admission.Request) []engine.Violation {
		run, changed := runChange(req)
		if !changed {
			return nil
		}
		var out []engine.Violation
		for _, ref := range run.References() {
			if ref.Optional {
				continue
			}
			key := ref.Kind + "/" + req.Namespace + "/" + ref.Name
			if found.has(key) {
				continue
			}
			obj := &metav1.PartialObjectMetadata{}
			obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(ref.Kind))
			err := reader.Get(ctx, client.ObjectKey{Namespace: req.Namespace, Name: ref.Name}, obj)
			if err == nil {
				found.yes(key)
			}
			if apierrors.IsNotFound(err) {
				out = append(out, engine.Violation{Field: ref.Field, Message: fmt.Sprintf(
					"%s %q does not exist in namespace %s, so the Run's pods cannot start; create it: %s",
					ref.Kind, ref.Name, req.Namespace, createHint(ref, req.Namespace))})
			}
		}
		return out
	}
}
