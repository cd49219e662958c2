package runs_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

var _ = Describe("The reconcile-time policy check", func() {
	It("sees the Run's Namespace in input.related, as the webhook does", func() {
		frozen := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "run-frozen-",
			Labels: map[string]string{"weir.test/frozen": "true"}}}
		Expect(k8s.Create(ctx, frozen)).To(Succeed())
		pb := &policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{Name: "frozen-namespaces"},
			Spec: policiesv1.PolicyBundleSpec{Modules: []policiesv1.Module{{Name: "runs/frozen.rego", Rego: `package weir.runs

deny contains v if {
	input.related.namespace.metadata.labels["weir.test/frozen"] == "true"
	v := {"policy": "test.frozen", "field": "metadata.namespace", "msg": "this namespace is frozen"}
}
`}}}}
		Expect(k8s.Create(ctx, pb)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, pb))).To(Succeed()) })
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(pb), pb)).To(Succeed())
			g.Expect(pb.Status.Conditions).To(ContainElement(And(
				HaveField("Type", policiesv1.ConditionReady), HaveField("Status", metav1.ConditionTrue))))
		}, timeout, interval).Should(Succeed())

		open := newNamespace()
		for _, ns := range []string{frozen.Name, open} {
			Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: r}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		}
		Eventually(func(g Gomega) {
			c := validOf(getRun(frozen.Name, "r")(g))
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal("PolicyDenied"))
			g.Expect(c.Message).To(HavePrefix("denied by policy: metadata.namespace: this namespace is frozen (policy test.frozen)"))
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getRun(open, "r")(g)).To(HaveField("Status.Phase", runsv1.PhaseRunning))
			g.Expect(validOf(getRun(open, "r")(g))).To(HaveField("Status", metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
	})
})
