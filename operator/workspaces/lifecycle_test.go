package workspaces_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// boundedTemplate is a template with cpu, GPU and storage bounds, under a
// name of its own so specs do not share it.
func boundedTemplate() *wsv1.WorkspaceTemplate {
	return templateFromYAML("bounded-"+rand.String(6), `
spec:
  defaultImage: jupyter/minimal-notebook:latest
  resourceBounds:
    cpu: {min: 100m, max: "2"}
    gpu: {min: "0", max: "1"}
  primaryStorage: {defaultSize: 1Gi, minSize: 100Mi, maxSize: 20Gi}
`)
}

var _ = Describe("A Workspace the policies deny", func() {
	It("is stored with Valid=False listing every violation, runs no pod, and starts once fixed", func() {
		ns := newNamespace(nil)
		t := boundedTemplate()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		ws := workspaceFromYAML(ns, "too-big", `
spec:
  templateRef: `+t.Name+`
  resources:
    limits: {cpu: "3", nvidia.com/gpu: "2"}
  storage: {size: 50Mi}
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			v := condition(g, got, wsv1.ConditionValid)
			g.Expect(v.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(v.Reason).To(Equal(wsv1.ReasonTemplateViolation))
			g.Expect(v.Message).To(ContainSubstring("spec.resources.limits.cpu"))
			g.Expect(v.Message).To(ContainSubstring(`spec.resources.limits["nvidia.com/gpu"]`))
			g.Expect(v.Message).To(ContainSubstring("spec.storage.size"))
			g.Expect(condition(g, got, wsv1.ConditionAvailable).Reason).To(Equal("NotValid"))
			g.Expect(got.Status.DesiredReplicas).To(BeZero())
		}, timeout, interval).Should(Succeed())
		// The user is told, once, in an Event on the Workspace.
		Eventually(func(g Gomega) {
			evs := &eventsv1.EventList{}
			g.Expect(k8s.List(ctx, evs, client.InNamespace(ns))).To(Succeed())
			var held []string
			for _, e := range evs.Items {
				if e.Regarding.Name == ws.Name && e.Reason == wsv1.ReasonTemplateViolation && e.Type == corev1.EventTypeWarning {
					held = append(held, e.Note)
				}
			}
			g.Expect(held).To(HaveLen(1))
			g.Expect(held[0]).To(ContainSubstring("no pod runs until this is fixed"))
		}, timeout, interval).Should(Succeed())
		// No Deployment by the labels the controller sets; the same
		// selector finds it below once the spec is fixed.
		Consistently(func() int { return len(deploymentsOf(ns, ws.Name)) }, "1s", interval).Should(BeZero())

		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), wsv1.ResourceGPU: resource.MustParse("1")}
			got.Spec.Storage.Size = ptrQ("2Gi")
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(condition(g, got, wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
			d := deploymentOf(g, ns, ws.Name)
			g.Expect(*d.Spec.Replicas).To(BeEquivalentTo(1))
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("jupyter/minimal-notebook:latest"))
		}, timeout, interval).Should(Succeed())

		By("breaking it again scales the Deployment to zero, keeping it")
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("4")
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			g.Expect(condition(g, got, wsv1.ConditionValid).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(*deploymentOf(g, ns, ws.Name).Spec.Replicas).To(BeZero())
		}, timeout, interval).Should(Succeed())

		By("setting it back to the spec that ran starts that Deployment again")
		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("1")
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(*deploymentOf(g, ns, ws.Name).Spec.Replicas).To(BeEquivalentTo(1))
		}, timeout, interval).Should(Succeed())
	})

	It("waits for a missing template (TemplateNotFound) and starts when it is created", func() {
		ns := newNamespace(nil)
		t := boundedTemplate()
		ws := workspaceFromYAML(ns, "early", `
spec:
  templateRef: `+t.Name+`
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			v := condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionValid)
			g.Expect(v.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(v.Reason).To(Equal(wsv1.ReasonTemplateNotFound))
			g.Expect(v.Message).To(ContainSubstring(t.Name))
		}, timeout, interval).Should(Succeed())
		Expect(deploymentsOf(ns, ws.Name)).To(BeEmpty())

		Expect(k8s.Create(ctx, t)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
			d := deploymentOf(g, ns, ws.Name)
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("jupyter/minimal-notebook:latest"))
			g.Expect(claimOf(g, ns, ws.Name).Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
		}, timeout, interval).Should(Succeed())
	})
})

var _ = Describe("The template-protection finalizer", func() {
	It("is absent on an unused template, which deletes at once", func() {
		t := boundedTemplate()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(t), t)).To(Succeed())
			g.Expect(t.Finalizers).To(BeEmpty())
		}, "1s", interval).Should(Succeed())
		Expect(k8s.Delete(ctx, t)).To(Succeed())
		Eventually(gone(t), timeout, interval).Should(Succeed())
	})

	It("holds a used template until its last Workspace is gone", func() {
		ns := newNamespace(nil)
		t := boundedTemplate()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		var users []*wsv1.Workspace
		for _, name := range []string{"one", "two"} {
			ws := workspaceFromYAML(ns, name, "spec: {templateRef: "+t.Name+"}")
			Expect(k8s.Create(ctx, ws)).To(Succeed())
			users = append(users, ws)
		}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(t), t)).To(Succeed())
			g.Expect(t.Finalizers).To(ContainElement(wsv1.FinalizerTemplateProtection))
		}, timeout, interval).Should(Succeed())

		Expect(k8s.Delete(ctx, t)).To(Succeed())
		Expect(k8s.Delete(ctx, users[0])).To(Succeed())
		Eventually(gone(users[0]), timeout, interval).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(t), t)).To(Succeed(), "deleted while Workspace two uses it")
			g.Expect(t.DeletionTimestamp).NotTo(BeNil())
		}, "1s", interval).Should(Succeed())

		Expect(k8s.Delete(ctx, users[1])).To(Succeed())
		Eventually(gone(t), timeout, interval).Should(Succeed())
	})
})

var _ = Describe("Storage", func() {
	It("is kept when a Workspace stops, kept after it is deleted, and found again by a new Workspace of its name", func() {
		ns := newNamespace(nil)
		ws := workspaceFromYAML(ns, "keeper", `
spec:
  image: jupyter/minimal-notebook:latest
  storage: {size: 2Gi}
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		var uid string
		Eventually(func(g Gomega) {
			g.Expect(*deploymentOf(g, ns, ws.Name).Spec.Replicas).To(BeEquivalentTo(1))
			pvc := claimOf(g, ns, ws.Name)
			g.Expect(metav1.IsControlledBy(pvc, getWorkspace(g, ns, ws.Name))).To(BeTrue())
			uid = string(pvc.UID)
		}, timeout, interval).Should(Succeed())

		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.DesiredStatus = wsv1.DesiredStopped
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(*deploymentOf(g, ns, ws.Name).Spec.Replicas).To(BeZero())
			g.Expect(string(claimOf(g, ns, ws.Name).UID)).To(Equal(uid))
		}, timeout, interval).Should(Succeed())

		Expect(k8s.Delete(ctx, ws)).To(Succeed())
		Eventually(gone(ws), timeout, interval).Should(Succeed())
		pvc := claimOf(Default, ns, ws.Name)
		Expect(string(pvc.UID)).To(Equal(uid))
		Expect(pvc.OwnerReferences).To(BeEmpty(), "garbage collection would delete a claim the Workspace still owns")
		// Play the garbage collector (envtest runs none) for what the
		// Workspace still owns.
		for _, d := range deploymentsOf(ns, ws.Name) {
			Expect(k8s.Delete(ctx, &d)).To(Succeed())
		}
		Expect(k8s.Delete(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: workspaces.ServiceName(ws.Name)}})).To(Succeed())

		again := workspaceFromYAML(ns, "keeper", `
spec:
  image: jupyter/minimal-notebook:latest
  storage: {size: 2Gi}
`)
		Expect(k8s.Create(ctx, again)).To(Succeed())
		Eventually(func(g Gomega) {
			pvc := claimOf(g, ns, again.Name)
			g.Expect(string(pvc.UID)).To(Equal(uid))
			g.Expect(metav1.IsControlledBy(pvc, getWorkspace(g, ns, again.Name))).To(BeTrue())
			g.Expect(*deploymentOf(g, ns, again.Name).Spec.Replicas).To(BeEquivalentTo(1))
		}, timeout, interval).Should(Succeed())
	})

	It("is deleted with the Workspace when its template says reclaimPolicy Delete", func() {
		ns := newNamespace(nil)
		t := templateFromYAML("scratch-"+rand.String(6), `
spec:
  defaultImage: jupyter/minimal-notebook:latest
  primaryStorage: {reclaimPolicy: Delete}
`)
		Expect(k8s.Create(ctx, t)).To(Succeed())
		ws := workspaceFromYAML(ns, "scratch", "spec: {templateRef: "+t.Name+"}")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		pvc := &corev1.PersistentVolumeClaim{}
		Eventually(func(g Gomega) {
			pvc = claimOf(g, ns, ws.Name)
			g.Expect(getWorkspace(g, ns, ws.Name).Status.Storage.ReclaimPolicy).To(Equal(wsv1.ReclaimDelete))
			g.Expect(controllerutil.ContainsFinalizer(getWorkspace(g, ns, ws.Name), "workspace.jupyter.org/storage")).To(BeTrue())
		}, timeout, interval).Should(Succeed())
		Expect(k8s.Delete(ctx, ws)).To(Succeed())
		Eventually(gone(ws), timeout, interval).Should(Succeed())
		// The API server's pvc-protection finalizer keeps a deleted claim
		// until no pod uses it; deleting is what the controller does.
		Eventually(func(g Gomega) {
			err := k8s.Get(ctx, client.ObjectKeyFromObject(pvc), pvc)
			g.Expect(apierrors.IsNotFound(err) || (err == nil && pvc.DeletionTimestamp != nil)).To(BeTrue(), "claim %+v not deleted (err %v)", pvc.ObjectMeta, err)
		}, timeout, interval).Should(Succeed())
	})
})

func ptrQ(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

var _ = Describe("A claim that cannot follow the spec", func() {
	It("shows in Degraded: a claim whose class cannot expand, and one that would shrink", func() {
		ns := newNamespace(nil)
		ws := workspaceFromYAML(ns, "grower", `
spec:
  image: jupyter/minimal-notebook:latest
  storage: {size: 1Gi}
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(claimOf(g, ns, ws.Name).Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
		}, timeout, interval).Should(Succeed())

		resize := func(size string) {
			Eventually(func(g Gomega) {
				got := getWorkspace(g, ns, ws.Name)
				got.Spec.Storage.Size = ptrQ(size)
				g.Expect(k8s.Update(ctx, got)).To(Succeed())
			}, timeout, interval).Should(Succeed())
		}
		// An unbound claim without an expandable class: the API server
		// refuses to grow it.
		resize("2Gi")
		Eventually(func(g Gomega) {
			dg := condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionDegraded)
			g.Expect(dg.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(dg.Reason).To(Equal("ResizeRefused"))
			g.Expect(dg.Message).To(ContainSubstring("cannot grow from 1Gi to 2Gi"))
		}, timeout, interval).Should(Succeed())

		resize("500Mi")
		Eventually(func(g Gomega) {
			dg := condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionDegraded)
			g.Expect(dg.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(dg.Reason).To(Equal("ShrinkRefused"))
			g.Expect(dg.Message).To(ContainSubstring("set it to at least 1Gi"))
		}, timeout, interval).Should(Succeed())
		Expect(claimOf(Default, ns, ws.Name).Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))

		resize("1Gi")
		Eventually(func(g Gomega) {
			g.Expect(condition(g, getWorkspace(g, ns, ws.Name), wsv1.ConditionDegraded).Status).To(Equal(metav1.ConditionFalse))
		}, timeout, interval).Should(Succeed())
	})
})

var _ = Describe("A changed Workspace", func() {
	It("updates its Deployment in place, keeping what the Deployment controller wrote on it", func() {
		ns := newNamespace(nil)
		ws := workspaceFromYAML(ns, "changer", `
spec:
  image: jupyter/minimal-notebook:latest
`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		var uid string
		Eventually(func(g Gomega) {
			d := deploymentOf(g, ns, ws.Name)
			d.Annotations["deployment.kubernetes.io/revision"] = "1"
			g.Expect(k8s.Update(ctx, d)).To(Succeed())
			uid = string(d.UID)
		}, timeout, interval).Should(Succeed())

		Eventually(func(g Gomega) {
			got := getWorkspace(g, ns, ws.Name)
			got.Spec.Image = "jupyter/scipy-notebook:latest"
			g.Expect(k8s.Update(ctx, got)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			d := deploymentOf(g, ns, ws.Name)
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("jupyter/scipy-notebook:latest"))
			g.Expect(string(d.UID)).To(Equal(uid))
			g.Expect(d.Annotations).To(HaveKeyWithValue("deployment.kubernetes.io/revision", "1"))
			g.Expect(getWorkspace(g, ns, ws.Name).Status.Image).To(Equal("jupyter/scipy-notebook:latest"))
		}, timeout, interval).Should(Succeed())
	})
})
