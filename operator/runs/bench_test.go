package runs

// Benchmarks of the reconciler's pure hot path: what every reconcile of every
// Run pays before (and whether or not) it talks to the API server. They need
// no API server: `go test -run '^$' -bench . -benchmem ./operator/runs/`
// skips the envtest suite (TestRuns) entirely.

import (
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

var benchOptions = Options{
	Image:                "ghcr.io/weir-dev/weir:bench",
	MarmotURL:            "http://marmot:8080",
	IngestServiceAccount: "weir-ingest",
}

// benchRun is a realistic Run: three sources, pod labels and annotations,
// resources, env from a Secret and the schema's defaults filled in.
func benchRun(schedule string) *runsv1.Run {
	return &runsv1.Run{
		ObjectMeta: metav1.ObjectMeta{
			Name: "bench-pipeline", Namespace: "bench", UID: types.UID("0b5c1f8e-2a7d-4c55-9e1b-3f2d6a7c8e90"),
			Generation: 3,
		},
		Spec: runsv1.RunSpec{
			Runs: []runtime.RawExtension{
				{Raw: []byte(`{"postgresql":{"host":"db.example.com","port":5432,"database":"production","user":"readonly","password":"${PG_PASSWORD}","schemas":["public","sales"]}}`)},
				{Raw: []byte(`{"s3":{"bucket":"data-lake","region":"eu-west-2","prefix":"raw/","tags":{"team":"data-engineering"}}}`)},
				{Raw: []byte(`{"kafka":{"brokers":["kafka-0:9092","kafka-1:9092","kafka-2:9092"],"topics":{"include":["orders.*","payments.*"]}}}`)},
			},
			Schedule:                   schedule,
			Suspend:                    ptr.To(false),
			ConcurrencyPolicy:          runsv1.ForbidConcurrent,
			BackoffLimit:               ptr.To[int32](3),
			SuccessfulJobsHistoryLimit: ptr.To[int32](3),
			FailedJobsHistoryLimit:     ptr.To[int32](1),
			TeardownOnDelete:           ptr.To(true),
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			},
			PodLabels:      map[string]string{"team": "data-engineering"},
			PodAnnotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/marmot-s3-reader"},
			Env: []corev1.EnvVar{{Name: "PG_PASSWORD", ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "pg"}, Key: "password"},
			}}},
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "aws"}}}},
		},
	}
}

func BenchmarkRenderPipeline(b *testing.B) {
	run := benchRun("")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderPipeline(run, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConfigMap is the ConfigMap of a pipeline too large to travel
// inline: render, hash, build.
func BenchmarkConfigMap(b *testing.B) {
	run := benchRun("")
	b.ReportAllocs()
	for b.Loop() {
		p, err := RenderPipeline(run, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = ConfigHash(p)
		_ = BuildConfigMap(run, p)
	}
}

func BenchmarkBuildJob(b *testing.B) {
	run := benchRun("")
	pipeline := pipelineOf(b, run)
	b.ReportAllocs()
	for b.Loop() {
		if j := BuildJob(run, benchOptions, pipeline); j.Annotations[annotationSpecHash] == "" {
			b.Fatal("no spec hash")
		}
	}
}

func BenchmarkBuildCronJob(b *testing.B) {
	run := benchRun("0 */6 * * *")
	pipeline := pipelineOf(b, run)
	b.ReportAllocs()
	for b.Loop() {
		if cj := BuildCronJob(run, benchOptions, pipeline); cj.Annotations[annotationSpecHash] == "" {
			b.Fatal("no spec hash")
		}
	}
}

// BenchmarkObserveJobs is the status half of a reconcile for a Run with 50
// Jobs (a scheduled Run with generous history, or one triggered often).
func BenchmarkObserveJobs(b *testing.B) {
	run := benchRun("0 */6 * * *")
	jobs := benchJobs(run, 50)
	cron := &batchv1.CronJob{Status: batchv1.CronJobStatus{LastSuccessfulTime: ptr.To(metav1.NewTime(benchEpoch))}}
	b.ReportAllocs()
	for b.Loop() {
		o := observeJobs(run.Status, jobs, cron)
		if phaseOf(run, o, len(jobs) > 0, false) == "" {
			b.Fatal("no phase")
		}
	}
}

func pipelineOf(b *testing.B, run *runsv1.Run) []byte {
	b.Helper()
	p, err := RenderPipeline(run, nil)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

var benchEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// benchJobs are n Jobs of a Run: mostly succeeded, every 7th failed, every
// 10th still running, one teardown Job (skipped by observeJobs), in no
// particular time order.
func benchJobs(run *runsv1.Run, n int) []batchv1.Job {
	jobs := make([]batchv1.Job, 0, n)
	for i := range n {
		kind := KindScheduled
		if i == n-1 {
			kind = KindTeardown
		}
		start := metav1.NewTime(benchEpoch.Add(time.Duration((i*37)%n) * time.Hour))
		end := metav1.NewTime(start.Add(10 * time.Minute))
		j := batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", run.Name, 29000000+i), Namespace: run.Namespace,
				UID:    types.UID(fmt.Sprintf("uid-%d", i)),
				Labels: childLabels(run, kind),
			},
			Status: batchv1.JobStatus{StartTime: &start},
		}
		switch {
		case i%10 == 9:
			// active: no terminal condition
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse}}
		case i%7 == 6:
			j.Status.Conditions = []batchv1.JobCondition{
				{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: end},
				{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded",
					Message: "Job has reached the specified backoff limit", LastTransitionTime: end},
			}
		default:
			j.Status.CompletionTime = &end
			j.Status.Conditions = []batchv1.JobCondition{
				{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: end},
				{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: end},
			}
		}
		jobs = append(jobs, j)
	}
	return jobs
}
