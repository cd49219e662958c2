package v1alpha1_test

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/samples"
)

// sample is one upstream manifest, as JSON and as an object.
type sample struct {
	file string
	json []byte
	obj  *unstructured.Unstructured
}

// readSamples returns every sample its kustomization.yaml lists, and checks
// that it lists every manifest in the folder, so none is skipped. They are
// upstream Jupyter k8s's, read from shared/ beside the repository, never
// copied into the project, so they stay upstream's.
func readSamples() []sample {
	samplesDir := samples.Dir(GinkgoT())
	raw, err := os.ReadFile(filepath.Join(samplesDir, "kustomization.yaml"))
	Expect(err).NotTo(HaveOccurred(), "the upstream samples belong in %s (shared/ beside the repository)", samplesDir)
	var kustomization struct {
		Resources []string `json:"resources"`
	}
	Expect(yaml.Unmarshal(raw, &kustomization)).To(Succeed())
	files, err := filepath.Glob(filepath.Join(samplesDir, "*.yaml"))
	Expect(err).NotTo(HaveOccurred())
	var inFolder []string
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" {
			inFolder = append(inFolder, base)
		}
	}
	Expect(kustomization.Resources).To(ConsistOf(inFolder))

	var out []sample
	for _, name := range kustomization.Resources {
		raw, err := os.ReadFile(filepath.Join(samplesDir, name))
		Expect(err).NotTo(HaveOccurred())
		j, err := yaml.YAMLToJSON(raw)
		Expect(err).NotTo(HaveOccurred(), name)
		obj := &unstructured.Unstructured{}
		Expect(obj.UnmarshalJSON(j)).To(Succeed(), name)
		out = append(out, sample{file: name, json: j, obj: obj})
	}
	return out
}

// spec is an object's spec as generic JSON.
func spec(obj map[string]any) map[string]any {
	s, ok := obj["spec"].(map[string]any)
	Expect(ok).To(BeTrue())
	return s
}

// within reports whether every value in want is in got (got may hold more,
// such as schema defaults).
func within(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !within(v, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !within(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		return want == got
	}
}

var _ = Describe("upstream samples", func() {
	It("apply unchanged and are stored whole, with strict field validation", func() {
		ns := newNamespace()
		samples := readSamples()
		Expect(len(samples)).To(BeNumerically(">=", 9))
		kinds := map[string]int{}
		for _, s := range samples {
			obj := s.obj.DeepCopy()
			kinds[obj.GetKind()]++
			if obj.GetKind() == "Workspace" {
				obj.SetNamespace(ns)
			}
			// Strict: a field the CRD does not know is an error, not pruned.
			Expect(k8s.Create(ctx, obj, client.FieldValidation("Strict"))).To(Succeed(), s.file)

			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(obj.GroupVersionKind())
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), got)).To(Succeed())
			Expect(within(spec(s.obj.Object), spec(got.Object))).To(BeTrue(),
				"%s: stored spec %v lost or changed something of %v", s.file, spec(got.Object), spec(s.obj.Object))
		}
		Expect(kinds).To(Equal(map[string]int{"Workspace": 8, "WorkspaceTemplate": 1}))

		// The control: a field the types lack is refused, not dropped, so
		// the samples above really were taken whole.
		bad := samples[0].obj.DeepCopy()
		bad.SetName("unknown-field")
		bad.SetNamespace(ns)
		Expect(unstructured.SetNestedField(bad.Object, "x", "spec", "notAField")).To(Succeed())
		Expect(k8s.Create(ctx, bad, client.FieldValidation("Strict"))).To(MatchError(ContainSubstring(`unknown field "spec.notAField"`)))
	})

	It("decode strictly into the Go types and encode back to the same spec", func() {
		for _, s := range readSamples() {
			var typed any
			switch s.obj.GetKind() {
			case "Workspace":
				typed = &wsv1.Workspace{}
			case "WorkspaceTemplate":
				typed = &wsv1.WorkspaceTemplate{}
			default:
				Fail(s.file + ": unexpected kind " + s.obj.GetKind())
			}
			// Strict: the controller must see every field the sample sets.
			Expect(yaml.UnmarshalStrict(s.json, typed)).To(Succeed(), s.file)
			back, err := json.Marshal(typed)
			Expect(err).NotTo(HaveOccurred())
			var got map[string]any
			Expect(json.Unmarshal(back, &got)).To(Succeed())
			Expect(spec(got)).To(Equal(spec(s.obj.Object)), s.file)
		}
	})
})
