package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/related"
	"github.com/weir-dev/weir/policies/engine"
)

// clusterScoped are the kinds the API server keeps without a namespace:
// their admission requests carry none, and nothing refers to them by one.
var clusterScoped = map[schema.GroupKind]bool{
	{Kind: "Namespace"}: true,
	{Group: policiesv1.GroupVersion.Group, Kind: "PolicyBundle"}: true,
	{Group: pluginsv1.GroupVersion.Group, Kind: "SourcePlugin"}:  true,
	{Group: wsv1.GroupVersion.Group, Kind: "WorkspaceTemplate"}:  true,
}

// objectKey names one object among those eval read.
type objectKey struct {
	gk              schema.GroupKind
	namespace, name string
}

// fileObjects are the objects eval read, by key, standing in for the
// manager's cache: input.related is resolved from them as the cluster
// resolves it, so a template and its Workspaces decide offline together.
type fileObjects map[objectKey]map[string]any

// indexObjects keeps a copy of every object as the API server would
// return it (a cluster-scoped one without a namespace), before the
// requests are built from them. The last of two with one key wins, as
// with kubectl apply.
func indexObjects(objects []map[string]any) fileObjects {
	out := fileObjects{}
	for _, obj := range objects {
		apiVersion, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil || kind == "" {
			continue // admissionInput reports it
		}
		c := runtime.DeepCopyJSON(obj)
		meta, _ := c["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		namespace, _ := meta["namespace"].(string)
		gk := schema.GroupKind{Group: gv.Group, Kind: kind}
		if clusterScoped[gk] {
			delete(meta, "namespace")
			namespace = ""
		}
		out[objectKey{gk: gk, namespace: namespace, name: name}] = c
	}
	return out
}

// relatedLookup is one entry of input.related that the cluster's resolver
// fills for a request, and whether the files hold what it reads.
type relatedLookup struct {
	key     string   // input.related.<key>
	found   bool     // the files hold it
	missing []string // what it read that the files do not hold ("WorkspaceTemplate x")
}

// resolveRelated is input.related for in as the cluster resolves it
// (operator/related, the webhooks' and reconcilers' resolvers), with the
// files standing in for the manager's cache, and an account of every
// entry the cluster would fill for in.
func (f fileObjects) resolveRelated(ctx context.Context, in engine.Input) (map[string]any, []relatedLookup, error) {
	out := map[string]any{}
	obj := in.Object
	if obj == nil {
		obj = in.OldObject // DELETE: the stored object's references
	}
	if obj == nil {
		return out, nil, nil
	}
	u := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(obj)}
	resolvers, ok := related.Default[u.GroupVersionKind().GroupKind()]
	if !ok {
		resolvers = []related.Resolver{related.Namespace} // as Registry.Resolve does
	}
	var lookups []relatedLookup
	for _, res := range resolvers {
		// Which entries this resolver fills when everything exists.
		owned := map[string]any{}
		if err := res.Resolve(ctx, probeReader{}, u, owned); err != nil {
			return out, nil, err
		}
		r := &fileReader{objects: f}
		if err := res.Resolve(ctx, r, u, out); err != nil {
			return out, nil, err
		}
		for _, key := range slices.Sorted(maps.Keys(owned)) {
			_, found := out[key]
			lookups = append(lookups, relatedLookup{key: key, found: found, missing: r.missing})
		}
	}
	return out, lookups, nil
}

// fileReader reads the objects eval read, as the resolvers read the
// manager's cache, and records what they asked for that is not there.
type fileReader struct {
	objects fileObjects
	missing []string
}

func (r *fileReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	gvk, err := apiutil.GVKForObject(obj, decodeScheme)
	if err != nil {
		return err
	}
	m, ok := r.objects[objectKey{gk: gvk.GroupKind(), namespace: key.Namespace, name: key.Name}]
	if !ok {
		name := key.Name
		if key.Namespace != "" {
			name = key.Namespace + "/" + key.Name
		}
		r.missing = append(r.missing, gvk.Kind+" "+name)
		return apierrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}, key.Name)
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(runtime.DeepCopyJSON(m), obj)
}

func (r *fileReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("weir policy eval resolves related objects by name only")
}

// probeReader finds every object it is asked for (empty but for its
// name), to learn which entries a resolver fills.
type probeReader struct{}

func (probeReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	obj.SetName(key.Name)
	obj.SetNamespace(key.Namespace)
	return nil
}

func (probeReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("weir policy eval resolves related objects by name only")
}

// relatedUndecided lists what b's package for in.Kind reads of
// input.related that the cluster resolves for in and the files do not
// hold.
func relatedUndecided(b engine.Bundle, in engine.Input, lookups []relatedLookup) []string {
	files := engine.RelatedReaders(b, in.Kind)
	if len(files) == 0 {
		return nil
	}
	// An entry the cluster does not resolve for in is absent there too.
	var out []string
	for _, l := range lookups {
		if l.found {
			continue
		}
		// The modules that read this entry, not every reader of related.
		var readers []string
		for _, f := range files {
			if keys := relatedKeys(b, []string{f}); keys[l.key] || keys["*"] {
				readers = append(readers, f)
			}
		}
		if len(readers) > 0 {
			what := strings.Join(l.missing, ", ")
			if what == "" {
				what = "what it holds"
			}
			out = append(out, fmt.Sprintf("%s is not in the files given: bundle %s reads input.related.%s (%v), which the cluster resolves; add it to the files to decide offline",
				what, b.Name, l.key, readers))
		}
	}
	return out
}

// relatedKeys are the entries of input.related the modules named read:
// input.related.<key>, or "*" where a rule reads it whole or by a
// computed key.
func relatedKeys(b engine.Bundle, files []string) map[string]bool {
	prefix := ast.MustParseRef("input.related")
	keys := map[string]bool{}
	for _, name := range files {
		m, err := ast.ParseModuleWithOpts(name, b.Modules[name], ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			keys["*"] = true
			continue
		}
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if !r.HasPrefix(prefix) {
				return false
			}
			if len(r) > len(prefix) {
				if s, ok := r[len(prefix)].Value.(ast.String); ok {
					keys[string(s)] = true
					return false
				}
			}
			keys["*"] = true
			return false
		})
	}
	return keys
}
