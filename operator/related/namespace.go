package related

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// Namespace sets related.namespace to the object's Namespace, metadata
// only (name, labels, annotations), so policies can key rules on
// namespace labels. Cluster-scoped objects have none.
var Namespace Resolver = ResolverFunc(namespace)

func namespace(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error {
	name := obj.GetNamespace()
	if name == "" {
		return nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	out["namespace"] = map[string]any{"metadata": map[string]any{
		"name":        ns.Name,
		"labels":      orEmpty(ns.Labels),
		"annotations": orEmpty(ns.Annotations),
	}}
	return nil
}

func orEmpty(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
