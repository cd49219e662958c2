package sourceplugins

import (
	"context"
	"fmt"
	"time"

	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/fetch"
	"github.com/weir-dev/weir/plugins/host"
)

// ReconcileTimeout bounds one Reconcile of a SourcePlugin: a download
// (fetch.DefaultTimeout) and a description in the sandbox, whose own
// limits are shorter; one that hangs gives its worker back and is retried.
const ReconcileTimeout = 5 * time.Minute

// feedTimeout bounds one publication of the usable plugins to the
// policies (a list from the cache and an engine load).
const feedTimeout = time.Minute

// Setup registers the SourcePlugin controller and, with opts.OnReady,
// the feed of usable plugins. The manager's scheme must know pluginsv1.
func Setup(mgr ctrl.Manager, opts Options) error {
	f, err := fetch.New(fetch.Options{Dir: opts.CacheDir, CAFile: opts.CAFile})
	if err != nil {
		return err
	}
	describeFn := opts.Describe
	if describeFn == nil {
		describeFn = describe.InProcess(host.Options{Logger: opts.Logger}) // a nil Logger logs to slog.Default()
	}
	r := &reconciler{Client: mgr.GetClient(), fetcher: f, recorder: mgr.GetEventRecorder("weir-sourceplugins"),
		describe: describeFn, memo: map[string]memoEntry{}, failures: map[string]int{}}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("sourceplugin").
		WithOptions(controllerOptions()).
		For(&pluginsv1.SourcePlugin{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// Plugins that describe the same id settle who keeps it.
		Watches(&pluginsv1.SourcePlugin{}, handler.EnqueueRequestsFromMapFunc(r.othersWithID), builder.WithPredicates(idChanged)).
		Complete(r)
	if err != nil {
		return fmt.Errorf("sourceplugin controller: %w", err)
	}
	if opts.OnReady == nil {
		return nil
	}
	fd := &feed{Client: mgr.GetClient(), onReady: opts.OnReady}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("sourceplugin-feed").
		WithOptions(feedOptions()).
		Watches(&pluginsv1.SourcePlugin{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{feedKey}
		}), builder.WithPredicates(describedChanged)).
		Complete(fd)
	if err != nil {
		return fmt.Errorf("sourceplugin feed: %w", err)
	}
	return nil
}

func controllerOptions() controller.Options {
	return controller.Options{ReconciliationTimeout: ReconcileTimeout}
}

// feedOptions: every replica's policies need the plugins, leader or not.
func feedOptions() controller.Options {
	return controller.Options{NeedLeaderElection: ptr.To(false), ReconciliationTimeout: feedTimeout}
}
