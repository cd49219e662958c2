//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

// Every pod Weir makes, in a namespace whose Pod Security admission
// enforces "restricted" at the latest version. The real kube-controller-
// manager creates the pods of Weir's Jobs and Deployments, so a refusal is
// a FailedCreate Event on the Job or ReplicaSet, never an error Weir sees:
// the spec asserts the pods exist (SuccessfulCreate) and no FailedCreate.
// SourcePlugin describes make no pod: the manager runs them in a child
// process (operator/sourceplugins).
var _ = Describe("restricted Pod Security", Ordered, func() {
	const (
		ns = "weir-e2e-restricted"
		// class keeps this spec's claims off the other specs' volumes.
		class = "weir-restricted"
		// The guided chart's jupyterlab template (charts/weir/templates/guided).
		notebook = "quay.io/jupyter/base-notebook:2025-01-06"
	)
	BeforeAll(func() {
		kubectlStdin(fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[2]s}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[2]s-0}
spec:
  storageClassName: %[2]s
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/%[2]s-0}
`, ns, class), "apply", "-f", "-")
		DeferCleanup(func() {
			_, _ = kubectlErr("delete", "namespace", ns, "--wait=false")
			_, _ = kubectlErr("delete", "workspacetemplate", "restricted-jupyterlab", "--ignore-not-found", "--wait=false")
		})
	})

	// noRefusals fails when the controllers could not create a pod in ns.
	noRefusals := func() {
		GinkgoHelper()
		Expect(kubectl("get", "events", "-n", ns, "--field-selector", "reason=FailedCreate",
			"-o", "custom-columns=OBJECT:.involvedObject.name,MESSAGE:.message", "--no-headers")).To(BeEmpty())
	}
	// created waits for the controller of kind/name (Job, ReplicaSet) to
	// report a pod it made.
	created := func(kind, name string) {
		GinkgoHelper()
		Eventually(func() string {
			return kubectl("get", "events", "-n", ns, "--field-selector",
				"reason=SuccessfulCreate,involvedObject.kind="+kind+",involvedObject.name="+name, "-o", "name")
		}, 60*time.Second, time.Second).ShouldNot(BeEmpty(), "no pod of %s %s: %s", kind, name,
			kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name="+name))
	}

	It("admits the ingest pod of a one-off Run", func() {
		kubectlStdin(`apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: once}
spec:
  runs:
    - postgresql: {host: db.example.com, user: reader}
`, "apply", "-n", ns, "-f", "-")
		Eventually(func() string { return jsonpath(ns, "job/once", "{.metadata.name}") }, 30*time.Second, time.Second).Should(Equal("once"))
		created("Job", "once")
		Eventually(func() string { return jsonpath(ns, "job/once", `{.status.conditions[?(@.type=="Complete")].status}`) },
			60*time.Second, time.Second).Should(Equal("True"))
		noRefusals()
	})

	It("admits the pod of a scheduled Run's triggered Job and its teardown pod", func() {
		kubectlStdin(`apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  activeDeadlineSeconds: 3600
  runs:
    - postgresql: {host: db.example.com, user: reader}
`, "apply", "-n", ns, "-f", "-")
		Eventually(func() string { return jsonpath(ns, "cronjob/nightly", "{.spec.schedule}") }, 30*time.Second, time.Second).Should(Equal("0 3 * * *"))
		kubectl("annotate", "-n", ns, "run", "nightly", "runs.marmotdata.io/trigger=true")
		var job string
		Eventually(func() string {
			job = jsonpath(ns, "run/nightly", "{.status.lastTrigger.jobName}")
			return job
		}, 30*time.Second, time.Second).Should(HavePrefix("nightly-trigger-"))
		created("Job", job)
		Eventually(func() string { return jsonpath(ns, "job/"+job, `{.status.conditions[?(@.type=="Complete")].status}`) },
			60*time.Second, time.Second).Should(Equal("True"))

		By("deleting the Run: its teardown Job's pod runs before the Run goes")
		kubectl("delete", "-n", ns, "run", "nightly", "--wait=false")
		created("Job", "nightly-teardown")
		Eventually(func() bool { return exists(ns, "run/nightly") }, 90*time.Second, time.Second).Should(BeFalse())
		Expect(kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name=nightly")).To(ContainSubstring("TeardownSucceeded"))
		noRefusals()
	})

	It("admits a jupyterlab Workspace's pod with the tunnel sidecar", func() {
		kubectlStdin(fmt.Sprintf(`apiVersion: workspace.jupyter.org/v1alpha1
kind: WorkspaceTemplate
metadata: {name: restricted-jupyterlab}
spec:
  displayName: JupyterLab
  defaultImage: %[1]q
  allowedImages: [%[1]q]
  defaultOwnershipType: OwnerOnly
  defaultResources:
    requests: {cpu: 250m, memory: 512Mi}
    limits: {cpu: "2", memory: 4Gi}
  primaryStorage:
    defaultSize: 1Gi
    defaultStorageClassName: %[2]s
    defaultMountPath: /home/jovyan
  defaultTunnel: {port: 22}
---
apiVersion: workspace.jupyter.org/v1alpha1
kind: Workspace
metadata: {name: lab, namespace: %[3]s}
spec:
  displayName: Lab
  templateRef: restricted-jupyterlab
`, notebook, class, ns), "apply", "-f", "-")
		var pod corev1.Pod
		Eventually(func(g Gomega) {
			var list corev1.PodList
			out := kubectl("get", "pods", "-n", ns, "-l", idePods("lab"), "-o", "json")
			g.Expect(json.Unmarshal([]byte(out), &list)).To(Succeed())
			g.Expect(list.Items).To(HaveLen(1), "the Workspace's pod; ReplicaSet events: %s",
				kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.kind=ReplicaSet"))
			pod = list.Items[0]
		}, 90*time.Second, time.Second).Should(Succeed())
		var names []string
		for _, c := range pod.Spec.Containers {
			names = append(names, c.Name)
		}
		Expect(names).To(ContainElement("tunnel"), "the sidecar the template's defaultTunnel asks for")
		Expect(pod.Spec.Containers[0].Image).To(Equal(notebook))
		rs := pod.OwnerReferences[0].Name
		created("ReplicaSet", rs)
		noRefusals()
	})
})
