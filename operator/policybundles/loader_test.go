package policybundles

import (
	"errors"
	"strings"
	"testing"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

func TestCheck(t *testing.T) {
	on, _ := NewLoader(Options{Engine: engine.New(), DefaultEnabled: true})
	off, _ := NewLoader(Options{Engine: engine.New()})
	broken := policiesv1.Module{Name: "runs/x.rego", Rego: "package weir.runs\n\ndeny contains x if {\n\tinput.a == y\n}\n"}
	for _, tc := range []struct {
		l    *Loader
		pb   *policiesv1.PolicyBundle
		want string // "" for no error
	}{
		{on, bundleResource("acme", "", policiesv1.Module{Name: "a.rego", Rego: "package weir.runs\n"}), ""},
		{on, bundleResource("acme", ""), "has no modules"},
		{on, bundleResource("acme", "", broken), "acme/runs/x.rego:3:15: rego_unsafe_var_error"},
		{on, bundleResource("default", `{"settings": {"runs": {"maxResources": {"cpu": "1"}}}}`), ""},
		{on, bundleResource("default", "", broken), "default/runs/x.rego:3:15"},
		{off, bundleResource("default", "", broken), ""},
	} {
		err := tc.l.Check(t.Context(), tc.pb)
		var be *engine.Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.pb.Name, err)
		case tc.want != "" && (!errors.As(err, &be) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want an *engine.Error with %q", tc.pb.Name, err, tc.want)
		}
	}
}
