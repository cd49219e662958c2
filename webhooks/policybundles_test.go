package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// teamLabel denies Runs without a team label.
const teamLabel = `package weir.runs

deny contains {"policy": "team.label", "field": "metadata.labels.team", "msg": "every Run needs a team label"} if {
	not input.object.metadata.labels.team
}
`

// createTeamBundle creates pb, a bundle with teamLabel, and when the spec
// ends deletes it and waits until admission no longer applies it: specs
// run in random order, and the next one expects the default bundle alone.
func createTeamBundle(pb *policiesv1.PolicyBundle) {
	GinkgoHelper()
	Expect(k8s.Create(ctx, pb)).To(Succeed())
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, pb))).To(Succeed())
		Eventually(func(g Gomega) {
			warns.take()
			g.Expect(k8s.Create(ctx, goodRun("unlabelled", "default"), client.DryRunAll)).To(Succeed())
			g.Expect(warns.take()).NotTo(ContainElement(ContainSubstring("bundle " + pb.Name)))
		}, timeout, interval).Should(Succeed())
	})
}

var _ = Describe("PolicyBundle admission and reload", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(); warns.take() })

	It("changes the next decision when a bundle is created, edited and deleted, without a restart", func() {
		pb := bundle("team-rules", map[string]string{"team.rego": teamLabel})
		createTeamBundle(pb)

		Eventually(func() error {
			return k8s.Create(ctx, goodRun("unlabelled", ns), client.DryRunAll)
		}, timeout, interval).Should(MatchError(ContainSubstring(
			"metadata.labels.team: every Run needs a team label (policy team.label, bundle team-rules)")))

		Eventually(func() error { // the controller writes status meanwhile
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(pb), pb); err != nil {
				return err
			}
			pb.Spec.EnforcementMode = policiesv1.EnforceWarn
			return k8s.Update(ctx, pb)
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			warns.take()
			g.Expect(k8s.Create(ctx, goodRun("unlabelled", ns), client.DryRunAll)).To(Succeed())
			g.Expect(warns.take()).To(ContainElement(
				"metadata.labels.team: every Run needs a team label (policy team.label, bundle team-rules)"))
		}, timeout, interval).Should(Succeed())

		Expect(k8s.Delete(ctx, pb)).To(Succeed())
		Eventually(func(g Gomega) {
			warns.take()
			g.Expect(k8s.Create(ctx, goodRun("unlabelled", ns), client.DryRunAll)).To(Succeed())
			g.Expect(warns.take()).To(BeEmpty())
		}, timeout, interval).Should(Succeed())
	})

	It("rejects a bundle that does not compile with the file, line and column", func() {
		pb := bundle("broken", map[string]string{"broken.rego": "package weir.runs\n\ndeny contains msg if {\n\tmsg := \n}\n"})
		err := k8s.Create(ctx, pb)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(And(
			ContainSubstring(`admission webhook "validate.policybundles.policies.weir.dev" denied the request`),
			MatchRegexp(`spec\.modules\[0\]\.rego: [^ ]*broken\.rego:[45]:\d+: rego_parse_error`),
		))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(pb), pb)).To(Satisfy(apierrors.IsNotFound))
	})

	It("re-decides existing Runs when a stricter bundle arrives, and stops updating their Jobs", func() {
		run := goodRun("existing", weirNamespace)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		DeferCleanup(func() { _ = k8s.Delete(ctx, run) })
		job := &batchv1.Job{}
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(run), job) }, timeout, interval).Should(Succeed())
		// Playing the Job controller: a started Job is left to finish when
		// its Run is denied (a pending one would be deleted).
		job.Status.StartTime = ptrTo(metav1.Now())
		Expect(k8s.Status().Update(ctx, job)).To(Succeed())

		pb := bundle("team-rules-2", map[string]string{"team.rego": teamLabel})
		createTeamBundle(pb)
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
			c := findCondition(run, runsv1.ConditionValid)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Message).To(ContainSubstring("metadata.labels.team: every Run needs a team label"))
		}, timeout, interval).Should(Succeed())

		// A spec change of a denied Run leaves its Job as it was.
		Eventually(func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			run.Spec.BackoffLimit = ptrTo(int32(7))
			return k8s.Update(ctx, run)
		}, timeout, interval).Should(Succeed())
		Consistently(func(g Gomega) {
			got := &batchv1.Job{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), got)).To(Succeed())
			g.Expect(got.UID).To(Equal(job.UID))
		}, "2s", interval).Should(Succeed())
	})
})
