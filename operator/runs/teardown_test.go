package runs_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

func runGone(ns, name string) func() error {
	return func() error { return k8s.Get(ctx, key(ns, name), &runsv1.Run{}) }
}

var _ = Describe("Teardown on delete", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	create := func(manifest string) *runsv1.Run {
		run := runFromYAML(ns, manifest)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(getRun(ns, run.Name)).WithTimeout(timeout).Should(HaveField("Finalizers", ContainElement(runsv1.Finalizer)))
		return run
	}

	It("runs weir ingest --destroy and lets the Run go when it succeeds", func() {
		run := create(`
metadata: {name: gone}
spec: {schedule: "@daily", runs: [{postgresql: {host: db, user: u}}]}`)
		getCronJob(ns, "gone")
		Expect(k8s.Delete(ctx, run)).To(Succeed())

		job := getJob(ns, "gone-teardown")
		Expect(job.Spec.Template.Spec.Containers[0].Command).To(Equal(
			[]string{"weir", "ingest", "-c", "/config/pipeline.yaml", "--destroy"}))
		expectRestrictedPod(job.Spec.Template.Spec)
		// No scheduled ingestion may run once the assets are being destroyed.
		Eventually(func() error { return k8s.Get(ctx, key(ns, "gone"), &batchv1.CronJob{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		Consistently(runGone(ns, "gone"), time.Second, interval).Should(Succeed())

		finishJob(job, true, time.Now().Add(-time.Minute), time.Now())
		Eventually(runGone(ns, "gone"), timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("keeps the Run when teardown fails, says why and how to force it", func() {
		run := create(`
metadata: {name: stuck}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Delete(ctx, run)).To(Succeed())
		job := getJob(ns, "stuck-teardown")
		finishJob(job, false, time.Now().Add(-time.Minute), time.Now())

		Eventually(func(g Gomega) {
			r := getRun(ns, "stuck")(g)
			c := meta.FindStatusCondition(r.Status.Conditions, runsv1.ConditionTeardown)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(BeEquivalentTo("False"))
			g.Expect(c.Reason).To(Equal("TeardownFailed"))
			g.Expect(c.Message).To(ContainSubstring("BackoffLimitExceeded"))
			g.Expect(c.Message).To(ContainSubstring("kubectl annotate run stuck -n " + ns + " runs.marmotdata.io/skip-teardown=true"))
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseFailed))
		}, timeout, interval).Should(Succeed())
		Eventually(eventsFor(ns, run)).WithTimeout(timeout).Should(ContainElement(And(
			HaveField("Reason", "TeardownFailed"), HaveField("Type", "Warning"))))
		Consistently(runGone(ns, "stuck"), 2*time.Second, interval).Should(Succeed())

		// Forcing the delete keeps the assets and lets the Run go.
		Eventually(func(g Gomega) {
			r := getRun(ns, "stuck")(g)
			r.Annotations = map[string]string{runsv1.AnnotationSkipTeardown: "true"}
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(runGone(ns, "stuck"), timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("with teardownOnDelete false keeps no finalizer and runs no teardown", func() {
		run := runFromYAML(ns, `
metadata: {name: keep}
spec: {teardownOnDelete: false, runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		getJob(ns, "keep")
		Expect(getRun(ns, "keep")(Default).Finalizers).To(BeEmpty())
		Expect(k8s.Delete(ctx, run)).To(Succeed())
		Eventually(runGone(ns, "keep"), timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		Consistently(func() error { return k8s.Get(ctx, key(ns, "keep-teardown"), &batchv1.Job{}) },
			time.Second, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("drops the finalizer when teardownOnDelete is switched off", func() {
		create(`
metadata: {name: flip}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		Eventually(func(g Gomega) {
			r := getRun(ns, "flip")(g)
			r.Spec.TeardownOnDelete = new(bool)
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(getRun(ns, "flip")).WithTimeout(timeout).Should(HaveField("Finalizers", BeEmpty()))
	})
})
