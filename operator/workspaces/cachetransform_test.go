package workspaces_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// The manager caches a Workspace's Deployment without its pod template
// (workspaces.SlimDeployment): these specs show the reconcile still
// repairs, updates, stops and starts the Deployment on the API server as
// the Workspace says. A merge patch computed from the cached object alone
// would add the template's fields but never remove a map key or a field
// the new spec drops; each spec checks such a removal.
var _ = Describe("A Deployment cached without its pod template", func() {
	const specHash = "workspace.jupyter.org/spec-hash"
	var ns string
	BeforeEach(func() { ns = newNamespace(nil) })

	podSpec := func(g Gomega, name string) corev1.PodTemplateSpec {
		return deploymentOf(g, ns, name).Spec.Template
	}
	volumeNames := func(t corev1.PodTemplateSpec) []string {
		var names []string
		for _, v := range t.Spec.Volumes {
			names = append(names, v.Name)
		}
		return names
	}

	It("is repaired after someone else's edit, what they added removed", func() {
		ws := workspaceFromYAML(ns, "edited", `
spec:
  image: jupyter/minimal-notebook:latest
  nodeSelector: {pool: ide}
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		var want *appsv1.Deployment
		Eventually(func(g Gomega) { want = deploymentOf(g, ns, ws.Name) }, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			d := deploymentOf(g, ns, ws.Name)
			d.Annotations[specHash] = "edited"
			d.Spec.Template.Annotations = map[string]string{"someone": "else"}
			d.Spec.Template.Spec.NodeSelector["someone"] = "else"
			d.Spec.Template.Spec.Containers[0].Image = "elsewhere:latest"
			g.Expect(k8s.Update(ctx, d)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			d := deploymentOf(g, ns, ws.Name)
			g.Expect(d.Annotations).To(HaveKeyWithValue(specHash, want.Annotations[specHash]))
			g.Expect(d.Spec.Template.Annotations).NotTo(HaveKey("someone"))
			g.Expect(d.Spec.Template.Spec.NodeSelector).To(Equal(map[string]string{"pool": "ide"}))
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("jupyter/minimal-notebook:latest"))
		}, timeout, interval).Should(Succeed())
	})

	It("is updated to a changed spec, what the new spec drops removed", func() {
		ws := workspaceFromYAML(ns, "dropper", `
spec:
  image: jupyter/minimal-notebook:latest
  env: [{name: KEEP, value: "1"}, {name: DROP, value: "2"}]
  volumes: [{name: data, persistentVolumeClaimName: shared-data, mountPath: /data}]
  nodeSelector: {pool: ide, zone: a}
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			t := podSpec(g, ws.Name)
			g.Expect(envOf(t.Spec.Containers[0])).To(HaveKey("DROP"))
			g.Expect(volumeNames(t)).To(ContainElement("data"))
		}, timeout, interval).Should(Succeed())

		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.Env = []corev1.EnvVar{{Name: "KEEP", Value: "1"}}
			got.Spec.Volumes = nil
			got.Spec.NodeSelector = map[string]string{"pool": "ide"}
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			t := podSpec(g, ws.Name)
			env := envOf(t.Spec.Containers[0])
			g.Expect(env).To(HaveKeyWithValue("KEEP", "1"))
			g.Expect(env).NotTo(HaveKey("DROP"))
			g.Expect(volumeNames(t)).NotTo(ContainElement("data"))
			for _, m := range t.Spec.Containers[0].VolumeMounts {
				g.Expect(m.Name).NotTo(Equal("data"))
			}
			g.Expect(t.Spec.NodeSelector).To(Equal(map[string]string{"pool": "ide"}))
		}, timeout, interval).Should(Succeed())
	})

	It("is stopped and started, its pod template kept, and status follows", func() {
		ws := workspaceFromYAML(ns, "stopstart", `
spec:
  image: jupyter/minimal-notebook:latest
  nodeSelector: {pool: ide}
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		available := func(want metav1.ConditionStatus) func(Gomega) {
			return func(g Gomega) {
				playDeploymentController(g, deploymentOf(g, ns, ws.Name))
				got := getWorkspace(g, ns, ws.Name)
				g.Expect(condition(g, got, wsv1.ConditionAvailable).Status).To(Equal(want))
			}
		}
		Eventually(available(metav1.ConditionTrue), timeout, interval).Should(Succeed())
		setDesired := func(s wsv1.DesiredStatus) {
			Eventually(func(g Gomega) {
				got := getWorkspace(g, ns, ws.Name)
				got.Spec.DesiredStatus = s
				g.Expect(k8s.Update(ctx, got)).To(Succeed())
			}, timeout, interval).Should(Succeed())
		}

		setDesired(wsv1.DesiredStopped)
		Eventually(func(g Gomega) {
			g.Expect(*deploymentOf(g, ns, ws.Name).Spec.Replicas).To(BeZero())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			playDeploymentController(g, deploymentOf(g, ns, ws.Name))
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Reason).To(Equal("Stopped"))
			g.Expect(condition(g, got, wsv1.ConditionProgressing).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(got.Status.ReadyReplicas).To(BeZero())
		}, timeout, interval).Should(Succeed())

		setDesired(wsv1.DesiredRunning)
		Eventually(func(g Gomega) {
			d := deploymentOf(g, ns, ws.Name)
			g.Expect(*d.Spec.Replicas).To(BeEquivalentTo(1))
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("jupyter/minimal-notebook:latest"))
			g.Expect(d.Spec.Template.Spec.NodeSelector).To(Equal(map[string]string{"pool": "ide"}))
		}, timeout, interval).Should(Succeed())
		Eventually(available(metav1.ConditionTrue), timeout, interval).Should(Succeed())
		Expect(getWorkspace(Default, ns, ws.Name).Status.ReadyReplicas).To(BeEquivalentTo(1))
	})
})
