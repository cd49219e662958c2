package engine

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecideSeedAllowed(t *testing.T) {
	d := decide(t, loaded(t, DefaultBundle()), runInput(t, seedSpec))
	if !d.Allowed() || len(d.Warnings) > 0 || len(d.Patch) > 0 {
		t.Fatalf("seed example: %+v", d)
	}
	if d.Revision == "" {
		t.Error("decision names no revision")
	}
}

func TestDecideDenialNamesFieldAndPolicy(t *testing.T) {
	d := decide(t, loaded(t, DefaultBundle()), runInput(t, `{"activeDeadlineSeconds": 60, "resources": {"requests": {"cpu": "1"}},
		"runs": [{"postgresql": {"host": "db", "password": "hunter2"}}]}`))
	want := Violation{
		Field:   "spec.runs[0].postgresql.password",
		Policy:  "runs.literal-secret",
		Bundle:  DefaultBundleName,
		Message: `literal secret; put it in a Secret and reference it: env: [{name: POSTGRESQL_PASSWORD, valueFrom: {secretKeyRef: {name: <secret>, key: password}}}] and password: "${POSTGRESQL_PASSWORD}"`,
	}
	if d.Allowed() || len(d.Denials) != 1 || d.Denials[0] != want {
		t.Fatalf("denials = %+v, want [%+v]", d.Denials, want)
	}
	if !strings.HasPrefix(d.Denials[0].String(), "spec.runs[0].postgresql.password: literal secret;") {
		t.Errorf("String() = %q", d.Denials[0].String())
	}
}

func TestDecideWarning(t *testing.T) {
	d := decide(t, loaded(t, DefaultBundle()), runInput(t, `{"schedule": "@daily", "resources": {"requests": {"cpu": "1"}}, "runs": [{"s3": {}}]}`))
	if !d.Allowed() || !reflect.DeepEqual(policyIDs(d.Warnings), []string{"runs.deadline"}) {
		t.Fatalf("decision = %+v, want only the runs.deadline warning", d)
	}
	if d.Warnings[0].Field != "spec.activeDeadlineSeconds" {
		t.Errorf("warning field = %q", d.Warnings[0].Field)
	}
}

func TestDecidePatch(t *testing.T) {
	d := decide(t, loaded(t, DefaultBundle()), runInput(t, `{"runs": [{"s3": {}}]}`))
	if !d.Allowed() || len(d.Patch) != 1 {
		t.Fatalf("decision = %+v, want one patch op", d)
	}
	if op := d.Patch[0]; op.Policy != "runs.default-requests" || op.Bundle != DefaultBundleName {
		t.Errorf("op from %s/%s", op.Bundle, op.Policy)
	}
	got, _ := json.Marshal(d.Patch)
	want := `[{"op":"add","path":"/spec/resources","value":{"limits":{"memory":"1Gi"},"requests":{"cpu":"100m","memory":"320Mi"}}}]`
	if string(got) != want {
		t.Errorf("patch = %s, want %s", got, want)
	}
}

func TestDecideNothingOnDelete(t *testing.T) {
	in := runInput(t, `{"runs": [{"postgresql": {"password": "x"}}]}`)
	in.Operation, in.OldObject, in.Object = "DELETE", in.Object, nil
	if d := decide(t, loaded(t, DefaultBundle()), in); !d.Allowed() || len(d.Patch) > 0 {
		t.Fatalf("DELETE: %+v", d)
	}
}

func TestDecideOtherKindsUntouched(t *testing.T) {
	in := runInput(t, `{"runs": []}`)
	in.Kind.Kind = "Workspace"
	if d := decide(t, loaded(t, DefaultBundle()), in); !d.Allowed() || len(d.Warnings)+len(d.Patch)+len(d.DryRun) > 0 {
		t.Fatalf("Workspace: %+v", d)
	}
}

func TestDecideBeforeLoad(t *testing.T) {
	if _, err := New().Decide(context.Background(), runInput(t, seedSpec)); !errors.Is(err, ErrNoRevision) {
		t.Fatalf("err = %v, want ErrNoRevision", err)
	}
}

// badSpec breaks one deny rule and earns one warning and one patch.
const badSpec = `{"schedule": "61 * * * *", "runs": [{"s3": {}}]}`

func TestModeWarn(t *testing.T) {
	b := DefaultBundle()
	b.Mode = ModeWarn
	d := decide(t, loaded(t, b), runInput(t, badSpec))
	if !d.Allowed() {
		t.Fatalf("mode warn denied: %+v", d.Denials)
	}
	if got := policyIDs(d.Warnings); !reflect.DeepEqual(got, []string{"runs.schedule", "runs.deadline"}) {
		t.Errorf("warnings = %v, want the denial then the warning", got)
	}
	if len(d.Patch) != 1 {
		t.Errorf("mode warn still mutates; patch = %+v", d.Patch)
	}
}

func TestModeDryRun(t *testing.T) {
	b := DefaultBundle()
	b.Mode = ModeDryRun
	d := decide(t, loaded(t, b), runInput(t, badSpec))
	if !d.Allowed() || len(d.Warnings) > 0 || len(d.Patch) > 0 {
		t.Fatalf("mode dryrun had an effect: %+v", d)
	}
	got := policyIDs(d.DryRun)
	if !reflect.DeepEqual(got, []string{"runs.schedule", "runs.deadline", "runs.default-requests"}) {
		t.Errorf("dry run = %v", got)
	}
	if !strings.HasPrefix(d.DryRun[2].Message, `would patch {"op":"add","path":"/spec/resources"`) {
		t.Errorf("dry-run patch = %q", d.DryRun[2].Message)
	}
}

func TestCompositionWithSecondBundle(t *testing.T) {
	e := loaded(t, DefaultBundle(), acmeBundle(""))
	rev, _ := e.Current()
	if !reflect.DeepEqual(rev.Bundles, []string{DefaultBundleName, "acme"}) {
		t.Errorf("revision bundles = %v", rev.Bundles)
	}
	d := decide(t, e, runInput(t, `{"schedule": "61 * * * *", "activeDeadlineSeconds": 60, "resources": {"requests": {"cpu": "1"}}, "runs": [{"s3": {}}]}`))
	want := []Violation{
		{Field: "spec.schedule", Policy: "runs.schedule", Bundle: DefaultBundleName, Message: `"61 * * * *" is not a valid cron schedule: minute "61": use 0-59, *, ranges a-b, steps /n and lists a,b`},
		{Field: "spec.serviceAccountName", Policy: "acme.service-account", Bundle: "acme", Message: "Runs in acme need their own service account"},
	}
	if !reflect.DeepEqual(d.Denials, want) {
		t.Fatalf("denials = %+v\nwant %+v", d.Denials, want)
	}

	// Without the default bundle only acme decides.
	d = decide(t, loaded(t, acmeBundle("")), runInput(t, badSpec))
	if got := policyIDs(d.Denials); !reflect.DeepEqual(got, []string{"acme.service-account"}) || len(d.Warnings)+len(d.Patch) > 0 {
		t.Errorf("acme alone: %+v", d)
	}
}

func TestEvaluationFailureByMode(t *testing.T) {
	broken := func(mode string) Bundle {
		return Bundle{Name: "broken", Mode: mode, Modules: map[string]string{"x.rego": `package weir.runs

x := 1 if input.operation
x := 2 if input.operation

deny contains "no" if x == 3
`}}
	}
	in := runInput(t, seedSpec)
	if _, err := loaded(t, broken("")).Decide(context.Background(), in); err == nil || !strings.Contains(err.Error(), `policy bundle "broken"`) {
		t.Errorf("mode deny: err = %v, want the evaluation error", err)
	}
	d := decide(t, loaded(t, broken(ModeWarn)), in)
	if !d.Allowed() || len(d.Warnings) != 1 || d.Warnings[0].Policy != "weir.evaluation" {
		t.Errorf("mode warn: %+v", d)
	}
	d = decide(t, loaded(t, broken(ModeDryRun)), in)
	if !d.Allowed() || len(d.DryRun) != 1 || len(d.Warnings) > 0 {
		t.Errorf("mode dryrun: %+v", d)
	}
}

func TestDecisionShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		rules, err string
		denials    []Violation
	}{
		"string message": {rules: `deny contains "plain"`, denials: []Violation{{Message: "plain", Bundle: "b"}}},
		"number":         {rules: `deny contains 42`, err: "deny: 42: want an object"},
		"msg not string": {rules: `deny contains {"msg": 1}`, err: "want {msg: string"},
		"object rule":    {rules: `deny := {"a": 1}`, err: "want a set"},
		"bad patch op":   {rules: `patch contains {"op": "merge", "path": "/x"}`, err: "want {op: add|remove"},
		"relative path":  {rules: `patch contains {"op": "add", "path": "x", "value": 1}`, err: "path: /json/pointer"},
		"patch":          {rules: `patch contains {"op": "remove", "path": "/spec/suspend"}`},
	} {
		t.Run(name, func(t *testing.T) {
			e := loaded(t, Bundle{Name: "b", Modules: map[string]string{"r.rego": "package weir.runs\n\n" + tc.rules + "\n"}})
			d, err := e.Decide(context.Background(), runInput(t, seedSpec))
			var de *DecisionError
			switch {
			case tc.err != "" && (!errors.As(err, &de) || !strings.Contains(de.Detail(), tc.err)):
				t.Errorf("err = %v, want %q", err, tc.err)
			case tc.err == "" && (err != nil || !reflect.DeepEqual(d.Denials, tc.denials)):
				t.Errorf("denials = %+v, err %v; want %+v", d.Denials, err, tc.denials)
			}
		})
	}
}

func TestPatchOpJSON(t *testing.T) {
	for _, tc := range []struct {
		op   PatchOp
		want string
	}{
		{PatchOp{Op: "add", Path: "/a", Value: nil, Policy: "p"}, `{"op":"add","path":"/a","value":null}`},
		{PatchOp{Op: "replace", Path: "/a", Value: false}, `{"op":"replace","path":"/a","value":false}`},
		{PatchOp{Op: "remove", Path: "/a"}, `{"op":"remove","path":"/a"}`},
		{PatchOp{Op: "move", Path: "/b", From: "/a"}, `{"op":"move","path":"/b","from":"/a"}`},
	} {
		if got, _ := json.Marshal(tc.op); string(got) != tc.want {
			t.Errorf("%+v: %s, want %s", tc.op, got, tc.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for kind, want := range map[string]string{"Run": "runs", "PolicyBundle": "policybundles", "Policy": "policies", "Gateway": "gateways", "Ingress": "ingresses", "": ""} {
		if got := Plural(kind); got != want {
			t.Errorf("Plural(%q) = %q, want %q", kind, got, want)
		}
	}
}
