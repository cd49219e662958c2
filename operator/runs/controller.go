package runs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/policycheck"
	"github.com/weir-dev/weir/operator/status"
	"github.com/weir-dev/weir/policies/engine"
)

// +kubebuilder:rbac:groups=runs.marmotdata.io,resources=runs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=runs.marmotdata.io,resources=runs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=runs.marmotdata.io,resources=runs/finalizers,verbs=update
// +kubebuilder:rbac:groups=batch,resources=jobs;cronjobs,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler turns a Run into its ConfigMap and its Job or CronJob, handles
// manual triggers and tears the pipeline's assets down on delete.
type Reconciler struct {
	client.Client
	// APIReader reads past the cache, which holds only Weir's own children.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Options   Options
	// MaxConcurrentReconciles is how many Runs are reconciled at once.
	MaxConcurrentReconciles int
	// Policies, when set, must allow a Run before its children are
	// created or updated (condition Valid).
	Policies *engine.Engine

	// requeue queues every Run when the policies change (PoliciesChanged).
	requeue     *policycheck.Requeuer
	requeueOnce sync.Once
	// decisions are the last policy decision on each Run.
	decisions policycheck.Memo
	// foreignAccounts: when the ingest service account, not Weir's, was
	// last found in a namespace (client.ObjectKey to time.Time).
	foreignAccounts sync.Map
}

// Event reasons a user may need to notice.
const (
	ReasonInvalidConfig     = "InvalidConfig"
	ReasonCreateFailed      = "CreateFailed"
	ReasonCreated           = "Created"
	ReasonUpdated           = "Updated"
	ReasonReplaced          = "Replaced"
	ReasonTriggered         = "Triggered"
	ReasonTeardownStarted   = "TeardownStarted"
	ReasonTeardownSucceeded = "TeardownSucceeded"
	ReasonTeardownFailed    = "TeardownFailed"
	ReasonTeardownSkipped   = "TeardownSkipped"
	ReasonTeardownRunning   = "TeardownRunning"
	// ReasonReconcileError: an API call failed; the controller retries.
	ReasonReconcileError = "ReconcileError"
)

// errInvalid marks a spec problem the user must fix: retrying won't help.
type errInvalid struct{ error }

func (r *Reconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	run := &runsv1.Run{}
	if err := r.Get(ctx, req.NamespacedName, run); err != nil {
		if apierrors.IsNotFound(err) {
			r.decisions.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !run.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, run)
	}
	if err := r.ensureFinalizer(ctx, run); err != nil {
		return ctrl.Result{}, err
	}

	orig := run.DeepCopy() // as read, for the status patch
	before := &orig.Status
	valid, err := r.checkPolicies(ctx, run)
	// Jobs written in this pass, which the cache may not show yet: status
	// counts them, so it does not report Idle and need a second write.
	var written []batchv1.Job
	var pipeline []byte
	var job *batchv1.Job
	var denied errDenied
	var herr error // holding a denied Run failed: retry
	switch {
	case errors.As(err, &denied):
		var held string
		held, herr = r.hold(ctx, run)
		valid.Message += ". " + held
		err = errors.Join(errDenied{errors.New(valid.Message)}, herr)
	case err == nil:
		pipeline, job, err = r.reconcileChildren(ctx, run)
	}
	r.setValid(run, before, valid)
	if job != nil {
		written = append(written, *job)
	}
	r.checkTriggerValue(run, before)
	if err == nil && isTriggered(run) {
		var trig *batchv1.Job
		trig, err = r.trigger(ctx, run, pipeline)
		if trig != nil {
			written = append(written, *trig)
		}
	}
	refs, rerr := r.checkReferences(ctx, run)
	err = errors.Join(err, rerr)
	r.setReferences(run, before, refs)
	if serr := r.updateStatus(ctx, run, orig, written, err, refs); serr != nil {
		return ctrl.Result{}, errors.Join(err, serr)
	}
	var inv errInvalid
	switch {
	case rerr != nil || herr != nil:
		return ctrl.Result{}, err
	case errors.As(err, &inv) || errors.As(err, &denied):
		err = nil // wait for a change to the Run or the policies
	}
	if err == nil && refs.Status != metav1.ConditionTrue {
		// Secrets and ServiceAccounts are not watched (that would need
		// list and watch on every Secret), so look again later.
		return ctrl.Result{RequeueAfter: r.Options.recheckInterval()}, nil
	}
	return ctrl.Result{}, err
}

// ensureFinalizer holds the Run for teardown when teardownOnDelete is on,
// and lets go of it when it is turned off.
func (r *Reconciler) ensureFinalizer(ctx context.Context, run *runsv1.Run) error {
	want := run.Spec.TearsDown()
	if want == controllerutil.ContainsFinalizer(run, runsv1.Finalizer) {
		return nil
	}
	orig := run.DeepCopy()
	if want {
		controllerutil.AddFinalizer(run, runsv1.Finalizer)
	} else {
		controllerutil.RemoveFinalizer(run, runsv1.Finalizer)
	}
	return r.Patch(ctx, run, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
}

// reconcileChildren makes the Job or CronJob, and the ConfigMap of a
// pipeline too large to travel in their pod template, match the spec. It
// returns the rendered pipeline and the one-off Job now in place.
// The children it creates are named in one Created event: a new Run costs
// one Event write, not one per child.
func (r *Reconciler) reconcileChildren(ctx context.Context, run *runsv1.Run) ([]byte, *batchv1.Job, error) {
	made := &created{}
	defer made.event(r.Recorder, run)
	plugins, err := r.resolvePlugins(ctx, run)
	if err != nil {
		return nil, nil, err
	}
	pipeline, err := RenderPipelineWith(run, plugins, r.Options.Sandbox)
	if err != nil {
		return nil, nil, errInvalid{err}
	}
	inline := inlinePipeline(run, pipeline)
	if !inline {
		if err := r.ensureConfigMap(ctx, run, pipeline, made); err != nil {
			return nil, nil, err
		}
	}
	if err := r.ensureIngestServiceAccount(ctx, run); err != nil {
		return nil, nil, err
	}
	var job *batchv1.Job
	if run.Spec.Schedule != "" {
		if err := r.deleteIfExists(ctx, &batchv1.Job{}, run.Namespace, JobName(run), KindOneOff); err != nil {
			return pipeline, nil, err
		}
		if err := r.ensureCronJob(ctx, run, BuildCronJob(run, r.Options, pipeline), made); err != nil {
			return pipeline, nil, err
		}
	} else {
		if err := r.deleteIfExists(ctx, &batchv1.CronJob{}, run.Namespace, CronJobName(run), KindScheduled); err != nil {
			return pipeline, nil, err
		}
		if job, err = r.ensureJob(ctx, run, BuildJob(run, r.Options, pipeline), made); err != nil || job == nil {
			return pipeline, job, err // nil: the old Job is still going away
		}
	}
	if inline {
		err = r.deleteStaleConfigMap(ctx, run)
	}
	return pipeline, job, err
}

// deleteStaleConfigMap removes the pipeline ConfigMap a Run no longer
// needs (made by an earlier version, or before the pipeline shrank), once
// no Job of the Run still running or about to run mounts it.
func (r *Reconciler) deleteStaleConfigMap(ctx context.Context, run *runsv1.Run) error {
	cm := &corev1.ConfigMap{}
	err := r.Get(ctx, types.NamespacedName{Namespace: run.Namespace, Name: PipelineConfigMapName(run)}, cm)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !metav1.IsControlledBy(cm, run) || cm.DeletionTimestamp != nil {
		return nil
	}
	jobs, err := r.listJobs(ctx, run)
	if err != nil {
		return err
	}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		if out, _ := outcomeOf(j); out == jobActive && usesConfigMap(&j.Spec.Template, cm.Name) {
			return nil // its Job's deletion or end brings the Run back
		}
	}
	return client.IgnoreNotFound(r.Delete(ctx, cm, client.Preconditions{UID: &cm.UID}))
}

func (r *Reconciler) ensureConfigMap(ctx context.Context, run *runsv1.Run, pipeline []byte, made *created) error {
	want := BuildConfigMap(run, pipeline)
	have := &corev1.ConfigMap{}
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		return r.create(ctx, run, want, made)
	}
	if err != nil {
		return err
	}
	if err := mustOwn(run, have); err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(have.Data, want.Data) && equality.Semantic.DeepEqual(have.BinaryData, want.BinaryData) {
		return nil
	}
	orig := have.DeepCopy()
	have.Data, have.BinaryData = want.Data, nil
	return r.Patch(ctx, have, client.MergeFrom(orig))
}

// ensureJob creates the Run's Job; a Job built from another spec is deleted
// first (its template is immutable) and recreated once it is gone. It
// returns the Job in place, nil while a replacement is pending.
func (r *Reconciler) ensureJob(ctx context.Context, run *runsv1.Run, want *batchv1.Job, made *created) (*batchv1.Job, error) {
	have := &batchv1.Job{}
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		if err := r.create(ctx, run, want, made); err != nil {
			return nil, err
		}
		return want, nil
	}
	if err != nil {
		return nil, err
	}
	if err := mustOwn(run, have); err != nil {
		return nil, err
	}
	if have.Annotations[annotationSpecHash] == want.Annotations[annotationSpecHash] {
		return have, nil
	}
	if have.DeletionTimestamp != nil {
		return nil, nil // its deletion event brings us back
	}
	if err := r.Delete(ctx, have, client.PropagationPolicy(metav1.DeletePropagationBackground),
		client.Preconditions{UID: &have.UID}); client.IgnoreNotFound(err) != nil {
		return nil, err
	}
	r.Recorder.Eventf(run, have, corev1.EventTypeNormal, ReasonReplaced, "Replace",
		"spec changed: Job %s deleted and will be recreated", have.Name)
	return nil, nil
}

func (r *Reconciler) ensureCronJob(ctx context.Context, run *runsv1.Run, want *batchv1.CronJob, made *created) error {
	have := &batchv1.CronJob{}
	err := r.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		return r.create(ctx, run, want, made)
	}
	if err != nil {
		return err
	}
	if err := mustOwn(run, have); err != nil {
		return err
	}
	held := have.Annotations[annotationHeld] != ""
	if have.Annotations[annotationSpecHash] == want.Annotations[annotationSpecHash] && !held {
		return nil
	}
	// The cached CronJob has no pod template (SlimChild): a merge patch
	// from it could not remove what the new spec drops (an annotation, a
	// volume's field), so it starts from the live object.
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(have), have); err != nil {
		return client.IgnoreNotFound(err) // gone: its deletion brings the Run back
	}
	orig := have.DeepCopy()
	have.Spec = want.Spec
	if have.Annotations == nil {
		have.Annotations = map[string]string{}
	}
	have.Annotations[annotationSpecHash] = want.Annotations[annotationSpecHash]
	delete(have.Annotations, annotationHeld)
	if err := r.Patch(ctx, have, client.MergeFrom(orig)); err != nil {
		return creationError(err, have)
	}
	if held {
		return nil // setValid's Resumed event says so
	}
	r.Recorder.Eventf(run, have, corev1.EventTypeNormal, ReasonUpdated, "Update", "CronJob %s updated", have.Name)
	return nil
}

// create makes a child and adds it to made, whose event says so; a
// rejected child is the spec's fault.
func (r *Reconciler) create(ctx context.Context, run *runsv1.Run, obj client.Object, made *created) error {
	if err := r.Create(ctx, obj); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return r.checkExisting(ctx, run, obj)
		}
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, ReasonCreateFailed, "Create",
			"%s %s: %v", kindOf(obj), obj.GetName(), err)
		return creationError(err, obj)
	}
	made.add(obj)
	return nil
}

// created collects the children one pass created, for a single event.
type created struct {
	names   []string
	related runtime.Object // the last one: the event's related object
}

func (c *created) add(obj client.Object) {
	c.names = append(c.names, kindOf(obj)+" "+obj.GetName())
	c.related = obj
}

// event records one Created event naming every child made, if any.
func (c *created) event(rec events.EventRecorder, run *runsv1.Run) {
	if len(c.names) == 0 {
		return
	}
	rec.Eventf(run, c.related, corev1.EventTypeNormal, ReasonCreated, "Create", "%s created", strings.Join(c.names, ", "))
}

// checkExisting tells a child the cache has not seen yet from an object of
// the same name that belongs to someone else, which is never overwritten.
func (r *Reconciler) checkExisting(ctx context.Context, run *runsv1.Run, obj client.Object) error {
	live := obj.DeepCopyObject().(client.Object)
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		return client.IgnoreNotFound(err)
	}
	return mustOwn(run, live)
}

func creationError(err error, obj client.Object) error {
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
		return errInvalid{fmt.Errorf("%s %s was rejected: %w", kindOf(obj), obj.GetName(), err)}
	}
	return err
}

// deleteIfExists removes a child left over from the other mode (schedule
// added or removed).
func (r *Reconciler) deleteIfExists(ctx context.Context, obj client.Object, ns, name, kind string) error {
	err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if obj.GetLabels()[runsv1.LabelJobKind] != kind || obj.GetDeletionTimestamp() != nil {
		return nil
	}
	return client.IgnoreNotFound(r.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground)))
}

// mustOwn refuses to adopt or overwrite an object the Run does not control.
func mustOwn(run *runsv1.Run, obj client.Object) error {
	if ref := metav1.GetControllerOf(obj); ref != nil && ref.UID == run.UID {
		return nil
	}
	return errInvalid{fmt.Errorf("%s %s already exists and is not owned by Run %s; rename the Run or delete that object",
		kindOf(obj), obj.GetName(), run.Name)}
}

func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *batchv1.Job:
		return "Job"
	case *batchv1.CronJob:
		return "CronJob"
	case *corev1.ConfigMap:
		return "ConfigMap"
	}
	return fmt.Sprintf("%T", obj)
}

// updateStatus writes the observed state, and only when it changed.
// reconcileErr and refs, when they report a problem, make the Run Blocked.
func (r *Reconciler) updateStatus(ctx context.Context, run, orig *runsv1.Run,
	written []batchv1.Job, reconcileErr error, refs metav1.Condition) error {
	before := &orig.Status
	jobs, err := r.listJobs(ctx, run)
	if err != nil {
		return err
	}
	jobs.Items = withWritten(jobs.Items, written)
	var cron *batchv1.CronJob
	if run.Spec.Schedule != "" {
		cron = &batchv1.CronJob{}
		if err := r.Get(ctx, types.NamespacedName{Namespace: run.Namespace, Name: CronJobName(run)}, cron); err != nil {
			cron = nil
		}
	}
	o := observeJobs(run.Status, jobs.Items, cron)
	hasJob := false
	for i := range jobs.Items {
		if jobs.Items[i].Labels[runsv1.LabelJobKind] != KindTeardown {
			hasJob = true
		}
	}
	st := &run.Status
	st.Active, st.LastRunTime, st.LastSuccessfulTime = o.active, o.lastRun, o.lastSuccess
	blocked := reconcileErr != nil || refs.Status == metav1.ConditionFalse
	st.Phase = phaseOf(run, o, hasJob, blocked)
	ready := readyCondition(st.Phase, o, run.Generation)
	switch {
	case reconcileErr != nil:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, errorReason(reconcileErr), reconcileErr.Error()
	case blocked:
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, refs.Reason, refs.Message
	}
	// A denial and a missing reference already have their events.
	if prev := meta.FindStatusCondition(before.Conditions, runsv1.ConditionReady); reconcileErr != nil &&
		ready.Reason != ReasonPolicyDenied && (prev == nil || prev.Message != ready.Message) {
		r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, ready.Reason, "Reconcile", "%s", ready.Message)
	}
	meta.SetStatusCondition(&st.Conditions, ready)
	meta.RemoveStatusCondition(&st.Conditions, runsv1.ConditionTeardown)
	_, err = status.Patch(ctx, r.Client, run, orig)
	return err
}

// errorReason is the Ready reason of a reconcile error.
func errorReason(err error) string {
	var inv errInvalid
	var denied errDenied
	var unknown *unknownSourcesError
	switch {
	case errors.As(err, &inv) && errors.As(inv.error, &unknown):
		return ReasonUnknownSource
	case errors.As(err, &inv):
		return ReasonInvalidConfig
	case errors.As(err, &denied):
		return ReasonPolicyDenied
	}
	return ReasonReconcileError
}

// withWritten adds the Jobs this pass wrote that the cache does not hold yet.
func withWritten(cached, written []batchv1.Job) []batchv1.Job {
	for _, w := range written {
		seen := false
		for i := range cached {
			if cached[i].Name == w.Name {
				seen = true
				break
			}
		}
		if !seen {
			cached = append(cached, w)
		}
	}
	return cached
}
