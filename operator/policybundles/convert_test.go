package policybundles

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

func bundleResource(name, data string, modules ...policiesv1.Module) *policiesv1.PolicyBundle {
	pb := &policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: policiesv1.PolicyBundleSpec{Modules: modules}}
	if data != "" {
		pb.Spec.Data = &apiextensionsv1.JSON{Raw: []byte(data)}
	}
	return pb
}

func TestCustomisedMergesDataAndModules(t *testing.T) {
	embedded := engine.DefaultBundle()
	pb := bundleResource("default", `{"settings": {"runs": {"maxResources": {"cpu": "1"}, "secretKeys": ["pin"]}}, "team": 7}`,
		policiesv1.Module{Name: "runs/secrets.rego", Rego: "package weir.runs\n"},
		policiesv1.Module{Name: "runs/extra.rego", Rego: "package weir.runs\n\nx := 1\n"})
	pb.Spec.EnforcementMode = policiesv1.EnforceWarn
	b, err := customised(embedded, pb)
	if err != nil {
		t.Fatal(err)
	}
	runs := b.Data["settings"].(map[string]any)["runs"].(map[string]any)
	want := map[string]any{"cpu": "1", "memory": "8Gi"}
	if !reflect.DeepEqual(runs["maxResources"], want) {
		t.Errorf("maxResources = %v, want objects merged: %v", runs["maxResources"], want)
	}
	if !reflect.DeepEqual(runs["secretKeys"], []any{"pin"}) {
		t.Errorf("secretKeys = %v, want the array replaced", runs["secretKeys"])
	}
	if b.Data["team"] != json.Number("7") || runs["defaultRequests"] == nil {
		t.Errorf("data = %v", b.Data)
	}
	if b.Modules["runs/secrets.rego"] != "package weir.runs\n" || b.Modules["runs/extra.rego"] == "" || b.Modules["runs/schedule.rego"] == "" {
		t.Errorf("modules not added and replaced by name: %d modules", len(b.Modules))
	}
	if b.Name != engine.DefaultBundleName || b.Mode != engine.ModeWarn {
		t.Errorf("name %q mode %q", b.Name, b.Mode)
	}
	// The embedded bundle is shared by every load: a merge must not write into it.
	if m := embedded.Data["settings"].(map[string]any)["runs"].(map[string]any)["maxResources"].(map[string]any); m["cpu"] != "4" {
		t.Errorf("embedded data changed: %v", m)
	}
}

func TestBundleOfRefusesNonObjectData(t *testing.T) {
	_, err := bundleOf(bundleResource("acme", `[1]`))
	if err == nil || !strings.Contains(err.Error(), "spec.data: want a JSON object") {
		t.Errorf("err = %v", err)
	}
	b, err := bundleOf(bundleResource("acme", ""))
	if err != nil || b.Data == nil {
		t.Errorf("no data: %+v, %v", b, err)
	}
}
