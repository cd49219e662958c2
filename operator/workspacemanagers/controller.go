package workspacemanagers

import (
	"context"
	"errors"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
)

// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspacemanagers,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=workspace.jupyter.org,resources=workspacemanagers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways,verbs=get
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Event reasons besides the conditions' own.
const (
	ReasonRouteCreated = "AccessRouteCreated"
	// ReasonNamespaceConflict: a namespace this manager selects is served
	// by another (older) manager.
	ReasonNamespaceConflict = "NamespaceConflict"
	// ReasonReady: routing and login both work.
	ReasonReady = "Ready"
)

// Reconciler keeps a WorkspaceManager's access route and status.
type Reconciler struct {
	client.Client
	// APIReader reads what the cache does not hold: the access route (its
	// namespace may be outside the watched ones), the client secret, the
	// Gateway and the IngressClass.
	APIReader client.Reader
	Mapper    meta.RESTMapper
	Recorder  events.EventRecorder
	Options   Options
	// MaxConcurrentReconciles: a discovery read may take IdPTimeout, so a
	// few managers with unreachable issuers do not hold up the others.
	MaxConcurrentReconciles int

	// mu guards what is remembered of each manager, by name (a manager of
	// the same name made again has another UID and starts afresh).
	mu  sync.Mutex
	idp map[string]idpResult
	// conflictsSeen is the last conflict message of each manager.
	conflictsSeen map[string]conflictSeen
}

type conflictSeen struct {
	uid types.UID
	msg string
}

// idpResult is the last identity-provider check of a manager, so that
// reconciles for other causes (a namespace's labels, a route's change) do
// not read the issuer again.
type idpResult struct {
	uid  types.UID
	key  string // what was checked: issuer, client and secret reference
	at   time.Time
	cond metav1.Condition
}

func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	m := &wsv1.WorkspaceManager{}
	if err := r.Get(ctx, req.NamespacedName, m); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.Name) // its routes go with it (owner references)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !m.DeletionTimestamp.IsZero() {
		r.forget(m.Name)
		return ctrl.Result{}, nil
	}
	orig := m.DeepCopy()

	routing, routeErr := r.reconcileRouting(ctx, m)
	if m.Status.ObservedGeneration != m.Generation {
		if gwAPI, err := GatewayAPIInstalled(r.Mapper); err == nil {
			routeErr = errors.Join(routeErr, r.deleteMoved(ctx, m, gwAPI))
		}
	}
	idp, next := r.idpCondition(ctx, m)
	r.setStatus(m, routing, idp)
	r.notify(m, orig)
	r.reportConflicts(ctx, m)
	if _, err := status.Patch(ctx, r.Client, m, orig); err != nil {
		return ctrl.Result{}, errors.Join(routeErr, err)
	}
	if routeErr != nil {
		return ctrl.Result{}, routeErr
	}
	if routing.Status != metav1.ConditionTrue {
		// A Gateway or IngressClass that appears is not watched.
		next = min(next, r.Options.recheck(false))
	}
	return ctrl.Result{RequeueAfter: next}, nil
}

// idpCondition is IdPReachable, checked again when what it depends on
// changed or its time is up, and how long until the next check.
func (r *Reconciler) idpCondition(ctx context.Context, m *wsv1.WorkspaceManager) (metav1.Condition, time.Duration) {
	oc := m.Spec.Authentication.OIDC
	key := oc.IssuerURL + "\x00" + r.Options.SecretNamespace
	if ref := oc.ClientSecretRef; ref != nil {
		key += "\x00" + ref.Name + "\x00" + ref.Key
	}
	r.mu.Lock()
	last, ok := r.idp[m.Name]
	r.mu.Unlock()
	now := time.Now()
	if ok && last.uid == m.UID && last.key == key {
		due := last.at.Add(r.Options.recheck(last.cond.Status == metav1.ConditionTrue))
		if now.Before(due) {
			return last.cond, due.Sub(now)
		}
	}
	c := r.checkIdP(ctx, m)
	r.mu.Lock()
	if r.idp == nil {
		r.idp = map[string]idpResult{}
	}
	r.idp[m.Name] = idpResult{uid: m.UID, key: key, at: now, cond: c}
	r.mu.Unlock()
	return c, r.Options.recheck(c.Status == metav1.ConditionTrue)
}

func (r *Reconciler) forget(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.idp, name)
	delete(r.conflictsSeen, name)
}

// setStatus writes baseURL and the three conditions; Ready is False with
// the reason of the first of RoutingReady and IdPReachable that is.
func (r *Reconciler) setStatus(m *wsv1.WorkspaceManager, routing, idp metav1.Condition) {
	m.Status.BaseURL = m.Spec.BaseURL
	status.SetCondition(m, &m.Status.Conditions, routing)
	status.SetCondition(m, &m.Status.Conditions, idp)
	ready := condition(wsv1.ConditionReady, true, ReasonReady, "the access route is in place and the identity provider answers")
	for _, c := range []metav1.Condition{routing, idp} {
		if c.Status != metav1.ConditionTrue {
			ready = condition(wsv1.ConditionReady, false, c.Reason, c.Message)
			break
		}
	}
	status.SetCondition(m, &m.Status.Conditions, ready)
}

// notify tells a user once: a Warning when RoutingReady or IdPReachable
// turns False (or False for another reason), Normal when Ready turns True.
func (r *Reconciler) notify(m, orig *wsv1.WorkspaceManager) {
	for _, t := range []string{wsv1.ConditionRoutingReady, wsv1.ConditionIdPReachable} {
		c := meta.FindStatusCondition(m.Status.Conditions, t)
		if c != nil && c.Status == metav1.ConditionFalse && status.IsNew(orig.Status.Conditions, *c) {
			r.Recorder.Eventf(m, nil, corev1.EventTypeWarning, c.Reason, "Reconcile", "%s", c.Message)
		}
	}
	if c := meta.FindStatusCondition(m.Status.Conditions, wsv1.ConditionReady); c != nil && c.Status == metav1.ConditionTrue &&
		!meta.IsStatusConditionTrue(orig.Status.Conditions, wsv1.ConditionReady) {
		r.Recorder.Eventf(m, nil, corev1.EventTypeNormal, ReasonReady, "Reconcile", "%s", c.Message)
	}
}

func condition(t string, ok bool, reason, msg string) metav1.Condition {
	s := metav1.ConditionFalse
	if ok {
		s = metav1.ConditionTrue
	}
	return metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg}
}
