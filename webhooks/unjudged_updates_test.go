package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// runUpdateReviews is how many Run UPDATE reviews Weir's handlers have
// answered, validating and mutating, as weir_admission_request_duration_seconds
// counts them (the manager runs in this process, so its registry is ours).
func runUpdateReviews() uint64 {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var n uint64
	for _, f := range families {
		if f.GetName() != "weir_admission_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == "Run" && labels["operation"] == "UPDATE" {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// The matchCondition changes-what-policies-read, through a real API server:
// an UPDATE of a live Run that changes only its finalizers reaches no
// webhook, one that changes its labels, annotations or owner references
// reaches both, and a spec change the policies deny is still denied.
var _ = Describe("UPDATEs that change nothing the policies read", func() {
	const hold = "example.com/hold"

	It("skip the webhooks; other writes still reach them", func() {
		ns := newNamespace()
		run := goodRun("quiet", ns)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		DeferCleanup(func() {
			Eventually(func() error {
				if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
					return client.IgnoreNotFound(err)
				}
				if controllerutil.RemoveFinalizer(run, hold) {
					return k8s.Update(ctx, run)
				}
				return nil
			}, timeout, interval).Should(Succeed())
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, run))).To(Succeed())
		})
		By("waiting for the controller's own finalizer")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
			g.Expect(controllerutil.ContainsFinalizer(run, runsv1.Finalizer)).To(BeTrue())
		}, timeout, interval).Should(Succeed())

		// update applies change to the latest Run and returns the Run
		// UPDATE reviews Weir answered meanwhile.
		update := func(g Gomega, change func(*runsv1.Run)) uint64 {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
			before := runUpdateReviews()
			change(run)
			g.Expect(k8s.Update(ctx, run)).To(Succeed())
			return runUpdateReviews() - before
		}

		By("adding and removing a finalizer: no review")
		// Another write of a Run elsewhere may be counted meanwhile; a
		// finalizer write that reached Weir would be counted every time.
		for _, add := range []bool{true, false} {
			Eventually(func(g Gomega) uint64 {
				return update(g, func(r *runsv1.Run) {
					if add {
						controllerutil.AddFinalizer(r, hold)
					} else {
						controllerutil.RemoveFinalizer(r, hold)
					}
				})
			}, timeout, interval).Should(BeZero(), "add=%v: a finalizer-only UPDATE reached the webhooks", add)
		}

		By("changing a label, an annotation, the owner references: both webhooks")
		owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner", Namespace: ns}}
		Expect(k8s.Create(ctx, owner)).To(Succeed())
		for name, change := range map[string]func(*runsv1.Run){
			"label":           func(r *runsv1.Run) { r.Labels = map[string]string{"team": "a"} },
			"annotation":      func(r *runsv1.Run) { r.Annotations = map[string]string{"note": "x"} },
			"owner reference": func(r *runsv1.Run) { Expect(controllerutil.SetOwnerReference(owner, r, k8s.Scheme())).To(Succeed()) },
		} {
			Expect(update(Default, change)).To(BeNumerically(">=", 2), "a %s change must reach the validating and mutating webhooks", name)
		}

		By("changing the spec to a literal password: denied")
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
		run.Spec.Runs = runWithPassword("x", ns, "hunter2").Spec.Runs
		Expect(k8s.Update(ctx, run)).To(MatchError(ContainSubstring("runs.literal-secret")))
	})
})
