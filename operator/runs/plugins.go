package runs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/fetch"
)

// +kubebuilder:rbac:groups=plugins.weir.dev,resources=sourceplugins,verbs=get;list;watch

// ReasonUnknownSource: a runs[] entry names a source that is neither
// built in nor the id of a Ready SourcePlugin. The Run waits, and is
// reconciled again when a SourcePlugin with that id changes.
const ReasonUnknownSource = "UnknownSource"

// pluginSourcesIndex indexes Runs by the source ids they name that are
// not built in, to find the Runs a SourcePlugin change concerns.
const pluginSourcesIndex = "weir.runs.pluginSources"

var builtinIDs = sync.OnceValue(func() map[string]bool {
	ids := map[string]bool{}
	for _, id := range builtin.IDs() {
		ids[id] = true
	}
	return ids
})

// pluginIDs are the ids run names that only a SourcePlugin can provide.
func pluginIDs(run *runsv1.Run) []string {
	var out []string
	for _, id := range SourceIDs(run) {
		if !builtinIDs()[id] {
			out = append(out, id)
		}
	}
	return out
}

// unknownSourcesError names the ids nothing provides, and what is known.
type unknownSourcesError struct {
	ids      []string
	known    []string
	notReady []string // "name (reason)" of SourcePlugins that are not usable
}

func (e *unknownSourcesError) Error() string {
	quoted := make([]string, len(e.ids))
	for i, id := range e.ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	what := "source " + quoted[0] + ", which is"
	if len(quoted) > 1 {
		what = "sources " + strings.Join(quoted, ", ") + ", which are"
	}
	msg := fmt.Sprintf("spec.runs names %s neither built in nor the id of a Ready SourcePlugin; known sources: %s",
		what, strings.Join(e.known, ", "))
	if len(e.notReady) > 0 {
		msg += "; SourcePlugins not Ready: " + strings.Join(e.notReady, ", ")
	}
	return msg
}

// resolvePlugins finds, in the cache, the Ready SourcePlugin of each id
// run names that is not built in. An id without one makes the Run
// invalid until a SourcePlugin provides it.
func (r *Reconciler) resolvePlugins(ctx context.Context, run *runsv1.Run) (map[string]PluginRef, error) {
	ids := pluginIDs(run)
	if len(ids) == 0 {
		return nil, nil
	}
	list := &pluginsv1.SourcePluginList{}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	usable := map[string]*pluginsv1.SourcePlugin{}
	var notReady []string
	for i := range list.Items {
		sp := &list.Items[i]
		switch {
		case sp.Usable():
			if have, ok := usable[sp.Status.ID]; !ok || sp.OlderThan(have) {
				usable[sp.Status.ID] = sp
			}
		case sp.DeletionTimestamp == nil:
			reason := "not reconciled yet"
			if c := meta.FindStatusCondition(sp.Status.Conditions, pluginsv1.ConditionReady); c != nil {
				reason = c.Reason
			}
			notReady = append(notReady, fmt.Sprintf("%s (%s)", sp.Name, reason))
		}
	}
	refs := map[string]PluginRef{}
	var unknown []string
	for _, id := range ids {
		if sp, ok := usable[id]; ok {
			refs[id] = pluginRef(sp)
		} else {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		known := slices.Collect(maps.Keys(builtinIDs()))
		known = append(known, slices.Collect(maps.Keys(usable))...)
		slices.Sort(known)
		slices.Sort(notReady)
		return nil, errInvalid{&unknownSourcesError{ids: unknown, known: slices.Compact(known), notReady: notReady}}
	}
	return refs, nil
}

// pluginRef is sp's entry in a Run's pipeline.yaml. Its URL goes without
// user information and query (fetch.Redact): the ConfigMap is readable in
// the Run's namespace, and the credentials of a SourcePlugin (a cluster
// admin's) stay with the operator. Job pods fetch the redacted URL, and
// the sha256 still pins the bytes.
func pluginRef(sp *pluginsv1.SourcePlugin) PluginRef {
	ref := PluginRef{URL: fetch.Redact(sp.Spec.URL), SHA256: sp.Spec.SHA256, CABundle: sp.Spec.CABundle}
	if l := sp.Spec.Limits; l != nil {
		pl := &PluginLimits{}
		if l.Memory != nil {
			pl.Memory = l.Memory.Value()
		}
		if l.OutputBytes != nil {
			pl.OutputBytes = l.OutputBytes.Value()
		}
		if l.CallTimeout != nil {
			pl.CallTimeout = l.CallTimeout.Duration.String()
		}
		if l.RunTimeout != nil {
			pl.RunTimeout = l.RunTimeout.Duration.String()
		}
		if *pl != (PluginLimits{}) {
			ref.Limits = pl
		}
	}
	return ref
}

// runsNamingPlugin maps a SourcePlugin to the Runs that name its id. An
// update is mapped for the old and the new object, so a changed id
// reaches the Runs of both.
func (r *Reconciler) runsNamingPlugin(ctx context.Context, obj client.Object) []reconcile.Request {
	sp, ok := obj.(*pluginsv1.SourcePlugin)
	if !ok || sp.Status.ID == "" {
		return nil
	}
	list := &runsv1.RunList{}
	if err := r.List(ctx, list, client.MatchingFields{pluginSourcesIndex: sp.Status.ID}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, run := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: run.Namespace, Name: run.Name}})
	}
	return out
}

// pluginChanged passes the SourcePlugin updates that can change what a
// Run renders: whether it is usable, its id, its spec.
var pluginChanged = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*pluginsv1.SourcePlugin)
	n, ok2 := e.ObjectNew.(*pluginsv1.SourcePlugin)
	if !ok1 || !ok2 {
		return true
	}
	return o.Usable() != n.Usable() || o.Status.ID != n.Status.ID || !equality.Semantic.DeepEqual(o.Spec, n.Spec)
}}
