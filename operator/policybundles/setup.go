package policybundles

import (
	"context"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
)

// Setup registers the PolicyBundle controller and loads the embedded
// bundle (when enabled) into opts.Engine at once, so Decide works before
// any PolicyBundle is read. The manager's scheme must know policiesv1.
func Setup(mgr ctrl.Manager, opts Options) (*Loader, error) {
	l, err := NewLoader(opts)
	if err != nil {
		return nil, err
	}
	if err := l.LoadInitial(context.Background()); err != nil {
		return nil, err
	}
	r := &reconciler{Client: mgr.GetClient(), loader: l,
		recorder: mgr.GetEventRecorder("weir-policies"), elected: mgr.Elected(), saved: map[string]string{}}
	// Statuses are written by the leader only; a replica that becomes
	// leader reconciles every bundle once to bring them up to date.
	elected := make(chan event.TypedGenericEvent[*policiesv1.PolicyBundle])
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		list := &policiesv1.PolicyBundleList{}
		// An error here would stop the manager: retry until it lists.
		if err := wait.PollUntilContextCancel(ctx, 5*time.Second, true, func(ctx context.Context) (bool, error) {
			err := mgr.GetClient().List(ctx, list)
			if err != nil {
				mgr.GetLogger().Error(err, "listing PolicyBundles to report on them as leader")
			}
			return err == nil, nil
		}); err != nil {
			return nil //nolint:nilerr // the poll ends only with ctx: the manager is stopping, not failing
		}
		if !slices.ContainsFunc(list.Items, func(pb policiesv1.PolicyBundle) bool { return pb.Name == policiesv1.DefaultBundleName }) {
			// A reconcile of the missing "default" creates it.
			list.Items = append(list.Items, policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{Name: policiesv1.DefaultBundleName}})
		}
		for i := range list.Items {
			select {
			case elected <- event.TypedGenericEvent[*policiesv1.PolicyBundle]{Object: &list.Items[i]}:
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})); err != nil {
		return nil, err
	}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("policybundle").
		// Every replica serves admission from its own engine, so every
		// replica loads bundles, leader or not.
		WithOptions(controllerOptions()).
		For(&policiesv1.PolicyBundle{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(source.Channel(elected, &handler.TypedEnqueueRequestForObject[*policiesv1.PolicyBundle]{})).
		Complete(r)
	if err != nil {
		return nil, fmt.Errorf("policybundle controller: %w", err)
	}
	return l, nil
}

// ReconcileTimeout bounds one Reconcile of a PolicyBundle (compiling it,
// loading the engine, writing status and the last good revision): one
// that hangs is retried instead of stopping every later reload.
const ReconcileTimeout = time.Minute

// controllerOptions: every replica serves admission from its own engine,
// so every replica loads bundles, leader or not.
func controllerOptions() controller.Options {
	return controller.Options{NeedLeaderElection: ptr.To(false), ReconciliationTimeout: ReconcileTimeout}
}
