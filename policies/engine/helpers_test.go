package engine

import (
	"context"
	"encoding/json"
	"testing"
)

// runInput is a CREATE of a Run in namespace default with the given spec,
// written as JSON (as the API server would send it).
func runInput(t testing.TB, spec string) Input {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatalf("spec %s: %v", spec, err)
	}
	return Input{
		Kind:      GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"},
		Operation: "CREATE",
		UserInfo:  UserInfo{Username: "alice", Groups: []string{"system:authenticated"}},
		Namespace: "default",
		Name:      "my-pipeline",
		Object: map[string]any{
			"apiVersion": "runs.marmotdata.io/v1alpha1",
			"kind":       "Run",
			"metadata":   map[string]any{"name": "my-pipeline", "namespace": "default"},
			"spec":       s,
		},
	}
}

// loaded is an engine with the given bundles loaded.
func loaded(t testing.TB, bundles ...Bundle) *Engine {
	t.Helper()
	e := New()
	if _, err := e.Load(context.Background(), bundles...); err != nil {
		t.Fatal(err)
	}
	return e
}

func decide(t testing.TB, e *Engine, in Input) Decision {
	t.Helper()
	d, err := e.Decide(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// policies lists the policy ids of vs.
func policyIDs(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Policy
	}
	return out
}

// acmeBundle is an administrator's bundle adding one rule for Runs. It
// defines its own spec, which would clash with the default bundle's if
// bundles were compiled together.
func acmeBundle(mode string) Bundle {
	return Bundle{
		Name: "acme",
		Mode: mode,
		Modules: map[string]string{"runs/service_account.rego": `package weir.runs

import data.weir.lib.admission

spec := admission.reviewed.spec

deny contains v if {
	not spec.serviceAccountName
	v := {"msg": sprintf("Runs in %s need their own service account", [data.team]), "field": "spec.serviceAccountName", "policy": "acme.service-account"}
}
`},
		Data: map[string]any{"team": "acme"},
	}
}

// seedSpec is the Marmot operator's example, which passes every policy.
const seedSpec = `{
	"schedule": "0 */6 * * *",
	"activeDeadlineSeconds": 3600,
	"podAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/marmot-s3-reader"},
	"podLabels": {"team": "data-engineering"},
	"resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
	"env": [{"name": "PG_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "pg", "key": "password"}}}],
	"runs": [
		{"postgresql": {"host": "db.example.com", "port": 5432, "database": "production", "user": "readonly", "password": "${PG_PASSWORD}"}},
		{"s3": {"bucket": "my-data-lake", "region": "eu-west-1"}}
	]
}`
