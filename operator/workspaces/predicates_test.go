package workspaces_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// What the Deployment controller and the claim's binding write on a new
// Workspace's children costs no status write unless status shows it
// (issue 15: at most two status writes per new Workspace).
var _ = Describe("A new Workspace's children", func() {
	It("bring no status write for pod counts, only for what status shows", func() {
		ns := newNamespace(nil)
		t := boundedTemplate()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		ws := workspaceFromYAML(ns, "quiet", `
spec:
  templateRef: `+t.Name+`
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(condition(g, got, wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(got.Status.DeploymentName).NotTo(BeEmpty())
			deploymentOf(g, ns, ws.Name)
		}, timeout, interval).Should(Succeed())
		rv := func(g Gomega) string { return getWorkspace(g, ns, ws.Name).ResourceVersion }
		before := rv(Default)

		By("the Deployment controller makes the pod, not ready yet: nothing status shows changes")
		Eventually(func(g Gomega) {
			d := deploymentOf(g, ns, ws.Name)
			d.Status.ObservedGeneration, d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.UnavailableReplicas = d.Generation, 1, 1, 1
			g.Expect(k8s.Status().Update(ctx, d)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Consistently(rv, "2s", interval).Should(Equal(before))

		By("the claim binds: status.storage says so")
		Eventually(func(g Gomega) {
			c := claimOf(g, ns, ws.Name)
			c.Status.Phase = corev1.ClaimBound
			g.Expect(k8s.Status().Update(ctx, c)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) corev1.PersistentVolumeClaimPhase {
			st := getWorkspace(g, ns, ws.Name).Status.Storage
			g.Expect(st).NotTo(BeNil())
			return st.Phase
		}, timeout, interval).Should(Equal(corev1.ClaimBound))

		By("the pod is ready: Available says so")
		Eventually(func(g Gomega) {
			playDeploymentController(g, deploymentOf(g, ns, ws.Name))
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
	})
})
