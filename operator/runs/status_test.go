package runs_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/policies/engine"
)

var _ = Describe("Run status", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("follows the Job: Idle or Running, then Succeeded with the Job's real completion time", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: st}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		job := getJob(ns, "st")
		Eventually(getRun(ns, "st")).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseRunning))

		start := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
		startJob(job, start)
		// The start costs no status write of its own (jobNews): lastRunTime
		// comes with the next one, here the end's.
		Eventually(getRun(ns, "st")).WithTimeout(timeout).Should(
			HaveField("Status.Active", ConsistOf(HaveField("Name", "st"))))

		end := time.Now().Add(-time.Hour).Truncate(time.Second)
		finishJob(job, true, start, end)
		Eventually(func(g Gomega) {
			r := getRun(ns, "st")(g)
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseSucceeded))
			g.Expect(r.Status.Active).To(BeEmpty())
			g.Expect(r.Status.LastSuccessfulTime).NotTo(BeNil())
			g.Expect(r.Status.LastSuccessfulTime.Time).To(BeTemporally("==", end)) // never "now"
			g.Expect(r.Status.LastRunTime).NotTo(BeNil())
			g.Expect(r.Status.LastRunTime.Time).To(BeTemporally("==", start))
			g.Expect(r.Status.ObservedGeneration).To(Equal(r.Generation))
			c := readyOf(r)
			g.Expect(c.Status).To(BeEquivalentTo("True"))
			g.Expect(c.Reason).To(Equal("Succeeded"))
			g.Expect(c.ObservedGeneration).To(Equal(r.Generation))
		}, timeout, interval).Should(Succeed())
	})

	It("reports a failed Job as Failed with Ready=False and the Job's reason", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: bad}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		job := getJob(ns, "bad")
		finishJob(job, false, time.Now().Add(-time.Minute), time.Now())
		Eventually(func(g Gomega) {
			r := getRun(ns, "bad")(g)
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseFailed))
			c := readyOf(r)
			g.Expect(c.Status).To(BeEquivalentTo("False"))
			g.Expect(c.Reason).To(Equal("JobFailed"))
			g.Expect(c.Message).To(ContainSubstring("Job bad failed: BackoffLimitExceeded"))
			g.Expect(r.Status.LastSuccessfulTime).To(BeNil())
		}, timeout, interval).Should(Succeed())
	})

	It("suspends and resumes a scheduled Run", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: sus}
spec: {schedule: "@hourly", suspend: true, runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getCronJob(ns, "sus").Spec.Suspend).To(Equal(ptr.To(true)))
			g.Expect(getRun(ns, "sus")(g).Status.Phase).To(Equal(runsv1.PhaseSuspended))
		}, timeout, interval).Should(Succeed())

		Eventually(func(g Gomega) {
			r := getRun(ns, "sus")(g)
			r.Spec.Suspend = ptr.To(false)
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getCronJob(ns, "sus").Spec.Suspend).To(Equal(ptr.To(false)))
			g.Expect(getRun(ns, "sus")(g).Status.Phase).To(Equal(runsv1.PhaseScheduled))
		}, timeout, interval).Should(Succeed())
	})

	It("makes no API write when an unchanged Run is reconciled again", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: steady}
spec: {schedule: "@hourly", runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: steady-once}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(getRun(ns, "steady")).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseScheduled))
		Eventually(getRun(ns, "steady-once")).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseRunning))
		time.Sleep(time.Second) // let the cache see the controller's own writes

		eng := engine.New()
		_, err := eng.Load(ctx, engine.DefaultBundle())
		Expect(err).NotTo(HaveOccurred())
		r := &runs.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
			Recorder: mgr.GetEventRecorder("weir-runs"), Options: runOptions, Policies: eng}
		before := writes.Load()
		for range 5 {
			for _, name := range []string{"steady", "steady-once"} {
				_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key(ns, name)})
				Expect(err).NotTo(HaveOccurred())
			}
		}
		Expect(writes.Load() - before).To(BeZero())
	})
})

var _ = Describe("Credentials", func() {
	It("keep secret values out of the pipeline file, the status and events", func() {
		ns := newNamespace()
		const secretValue = "s3cr3t-Value-42"
		Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metaNamed(ns, "pg"),
			StringData: map[string]string{"password": secretValue}})).To(Succeed())
		run := runFromYAML(ns, `
metadata: {name: creds}
spec:
  env:
  - name: PG_PASSWORD
    valueFrom: {secretKeyRef: {name: pg, key: password}}
  envFrom:
  - secretRef: {name: pg}
  runs:
  - postgresql: {host: db, user: readonly, password: "${PG_PASSWORD}"}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())

		pipeline := pipelineFile(ns, "creds")
		Expect(pipeline).To(ContainSubstring("${PG_PASSWORD}"))
		Expect(pipeline).NotTo(ContainSubstring(secretValue))

		job := getJob(ns, "creds")
		c := job.Spec.Template.Spec.Containers[0]
		Expect(c.Env).To(ContainElement(HaveField("ValueFrom.SecretKeyRef.Name", "pg")))
		Expect(c.EnvFrom).To(ContainElement(HaveField("SecretRef.Name", "pg")))

		r := getRun(ns, "creds")(Default)
		Expect(r.Status.ObservedGeneration).To(BeNumerically(">=", 0))
		Expect(toJSON(r)).NotTo(ContainSubstring(secretValue))
		Expect(toJSON(job)).NotTo(ContainSubstring(secretValue))
		Expect(toJSON(eventsFor(ns, run)())).NotTo(ContainSubstring(secretValue))
	})
})
