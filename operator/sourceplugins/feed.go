package sourceplugins

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/policies/engine"
)

// feed hands the descriptions of the usable SourcePlugins to Options.OnReady.
// It reads status only, so it runs on every replica without fetching.
type feed struct {
	client.Client
	onReady func(context.Context, map[string]model.Description) error
}

// feedKey is the one work item: every change recomputes the whole set.
var feedKey = reconcile.Request{NamespacedName: types.NamespacedName{Name: "usable-sourceplugins"}}

func (f *feed) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	list := &pluginsv1.SourcePluginList{}
	if err := f.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, f.onReady(ctx, Usable(list.Items))
}

// Usable returns the description of each usable SourcePlugin by id; when
// two are usable with one id (until the younger reports IDConflict), the
// older one's.
func Usable(items []pluginsv1.SourcePlugin) map[string]model.Description {
	out := map[string]model.Description{}
	owner := map[string]*pluginsv1.SourcePlugin{}
	for i := range items {
		sp := &items[i]
		if !sp.Usable() {
			continue
		}
		if o, ok := owner[sp.Status.ID]; ok && o.OlderThan(sp) {
			continue
		}
		d, err := description(sp)
		if err != nil {
			continue
		}
		owner[sp.Status.ID], out[sp.Status.ID] = sp, d
	}
	return out
}

func description(sp *pluginsv1.SourcePlugin) (model.Description, error) {
	d := model.Description{ID: sp.Status.ID, Version: sp.Status.Version, ABI: int(sp.Status.ABI),
		Capabilities: sp.Status.Capabilities}
	if s := sp.Status.ConfigSchema; s != nil {
		if err := json.Unmarshal(s.Raw, &d.ConfigSchema); err != nil {
			return d, fmt.Errorf("SourcePlugin %s: status.configSchema: %w", sp.Name, err)
		}
	}
	// The controller never writes such a schema; one in status (written by
	// an older Weir, or by hand) stays away from the policies all the same.
	return d, engine.CheckSchemaRefs(fmt.Sprintf("SourcePlugin %s: status.configSchema", sp.Name), d.ConfigSchema)
}

// describedChanged passes the updates that change what feed publishes.
var describedChanged = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*pluginsv1.SourcePlugin)
	n, ok2 := e.ObjectNew.(*pluginsv1.SourcePlugin)
	if !ok1 || !ok2 {
		return true
	}
	return o.Usable() != n.Usable() || o.Status.ID != n.Status.ID || o.Status.Version != n.Status.Version ||
		!equality.Semantic.DeepEqual(o.Status.ConfigSchema, n.Status.ConfigSchema) ||
		!equality.Semantic.DeepEqual(o.Status.Capabilities, n.Status.Capabilities)
}}
