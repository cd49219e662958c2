// Package related fills the policy engine's input.related: the objects a
// Weir object refers to, read from the manager's cache. The webhooks and
// the reconcilers both call it, so a policy sees the same input at
// admission and at reconcile (docs/policies.md).
package related

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// Resolver adds to out the entries of input.related it is responsible
// for. A referenced object that does not exist is left out (policies
// read a missing entry as "not there, or not known"); any other failure
// to read it is an error, since a decision without it could be wrong
// either way.
type Resolver interface {
	Resolve(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error
}

// ResolverFunc is a Resolver.
type ResolverFunc func(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error

// Resolve implements Resolver.
func (f ResolverFunc) Resolve(ctx context.Context, r client.Reader, obj *unstructured.Unstructured, out map[string]any) error {
	return f(ctx, r, obj, out)
}

// Registry lists the resolvers of each kind. A kind it does not list gets
// its Namespace, as every namespaced request always has.
type Registry map[schema.GroupKind][]Resolver

// Default is the registry the webhooks and reconcilers use.
var Default = Registry{
	{Group: runsv1.GroupVersion.Group, Kind: "Run"}:              {Namespace},
	{Group: wsv1.GroupVersion.Group, Kind: "Workspace"}:          {Namespace, Template, Profile},
	{Group: wsv1.GroupVersion.Group, Kind: "WorkspaceShare"}:     {Namespace, Workspace},
	{Group: wsv1.GroupVersion.Group, Kind: "WorkspaceTemplate"}:  nil,
	{Group: policiesv1.GroupVersion.Group, Kind: "PolicyBundle"}: nil,
}

// Resolve returns input.related for obj, which must carry its kind.
func (reg Registry) Resolve(ctx context.Context, r client.Reader, obj *unstructured.Unstructured) (map[string]any, error) {
	out := map[string]any{}
	if r == nil || obj == nil {
		return out, nil
	}
	resolvers, ok := reg[obj.GroupVersionKind().GroupKind()]
	if !ok {
		resolvers = []Resolver{Namespace}
	}
	for _, res := range resolvers {
		if err := res.Resolve(ctx, r, obj, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// scheme knows Weir's kinds, so For can name a typed object's kind
// (objects read from the cache carry none).
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(runsv1.AddToScheme(s))
	utilruntime.Must(policiesv1.AddToScheme(s))
	utilruntime.Must(pluginsv1.AddToScheme(s))
	utilruntime.Must(wsv1.AddToScheme(s))
	return s
}()

// For returns input.related for a stored object (a Weir type or
// unstructured) from r, as the webhook resolves it for a request about
// that object: a reconciler's call, with the manager's client as r.
func For(ctx context.Context, r client.Reader, obj client.Object) (map[string]any, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return map[string]any{}, err
	}
	return Default.Resolve(ctx, r, u)
}

func toUnstructured(obj client.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	gvk, err := apiutil.GVKForObject(obj, scheme)
	if err != nil {
		return nil, fmt.Errorf("related: %w", err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("related: %s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvk)
	return u, nil
}
