package related

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// sameNamespace resolves the object of kind that the string field of obj
// names, in obj's namespace, into out[key], whole as the API server returns
// it. Left out when obj names none or it does not exist (yet): the
// policies decide what a missing object means.
func sameNamespace(kind string, field []string, key string, newObj func() client.Object) Resolver {
	return ResolverFunc(func(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error {
		name, _, _ := unstructured.NestedString(obj.Object, field...)
		if name == "" || obj.GetNamespace() == "" {
			return nil
		}
		o := newObj()
		if err := r.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: name}, o); err != nil {
			if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
				return nil
			}
			return fmt.Errorf("%s %s/%s: %w", kind, obj.GetNamespace(), name, err)
		}
		m, err := asRelated(o, kind)
		if err != nil {
			return err
		}
		out[key] = m
		return nil
	})
}
