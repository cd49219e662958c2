package runs

import (
	"fmt"
	"sort"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// jobOutcome is where a Job stands.
type jobOutcome int

const (
	jobActive jobOutcome = iota
	jobSucceeded
	jobFailed
)

func outcomeOf(j *batchv1.Job) (jobOutcome, *batchv1.JobCondition) {
	for i := range j.Status.Conditions {
		c := &j.Status.Conditions[i]
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return jobSucceeded, c
		case batchv1.JobFailed:
			return jobFailed, c
		}
	}
	return jobActive, nil
}

// finishedAt is when a finished Job ended.
func finishedAt(j *batchv1.Job, c *batchv1.JobCondition) metav1.Time {
	if j.Status.CompletionTime != nil {
		return *j.Status.CompletionTime
	}
	return c.LastTransitionTime
}

// observed is what a Run's ingestion Jobs say about it.
type observed struct {
	active      []corev1.ObjectReference
	lastRun     *metav1.Time
	lastSuccess *metav1.Time
	// lastFailure is the newest finished Job, when it failed.
	lastFailure string
}

// observeJobs summarises ingestion Jobs (not teardown ones). Times only move
// forward: Jobs that history limits or TTLs removed keep their mark.
func observeJobs(prev runsv1.RunStatus, jobs []batchv1.Job, cron *batchv1.CronJob) observed {
	o := observed{lastRun: prev.LastRunTime, lastSuccess: prev.LastSuccessfulTime}
	var newest metav1.Time
	for i := range jobs {
		j := &jobs[i]
		if j.Labels[runsv1.LabelJobKind] == KindTeardown {
			continue
		}
		if j.Status.StartTime != nil { // a Job that has not started has not run
			o.lastRun = later(o.lastRun, *j.Status.StartTime)
		}
		out, cond := outcomeOf(j)
		switch out {
		case jobActive:
			if j.DeletionTimestamp == nil {
				o.active = append(o.active, corev1.ObjectReference{
					APIVersion: "batch/v1", Kind: "Job", Namespace: j.Namespace, Name: j.Name, UID: j.UID,
				})
			}
			continue
		case jobSucceeded:
			o.lastSuccess = later(o.lastSuccess, finishedAt(j, cond))
		}
		if end := finishedAt(j, cond); !end.Before(&newest) {
			newest = end
			o.lastFailure = ""
			if out == jobFailed {
				o.lastFailure = fmt.Sprintf("Job %s failed: %s: %s", j.Name, cond.Reason, cond.Message)
			}
		}
	}
	if cron != nil && cron.Status.LastSuccessfulTime != nil {
		o.lastSuccess = later(o.lastSuccess, *cron.Status.LastSuccessfulTime)
	}
	sort.Slice(o.active, func(a, b int) bool { return o.active[a].Name < o.active[b].Name })
	return o
}

func later(cur *metav1.Time, t metav1.Time) *metav1.Time {
	if t.IsZero() {
		return cur
	}
	if cur == nil || cur.Before(&t) {
		t := t
		return &t
	}
	return cur
}

// phaseOf is the one-word summary of a Run from what its Jobs say.
// blocked (denied, invalid, unknown source, a child rejected, a reference
// missing) wins over everything: a Run that cannot run as specified never
// reads healthy, even while a Job it started earlier still runs.
func phaseOf(run *runsv1.Run, o observed, hasJob, blocked bool) runsv1.RunPhase {
	scheduled := run.Spec.Schedule != ""
	switch {
	case blocked:
		return runsv1.PhaseBlocked
	case scheduled && run.Spec.Suspend != nil && *run.Spec.Suspend && len(o.active) == 0:
		return runsv1.PhaseSuspended
	case len(o.active) > 0:
		return runsv1.PhaseRunning
	case o.lastFailure != "":
		return runsv1.PhaseFailed
	case scheduled:
		return runsv1.PhaseScheduled
	case hasJob:
		return runsv1.PhaseSucceeded
	default:
		return runsv1.PhaseIdle
	}
}

// readyCondition says whether the Run is healthy, and why not.
func readyCondition(phase runsv1.RunPhase, o observed, gen int64) metav1.Condition {
	c := metav1.Condition{Type: runsv1.ConditionReady, Status: metav1.ConditionTrue,
		Reason: string(phase), ObservedGeneration: gen}
	switch phase {
	case runsv1.PhaseFailed:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, "JobFailed", o.lastFailure
	case runsv1.PhaseSuspended:
		c.Message = "schedule is suspended; set spec.suspend to false to resume"
	case runsv1.PhaseScheduled:
		c.Message = "CronJob is in place and waits for the schedule"
	case runsv1.PhaseRunning:
		c.Message = fmt.Sprintf("%d ingestion Job(s) running", len(o.active))
	case runsv1.PhaseSucceeded:
		c.Message = "the ingestion Job succeeded"
	case runsv1.PhaseIdle:
		c.Message = "no ingestion Job has run yet"
	}
	return c
}
