package runs_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

func referencesOf(run *runsv1.Run) *metav1.Condition {
	return meta.FindStatusCondition(run.Status.Conditions, runsv1.ConditionReferencesResolved)
}

var _ = Describe("References", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("flag a missing Secret and ServiceAccount in status and an event, and clear once they exist", func() {
		run := runFromYAML(ns, `
metadata: {name: refs}
spec:
  serviceAccountName: pg-reader
  env:
  - name: PG_PASSWORD
    valueFrom: {secretKeyRef: {name: pg, key: password}}
  - name: OPTIONAL
    valueFrom: {secretKeyRef: {name: maybe, key: x, optional: true}}
  envFrom:
  - secretRef: {name: pg-extra}
  - secretRef: {name: pg}
  runs:
  - postgresql: {host: db, user: readonly, password: "${PG_PASSWORD}"}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			r := getRun(ns, "refs")(g)
			c := referencesOf(r)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(BeEquivalentTo("False"))
			g.Expect(c.Reason).To(Equal("SecretNotFound"))
			g.Expect(c.Message).To(ContainSubstring("Secret pg (spec.env[0].valueFrom.secretKeyRef.name, variable PG_PASSWORD) does not exist"))
			g.Expect(c.Message).To(ContainSubstring("Secret pg-extra (spec.envFrom[0].secretRef.name) does not exist"))
			g.Expect(c.Message).To(ContainSubstring("Secret pg (spec.envFrom[1].secretRef.name) does not exist"))
			g.Expect(c.Message).To(ContainSubstring("ServiceAccount pg-reader (spec.serviceAccountName) does not exist"))
			g.Expect(c.Message).NotTo(ContainSubstring("maybe"))
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseBlocked))
			g.Expect(readyOf(r).Status).To(BeEquivalentTo("False"))
			g.Expect(readyOf(r).Reason).To(Equal("SecretNotFound"))
		}, timeout, interval).Should(Succeed())
		Eventually(eventsFor(ns, run)).WithTimeout(timeout).Should(ContainElement(And(
			HaveField("Reason", "SecretNotFound"), HaveField("Type", "Warning"))))
		getJob(ns, "refs") // the Job is made: it starts once the Secret is there

		for _, name := range []string{"pg", "pg-extra"} {
			Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metaNamed(ns, name),
				StringData: map[string]string{"password": "s3cr3t-never-shown"}})).To(Succeed())
		}
		Eventually(func(g Gomega) {
			c := referencesOf(getRun(ns, "refs")(g))
			g.Expect(c.Reason).To(Equal("ServiceAccountNotFound"))
			g.Expect(c.Message).NotTo(ContainSubstring("Secret pg"))
		}, timeout, interval).Should(Succeed())

		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metaNamed(ns, "pg-reader")})).To(Succeed())
		Eventually(func(g Gomega) {
			r := getRun(ns, "refs")(g)
			g.Expect(referencesOf(r).Status).To(BeEquivalentTo("True"))
			g.Expect(r.Status.Phase).To(Equal(runsv1.PhaseRunning))
			g.Expect(readyOf(r).Status).To(BeEquivalentTo("True"))
		}, timeout, interval).Should(Succeed())
		Expect(toJSON(getRun(ns, "refs")(Default))).NotTo(ContainSubstring("s3cr3t-never-shown"))
	})
})
