package policybundles

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
)

// +kubebuilder:rbac:groups=policies.weir.dev,resources=policybundles,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=policies.weir.dev,resources=policybundles/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// defaultRetry spaces attempts to create the PolicyBundle "default".
const defaultRetry = 5 * time.Second

// reconciler loads PolicyBundles into the engine and reports on them.
type reconciler struct {
	client.Client
	loader   *Loader
	recorder events.EventRecorder
	// elected closes once this replica leads: every replica loads its
	// own engine, only the leader writes status and events.
	elected <-chan struct{}

	mu    sync.Mutex
	saved map[string]string // "<uid>/<revision>" saved to the LastGoodStore, by bundle
}

// Reconcile reloads from every bundle in the cache, not just the one that
// changed: at start the first reconcile then loads them all at once, and
// a deleted bundle simply drops out.
func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	res, err := r.reconcile(ctx, req)
	if err != nil && ctx.Err() != nil {
		// The manager is stopping (a load or a status write cut short by
		// it): the next start loads every bundle again, so nothing is lost
		// and there is nothing for anyone to fix; not a "Reconciler error".
		ctrllog.FromContext(ctx).Info("stopped while loading the PolicyBundles; the next start loads them again", "reason", err.Error())
		return ctrl.Result{}, nil //nolint:nilerr // shutting down: logged above, retried by the next start
	}
	return res, err
}

func (r *reconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	list := &policiesv1.PolicyBundleList{}
	if err := r.List(ctx, list); err != nil {
		return ctrl.Result{}, err
	}
	reports, err := r.loader.sync(ctx, list.Items, true)
	if err != nil || !r.leading() {
		return ctrl.Result{}, err
	}
	for i := range list.Items {
		if pb := &list.Items[i]; pb.Name == req.Name && pb.DeletionTimestamp == nil {
			if err := r.updateStatus(ctx, pb, reports[pb.Name]); err != nil {
				return ctrl.Result{}, err
			}
			return ctrl.Result{}, r.saveLastGood(ctx, pb)
		}
	}
	if req.Name == policiesv1.DefaultBundleName {
		// Missing at start, or deleted (which undoes the customisation):
		// show the embedded bundle again. Until Weir's own webhook serves,
		// the create fails; that is expected at start, so no error.
		if err := r.loader.ensureDefault(ctx, r.Client); err != nil {
			ctrllog.FromContext(ctx).Info("PolicyBundle default not created yet, will retry", "reason", err.Error())
			return ctrl.Result{RequeueAfter: defaultRetry}, nil
		}
	}
	return ctrl.Result{}, nil
}

// saveLastGood records the spec in force when it compiled here, once per
// revision, so a restart keeps it in force even if the spec breaks.
func (r *reconciler) saveLastGood(ctx context.Context, pb *policiesv1.PolicyBundle) error {
	if r.loader.store == nil {
		return nil
	}
	rev, ok := r.loader.savable(pb.Name)
	if !ok {
		return nil
	}
	key := string(pb.UID) + "/" + rev // a bundle made again is saved again
	r.mu.Lock()
	done := r.saved[pb.Name] == key
	r.mu.Unlock()
	if done {
		return nil
	}
	if err := r.loader.store.Save(ctx, pb, rev); err != nil {
		return fmt.Errorf("saving the last good revision of PolicyBundle %s: %w", pb.Name, err)
	}
	r.mu.Lock()
	r.saved[pb.Name] = key
	r.mu.Unlock()
	return nil
}

func (r *reconciler) leading() bool {
	select {
	case <-r.elected:
		return true
	default:
		return false
	}
}

// updateStatus writes what became of the bundle, only when it changed,
// with an event when the Ready condition says something new.
func (r *reconciler) updateStatus(ctx context.Context, pb *policiesv1.PolicyBundle, rep report) error {
	orig := pb.DeepCopy()
	st := &pb.Status
	ready := readyCondition(pb, rep)
	if status.IsNew(st.Conditions, ready) {
		kind, action := corev1.EventTypeWarning, "Compile"
		if ready.Status == "True" {
			kind, action = corev1.EventTypeNormal, "Load"
		}
		r.recorder.Eventf(pb, nil, kind, ready.Reason, action, "%s", ready.Message)
	}
	st.Revision = rep.revision
	st.Errors = compileErrors(pb.Name, rep.problems)
	status.SetCondition(pb, &st.Conditions, ready)
	_, err := status.Patch(ctx, r.Client, pb, orig)
	return err
}
