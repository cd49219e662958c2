package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runPolicy runs `weir policy ARGS...` and returns its output.
func runPolicy(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := policyCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// prodBundle refuses Runs in namespace prod; its test of that fails when
// broken is set.
func prodBundle(t *testing.T, broken bool) string {
	want := "prod"
	if broken {
		want = "staging"
	}
	return writeFiles(t, map[string]string{
		"runs/prod.rego": `package weir.runs

deny contains {"msg": "no Runs in prod", "field": "metadata.namespace", "policy": "acme.no-prod"} if input.namespace == "prod"
`,
		"runs/prod_test.rego": `package weir.runs

test_prod_denied if {
	count(deny) == 1 with input as {"namespace": "` + want + `"}
}

test_other_allowed if {
	count(deny) == 0 with input as {"namespace": "dev"}
}
`,
	})
}

func TestPolicyTestDefaultBundle(t *testing.T) {
	out, err := runPolicy(t, "test")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "PASS data.weir.runs.test_seed_example_passes (") {
		t.Errorf("no PASS line for the seed test:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed\ncoverage: \d+\.\d%$`).MatchString(out) {
		t.Errorf("no summary with coverage:\n%s", out)
	}
}

func TestPolicyTestDir(t *testing.T) {
	out, err := runPolicy(t, "test", prodBundle(t, false))
	if err != nil || !strings.Contains(out, "2 passed, 0 failed\ncoverage: 100.0%") {
		t.Errorf("passing bundle: err %v\n%s", err, out)
	}

	out, err = runPolicy(t, "test", prodBundle(t, true))
	if err == nil || err.Error() != "1 of 2 tests failed" {
		t.Errorf("failing bundle: err = %v", err)
	}
	if !strings.Contains(out, "FAIL data.weir.runs.test_prod_denied (") || !strings.Contains(out, "PASS data.weir.runs.test_other_allowed") {
		t.Errorf("failing bundle output:\n%s", out)
	}

	bad := writeFiles(t, map[string]string{"x.rego": "package x\n\np if {\n"})
	if _, err := runPolicy(t, "test", bad); err == nil || !regexp.MustCompile(`/x\.rego:\d+:\d+: rego_parse_error: `).MatchString(err.Error()) {
		t.Errorf("syntax error: err = %v, want file:line:col", err)
	}
}

const literalSecretRun = `apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: leaky
spec:
  runs:
    - postgresql:
        host: db.example.com
        password: hunter2
`

// The Marmot operator's example: allowed, with a warning (no deadline) and
// a patch (default requests).
const seedRun = `apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: my-pipeline
spec:
  schedule: "0 */6 * * *"
  podAnnotations:
    eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/marmot-s3-reader"
  runs:
    - s3:
        bucket: my-data-lake
        region: eu-west-1
`

func TestPolicyEval(t *testing.T) {
	thirdParty := strings.Replace(seedRun, "- s3:", "- kafka:", 1)
	dir := writeFiles(t, map[string]string{"leaky.yaml": literalSecretRun, "seed.yaml": seedRun, "both.yaml": seedRun + "---\n" + literalSecretRun,
		"kafka.yaml": thirdParty})

	// The seed's IRSA Run, with the built-in s3 source, as written.
	out, err := runPolicy(t, "eval", "-f", filepath.Join(dir, "seed.yaml"))
	if err != nil {
		t.Fatalf("seed: exit %d (%v), want 0: s3 is built in\n%s", exitCode(err), err, out)
	}
	for _, want := range []string{
		"Run default/my-pipeline: allowed (policy revision ",
		"  warn   spec.activeDeadlineSeconds: a scheduled Run without a deadline",
		`  patch  {"op":"add","path":"/spec/resources","value":{"limits":{"memory":"1Gi"},"requests":{"cpu":"100m","memory":"320Mi"}}} (policy runs.default-requests)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("seed output lacks %q:\n%s", want, out)
		}
	}
	out, err = runPolicy(t, "eval", "-f", filepath.Join(dir, "kafka.yaml"))
	if code := exitCode(err); code != exitUndecided {
		t.Fatalf("kafka: exit %d (%v), want %d: kafka is no built-in, a SourcePlugin may provide it\n%s", code, err, exitUndecided, out)
	}
	for _, want := range []string{
		"Run default/my-pipeline: allowed offline; the cluster may decide otherwise (policy revision ",
		`  undecided spec.runs[0].kafka: "kafka" is not a built-in source; in the cluster a Ready SourcePlugin may provide it`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kafka output lacks %q:\n%s", want, out)
		}
	}

	out, err = runPolicy(t, "eval", "-f", filepath.Join(dir, "both.yaml"), "--namespace", "ingest")
	if err == nil || err.Error() != "1 of 2 objects denied" {
		t.Errorf("err = %v, want 1 of 2 objects denied", err)
	}
	if !strings.Contains(out, "Run ingest/leaky: DENIED") ||
		!strings.Contains(out, "  deny   spec.runs[0].postgresql.password: literal secret; put it in a Secret") ||
		!strings.Contains(out, "literal secret; put it in a Secret and reference it: env: [{name: POSTGRESQL_PASSWORD, valueFrom: {secretKeyRef: {name: <secret>, key: password}}}] and password: \"${POSTGRESQL_PASSWORD}\" (policy runs.literal-secret)\n") {
		t.Errorf("leaky output:\n%s", out)
	}

	out, err = runPolicy(t, "eval", "-f", filepath.Join(dir, "leaky.yaml"), "--operation", "DELETE", "-o", "json")
	if err != nil || !strings.Contains(out, `"allowed": true`) {
		t.Errorf("DELETE: err %v\n%s", err, out)
	}
}

func TestPolicyEvalComposedBundles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"seed.yaml": seedRun})
	prod := prodBundle(t, false)
	manifest := filepath.Join(dir, "seed.yaml")

	if _, err := runPolicy(t, "eval", "-f", manifest, "--bundle", prod, "--namespace", "dev"); err != nil {
		t.Errorf("dev: %v", err)
	}
	out, err := runPolicy(t, "eval", "-f", manifest, "--bundle", "default", "--bundle", prod, "-n", "prod")
	if err == nil || !strings.Contains(out, "  deny   metadata.namespace: no Runs in prod (policy acme.no-prod, bundle ") ||
		!strings.Contains(out, "  warn   spec.activeDeadlineSeconds") {
		t.Errorf("prod with both bundles: err %v\n%s", err, out)
	}
}

// exitCode is the code the process would exit with after err.
func exitCode(err error) int {
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

// -f DIR evaluates every manifest in the directory, each file with all
// its documents; other files are skipped.
func TestPolicyEvalDirectory(t *testing.T) {
	good := strings.ReplaceAll(literalSecretRun, "password: hunter2", "user: reader\n        password: \"${PG_PASSWORD}\"")
	dir := writeFiles(t, map[string]string{
		"a.yaml":       literalSecretRun,
		"b.yml":        strings.ReplaceAll(good, "name: leaky", "name: one") + "---\n" + strings.ReplaceAll(good, "name: leaky", "name: two"),
		"README.md":    "not a manifest",
		"sub/c.yaml":   "not: [read",
		"notes.txt":    "- [",
		"empty.json":   "",
		"c-good.json":  `{"apiVersion": "runs.marmotdata.io/v1alpha1", "kind": "Run", "metadata": {"name": "three"}, "spec": {"runs": [{"postgresql": {"host": "db", "user": "r", "password": "${PG_PASSWORD}"}}]}}`,
		"d-other.yaml": "# only a comment\n",
	})
	out, err := runPolicy(t, "eval", "-f", dir)
	if err == nil || err.Error() != "1 of 4 objects denied" {
		t.Errorf("err = %v, want 1 of 4 objects denied\n%s", err, out)
	}
	for _, want := range []string{"Run default/leaky: DENIED", "Run default/one: allowed", "Run default/two: allowed", "Run default/three: allowed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runPolicy(t, "eval", "-f", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .yaml, .yml, .json files in the directory") {
		t.Errorf("empty directory: err = %v", err)
	}
}

// --bundle takes the PolicyBundle manifests one applies: a bundle of its
// own, or "default", which customises the embedded bundle as in the
// cluster.
func TestPolicyEvalPolicyBundleManifest(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"run.yaml": strings.ReplaceAll(literalSecretRun, "password: hunter2", "user: reader\n        password: \"${PG_PASSWORD}\"") +
			"  resources:\n    limits: {cpu: \"1\"}\n",
		"acme.yaml": `apiVersion: policies.weir.dev/v1alpha1
kind: PolicyBundle
metadata:
  name: acme
spec:
  enforcementMode: warn
  modules:
    - name: runs/prod.rego
      rego: |
        package weir.runs

        deny contains {"msg": "no Runs in prod", "field": "metadata.namespace", "policy": "acme.no-prod"} if input.namespace == "prod"
`,
		"default.yaml": `apiVersion: policies.weir.dev/v1alpha1
kind: PolicyBundle
metadata:
  name: default
spec:
  data:
    settings:
      runs:
        maxResources:
          cpu: 500m
`,
		"notabundle.yaml": literalSecretRun,
	})
	run := filepath.Join(dir, "run.yaml")

	out, err := runPolicy(t, "eval", "-f", run, "--bundle", filepath.Join(dir, "acme.yaml"), "-n", "prod")
	if err != nil || !strings.Contains(out, "  warn   metadata.namespace: no Runs in prod (policy acme.no-prod, bundle acme)") {
		t.Errorf("acme in mode warn: err %v\n%s", err, out)
	}

	// The embedded bundle allows 1 CPU; the customised one caps it at 500m.
	if out, err := runPolicy(t, "eval", "-f", run); err != nil {
		t.Fatalf("embedded bundle: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"--bundle", filepath.Join(dir, "default.yaml")},
		{"--bundle", "default", "--bundle", filepath.Join(dir, "default.yaml")},
	} {
		out, err = runPolicy(t, append([]string{"eval", "-f", run}, args...)...)
		if err == nil || !strings.Contains(out, `  deny   spec.resources.limits.cpu: 1 is more than the 500m of cpu a Run may ask for (policy runs.max-resources)`) {
			t.Errorf("%v: err %v\n%s", args, err, out)
		}
		if !strings.Contains(out, "(policy runs.default-requests)\n") {
			t.Errorf("%v: the customised bundle lost the embedded modules:\n%s", args, out)
		}
	}

	if _, err := runPolicy(t, "eval", "-f", run, "--bundle", filepath.Join(dir, "notabundle.yaml")); err == nil ||
		!strings.Contains(err.Error(), "Run is not a PolicyBundle") {
		t.Errorf("a Run as --bundle: err = %v", err)
	}
}

// Offline the terminal is the log: a bundle that fails to evaluate shows
// OPA's (here Weir's shape) message, which the cluster keeps out of
// responses.
func TestPolicyEvalShowsEvaluationDetail(t *testing.T) {
	dir := writeFiles(t, map[string]string{"seed.yaml": seedRun, "b/runs/bad.rego": `package weir.runs

deny contains 42
`})
	_, err := runPolicy(t, "eval", "-f", filepath.Join(dir, "seed.yaml"), "--bundle", filepath.Join(dir, "b"))
	if err == nil || !strings.Contains(err.Error(), `evaluating data.weir.runs failed`) || !strings.Contains(err.Error(), "deny: 42: want an object") {
		t.Fatalf("err = %v, want the safe text and the detail", err)
	}
}
