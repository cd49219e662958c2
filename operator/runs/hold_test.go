package runs_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// denyNamespace puts in force a PolicyBundle that denies every Run in ns,
// as a cluster admin tightening the rules would; the returned func lifts it.
func denyNamespace(ns string) func() {
	pb := &policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{Name: "hold-" + ns},
		Spec: policiesv1.PolicyBundleSpec{Modules: []policiesv1.Module{{Name: "runs/hold.rego", Rego: `package weir.runs

deny contains v if {
	input.namespace == "` + ns + `"
	v := {"policy": "test.hold", "field": "metadata.namespace", "msg": "Runs in this namespace are on hold"}
}
`}}}}
	Expect(k8s.Create(ctx, pb)).To(Succeed())
	return func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, pb))).To(Succeed()) }
}

func validOf(run *runsv1.Run) *metav1.Condition {
	return meta.FindStatusCondition(run.Status.Conditions, runsv1.ConditionValid)
}

var _ = Describe("A Run the policies deny", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("has its CronJob suspended, starts no trigger, says so, and resumes when allowed", func() {
		run := runFromYAML(ns, `
metadata: {name: held}
spec: {schedule: "@hourly", runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(getRun(ns, "held")).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseScheduled))
		Expect(getCronJob(ns, "held").Spec.Suspend).To(Equal(ptr.To(false)))

		allow := denyNamespace(ns)
		DeferCleanup(allow)
		Eventually(func(g Gomega) {
			g.Expect(getCronJob(ns, "held").Spec.Suspend).To(Equal(ptr.To(true)))
			r := getRun(ns, "held")(g)
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseBlocked))
			v := validOf(r)
			g.Expect(v).NotTo(BeNil())
			g.Expect(v.Reason).To(Equal("PolicyDenied"))
			g.Expect(v.Message).To(ContainSubstring("Runs in this namespace are on hold"))
			g.Expect(v.Message).To(ContainSubstring("CronJob held is suspended"))
			g.Expect(readyOf(r).Reason).To(Equal("PolicyDenied"))
			g.Expect(readyOf(r).Message).To(ContainSubstring("CronJob held is suspended"))
		}, timeout, interval).Should(Succeed())
		Expect(reasons(eventsFor(ns, run)())).To(ContainElement("PolicyDenied"))

		// A trigger while denied starts nothing and waits.
		Eventually(func(g Gomega) {
			r := getRun(ns, "held")(g)
			r.Annotations = map[string]string{runsv1.AnnotationTrigger: "true"}
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		triggerJobs := func() []batchv1.Job {
			jobs := &batchv1.JobList{}
			Expect(k8s.List(ctx, jobs, client.InNamespace(ns), client.MatchingLabels{runsv1.LabelJobKind: "trigger"})).To(Succeed())
			return jobs.Items
		}
		Consistently(triggerJobs, 2*time.Second, interval).Should(BeEmpty())

		allow()
		Eventually(func(g Gomega) {
			cj := getCronJob(ns, "held")
			g.Expect(cj.Spec.Suspend).To(Equal(ptr.To(false)))
			g.Expect(cj.Annotations).NotTo(HaveKey("runs.marmotdata.io/held"))
			r := getRun(ns, "held")(g)
			g.Expect(validOf(r).Status).To(BeEquivalentTo("True"))
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseRunning)) // the trigger that waited
		}, timeout, interval).Should(Succeed())
		Expect(triggerJobs()).To(HaveLen(1))
		Expect(reasons(eventsFor(ns, run)())).To(ContainElement("Resumed"))
	})

	It("keeps a user's own suspend when resumed", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: paused}
spec: {schedule: "@hourly", suspend: true, runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(getRun(ns, "paused")).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseSuspended))
		allow := denyNamespace(ns)
		DeferCleanup(allow)
		Eventually(func(g Gomega) {
			g.Expect(getCronJob(ns, "paused").Annotations).To(HaveKey("runs.marmotdata.io/held"))
		}, timeout, interval).Should(Succeed())
		allow()
		Eventually(func(g Gomega) {
			cj := getCronJob(ns, "paused")
			g.Expect(cj.Annotations).NotTo(HaveKey("runs.marmotdata.io/held"))
			g.Expect(cj.Spec.Suspend).To(Equal(ptr.To(true)))
			g.Expect(getRun(ns, "paused")(g).Status.Phase).To(Equal(runsv1.PhaseSuspended))
		}, timeout, interval).Should(Succeed())
	})

	It("has a Job that has not started deleted, and made again when allowed", func() {
		run := runFromYAML(ns, `
metadata: {name: once-held}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		first := getJob(ns, "once-held")

		allow := denyNamespace(ns)
		DeferCleanup(allow)
		Eventually(func() error { return k8s.Get(ctx, key(ns, "once-held"), &batchv1.Job{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		Eventually(func(g Gomega) {
			r := getRun(ns, "once-held")(g)
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseBlocked))
			g.Expect(validOf(r).Message).To(ContainSubstring("no Job is started"))
		}, timeout, interval).Should(Succeed())
		Eventually(eventsFor(ns, run)).WithTimeout(timeout).Should(ContainElement(And(
			HaveField("Reason", "Held"), HaveField("Note", ContainSubstring("Job once-held had not started and was deleted")))))

		allow()
		Eventually(func(g Gomega) {
			j := &batchv1.Job{}
			g.Expect(k8s.Get(ctx, key(ns, "once-held"), j)).To(Succeed())
			g.Expect(j.UID).NotTo(Equal(first.UID))
		}, timeout, interval).Should(Succeed())
	})

	It("leaves a running Job to finish", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: busy}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		job := getJob(ns, "busy")
		startJob(job, time.Now().Add(-time.Minute))
		// A start alone reconciles nothing (jobNews): an edit of the Run
		// does, until the reconcile has seen the start (lastRunTime).
		Eventually(func(g Gomega) {
			r := getRun(ns, "busy")(g)
			if r.Status.LastRunTime == nil {
				r.Annotations = map[string]string{"test/poke": time.Now().String()}
				g.Expect(k8s.Update(ctx, r)).To(Succeed())
			}
			g.Expect(r.Status.LastRunTime).NotTo(BeNil())
		}, timeout, interval).Should(Succeed())

		DeferCleanup(denyNamespace(ns))
		Eventually(func(g Gomega) {
			r := getRun(ns, "busy")(g)
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseBlocked))
			g.Expect(validOf(r).Message).To(ContainSubstring("Jobs already running are left to finish"))
		}, timeout, interval).Should(Succeed())
		Consistently(func(g Gomega) {
			j := &batchv1.Job{}
			g.Expect(k8s.Get(ctx, key(ns, "busy"), j)).To(Succeed())
			g.Expect(j.UID).To(Equal(job.UID))
			g.Expect(j.DeletionTimestamp).To(BeNil())
		}, 2*time.Second, interval).Should(Succeed())
	})
})
