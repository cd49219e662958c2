//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/weir-dev/weir/test/samples"
)

const (
	wsNamespace = "weir-e2e-ws"
	// template is the upstream sample template's name.
	template = "production-notebook-template"
	// uvImage is what upstream's short name "uv" resolves to through the
	// default bundle's image table, and the sample template's defaultImage.
	uvImage = "jk8s-application-jupyter-uv:latest"
)

// idePods selects a Workspace's pods by the labels the controller sets on
// them (operator/workspaces.ChildSelector).
func idePods(name string) string {
	return "workspace.jupyter.org/workspace=" + name + ",app.kubernetes.io/managed-by=weir"
}

// podsOf lists the pods of the Workspace name.
func podsOf(name string) []corev1.Pod {
	var list corev1.PodList
	out := kubectl("get", "pods", "-n", wsNamespace, "-l", idePods(name), "-o", "json")
	ExpectWithOffset(1, json.Unmarshal([]byte(out), &list)).To(Succeed())
	return list.Items
}

// condition is one condition of a Workspace as "status/reason".
func condition(name, typ string) string {
	return jsonpath(wsNamespace, "workspace/"+name,
		fmt.Sprintf(`{.status.conditions[?(@.type==%q)].status}/{.status.conditions[?(@.type==%[1]q)].reason}`, typ))
}

// readyPod waits for the one pod of a Running Workspace to be Ready (kwok
// runs it) and the Workspace to say Available, and returns the pod.
func readyPod(name string) corev1.Pod {
	var pod corev1.Pod
	EventuallyWithOffset(1, func(g Gomega) {
		pods := podsOf(name)
		g.Expect(pods).To(HaveLen(1), "the pods of %s by the controller's labels", name)
		pod = pods[0]
		g.Expect(pod.Status.Conditions).To(ContainElement(And(
			HaveField("Type", corev1.PodReady), HaveField("Status", corev1.ConditionTrue))))
		g.Expect(condition(name, "Available")).To(HavePrefix("True/"))
	}, 90*time.Second, time.Second).Should(Succeed())
	return pod
}

func envOf(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// warnings are the Warning lines of kubectl's output.
func warnings(out string) []string {
	return regexp.MustCompile(`(?m)^Warning: .*$`).FindAllString(out, -1)
}

// stageStorage makes what a cloud cluster has and kwok lacks: a default
// StorageClass named as the samples name it, and volumes for the claims to
// bind (the real PV controller binds them; the real scheduler waits for
// that), and a fake node with the labels the node-selector sample asks for.
func stageStorage() {
	var b strings.Builder
	b.WriteString(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
allowVolumeExpansion: true
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-compute
  annotations: {kwok.x-k8s.io/node: fake}
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-compute
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-type: compute-optimized
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "1000"}
  capacity: {cpu: "32", memory: 256Gi, pods: "1000"}
`)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: weir-e2e-ws-%d}
spec:
  storageClassName: standard
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/weir-e2e-ws-%[1]d}
`, i)
	}
	// The claims the additional-volumes sample mounts: Weir neither
	// creates nor deletes them, the user does.
	for _, claim := range []string{"shared-data-pvc", "ml-models-pvc"} {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: %s, namespace: %s}
spec:
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
`, claim, wsNamespace)
	}
	kubectlStdin(b.String(), "apply", "-f", "-")
}

var _ = Describe("Workspaces on a kwok cluster", Ordered, func() {
	BeforeAll(func() {
		kubectl("wait", "--for=condition=Established", "crd/workspaces.workspace.jupyter.org",
			"crd/workspacetemplates.workspace.jupyter.org", "--timeout=60s")
		kubectl("create", "namespace", wsNamespace)
		// Every IDE pod must be admitted under the restricted profile.
		kubectl("label", "namespace", wsNamespace, "pod-security.kubernetes.io/enforce=restricted")
		stageStorage()
	})

	It("applies the upstream samples unchanged and each reaches the state its name says", func() {
		out := kubectl("apply", "-n", wsNamespace, "-k", samples.Dir(GinkgoT()))
		Expect(out).To(ContainSubstring("workspacetemplate.workspace.jupyter.org/" + template + " created"))
		Expect(out).To(ContainSubstring("workspace.workspace.jupyter.org/workspace-with-template created"))

		By("Running: Available, one Ready pod, the template's inheritance in its spec")
		pod := readyPod("workspace-with-template")
		c := pod.Spec.Containers[0]
		Expect(c.Image).To(Equal(uvImage))
		q := resource.MustParse
		Expect(c.Resources.Requests.Cpu().Cmp(q("200m"))).To(BeZero(), "%v", c.Resources)
		Expect(c.Resources.Requests.Memory().Cmp(q("256Mi"))).To(BeZero(), "%v", c.Resources)
		Expect(c.Resources.Limits.Cpu().Cmp(q("500m"))).To(BeZero(), "%v", c.Resources)
		Expect(c.Resources.Limits.Memory().Cmp(q("512Mi"))).To(BeZero(), "%v", c.Resources)
		Expect(envOf(c)).To(HaveKeyWithValue("JUPYTER_ENABLE_LAB", "yes"))
		Expect(envOf(c)).To(HaveKeyWithValue("ENVIRONMENT", "production"))
		Expect(jsonpath(wsNamespace, "deployment/ws-workspace-with-template", "{.spec.replicas}")).To(Equal("1"))
		Expect(jsonpath(wsNamespace, "workspace/workspace-with-template", "{.status.url}")).
			To(Equal("https://ide.e2e.test/workspaces/"+wsNamespace+"/workspace-with-template/"), "the unique URL under --workspace-url-base")
		Expect(jsonpath(wsNamespace, "pvc/ws-workspace-with-template-home", "{.spec.resources.requests.storage}")).
			To(Equal("1Gi"), "the template's defaultSize")

		pod = readyPod("workspace-sample")
		Expect(pod.Spec.Containers[0].Image).To(Equal(uvImage), "upstream's short name uv, resolved")
		Expect(pod.Spec.Containers[0].Resources.Limits.Cpu().Cmp(q("200m"))).To(BeZero())

		By("storage: the claim has the sample's size and class and is mounted")
		pod = readyPod("workspace-with-storage")
		Expect(pod.Spec.Containers[0].VolumeMounts).To(ContainElement(HaveField("MountPath", "/home/jovyan/work")))
		Expect(jsonpath(wsNamespace, "pvc/ws-workspace-with-storage-home", "{.spec.resources.requests.storage} {.spec.storageClassName}")).
			To(Equal("1Gi standard"))

		By("additional volumes, container config, lifecycle, node selector: in the pod spec")
		pod = readyPod("workspace-with-volumes")
		claims := []string{}
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				claims = append(claims, v.PersistentVolumeClaim.ClaimName)
			}
		}
		Expect(claims).To(ConsistOf("ws-workspace-with-volumes-home", "shared-data-pvc", "ml-models-pvc"))
		Expect(pod.Spec.Containers[0].VolumeMounts).To(ContainElements(HaveField("MountPath", "/data"), HaveField("MountPath", "/models")))
		Expect(jsonpath(wsNamespace, "pvc/ws-workspace-with-volumes-home", "{.spec.resources.requests.storage}")).To(Equal("5Gi"))

		pod = readyPod("workspace-with-container-config")
		Expect(pod.Spec.Containers[0].Command).To(Equal([]string{"/bin/bash"}))
		Expect(pod.Spec.Containers[0].Args).To(Equal([]string{"-c", "start-notebook.sh --NotebookApp.token='' --NotebookApp.password=''"}))

		pod = readyPod("workspace-with-lifecycle")
		lc := pod.Spec.Containers[0].Lifecycle
		Expect(lc).NotTo(BeNil())
		Expect(lc.PostStart.Exec.Command).To(ContainElement(ContainSubstring("Container started")))
		Expect(lc.PreStop.Exec.Command).To(ContainElement(ContainSubstring("Container stopping")))

		pod = readyPod("workspace-with-node-selector")
		Expect(pod.Spec.NodeSelector).To(Equal(map[string]string{"kubernetes.io/arch": "amd64", "node-type": "compute-optimized"}))
		Expect(pod.Spec.NodeName).To(Equal("kwok-node-compute"))

		By("Stopped: a Deployment held at 0, no pod by the labels that matched the Running ones, storage kept")
		Eventually(func() string {
			return jsonpath(wsNamespace, "deployment/ws-workspace-stopped", "{.spec.replicas} {.status.observedGeneration}")
		}, 60*time.Second, time.Second).Should(MatchRegexp(`^0 \d+$`))
		Eventually(func() string { return condition("workspace-stopped", "Available") },
			60*time.Second, time.Second).Should(Equal("False/Stopped"))
		Expect(condition("workspace-stopped", "Valid")).To(HavePrefix("True/"))
		Expect(podsOf("workspace-stopped")).To(BeEmpty())
		Expect(exists(wsNamespace, "pvc/ws-workspace-stopped-home")).To(BeTrue())
	})

	It("prints what the seed's commands say", func() {
		Expect(kubectl("get", "workspacetemplates")).To(MatchRegexp(
			`(?m)^NAME\s+DISPLAY NAME\s+DEFAULT IMAGE\s+AGE\n(?:.*\n)*` + template + `\s+Production Jupyter Notebook\s+` +
				regexp.QuoteMeta(uvImage) + `\s`))
		out := kubectl("get", "-n", wsNamespace, "workspace", "workspace-with-template", "-o",
			`jsonpath={.status.conditions[?(@.type=="Valid")]}`)
		var valid metav1.Condition
		Expect(json.Unmarshal([]byte(out), &valid)).To(Succeed(), out)
		Expect(valid.Type).To(Equal("Valid"))
		Expect(valid.Status).To(Equal(metav1.ConditionTrue))
		Expect(valid.ObservedGeneration).To(BeNumerically(">", 0))
		Expect(kubectl("get", "-n", wsNamespace, "workspaces")).To(MatchRegexp(
			`(?m)^NAME\s+TEMPLATE\s+DESIRED\s+VALID\s+AVAILABLE\s+URL\s+AGE\n(?:.*\n)*workspace-with-template\s+` + template + `\s+Running\s+True\s+True\s`))
	})

	It("refuses a change to a template's spec and to a Workspace's templateRef, from the CRD", func() {
		out, err := kubectlErr("patch", "workspacetemplate", template, "--type=merge", "-p", `{"spec":{"displayName":"changed"}}`)
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("spec is immutable: a WorkspaceTemplate cannot change after"))
		out, err = kubectlErr("patch", "-n", wsNamespace, "workspace", "workspace-with-template", "--type=merge",
			"-p", `{"spec":{"templateRef":"another-template"}}`)
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("spec.templateRef is immutable"))
		Expect(jsonpath(wsNamespace, "workspace/workspace-with-template", "{.spec.templateRef}")).To(Equal(template))
	})

	It("stores a Workspace over the template's cpu max with Valid=False and no pod, and runs it once fixed", func() {
		out := kubectlStdin(`
apiVersion: workspace.jupyter.org/v1alpha1
kind: Workspace
metadata: {name: over-cpu}
spec:
  templateRef: production-notebook-template
  resources:
    requests: {cpu: "3", memory: 256Mi}
    limits: {cpu: "3", memory: 512Mi}
`, "apply", "-n", wsNamespace, "-f", "-")
		GinkgoWriter.Println(out)
		Expect(warnings(out)).To(ConsistOf(
			ContainSubstring("spec.resources.requests.cpu: 3 is above the maximum of template production-notebook-template; ask for at most 2 cpu"),
			ContainSubstring("spec.resources.limits.cpu: 3 is above the maximum of template production-notebook-template; ask for at most 2 cpu"),
		))
		Eventually(func() string { return condition("over-cpu", "Valid") }, 60*time.Second, time.Second).
			Should(Equal("False/TemplateViolation"))
		msg := jsonpath(wsNamespace, "workspace/over-cpu", `{.status.conditions[?(@.type=="Valid")].message}`)
		Expect(msg).To(ContainSubstring("spec.resources.requests.cpu"))
		Expect(msg).To(ContainSubstring("spec.resources.limits.cpu"))
		// The controller has decided (Valid=False above) and runs nothing;
		// the same selector finds the pod once the spec is fixed below.
		Expect(podsOf("over-cpu")).To(BeEmpty())
		Expect(jsonpath(wsNamespace, "workspace/over-cpu", "{.status.readyReplicas}")).To(BeElementOf("", "0"))

		out = kubectl("patch", "-n", wsNamespace, "workspace", "over-cpu", "--type=merge",
			"-p", `{"spec":{"resources":{"requests":{"cpu":"1"},"limits":{"cpu":"1"}}}}`)
		Expect(warnings(out)).To(BeEmpty())
		pod := readyPod("over-cpu")
		Expect(pod.Spec.Containers[0].Resources.Limits.Cpu().String()).To(Equal("1"))
		Expect(condition("over-cpu", "Valid")).To(HavePrefix("True/"))
	})

	// Each bad Workspace gets exactly one line naming the field and the
	// fix: a Warning (stored, Valid=False with reason, no pod) for what
	// breaks a template's bounds, a refusal for what is not a quantity.
	DescribeTable("tells at apply, one line per problem, what is wrong with a bad Workspace and how to fix it",
		func(name, spec, reason, line string) {
			manifest := "apiVersion: workspace.jupyter.org/v1alpha1\nkind: Workspace\nmetadata: {name: " + name + "}\nspec:\n" + spec
			out, err := kubectlErrStdin(manifest, "apply", "-n", wsNamespace, "-f", "-")
			GinkgoWriter.Println(out)
			if reason == "" {
				Expect(err).To(HaveOccurred(), out)
				Expect(strings.Split(strings.TrimSpace(out), "\n")).To(ConsistOf(ContainSubstring(line)))
				Expect(exists(wsNamespace, "workspace/"+name)).To(BeFalse())
				return
			}
			Expect(err).NotTo(HaveOccurred(), out)
			Expect(warnings(out)).To(ConsistOf(ContainSubstring(line)))
			Eventually(func() string { return condition(name, "Valid") }, 60*time.Second, time.Second).Should(Equal("False/" + reason))
			Expect(jsonpath(wsNamespace, "workspace/"+name, `{.status.conditions[?(@.type=="Valid")].message}`)).
				To(ContainSubstring(strings.SplitN(strings.TrimPrefix(line, "Warning: "), ";", 2)[0]))
			Expect(podsOf(name)).To(BeEmpty())
		},
		Entry("unknown template", "bad-template", "  templateRef: no-such-template\n", "TemplateNotFound",
			`Warning: spec.templateRef: WorkspaceTemplate "no-such-template" does not exist; create it, or name one that does (kubectl get workspacetemplates)`),
		Entry("image not allowed", "bad-image", "  templateRef: production-notebook-template\n  image: busybox:latest\n", "TemplateViolation",
			"Warning: spec.image: busybox:latest is not allowed by template production-notebook-template; use one of jk8s-application-jupyter-uv:latest"),
		Entry("cpu above max", "bad-cpu", "  templateRef: production-notebook-template\n  resources: {limits: {cpu: \"4\"}}\n", "TemplateViolation",
			"Warning: spec.resources.limits.cpu: 4 is above the maximum of template production-notebook-template; ask for at most 2 cpu"),
		Entry("storage below min", "bad-storage", "  templateRef: production-notebook-template\n  storage: {size: 50Mi}\n", "TemplateViolation",
			"Warning: spec.storage.size: 50Mi is below the minimum of template production-notebook-template; ask for at least 100Mi"),
		Entry("malformed cpu", "bad-quantity", "  resources: {requests: {cpu: \"2 cores\"}}\n", "",
			`admission webhook "mutate.workspaces.workspace.jupyter.org" denied the request: spec.resources.requests.cpu: "2 cores" is not a quantity; write e.g. 500m or 2`),
		Entry("malformed storage size", "bad-size", "  storage: {size: 1GB}\n", "",
			`spec.storage.size: "1GB" is not a quantity; write e.g. 10Gi or 500Mi`),
	)

	It("keeps a template in use until its last Workspace is gone, and deletes an unused one at once", func() {
		Expect(jsonpath("", "workspacetemplate/"+template, "{.metadata.finalizers}")).
			To(ContainSubstring("workspace.jupyter.org/template-protection"))
		kubectl("delete", "workspacetemplate", template, "--wait=false")
		Consistently(func() string {
			return jsonpath("", "workspacetemplate/"+template, "{.metadata.deletionTimestamp}")
		}, 3*time.Second, time.Second).ShouldNot(BeEmpty(), "the template went while Workspaces use it")

		kubectl("delete", "-n", wsNamespace, "workspaces", "-l", "workspace.jupyter.org/template="+template, "--timeout=60s")
		Eventually(func() bool { return exists("", "workspacetemplate/"+template) }, 60*time.Second, time.Second).Should(BeFalse())

		kubectlStdin(`
apiVersion: workspace.jupyter.org/v1alpha1
kind: WorkspaceTemplate
metadata: {name: unused-template}
spec:
  displayName: Unused
  defaultImage: jupyter/minimal-notebook:latest
`, "apply", "-f", "-")
		kubectl("delete", "workspacetemplate", "unused-template", "--timeout=30s")
		Expect(exists("", "workspacetemplate/unused-template")).To(BeFalse())
	})
})
