package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// One image reference: the chart, config/manager and this binary's
// default name the same repository, and the chart's appVersion is the
// kustomize tag; rendered, config/manager runs ingestion pods in the
// manager's own image.
func TestOneImageReference(t *testing.T) {
	root := "../../.."
	var values struct {
		Operator struct {
			Image struct{ Repository, Tag string }
		}
	}
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	var kust struct {
		Images []struct {
			Name    string `json:"name"`
			NewName string `json:"newName"`
			NewTag  string `json:"newTag"`
		} `json:"images"`
	}
	readYAML(t, filepath.Join(root, "charts/weir/values.yaml"), &values)
	readYAML(t, filepath.Join(root, "charts/weir/Chart.yaml"), &chart)
	readYAML(t, filepath.Join(root, "config/manager/kustomization.yaml"), &kust)

	if r := values.Operator.Image.Repository; r != imageRepository {
		t.Errorf("chart operator.image.repository = %q, want %q", r, imageRepository)
	}
	if len(kust.Images) != 1 || kust.Images[0].Name != imageRepository || kust.Images[0].NewName != "" ||
		kust.Images[0].NewTag != chart.AppVersion {
		t.Errorf("config/manager images = %+v, want %s at the chart's appVersion %s", kust.Images, imageRepository, chart.AppVersion)
	}
	if d := defaultImage(); !strings.HasPrefix(d, imageRepository+":") {
		t.Errorf("--image default = %q, want %s:<version>", d, imageRepository)
	}

	kubectl := findKubectl(t, root)
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(root, "config/manager")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/manager: %v", err)
	}
	want := imageRepository + ":" + chart.AppVersion
	if n := strings.Count(string(out), "image: "+want+"\n"); n != 1 {
		t.Errorf("config/manager renders the manager's image %s %d times, want once:\n%s", want, n, out)
	}
	if !strings.Contains(string(out), "- --image="+want+"\n") {
		t.Errorf("config/manager does not pass --image=%s:\n%s", want, out)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// findKubectl: $KUBECTL, the control plane's (hack/control-plane.sh), or PATH.
func findKubectl(t *testing.T, root string) string {
	t.Helper()
	if k := os.Getenv("KUBECTL"); k != "" {
		return k
	}
	if m, _ := filepath.Glob(filepath.Join(root, "bin/k8s/*/kubectl")); len(m) > 0 {
		return m[0]
	}
	if p, err := exec.LookPath("kubectl"); err == nil {
		return p
	}
	t.Fatal("no kubectl for `kubectl kustomize`: run hack/control-plane.sh (make tools) or set KUBECTL")
	return ""
}
