package sourceplugins

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/builtin"
)

// conflict says why sp may not provide id, or "" when it may. A built-in
// source's id is never available; among SourcePlugins describing the same
// id, the oldest keeps it, so creating a duplicate never takes a source
// away from the Runs that use it.
func (r *reconciler) conflict(ctx context.Context, sp *pluginsv1.SourcePlugin, id string) (string, error) {
	if slices.Contains(builtin.IDs(), id) {
		return fmt.Sprintf("the module describes source %q, which is a built-in source: a SourcePlugin cannot replace it; build the module with another id", id), nil
	}
	list := &pluginsv1.SourcePluginList{}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return "", err
	}
	var winner *pluginsv1.SourcePlugin
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID == sp.UID || o.Status.ID != id || o.DeletionTimestamp != nil || !o.OlderThan(sp) {
			continue
		}
		if winner == nil || o.OlderThan(winner) {
			winner = o
		}
	}
	if winner == nil {
		return "", nil
	}
	return fmt.Sprintf("the module describes source %q, which SourcePlugin %s (created earlier) already provides; delete one of them", id, winner.Name), nil
}

// othersWithID maps a SourcePlugin to the other SourcePlugins that
// describe the same id, so that they settle who keeps it when it appears,
// changes or goes away.
func (r *reconciler) othersWithID(ctx context.Context, obj client.Object) []reconcile.Request {
	sp, ok := obj.(*pluginsv1.SourcePlugin)
	if !ok || sp.Status.ID == "" {
		return nil
	}
	list := &pluginsv1.SourcePluginList{}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if o := &list.Items[i]; o.Name != sp.Name && o.Status.ID == sp.Status.ID {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: o.Name}})
		}
	}
	return out
}

// idChanged passes the updates that change the id a SourcePlugin claims.
var idChanged = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*pluginsv1.SourcePlugin)
	n, ok2 := e.ObjectNew.(*pluginsv1.SourcePlugin)
	return !ok1 || !ok2 || o.Status.ID != n.Status.ID
}}
