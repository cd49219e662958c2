package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

// The plugin sandbox a Run's pods get is the manager's (the suite runs it
// as --plugin-allow-link-local would), whatever the Run says.
var _ = Describe("The plugin sandbox in a Run's pipeline.yaml", func() {
	It("carries the manager's settings, and nothing a Run sets", func() {
		ns := newNamespace()
		run := goodRun("sandboxed", ns)
		obj, err := runtimeToUnstructured(run)
		Expect(err).NotTo(HaveOccurred())
		// What a Run author might try: a sandbox of their own, and the
		// environment variables that once switched the guards off.
		Expect(unstructured.SetNestedField(obj.Object, map[string]any{"allowMetadata": true, "allowLoopback": true}, "spec", "sandbox")).To(Succeed())
		env, _, _ := unstructured.NestedSlice(obj.Object, "spec", "env")
		env = append(env,
			map[string]any{"name": "WEIR_PLUGIN_ALLOW_METADATA", "value": "true"},
			map[string]any{"name": "WEIR_PLUGIN_ALLOW_LOOPBACK", "value": "true"})
		Expect(unstructured.SetNestedSlice(obj.Object, env, "spec", "env")).To(Succeed())
		Expect(k8s.Create(ctx, obj)).To(Succeed())

		job := &batchv1.Job{}
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: runs.JobName(run)}, job)
		}, timeout, interval).Should(Succeed())
		file, _ := runs.PipelineOf(&job.Spec.Template) // the pipeline travels in the pod template
		var pipeline struct {
			Sandbox map[string]any `json:"sandbox"`
		}
		Expect(yaml.Unmarshal([]byte(file), &pipeline)).To(Succeed())
		Expect(pipeline.Sandbox).To(Equal(map[string]any{"allowLinkLocal": true}), file)
	})
})

func runtimeToUnstructured(run *runsv1.Run) (*unstructured.Unstructured, error) {
	b, err := yaml.Marshal(run)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &u.Object); err != nil {
		return nil, err
	}
	u.SetAPIVersion("runs.marmotdata.io/v1alpha1")
	u.SetKind("Run")
	return u, nil
}
