package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// erroringRunRules fail every Run decision: boom has two values.
const erroringRunRules = `package weir.runs

boom := x if { some x in [1, 2] }

deny contains {"policy": "boom", "msg": "never"} if boom == 3
`

var _ = Describe("Deleting a Run while a bundle errors", func() {
	It("lets the controller remove its finalizer, so the Run goes", func() {
		ns := newNamespace()
		run := goodRun("doomed", ns)
		// The finalizer stays until teardown; skipping it lets the
		// controller remove the finalizer at once.
		run.Annotations = map[string]string{runsv1.AnnotationSkipTeardown: "true"}
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
			g.Expect(controllerutil.ContainsFinalizer(run, runsv1.Finalizer)).To(BeTrue())
		}, timeout, interval).Should(Succeed())

		pb := bundle("broken-eval", map[string]string{"boom.rego": erroringRunRules})
		Expect(k8s.Create(ctx, pb)).To(Succeed())
		DeferCleanup(func() {
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, pb))).To(Succeed())
			Eventually(func() error {
				return k8s.Create(ctx, goodRun("after-broken", ns), client.DryRunAll)
			}, timeout, interval).Should(Succeed())
		})
		By("waiting until every Run write fails on the bundle")
		Eventually(func() error {
			return k8s.Create(ctx, goodRun("probe", ns), client.DryRunAll)
		}, timeout, interval).Should(MatchError(ContainSubstring("policy decision")))
		Eventually(func() error { // an ordinary write is still judged
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			// 4, not the default 3: an UPDATE that changes nothing is
			// not sent to Weir at all (changes-what-policies-read).
			run.Spec.BackoffLimit = ptrTo(int32(4))
			return k8s.Update(ctx, run)
		}, timeout, interval).Should(MatchError(ContainSubstring("policy decision")))

		Expect(k8s.Delete(ctx, run)).To(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(run), run)
		}, timeout, interval).Should(Satisfy(apierrors.IsNotFound), "the finalizer removal was refused")
	})
})
