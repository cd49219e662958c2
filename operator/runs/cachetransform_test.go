package runs_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

// The manager caches a Run's Jobs and CronJobs without their pod template
// (runs.SlimChild): these specs show the reconcile still sees and repairs
// what it must on the API server's objects.
var _ = Describe("Children cached without their pod template", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	podAnnotations := func(ns, name string) func() map[string]string {
		return func() map[string]string {
			return getCronJob(ns, name).Spec.JobTemplate.Spec.Template.Annotations
		}
	}

	It("a CronJob whose Run changed loses what the new spec drops", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: nightly}
spec: {schedule: "0 3 * * *", podAnnotations: {old: "1"}, runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(podAnnotations(ns, "nightly"), timeout, interval).Should(HaveKeyWithValue("old", "1"))
		Eventually(func(g Gomega) {
			r := getRun(ns, "nightly")(g)
			r.Spec.PodAnnotations = map[string]string{"new": "2"}
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(podAnnotations(ns, "nightly"), timeout, interval).Should(
			And(HaveKeyWithValue("new", "2"), Not(HaveKey("old"))))
		Expect(pipelineFile(ns, "nightly")).To(ContainSubstring("host: db"))
	})

	It("a CronJob edited by someone else is repaired, what they added removed", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: edited}
spec: {schedule: "0 3 * * *", runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		want := getCronJob(ns, "edited")
		Eventually(func(g Gomega) {
			cj := &batchv1.CronJob{}
			g.Expect(k8s.Get(ctx, key(ns, "edited"), cj)).To(Succeed())
			cj.Annotations["runs.marmotdata.io/spec-hash"] = "edited"
			cj.Spec.JobTemplate.Spec.Template.Annotations["someone"] = "else"
			cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = "elsewhere:latest"
			g.Expect(k8s.Update(ctx, cj)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			cj := &batchv1.CronJob{}
			g.Expect(k8s.Get(ctx, key(ns, "edited"), cj)).To(Succeed())
			g.Expect(cj.Annotations).To(HaveKeyWithValue("runs.marmotdata.io/spec-hash", want.Annotations["runs.marmotdata.io/spec-hash"]))
			tmpl := cj.Spec.JobTemplate.Spec.Template
			g.Expect(tmpl.Annotations).NotTo(HaveKey("someone"))
			g.Expect(tmpl.Spec.Containers[0].Image).To(Equal(want.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image))
		}, timeout, interval).Should(Succeed())
	})

	It("an old ConfigMap is kept while a running Job mounts it, deleted once it ended", func() {
		run := runFromYAML(ns, `
metadata: {name: mounted}
spec: {schedule: "0 3 * * *", runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		cj := getCronJob(ns, "mounted")
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
		old := &corev1.ConfigMap{ObjectMeta: metaNamed(ns, "mounted-config"), Data: map[string]string{runs.PipelineKey: "name: mounted"}}
		old.Labels = map[string]string{runsv1.LabelManagedBy: runsv1.ManagedBy, runsv1.LabelRun: "mounted"}
		old.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(run, runsv1.GroupVersion.WithKind("Run"))}
		Expect(k8s.Create(ctx, old)).To(Succeed())

		// A Job of an earlier version, as its CronJob made it, still
		// running and mounting the ConfigMap.
		tmpl := cj.Spec.JobTemplate
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "mounted-29000000", Namespace: ns, Labels: tmpl.Labels, Annotations: tmpl.Annotations,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
			Spec: *tmpl.Spec.DeepCopy(),
		}
		job.Spec.Template.Annotations = nil
		job.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		for i, v := range job.Spec.Template.Spec.Volumes {
			if v.Name == "config" {
				job.Spec.Template.Spec.Volumes[i].VolumeSource = corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: old.Name}}}
			}
		}
		Expect(k8s.Create(ctx, job)).To(Succeed())
		Eventually(getRun(ns, "mounted")).WithTimeout(timeout).Should(
			HaveField("Status.Active", ConsistOf(HaveField("Name", job.Name))))

		poke := func() {
			Eventually(func(g Gomega) {
				r := getRun(ns, "mounted")(g)
				if r.Annotations == nil {
					r.Annotations = map[string]string{}
				}
				r.Annotations["test/poke"] = time.Now().String()
				g.Expect(k8s.Update(ctx, r)).To(Succeed())
			}, timeout, interval).Should(Succeed())
		}
		poke()
		Consistently(func() error { return k8s.Get(ctx, key(ns, old.Name), &corev1.ConfigMap{}) },
			2*time.Second, interval).Should(Succeed(), "the ConfigMap a running Job mounts was deleted")

		By("the Job ends")
		now := metav1.Now()
		job.Status = batchv1.JobStatus{StartTime: &now, CompletionTime: &now, Succeeded: 1, Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}}
		Expect(k8s.Status().Update(ctx, job)).To(Succeed())
		poke()
		Eventually(func() error { return k8s.Get(ctx, key(ns, old.Name), &corev1.ConfigMap{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})
})
