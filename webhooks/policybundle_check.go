package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// BundleChecker compiles a PolicyBundle exactly as the loader would load
// it (for the bundle named default: merged into the embedded one), and
// returns its problems, typically as *engine.Error.
type BundleChecker func(ctx context.Context, pb *policiesv1.PolicyBundle) error

// compileCheck turns a BundleChecker into the PolicyBundle webhook's
// pre-policy check: a bundle that does not compile is refused with each
// compiler message at its module's field and file:line:col.
func compileCheck(check BundleChecker) func(context.Context, admission.Request) []engine.Violation {
	return func(ctx context.Context, req admission.Request) []engine.Violation {
		if len(req.Object.Raw) == 0 {
			return nil
		}
		pb := &policiesv1.PolicyBundle{}
		if err := json.Unmarshal(req.Object.Raw, pb); err != nil {
			return []engine.Violation{{Message: "cannot decode PolicyBundle: " + err.Error(), Policy: "weir.compile"}}
		}
		err := check(ctx, pb)
		if err == nil {
			return nil
		}
		var e *engine.Error
		if !errors.As(err, &e) {
			return []engine.Violation{{Message: err.Error(), Policy: "weir.compile"}}
		}
		out := make([]engine.Violation, 0, len(e.Problems))
		for _, p := range e.Problems {
			out = append(out, engine.Violation{Field: moduleField(pb, p.File), Message: p.String(), Policy: "weir.compile"})
		}
		return out
	}
}

// moduleField is the path of the module a compiler message is about:
// spec.modules[i].rego when the file is one of the bundle's modules.
func moduleField(pb *policiesv1.PolicyBundle, file string) string {
	if file == "" {
		return "spec"
	}
	for i, m := range pb.Spec.Modules {
		if file == m.Name || strings.HasSuffix(file, "/"+m.Name) {
			return fmt.Sprintf("spec.modules[%d].rego", i)
		}
	}
	return "spec.modules"
}
