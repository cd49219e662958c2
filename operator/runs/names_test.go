package runs_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

// longName is a valid Run name of the largest length, 253, with dots and
// dashes where a cut lands, so a cut name must not end in either.
func longName(prefix string) string {
	n := prefix + strings.Repeat("abcdef-gh.", 30)
	n = n[:252] + "z"
	Expect(validation.IsDNS1123Subdomain(n)).To(BeEmpty())
	return n
}

var _ = Describe("Child names", func() {
	It("cut names to their limits, keep them valid, distinct and stable", func() {
		a, b := longName("a-"), longName("b-")
		for _, c := range []struct {
			name func(*runsv1.Run) string
			max  int
		}{
			{runs.JobName, 63}, {runs.CronJobName, 52}, {runs.TeardownJobName, 63},
			{runs.TriggerJobName, 63}, {runs.PipelineConfigMapName, 253},
		} {
			ra := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: a, ResourceVersion: "7"}}
			rb := &runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: b, ResourceVersion: "7"}}
			na := c.name(ra)
			Expect(len(na)).To(BeNumerically("<=", c.max), na)
			Expect(validation.IsDNS1123Subdomain(na)).To(BeEmpty(), na)
			Expect(validation.IsValidLabelValue(na[:min(len(na), 63)])).To(BeEmpty(), na)
			Expect(c.name(ra)).To(Equal(na), "stable")
			Expect(c.name(rb)).NotTo(Equal(na), "distinct")
		}
		Expect(len(runs.RunLabelValue(a))).To(BeNumerically("<=", 63))
		Expect(validation.IsValidLabelValue(runs.RunLabelValue(a))).To(BeEmpty())
		Expect(runs.RunLabelValue("short")).To(Equal("short"))
		Expect(runs.JobName(&runsv1.Run{ObjectMeta: metav1.ObjectMeta{Name: "short"}})).To(Equal("short"))
	})

	Context("of a Run with a 253-character name", func() {
		var ns string
		BeforeEach(func() { ns = newNamespace() })

		It("are valid for the one-off Job, the trigger, the status and the teardown", func() {
			run := runFromYAML(ns, `
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
			run.Name = longName("once-")
			Expect(k8s.Create(ctx, run)).To(Succeed())
			job := getJob(ns, runs.JobName(run))
			Expect(job.Labels).To(HaveKeyWithValue(runsv1.LabelRun, runs.RunLabelValue(run.Name)))
			pipelineFile(ns, runs.JobName(run))
			// Status finds the Job by its (cut) label.
			Eventually(func(g Gomega) {
				r := getRun(ns, run.Name)(g)
				g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseRunning))
				g.Expect(readyOf(r).Status).To(BeEquivalentTo("True"))
				g.Expect(r.Status.Active).To(ConsistOf(HaveField("Name", job.Name)))
			}, timeout, interval).Should(Succeed())
			// A Job update reaches the Run through the full name on the Job.
			finishJob(job, true, time.Now().Add(-time.Minute), time.Now())
			Eventually(getRun(ns, run.Name)).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseSucceeded))

			Eventually(func(g Gomega) {
				r := getRun(ns, run.Name)(g)
				r.Annotations = map[string]string{runsv1.AnnotationTrigger: "true"}
				g.Expect(k8s.Update(ctx, r)).To(Succeed())
			}, timeout, interval).Should(Succeed())
			Eventually(func(g Gomega) {
				r := getRun(ns, run.Name)(g)
				g.Expect(r.Status.LastTrigger).NotTo(BeNil())
				g.Expect(len(r.Status.LastTrigger.JobName)).To(BeNumerically("<=", 63))
			}, timeout, interval).Should(Succeed())

			Expect(k8s.Delete(ctx, run)).To(Succeed())
			teardown := getJob(ns, runs.TeardownJobName(run))
			finishJob(teardown, true, time.Now().Add(-time.Minute), time.Now())
			Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(run), &runsv1.Run{}) },
				timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		})

		It("are valid for the CronJob", func() {
			run := runFromYAML(ns, `
spec: {schedule: "@hourly", runs: [{postgresql: {host: db, user: u}}]}`)
			run.Name = longName("cron-")
			Expect(k8s.Create(ctx, run)).To(Succeed())
			cj := getCronJob(ns, runs.CronJobName(run))
			Expect(cj.Spec.JobTemplate.Annotations).To(HaveKeyWithValue(runsv1.AnnotationRun, run.Name))
			Eventually(func(g Gomega) {
				r := getRun(ns, run.Name)(g)
				g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseScheduled))
				g.Expect(readyOf(r).Status).To(BeEquivalentTo("True"))
			}, timeout, interval).Should(Succeed())

			// A Job the CronJob controller made (labels and annotations from
			// the template, owned by the CronJob) reaches the Run.
			tmpl := cj.Spec.JobTemplate
			made := &batchv1.Job{
				ObjectMeta: metav1.ObjectMeta{Name: runs.CronJobName(run) + "-29000000", Namespace: ns,
					Labels: tmpl.Labels, Annotations: tmpl.Annotations,
					OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
				Spec: *tmpl.Spec.DeepCopy(),
			}
			made.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
			Expect(k8s.Create(ctx, made)).To(Succeed())
			Eventually(getRun(ns, run.Name)).WithTimeout(timeout).Should(
				HaveField("Status.Active", ConsistOf(HaveField("Name", made.Name))))
		})
	})
})
