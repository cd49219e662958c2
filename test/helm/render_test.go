package helm_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// chartDir is the chart under test, relative to the repository root.
const chartDir = "charts/weir"

// repoRoot is two levels up: go test runs in test/helm.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// helm runs the helm binary named by $HELM from the repository root. A missing
// binary is a failure, not a skip, so CI cannot pass without testing the chart.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := os.Getenv("HELM")
	if bin == "" {
		t.Fatal("HELM is not set: run `make test`, or HELM=$(hack/helm.sh) go test ./test/helm/...")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = repoRoot(t)
	// Keep helm away from the user's config, cache and repositories.
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"HELM_CACHE_HOME="+filepath.Join(tmp, "cache"),
		"HELM_DATA_HOME="+filepath.Join(tmp, "data"),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// doc is one rendered manifest: its raw YAML and the fields every test needs.
type doc struct {
	Kind      string
	Name      string
	Namespace string
	raw       []byte
}

// render runs `helm template` with the given extra arguments and splits the
// output into its documents; rendering must succeed.
func render(t *testing.T, args ...string) []doc {
	t.Helper()
	return renderChart(t, chartDir, args...)
}

// renderChart renders the chart in dir (relative to the repository root, or
// absolute) as release "weir" in namespace "weir" unless args override it.
func renderChart(t *testing.T, dir string, args ...string) []doc {
	t.Helper()
	return renderRelease(t, dir, "weir", args...)
}

// renderRelease renders the chart in dir as the named release.
func renderRelease(t *testing.T, dir, release string, args ...string) []doc {
	t.Helper()
	out, err := helm(t, append([]string{"template", release, dir, "--namespace", "weir"}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, out)
	}
	return splitDocs(t, out)
}

// splitDocs splits a multi-document YAML stream into its non-empty documents.
func splitDocs(t *testing.T, out string) []doc {
	t.Helper()
	var docs []doc
	for _, part := range strings.Split("\n"+out, "\n---") {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(part), &head); err != nil {
			t.Fatalf("decode rendered document: %v\n%s", err, part)
		}
		if head.Kind == "" { // comment-only or empty document
			continue
		}
		docs = append(docs, doc{head.Kind, head.Metadata.Name, head.Metadata.Namespace, []byte(part)})
	}
	return docs
}

// only returns the single document of a kind, decoded into T.
func only[T any](t *testing.T, docs []doc, kind string) T {
	t.Helper()
	return named[T](t, docs, kind, "")
}

// named returns the single document of a kind and name ("" matches any name),
// decoded strictly into T so a misspelt field in a template fails the test.
func named[T any](t *testing.T, docs []doc, kind, name string) T {
	t.Helper()
	var found []doc
	for _, d := range docs {
		if d.Kind == kind && (name == "" || d.Name == name) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s %q, got %d (rendered: %s)", kind, name, len(found), kinds(docs))
	}
	var v T
	if err := yaml.UnmarshalStrict(found[0].raw, &v); err != nil {
		t.Fatalf("decode %s %q: %v", kind, name, err)
	}
	return v
}

func count(docs []doc, kind string) int {
	n := 0
	for _, d := range docs {
		if d.Kind == kind {
			n++
		}
	}
	return n
}

func kinds(docs []doc) string {
	var ks []string
	for _, d := range docs {
		ks = append(ks, d.Kind+"/"+d.Name)
	}
	return strings.Join(ks, ", ")
}
