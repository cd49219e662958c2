package runs_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/policies/engine"
)

// staleRun serves one Run as it was before: a cache that has not seen the
// controller's own write yet, as happens when the trigger Job's creation
// queues the Run before the annotation's removal reaches the informer.
type staleRun struct {
	client.Client
	run *runsv1.Run
}

func (s staleRun) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if r, ok := obj.(*runsv1.Run); ok && key == client.ObjectKeyFromObject(s.run) {
		s.run.DeepCopyInto(r)
		return nil
	}
	return s.Client.Get(ctx, key, obj, opts...)
}

var _ = Describe("A trigger seen again through a stale cache", func() {
	It("starts no second Job and records no second event", func() {
		ns := newNamespace()
		run := runFromYAML(ns, `
metadata: {name: stale}
spec: {schedule: "@hourly", runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(getRun(ns, "stale")).WithTimeout(timeout).Should(HaveField("Status.ObservedGeneration", int64(1)))

		var annotated *runsv1.Run
		Eventually(func(g Gomega) {
			r := getRun(ns, "stale")(g)
			r.Annotations = map[string]string{runsv1.AnnotationTrigger: "true"}
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
			annotated = r
		}, timeout, interval).Should(Succeed())
		triggerJobs := func() []batchv1.Job {
			jobs := &batchv1.JobList{}
			Expect(k8s.List(ctx, jobs, client.InNamespace(ns), client.MatchingLabels{runsv1.LabelJobKind: "trigger"})).To(Succeed())
			return jobs.Items
		}
		Eventually(func(g Gomega) {
			g.Expect(getRun(ns, "stale")(g).Annotations).NotTo(HaveKey(runsv1.AnnotationTrigger))
			g.Expect(triggerJobs()).To(HaveLen(1))
		}, timeout, interval).Should(Succeed())
		countTriggered := func() int {
			n := 0
			for _, e := range eventsFor(ns, run)() {
				if e.Reason == "Triggered" {
					n++
					if e.Series != nil {
						n += int(e.Series.Count) - 1
					}
				}
			}
			return n
		}
		Eventually(countTriggered, timeout, interval).Should(Equal(1))

		eng := engine.New()
		_, err := eng.Load(ctx, engine.DefaultBundle())
		Expect(err).NotTo(HaveOccurred())
		r := &runs.Reconciler{Client: staleRun{mgr.GetClient(), annotated}, APIReader: mgr.GetAPIReader(),
			Recorder: mgr.GetEventRecorder("weir-runs"), Options: runOptions, Policies: eng}
		for range 2 {
			_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key(ns, "stale")})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(triggerJobs()).To(HaveLen(1))
		Consistently(countTriggered, timeout/10, interval).Should(Equal(1))
	})
})
