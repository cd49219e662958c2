package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
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

// relatedLookup is one entry of input.related that the cluster resolves
// for a request: which object it reads, and what the files hold of it.
type relatedLookup struct {
	key        string         // input.related.<key>
	kind, name string         // the object the cluster reads
	value      map[string]any // nil: not in the files
}

// lookups are the entries the cluster's resolver (webhooks.Related and
// the controllers) fills for in: the request's Namespace, and for a
// Workspace the WorkspaceTemplate its templateRef names (on DELETE, the
// stored object's), each resolved from the files when they hold it.
func (f fileObjects) lookups(in engine.Input) []relatedLookup {
	var out []relatedLookup
	if in.Namespace != "" {
		l := relatedLookup{key: "namespace", kind: "Namespace", name: in.Namespace}
		if ns, ok := f[objectKey{gk: schema.GroupKind{Kind: "Namespace"}, name: in.Namespace}]; ok {
			meta, _ := ns["metadata"].(map[string]any)
			// Metadata only, as the cluster resolves it.
			l.value = map[string]any{"metadata": map[string]any{
				"name":        in.Namespace,
				"labels":      orEmpty(meta["labels"]),
				"annotations": orEmpty(meta["annotations"]),
			}}
		}
		out = append(out, l)
	}
	if in.Kind.Group == wsv1.GroupVersion.Group && in.Kind.Kind == "Workspace" {
		if ref := templateRef(in.Object); ref != "" || templateRef(in.OldObject) != "" {
			if ref == "" {
				ref = templateRef(in.OldObject)
			}
			l := relatedLookup{key: "template", kind: "WorkspaceTemplate", name: ref}
			if t, ok := f[objectKey{gk: wsv1.GroupVersion.WithKind("WorkspaceTemplate").GroupKind(), name: ref}]; ok {
				l.value = runtime.DeepCopyJSON(t)
			}
			out = append(out, l)
		}
	}
	return out
}

func templateRef(obj map[string]any) string {
	spec, _ := obj["spec"].(map[string]any)
	ref, _ := spec["templateRef"].(string)
	return ref
}

func orEmpty(v any) any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// relatedOf is input.related: the entries found; one that is not in the
// files is left out, as the cluster leaves out what does not exist.
func relatedOf(lookups []relatedLookup) map[string]any {
	out := map[string]any{}
	for _, l := range lookups {
		if l.value != nil {
			out[l.key] = l.value
		}
	}
	return out
}

// relatedUndecided lists what b's package for in.Kind reads of
// input.related that the cluster would resolve and the files do not hold,
// and what it reads that eval does not resolve at all.
func relatedUndecided(b engine.Bundle, in engine.Input, lookups []relatedLookup) []string {
	files := engine.RelatedReaders(b, in.Kind)
	if len(files) == 0 {
		return nil
	}
	keys := relatedKeys(b, files)
	var out []string
	known := map[string]bool{}
	for _, l := range lookups {
		known[l.key] = true
		if l.value == nil && (keys[l.key] || keys["*"]) {
			out = append(out, fmt.Sprintf("%s %s is not in the files given: bundle %s reads input.related.%s (%v), which the cluster resolves; add the %s to the files to decide offline",
				l.kind, l.name, b.Name, l.key, files, l.kind))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k != "*" && !known[k] && !resolvedKeys[k] {
			out = append(out, fmt.Sprintf("bundle %s reads input.related.%s (%v), which only the cluster may resolve; it is left out here",
				b.Name, k, files))
		}
	}
	return out
}

// resolvedKeys are the entries of input.related that eval resolves like
// the cluster (lookups); one a request does not get is absent in both.
var resolvedKeys = map[string]bool{"namespace": true, "template": true}

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
