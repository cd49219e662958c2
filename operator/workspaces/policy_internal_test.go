package workspaces

import (
	"testing"

	"github.com/weir-dev/weir/policies/engine"
)

// The Valid reasons are upstream's: a missing template first, then the
// template's bounds, anything else is a policy's denial.
func TestValidReason(t *testing.T) {
	v := func(policy string) engine.Violation { return engine.Violation{Policy: policy, Message: "m"} }
	for _, c := range []struct {
		denials []engine.Violation
		want    string
	}{
		{[]engine.Violation{v("workspaces.resource-bounds"), v("workspaces.storage-bounds")}, "TemplateViolation"},
		{[]engine.Violation{v("workspaces.allowed-images")}, "TemplateViolation"},
		{[]engine.Violation{v("workspaces.quantity")}, "TemplateViolation"},
		{[]engine.Violation{v("workspaces.image")}, "TemplateViolation"},
		{[]engine.Violation{v("workspaces.storage-bounds"), v("workspaces.template-not-found")}, "TemplateNotFound"},
		{[]engine.Violation{v("workspaces.resource-bounds"), v("acme.no-gpu-on-fridays")}, "PolicyDenied"},
		{[]engine.Violation{v("acme.no-gpu-on-fridays"), v("workspaces.resource-bounds")}, "PolicyDenied"},
		{[]engine.Violation{v("workspaces.allowed-execution-profiles")}, "TemplateViolation"},
		{[]engine.Violation{v("acme.no-gpu-on-fridays"), v("workspaces.execution-profile-not-found"), v("workspaces.resource-bounds")}, "ExecutionProfileNotFound"},
		{[]engine.Violation{v("workspaces.execution-profile-not-found"), v("workspaces.template-not-found")}, "TemplateNotFound"},
	} {
		if got := validReason(c.denials); got != c.want {
			t.Errorf("%v: %s, want %s", c.denials, got, c.want)
		}
	}
}
