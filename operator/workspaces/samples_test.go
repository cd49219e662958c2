package workspaces_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// uvImage is what the default bundle's imageAliases make of upstream's
// short name "uv", and the sample template's defaultImage.
const uvImage = "jk8s-application-jupyter-uv:latest"

var _ = Describe("The upstream samples", func() {
	It("apply unchanged and reach the state their names say, with the template's inheritance in the pod", func() {
		ns := newNamespace(nil)
		tmpl := sampleObject("workspace_v1alpha1_workspacetemplate_production.yaml")
		if err := k8s.Create(ctx, tmpl); !apierrors.IsAlreadyExists(err) {
			Expect(err).NotTo(HaveOccurred())
		}
		q := resource.MustParse
		// What each sample's IDE container and claim must show.
		checks := map[string]func(Gomega, *appsv1.Deployment, *corev1.PersistentVolumeClaim){
			"workspace_v1alpha1_workspace.yaml": func(g Gomega, d *appsv1.Deployment, _ *corev1.PersistentVolumeClaim) {
				c := d.Spec.Template.Spec.Containers[0]
				g.Expect(c.Image).To(Equal(uvImage), "the short name uv resolves through the image table")
				g.Expect(c.Resources.Limits.Cpu().Cmp(q("200m"))).To(BeZero())
			},
			"workspace_v1alpha1_workspace_stopped.yaml": nil,
			"workspace_v1alpha1_workspace_with_storage.yaml": func(g Gomega, d *appsv1.Deployment, pvc *corev1.PersistentVolumeClaim) {
				g.Expect(ptr.Deref(pvc.Spec.StorageClassName, "")).To(Equal("standard"))
				g.Expect(pvc.Spec.Resources.Requests.Storage().Cmp(q("1Gi"))).To(BeZero())
				g.Expect(d.Spec.Template.Spec.Containers[0].VolumeMounts).To(ContainElement(
					HaveField("MountPath", "/home/jovyan/work")))
				g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal(uvImage), "no image, no template: the settings' default")
			},
			"workspace_v1alpha1_workspace_with_template.yaml": func(g Gomega, d *appsv1.Deployment, pvc *corev1.PersistentVolumeClaim) {
				c := d.Spec.Template.Spec.Containers[0]
				g.Expect(c.Image).To(Equal(uvImage))
				g.Expect(c.Resources.Requests.Cpu().Cmp(q("200m"))).To(BeZero())
				g.Expect(c.Resources.Requests.Memory().Cmp(q("256Mi"))).To(BeZero())
				g.Expect(c.Resources.Limits.Cpu().Cmp(q("500m"))).To(BeZero())
				g.Expect(c.Resources.Limits.Memory().Cmp(q("512Mi"))).To(BeZero())
				g.Expect(envOf(c)).To(HaveKeyWithValue("JUPYTER_ENABLE_LAB", "yes"))
				g.Expect(envOf(c)).To(HaveKeyWithValue("ENVIRONMENT", "production"))
				g.Expect(pvc.Spec.Resources.Requests.Storage().Cmp(q("1Gi"))).To(BeZero(), "the template's defaultSize")
				g.Expect(d.Spec.Template.Labels).To(HaveKeyWithValue(wsv1.LabelTemplate, "production-notebook-template"))
			},
			"workspace_with_additional_volumes.yaml": func(g Gomega, d *appsv1.Deployment, pvc *corev1.PersistentVolumeClaim) {
				claims := []string{}
				for _, v := range d.Spec.Template.Spec.Volumes {
					claims = append(claims, v.PersistentVolumeClaim.ClaimName)
				}
				g.Expect(claims).To(ConsistOf(workspaces.ClaimName("workspace-with-volumes"), "shared-data-pvc", "ml-models-pvc"))
				g.Expect(d.Spec.Template.Spec.Containers[0].VolumeMounts).To(ContainElements(
					HaveField("MountPath", "/data"), HaveField("MountPath", "/models")))
				g.Expect(pvc.Spec.Resources.Requests.Storage().Cmp(q("5Gi"))).To(BeZero())
			},
			"workspace_with_container_config.yaml": func(g Gomega, d *appsv1.Deployment, _ *corev1.PersistentVolumeClaim) {
				c := d.Spec.Template.Spec.Containers[0]
				g.Expect(c.Command).To(Equal([]string{"/bin/bash"}))
				g.Expect(c.Args).To(HaveLen(2))
			},
			"workspace_with_lifecycle.yaml": func(g Gomega, d *appsv1.Deployment, _ *corev1.PersistentVolumeClaim) {
				lc := d.Spec.Template.Spec.Containers[0].Lifecycle
				g.Expect(lc.PostStart.Exec.Command).To(ContainElement(ContainSubstring("Container started")))
				g.Expect(lc.PreStop.Exec.Command).To(ContainElement(ContainSubstring("Container stopping")))
			},
			"workspace_with_node_selector.yaml": func(g Gomega, d *appsv1.Deployment, _ *corev1.PersistentVolumeClaim) {
				g.Expect(d.Spec.Template.Spec.NodeSelector).To(Equal(map[string]string{
					"kubernetes.io/arch": "amd64", "node-type": "compute-optimized"}))
			},
		}
		names := map[string]string{}
		for file := range checks {
			obj := sampleObject(file)
			Expect(obj.GetKind()).To(Equal("Workspace"), file)
			obj.SetNamespace(ns)
			Expect(k8s.Create(ctx, obj)).To(Succeed(), file)
			names[file] = obj.GetName()
		}

		// A namespace that enforces the restricted pod security profile
		// must admit every IDE pod as the controller builds it.
		restricted := newNamespace(map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
		for file, check := range checks {
			name := names[file]
			By(file)
			Eventually(func(g Gomega) {
				ws := getWorkspace(g, ns, name)
				g.Expect(condition(g, ws, wsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue), "%+v", ws.Status.Conditions)
				d := deploymentOf(g, ns, name)
				g.Expect(d.Spec.Strategy.Type).To(Equal(appsv1.RecreateDeploymentStrategyType))
				if strings.Contains(file, "stopped") {
					g.Expect(*d.Spec.Replicas).To(BeZero())
					return
				}
				g.Expect(*d.Spec.Replicas).To(BeEquivalentTo(1))
				check(g, d, claimOf(g, ns, name))
			}, timeout, interval).Should(Succeed())

			d := deploymentsOf(ns, name)[0]
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "ide-", Namespace: restricted}, Spec: d.Spec.Template.Spec}
			Expect(k8s.Create(ctx, pod)).To(Succeed(), "the IDE pod of %s is refused by the restricted profile", file)

			Eventually(func(g Gomega) {
				playDeploymentController(g, deploymentOf(g, ns, name))
				ws := getWorkspace(g, ns, name)
				av := condition(g, ws, wsv1.ConditionAvailable)
				g.Expect(condition(g, ws, wsv1.ConditionProgressing).Status).To(Equal(metav1.ConditionFalse))
				g.Expect(condition(g, ws, wsv1.ConditionDegraded).Status).To(Equal(metav1.ConditionFalse))
				g.Expect(ws.Status.URL).To(Equal(urlBase + "/workspaces/" + ns + "/" + name + "/"))
				g.Expect(ws.Status.Storage).NotTo(BeNil())
				g.Expect(ws.Status.Storage.ClaimName).To(Equal(workspaces.ClaimName(name)))
				g.Expect(ws.Status.ServiceName).To(Equal(workspaces.ServiceName(name)))
				if strings.Contains(file, "stopped") {
					g.Expect(av.Status).To(Equal(metav1.ConditionFalse))
					g.Expect(av.Reason).To(Equal("Stopped"))
					g.Expect(ws.Status.DesiredReplicas).To(BeZero())
					return
				}
				g.Expect(av.Status).To(Equal(metav1.ConditionTrue), "%+v", av)
				g.Expect(ws.Status.DesiredReplicas).To(BeEquivalentTo(1))
				g.Expect(ws.Status.ReadyReplicas).To(BeEquivalentTo(1))
				g.Expect(ws.Status.Image).NotTo(BeEmpty())
			}, timeout, interval).Should(Succeed())
		}

		// The negative control: the namespace really enforces restricted.
		loose := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "loose-", Namespace: restricted},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
		Expect(k8s.Create(ctx, loose)).NotTo(Succeed())

		By("at rest, the controller writes nothing")
		before := writes.Load()
		Consistently(func() int64 { return writes.Load() - before }, "2s", interval).Should(BeZero())
	})
})
