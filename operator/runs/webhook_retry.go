package runs

import (
	"context"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// WebhookRetry is how soon a write the admission webhook could not judge is
// tried again.
const WebhookRetry = 5 * time.Second

// conflictRetry backs up the update event that normally follows a conflict.
const conflictRetry = time.Second

// Reconcile reconciles one Run. A write of the Run that failed because the
// admission webhook is not reachable (on a restart, Weir's own webhook
// serves moments after the controllers start, or the Service has no ready
// endpoint yet) is expected and retried shortly: it is logged at INFO, not
// as a "Reconciler error". Neither is a write that lost to a newer version
// of the Run, which only means the cache was behind.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	res, err := r.reconcile(ctx, req)
	switch {
	case webhookUnreachable(err):
		log.FromContext(ctx).Info("admission webhook not reachable yet; retrying", "after", WebhookRetry, "reason", err.Error())
		return ctrl.Result{RequeueAfter: WebhookRetry}, nil
	case apierrors.IsConflict(err):
		// The cache had not seen the Run's latest write yet; its update
		// event queues the Run again.
		log.FromContext(ctx).V(1).Info("Run changed meanwhile; reconciling again", "reason", err.Error())
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return res, err
}

// webhookUnreachable: the API server could not call a webhook at all (the
// answer of a webhook that runs is a denial, not an internal error).
func webhookUnreachable(err error) bool {
	return err != nil && apierrors.IsInternalError(err) && strings.Contains(err.Error(), "failed calling webhook")
}
