package sourceplugins

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/fetch"
)

// +kubebuilder:rbac:groups=plugins.weir.dev,resources=sourceplugins,verbs=get;list;watch
// +kubebuilder:rbac:groups=plugins.weir.dev,resources=sourceplugins/status,verbs=get;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Retries of a fetch that failed, or served other bytes: from
// retryMin, doubling, at most retryMax apart.
const (
	retryMin = 5 * time.Second //nolint:revive // Min is the minimum, not minutes
	retryMax = 5 * time.Minute
)

// reconciler describes SourcePlugins. It runs on the leader only: it
// fetches, compiles and writes status; every replica reads the result
// (see feed).
type reconciler struct {
	client.Client
	fetcher  *fetch.Fetcher
	recorder events.EventRecorder
	describe describe.Func

	mu       sync.Mutex
	memo     map[string]memoEntry // by SourcePlugin name
	failures map[string]int       // consecutive retried failures, by name
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sp := &pluginsv1.SourcePlugin{}
	if err := r.Get(ctx, req.NamespacedName, sp); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if sp.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	out := r.load(ctx, sp)
	if out.reason == pluginsv1.ReasonLoaded {
		conflict, err := r.conflict(ctx, sp, out.desc.ID)
		if err != nil {
			return ctrl.Result{}, err
		}
		if conflict != "" {
			out.reason, out.message = pluginsv1.ReasonIDConflict, conflict
		}
	}
	if err := r.updateStatus(ctx, sp, out); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: r.retryAfter(sp.Name, out)}, nil
}

// retryAfter backs off a plugin whose module could not be had; other
// outcomes wait for a change to the spec or to a conflicting plugin.
func (r *reconciler) retryAfter(name string, out outcome) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !out.retried() {
		delete(r.failures, name)
		return 0
	}
	n := r.failures[name]
	r.failures[name] = n + 1
	d := retryMin << min(n, 10)
	return min(d, retryMax)
}

func (r *reconciler) forget(name string) {
	r.mu.Lock()
	delete(r.memo, name)
	delete(r.failures, name)
	r.mu.Unlock()
	pluginReady.DeleteLabelValues(name)
}
