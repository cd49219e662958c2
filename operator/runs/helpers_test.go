package runs_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

// runFromYAML decodes a manifest exactly as a user would write it.
func runFromYAML(ns, manifest string) *runsv1.Run {
	run := &runsv1.Run{}
	Expect(yaml.UnmarshalStrict([]byte(manifest), run)).To(Succeed())
	run.Namespace = ns
	return run
}

func key(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

func getRun(ns, name string) func(Gomega) *runsv1.Run {
	return func(g Gomega) *runsv1.Run {
		run := &runsv1.Run{}
		g.Expect(k8s.Get(ctx, key(ns, name), run)).To(Succeed())
		return run
	}
}

func getJob(ns, name string) *batchv1.Job {
	job := &batchv1.Job{}
	EventuallyWithOffset(1, func() error { return k8s.Get(ctx, key(ns, name), job) }, timeout, interval).Should(Succeed())
	return job
}

func getCronJob(ns, name string) *batchv1.CronJob {
	cj := &batchv1.CronJob{}
	EventuallyWithOffset(1, func() error { return k8s.Get(ctx, key(ns, name), cj) }, timeout, interval).Should(Succeed())
	return cj
}

func getConfigMap(ns, name string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{}
	EventuallyWithOffset(1, func() error { return k8s.Get(ctx, key(ns, name), cm) }, timeout, interval).Should(Succeed())
	return cm
}

// pipelineFile is the pipeline file the pod template of a Run's Job or
// CronJob (name) delivers inline, which `weir ingest` reads.
func pipelineFile(ns, name string) string {
	var p string
	EventuallyWithOffset(1, func(g Gomega) {
		var tmpl *corev1.PodTemplateSpec
		job, cj := &batchv1.Job{}, &batchv1.CronJob{}
		if err := k8s.Get(ctx, key(ns, name), job); err == nil {
			tmpl = &job.Spec.Template
		} else {
			g.Expect(k8s.Get(ctx, key(ns, name), cj)).To(Succeed())
			tmpl = &cj.Spec.JobTemplate.Spec.Template
		}
		var cm string
		p, cm = runs.PipelineOf(tmpl)
		g.Expect(cm).To(BeEmpty(), "the pipeline is in ConfigMap %s, not inline", cm)
		g.Expect(p).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	return p
}

func readyOf(run *runsv1.Run) *metav1.Condition {
	return meta.FindStatusCondition(run.Status.Conditions, runsv1.ConditionReady)
}

// finishJob plays the Job controller, which envtest does not run: it moves a
// Job to Complete or Failed with the status fields the API server demands.
func finishJob(job *batchv1.Job, succeeded bool, start, end time.Time) {
	EventuallyWithOffset(1, func(g Gomega) {
		j := &batchv1.Job{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(job), j)).To(Succeed())
		st, en := metav1.NewTime(start), metav1.NewTime(end)
		j.Status.StartTime = &st
		j.Status.Active = 0
		if succeeded {
			j.Status.Succeeded = 1
			j.Status.CompletionTime = &en
			j.Status.Conditions = []batchv1.JobCondition{
				{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: en, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods"},
				{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: en, Reason: "CompletionsReached", Message: "Reached expected number of succeeded pods"},
			}
		} else {
			j.Status.Failed = 1
			j.Status.Conditions = []batchv1.JobCondition{
				{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: en, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
				{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: en, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"},
			}
		}
		g.Expect(k8s.Status().Update(ctx, j)).To(Succeed())
	}, timeout, interval).Should(Succeed())
}

// startJob marks a Job as running.
func startJob(job *batchv1.Job, start time.Time) {
	EventuallyWithOffset(1, func(g Gomega) {
		j := &batchv1.Job{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(job), j)).To(Succeed())
		st := metav1.NewTime(start)
		j.Status.StartTime = &st
		j.Status.Active = 1
		g.Expect(k8s.Status().Update(ctx, j)).To(Succeed())
	}, timeout, interval).Should(Succeed())
}

// eventsFor lists the events about an object, newest last.
func eventsFor(ns string, obj runtime.Object) func() []eventsv1.Event {
	return func() []eventsv1.Event {
		list := &eventsv1.EventList{}
		Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		name := obj.(client.Object).GetName()
		var out []eventsv1.Event
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Regarding.Kind == "Run" {
				out = append(out, e)
			}
		}
		return out
	}
}

func reasons(evs []eventsv1.Event) []string {
	var r []string
	for _, e := range evs {
		r = append(r, e.Reason)
	}
	return r
}

func metaNamed(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
