package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// Job kinds, in the runsv1.LabelJobKind label.
const (
	KindOneOff    = "run"
	KindScheduled = "scheduled"
	KindTrigger   = "trigger"
	KindTeardown  = "teardown"
)

const (
	// annotationSpecHash records the desired spec a Job or CronJob was built
	// from, so an unchanged Run is recognised without comparing server
	// defaults, and a changed one is rebuilt.
	annotationSpecHash = "runs.marmotdata.io/spec-hash"
	// annotationConfigHash on the pod template makes a config change a
	// template change.
	annotationConfigHash = "runs.marmotdata.io/config-hash"

	// TriggerTTL is how long a finished trigger Job is kept.
	TriggerTTL = 60
)

func childLabels(run *runsv1.Run, kind string) map[string]string {
	l := map[string]string{
		runsv1.LabelManagedBy: runsv1.ManagedBy,
		runsv1.LabelRun:       RunLabelValue(run.Name),
	}
	if kind != "" {
		l[runsv1.LabelJobKind] = kind
	}
	return l
}

func metaWith(labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels, Annotations: annotations}
}

func childMeta(run *runsv1.Run, name, kind string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: run.Namespace,
		Labels:    childLabels(run, kind),
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(run,
			runsv1.GroupVersion.WithKind("Run"))},
	}
}

// hashOf is a short, stable digest of a desired spec.
func hashOf(v any) string {
	b, _ := json.Marshal(v) // specs of API types always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// BuildConfigMap is the pipeline ConfigMap of a Run, for a pipeline too
// large to travel in the pod template (pipeline.go).
func BuildConfigMap(run *runsv1.Run, pipeline []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: childMeta(run, PipelineConfigMapName(run), ""),
		Data:       map[string]string{PipelineKey: string(pipeline)},
	}
}

func jobSpec(run *runsv1.Run, opts Options, kind string, pipeline []byte, destroy bool) batchv1.JobSpec {
	return batchv1.JobSpec{
		BackoffLimit:          run.Spec.BackoffLimit,
		ActiveDeadlineSeconds: run.Spec.ActiveDeadlineSeconds,
		Template:              podTemplate(run, opts, kind, pipeline, destroy),
	}
}

func buildJob(run *runsv1.Run, opts Options, name, kind string, pipeline []byte, destroy bool) *batchv1.Job {
	spec := jobSpec(run, opts, kind, pipeline, destroy)
	meta := childMeta(run, name, kind)
	meta.Annotations = map[string]string{annotationSpecHash: hashOf(spec), runsv1.AnnotationRun: run.Name}
	return &batchv1.Job{ObjectMeta: meta, Spec: spec}
}

// BuildJob is the Job of a Run without a schedule, named after the Run,
// running the rendered pipeline file.
func BuildJob(run *runsv1.Run, opts Options, pipeline []byte) *batchv1.Job {
	return buildJob(run, opts, JobName(run), KindOneOff, pipeline, false)
}

// BuildTriggerJob is the one-off Job a manual trigger creates; it is
// removed TriggerTTL seconds after it finishes.
func BuildTriggerJob(run *runsv1.Run, opts Options, pipeline []byte) *batchv1.Job {
	j := buildJob(run, opts, TriggerJobName(run), KindTrigger, pipeline, false)
	j.Spec.TTLSecondsAfterFinished = ptr.To[int32](TriggerTTL)
	return j
}

// BuildTeardownJob runs `weir ingest --destroy` for a deleted Run.
func BuildTeardownJob(run *runsv1.Run, opts Options, pipeline []byte) *batchv1.Job {
	return buildJob(run, opts, TeardownJobName(run), KindTeardown, pipeline, true)
}

// BuildCronJob is the CronJob of a scheduled Run, named after the Run.
func BuildCronJob(run *runsv1.Run, opts Options, pipeline []byte) *batchv1.CronJob {
	spec := batchv1.CronJobSpec{
		Schedule:                   run.Spec.Schedule,
		TimeZone:                   run.Spec.TimeZone,
		Suspend:                    ptr.To(ptr.Deref(run.Spec.Suspend, false)),
		ConcurrencyPolicy:          batchv1.ConcurrencyPolicy(run.Spec.ConcurrencyPolicy),
		SuccessfulJobsHistoryLimit: run.Spec.SuccessfulJobsHistoryLimit,
		FailedJobsHistoryLimit:     run.Spec.FailedJobsHistoryLimit,
		JobTemplate: batchv1.JobTemplateSpec{
			// The CronJob controller copies these to each Job it makes.
			ObjectMeta: metaWith(childLabels(run, KindScheduled), map[string]string{runsv1.AnnotationRun: run.Name}),
			Spec:       jobSpec(run, opts, KindScheduled, pipeline, false),
		},
	}
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	}
	meta := childMeta(run, CronJobName(run), KindScheduled)
	meta.Annotations = map[string]string{annotationSpecHash: hashOf(spec)}
	return &batchv1.CronJob{ObjectMeta: meta, Spec: spec}
}

// ConfigHash digests the rendered pipeline file.
func ConfigHash(pipeline []byte) string { return hashOf(string(pipeline)) }
