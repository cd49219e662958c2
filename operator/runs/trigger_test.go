package runs_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

var _ = Describe("Manual trigger", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("creates a one-off Job, records it and clears the annotation",
		func(manifest string) {
			run := runFromYAML(ns, manifest)
			Expect(k8s.Create(ctx, run)).To(Succeed())
			Eventually(getRun(ns, run.Name)).WithTimeout(timeout).Should(HaveField("Status.ObservedGeneration", int64(1)))

			Eventually(func(g Gomega) {
				r := getRun(ns, run.Name)(g)
				r.Annotations = map[string]string{runsv1.AnnotationTrigger: "true"}
				g.Expect(k8s.Update(ctx, r)).To(Succeed())
			}, timeout, interval).Should(Succeed())

			var trig *runsv1.TriggerStatus
			Eventually(func(g Gomega) {
				r := getRun(ns, run.Name)(g)
				g.Expect(r.Annotations).NotTo(HaveKey(runsv1.AnnotationTrigger))
				g.Expect(r.Status.LastTrigger).NotTo(BeNil())
				trig = r.Status.LastTrigger
			}, timeout, interval).Should(Succeed())
			Expect(trig.JobName).To(HavePrefix(run.Name + "-trigger-"))

			job := getJob(ns, trig.JobName)
			Expect(job.Spec.TTLSecondsAfterFinished).To(Equal(ptr.To[int32](60)))
			Expect(job.Labels).To(HaveKeyWithValue(runsv1.LabelJobKind, "trigger"))
			Expect(strings.Join(job.Spec.Template.Spec.Containers[0].Command, " ")).To(Equal("weir ingest -c /config/pipeline.yaml"))
			// One event per trigger, however many reconciles still see the
			// annotation in their cache. The recorder folds a repeat of the
			// same event into a series, so a repeat shows as a count.
			triggered := func() []string {
				var out []string
				for _, e := range eventsFor(ns, run)() {
					if e.Reason == "Triggered" {
						out = append(out, e.Note)
						if e.Series != nil {
							out = append(out, fmt.Sprintf("the same again, %d times in all", e.Series.Count))
						}
					}
				}
				return out
			}
			Eventually(triggered, timeout, interval).Should(HaveLen(1))
			Consistently(triggered, 2*time.Second, interval).Should(HaveLen(1))

			// Exactly one trigger Job for one annotation.
			jobs := &batchv1.JobList{}
			Expect(k8s.List(ctx, jobs, client.InNamespace(ns), client.MatchingLabels{runsv1.LabelJobKind: "trigger"})).To(Succeed())
			Expect(jobs.Items).To(HaveLen(1))
		},
		Entry("scheduled Run", `
metadata: {name: sched}
spec: {schedule: "0 */6 * * *", runs: [{postgresql: {host: db, user: u}}]}`),
		Entry("Run without a schedule", `
metadata: {name: plain}
spec: {runs: [{postgresql: {host: db, user: u}}]}`),
	)

	It("says so when the annotation is not \"true\", and starts nothing", func() {
		run := runFromYAML(ns, `
metadata: {name: trigger-yes, annotations: {runs.marmotdata.io/trigger: "yes"}}
spec: {schedule: "@hourly", runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			r := getRun(ns, "trigger-yes")(g)
			c := meta.FindStatusCondition(r.Status.Conditions, runsv1.ConditionTrigger)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(BeEquivalentTo("False"))
			g.Expect(c.Reason).To(Equal("InvalidTriggerValue"))
			g.Expect(c.Message).To(ContainSubstring(`is "yes"`))
			g.Expect(c.Message).To(ContainSubstring("runs.marmotdata.io/trigger=true"))
		}, timeout, interval).Should(Succeed())
		Eventually(eventsFor(ns, run)).WithTimeout(timeout).Should(ContainElement(And(
			HaveField("Reason", "InvalidTriggerValue"), HaveField("Type", "Warning"))))
		jobs := &batchv1.JobList{}
		Expect(k8s.List(ctx, jobs, client.InNamespace(ns))).To(Succeed())
		Expect(jobs.Items).To(BeEmpty())

		Eventually(func(g Gomega) {
			r := getRun(ns, "trigger-yes")(g)
			r.Annotations[runsv1.AnnotationTrigger] = "true"
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			r := getRun(ns, "trigger-yes")(g)
			g.Expect(r.Status.LastTrigger).NotTo(BeNil())
			g.Expect(meta.FindStatusCondition(r.Status.Conditions, runsv1.ConditionTrigger)).To(BeNil())
		}, timeout, interval).Should(Succeed())
	})
})
