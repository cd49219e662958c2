package policycheck

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// Default spacing of List retries in PoliciesChanged.
const (
	DefaultRetryMin = 500 * time.Millisecond //nolint:revive // Min is the minimum, not minutes
	DefaultRetryMax = 30 * time.Second
)

// Requeuer queues every object of one kind for a new decision when the
// policies change. Give its Source to the controller
// (WatchesRawSource(rq.Source())) and call PoliciesChanged from the policy
// loader's OnChange:
//
//	rq := &policycheck.Requeuer{Reader: mgr.GetClient(), List: &wsv1.WorkspaceList{}}
//	... WatchesRawSource(rq.Source()) ...
//	loader.OnChange(func(engine.Revision) { go rq.PoliciesChanged(ctx) })
type Requeuer struct {
	// Reader lists the objects: the manager's client, so the list comes
	// from the informer the controller already has.
	Reader client.Reader
	// List is an empty list of the kind, e.g. &runsv1.RunList{}; each call
	// lists into a copy.
	List client.ObjectList
	// RetryMin and RetryMax space the retries of a failed List, doubling
	// (DefaultRetryMin, DefaultRetryMax when zero).
	RetryMin, RetryMax time.Duration

	queue atomic.Pointer[workqueue.TypedRateLimitingInterface[reconcile.Request]]
}

// Source hands the controller's queue to the Requeuer when the controller
// starts.
func (r *Requeuer) Source() source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		r.queue.Store(&q)
		return nil
	})
}

// PoliciesChanged queues every object of the kind. On a replica that does
// not lead the controller has not started, there is no queue and nothing
// to do. A failed List is logged and retried with backoff until it works
// or ctx ends (then its error is returned): dropping it would leave
// objects decided by the old policies until something else touched them.
func (r *Requeuer) PoliciesChanged(ctx context.Context) error {
	q := r.queue.Load()
	if q == nil {
		return nil
	}
	delay := r.RetryMin
	if delay <= 0 {
		delay = DefaultRetryMin
	}
	maxDelay := r.RetryMax
	if maxDelay <= 0 {
		maxDelay = DefaultRetryMax
	}
	log := ctrllog.FromContext(ctx).WithValues("list", fmt.Sprintf("%T", r.List))
	for {
		err := r.queueAll(ctx, *q)
		if err == nil {
			return nil
		}
		log.Error(err, "listing objects to decide again under the new policies failed; retrying", "after", delay)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, maxDelay)
	}
}

func (r *Requeuer) queueAll(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
	list := r.List.DeepCopyObject().(client.ObjectList)
	if err := r.Reader.List(ctx, list); err != nil {
		return err
	}
	return meta.EachListItem(list, func(o runtime.Object) error {
		obj, ok := o.(client.Object)
		if !ok {
			return fmt.Errorf("%T is not a client.Object", o)
		}
		q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		return nil
	})
}
