package workspaces_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
	"github.com/weir-dev/weir/test/samples"
)

// sampleObject reads one upstream manifest, unchanged, from shared/
// beside the repository.
func sampleObject(file string) *unstructured.Unstructured {
	raw, err := os.ReadFile(filepath.Join(samples.Dir(GinkgoT()), file))
	Expect(err).NotTo(HaveOccurred())
	j, err := yaml.YAMLToJSON(raw)
	Expect(err).NotTo(HaveOccurred(), file)
	obj := &unstructured.Unstructured{}
	Expect(obj.UnmarshalJSON(j)).To(Succeed(), file)
	return obj
}

// workspaceFromYAML is a Workspace named name in ns with the given spec.
func workspaceFromYAML(ns, name, specYAML string) *wsv1.Workspace {
	ws := &wsv1.Workspace{}
	Expect(yaml.Unmarshal([]byte(specYAML), ws)).To(Succeed())
	ws.Name, ws.Namespace = name, ns
	return ws
}

// templateFromYAML is a WorkspaceTemplate with the given spec.
func templateFromYAML(name, specYAML string) *wsv1.WorkspaceTemplate {
	t := &wsv1.WorkspaceTemplate{}
	Expect(yaml.Unmarshal([]byte(specYAML), t)).To(Succeed())
	t.Name = name
	return t
}

// deploymentsOf lists the Deployments of a Workspace by the labels the
// controller sets on them (workspaces.ChildSelector), so "none" means
// none of the Workspace's, and the same call finds it once it exists.
func deploymentsOf(ns, name string) []appsv1.Deployment {
	list := &appsv1.DeploymentList{}
	Expect(k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabels(workspaces.ChildSelector(name)))).To(Succeed())
	return list.Items
}

// deploymentOf is the one Deployment of a Workspace, once it exists.
func deploymentOf(g Gomega, ns, name string) *appsv1.Deployment {
	list := &appsv1.DeploymentList{}
	g.Expect(k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabels(workspaces.ChildSelector(name)))).To(Succeed())
	g.Expect(list.Items).To(HaveLen(1))
	return &list.Items[0]
}

func getWorkspace(g Gomega, ns, name string) *wsv1.Workspace {
	ws := &wsv1.Workspace{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, ws)).To(Succeed())
	return ws
}

// condition is a Workspace's condition of type t that describes its
// current generation, or fails g.
func condition(g Gomega, ws *wsv1.Workspace, t string) metav1.Condition {
	c := meta.FindStatusCondition(ws.Status.Conditions, t)
	g.Expect(c).NotTo(BeNil(), "no %s condition in %+v", t, ws.Status)
	g.Expect(c.ObservedGeneration).To(Equal(ws.Generation), "%s describes an older generation", t)
	g.Expect(ws.Status.ObservedGeneration).To(Equal(ws.Generation))
	return *c
}

// playDeploymentController writes what the Deployment controller would
// once the pods are ready: replicas as the spec asks, all available.
func playDeploymentController(g Gomega, d *appsv1.Deployment) {
	n := *d.Spec.Replicas
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
	g.Expect(k8s.Status().Update(ctx, d)).To(Succeed())
}

// claimOf is a Workspace's primary claim.
func claimOf(g Gomega, ns, name string) *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: workspaces.ClaimName(name)}, pvc)).To(Succeed())
	return pvc
}

func gone(obj client.Object) func(Gomega) {
	return func(g Gomega) {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s still exists (err %v)", obj.GetName(), err)
	}
}

func envOf(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}
