package workspaces_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

func newProfile(ns, name string) *wsv1.WorkspaceExecutionProfile {
	return &wsv1.WorkspaceExecutionProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: wsv1.WorkspaceExecutionProfileSpec{
			ServiceAccountName: "data-reader",
			PodAnnotations:     map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/data-reader"},
			PodLabels:          map[string]string{"azure.workload.identity/use": "true", wsv1.LabelWorkspace: "forged"},
			Env:                []corev1.EnvVar{{Name: "AWS_REGION", Value: "eu-west-1"}, {Name: "STAGE", Value: "prod"}},
		},
	}
}

var _ = Describe("An execution profile", func() {
	It("gives the IDE pod its ServiceAccount, labels, annotations and env, with no token unless it asks", func() {
		ns := newNamespace(nil)
		p := newProfile(ns, "reader")
		Expect(k8s.Create(ctx, p)).To(Succeed())
		ws := workspaceFromYAML(ns, "lab", `
spec:
  image: jupyter/minimal-notebook:latest
  executionProfileRef: reader
  env: [{name: STAGE, value: dev}]
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			pod := deploymentOf(g, ns, ws.Name).Spec.Template
			g.Expect(pod.Spec.ServiceAccountName).To(Equal("data-reader"))
			g.Expect(pod.Spec.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
			g.Expect(pod.Annotations).To(HaveKeyWithValue("eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/data-reader"))
			g.Expect(pod.Labels).To(HaveKeyWithValue("azure.workload.identity/use", "true"))
			g.Expect(pod.Labels).To(HaveKeyWithValue(wsv1.LabelWorkspace, "lab"), "Weir's own labels win")
			env := envOf(pod.Spec.Containers[0])
			g.Expect(env).To(HaveKeyWithValue("STAGE", "dev"), "the Workspace's own entry wins")
			g.Expect(env).To(HaveKeyWithValue("AWS_REGION", "eu-west-1"))
			g.Expect(getWorkspace(g, ns, ws.Name).Status.ServiceAccountName).To(Equal("data-reader"))
		}, timeout, interval).Should(Succeed())

		By("a change of the profile reaches the pod")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
			p.Spec.AutomountServiceAccountToken = ptr.To(true)
			p.Spec.ServiceAccountName = "data-writer"
			g.Expect(k8s.Update(ctx, p)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			pod := deploymentOf(g, ns, ws.Name).Spec.Template
			g.Expect(pod.Spec.ServiceAccountName).To(Equal("data-writer"))
			g.Expect(pod.Spec.AutomountServiceAccountToken).To(Equal(ptr.To(true)))
			g.Expect(getWorkspace(g, ns, ws.Name).Status.ServiceAccountName).To(Equal("data-writer"))
		}, timeout, interval).Should(Succeed())
	})

	It("that is missing holds the Workspace back (ExecutionProfileNotFound) until it exists", func() {
		ns := newNamespace(nil)
		ws := workspaceFromYAML(ns, "early", `
spec:
  image: jupyter/minimal-notebook:latest
  executionProfileRef: later
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			v := condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionValid)
			g.Expect(v.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(v.Reason).To(Equal(wsv1.ReasonExecutionProfileNotFound))
			g.Expect(v.Message).To(ContainSubstring("later"))
		}, timeout, interval).Should(Succeed())
		Consistently(func() int { return len(deploymentsOf(ns, ws.Name)) }, "1s", interval).Should(BeZero())

		Expect(k8s.Create(ctx, newProfile(ns, "later"))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(deploymentOf(g, ns, ws.Name).Spec.Template.Spec.ServiceAccountName).To(Equal("data-reader"))
		}, timeout, interval).Should(Succeed())
	})

	It("is the only way to name a ServiceAccount: a Workspace's own attempts are dropped", func() {
		ns := newNamespace(nil)
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": wsv1.GroupVersion.String(), "kind": "Workspace",
			"metadata": map[string]any{"name": "sneaky", "namespace": ns},
			"spec": map[string]any{
				"image":                        "jupyter/minimal-notebook:latest",
				"serviceAccountName":           "cluster-admin-sa",
				"automountServiceAccountToken": true,
				"podSpec":                      map[string]any{"serviceAccountName": "cluster-admin-sa"},
			},
		}}
		Expect(k8s.Create(ctx, u)).To(Succeed())
		Eventually(func(g Gomega) {
			pod := deploymentOf(g, ns, "sneaky").Spec.Template.Spec
			g.Expect(pod.ServiceAccountName).To(BeEmpty())
			g.Expect(pod.DeprecatedServiceAccount).To(BeEmpty())
			g.Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
			g.Expect(getWorkspace(g, ns, "sneaky").Status.ServiceAccountName).To(BeEmpty())
		}, timeout, interval).Should(Succeed())
	})
})
