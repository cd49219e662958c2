package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/operator/catalog"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/operator/sourceplugins"
	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/policies/engine"
)

// clusterEngine is the engine as `weir manager` feeds it: the loader with
// the embedded bundle, data.sources from the catalog of built-in modules
// and the usable SourcePlugins.
func clusterEngine(t *testing.T, plugins ...pluginsv1.SourcePlugin) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	eng := engine.New()
	l, err := policybundles.NewLoader(policybundles.Options{Engine: eng, DefaultEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadInitial(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.New(l)
	if err != nil {
		t.Fatalf("%v (run make plugins)", err)
	}
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPlugins(ctx, sourceplugins.Usable(plugins)); err != nil {
		t.Fatal(err)
	}
	return eng
}

// verdict is a decision reduced to what a user sees.
type verdict struct {
	Allowed  bool
	Denials  []string
	Warnings []string
}

func verdictOf(allowed bool, denials, warnings []engine.Violation) verdict {
	v := verdict{Allowed: allowed}
	for _, d := range denials {
		v.Denials = append(v.Denials, d.Policy+" "+d.String())
	}
	for _, w := range warnings {
		v.Warnings = append(v.Warnings, w.Policy+" "+w.String())
	}
	slices.Sort(v.Denials)
	slices.Sort(v.Warnings)
	return v
}

// clusterVerdict decides manifest (one Run) as the webhook would.
func clusterVerdict(t *testing.T, eng *engine.Engine, manifest string) verdict {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(manifest), &obj); err != nil {
		t.Fatal(err)
	}
	in, err := admissionInput(obj, "CREATE", "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Decide(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return verdictOf(d.Allowed(), d.Denials, d.Warnings)
}

// offlineVerdict is `weir policy eval -o json` for manifest.
func offlineVerdict(t *testing.T, manifest string, args ...string) (verdict, evalResult, error) {
	t.Helper()
	file := filepath.Join(writeFiles(t, map[string]string{"run.yaml": manifest}), "run.yaml")
	out, err := runPolicy(t, append([]string{"eval", "-o", "json", "-f", file}, args...)...)
	var results []evalResult
	if jerr := json.Unmarshal([]byte(out[:strings.LastIndex(out, "]")+1]), &results); jerr != nil || len(results) != 1 {
		t.Fatalf("eval output (%v): %s", jerr, out)
	}
	r := results[0]
	return verdictOf(r.Allowed, r.Denials, r.Warnings), r, err
}

func pgRun(config string) string {
	return `apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: pg
spec:
  env:
    - name: PG_PASSWORD
      valueFrom: {secretKeyRef: {name: pg, key: password}}
  runs:
    - ` + config + "\n"
}

// The source rules decide offline as in the cluster: the built-in
// sources' schemas are embedded and fed to data.sources as the operator
// feeds them.
func TestPolicyEvalSourceRulesAsInCluster(t *testing.T) {
	eng := clusterEngine(t)
	for name, tc := range map[string]struct {
		manifest string
		denied   string // a denial offline and in the cluster
		// open: a SourcePlugin in the cluster could decide otherwise
		open bool
	}{
		"typo":      {pgRun(`postgresql: {hots: db.example.com, user: reader, password: "${PG_PASSWORD}"}`), "runs.source-config spec.runs[0].postgresql.hots: not a setting of the postgresql source", false},
		"unknown":   {pgRun(`postgressql: {host: db.example.com}`), `runs.known-source spec.runs[0].postgressql: unknown source "postgressql"; known sources: ` + strings.Join(builtin.IDs(), ", "), true},
		"wrongType": {pgRun(`postgresql: {host: db.example.com, user: reader, password: "${PG_PASSWORD}", port: "five"}`), "runs.source-config spec.runs[0].postgresql.port", false},
		"good":      {pgRun(`postgresql: {host: db.example.com, user: reader, password: "${PG_PASSWORD}", port: "${PG_PORT}"}`), "", false},
	} {
		t.Run(name, func(t *testing.T) {
			want := clusterVerdict(t, eng, tc.manifest)
			got, r, err := offlineVerdict(t, tc.manifest)
			if !equalVerdicts(got, want) {
				t.Errorf("offline %+v\ncluster %+v", got, want)
			}
			if (len(r.Undecided) > 0) != tc.open {
				t.Errorf("undecided %q, want open=%v", r.Undecided, tc.open)
			}
			if tc.denied == "" {
				if err != nil || !got.Allowed {
					t.Errorf("err %v, verdict %+v, want allowed", err, got)
				}
				return
			}
			if exitCode(err) != 1 || !slices.ContainsFunc(got.Denials, func(d string) bool { return strings.HasPrefix(d, tc.denied) }) {
				t.Errorf("exit %d (%v), denials %q, want one starting %q", exitCode(err), err, got.Denials, tc.denied)
			}
		})
	}
}

const csvPlugin = `apiVersion: v1
kind: List
items:
  - apiVersion: plugins.weir.dev/v1alpha1
    kind: SourcePlugin
    metadata: {name: csv, generation: 1}
    spec: {url: "https://plugins.example.com/csv.wasm", sha256: "0000000000000000000000000000000000000000000000000000000000000000"}
    status:
      id: csv
      version: 1.0.0
      abi: 1
      observedGeneration: 1
      configSchema:
        type: object
        additionalProperties: false
        required: [path]
        properties: {path: {type: string}}
      conditions:
        - {type: Ready, status: "True", reason: Ready, message: ready, observedGeneration: 1, lastTransitionTime: "2025-01-01T00:00:00Z"}
`

// A source that is not built in cannot be decided offline without its
// SourcePlugin: the output says so and the exit code is not 0; given the
// SourcePlugin as kubectl prints it, the decision is the cluster's.
func TestPolicyEvalThirdPartySource(t *testing.T) {
	typo := pgRun(`csv: {pth: /data/x.csv}`)

	got, r, err := offlineVerdict(t, typo)
	if exitCode(err) == 0 || len(r.Undecided) != 1 || !strings.Contains(r.Undecided[0], `spec.runs[0].csv: "csv" is not a built-in source`) {
		t.Errorf("without the SourcePlugin: exit %d, undecided %q, verdict %+v", exitCode(err), r.Undecided, got)
	}
	text, _ := runPolicy(t, "eval", "-f", filepath.Join(writeFiles(t, map[string]string{"r.yaml": typo}), "r.yaml"))
	if !strings.Contains(text, "DENIED offline; the cluster may decide otherwise") || !strings.Contains(text, "  undecided spec.runs[0].csv:") {
		t.Errorf("text output does not say the decision is open:\n%s", text)
	}

	plugins := filepath.Join(writeFiles(t, map[string]string{"sp.yaml": csvPlugin}), "sp.yaml")
	sps, err := sourcePluginsIn(plugins)
	if err != nil {
		t.Fatal(err)
	}
	eng := clusterEngine(t, sps...)
	for _, manifest := range []string{typo, pgRun(`csv: {path: /data/x.csv}`)} {
		want := clusterVerdict(t, eng, manifest)
		got, r, err := offlineVerdict(t, manifest, "--sourceplugins", plugins)
		if !equalVerdicts(got, want) || len(r.Undecided) > 0 || (exitCode(err) == 0) != want.Allowed {
			t.Errorf("with the SourcePlugin: offline %+v (exit %d, undecided %q)\ncluster %+v", got, exitCode(err), r.Undecided, want)
		}
	}
	if want := clusterVerdict(t, eng, typo); want.Allowed {
		t.Errorf("the cluster allows a typo in a SourcePlugin's config: %+v", want)
	}
}

// A bundle that reads input.related.namespace cannot decide offline
// without the Namespace: the output names it, the bundle and its module,
// and the exit code is 2. Given the Namespace in the files, it decides
// with its labels as the cluster does.
func TestPolicyEvalRelatedIsUndecided(t *testing.T) {
	bundle := writeFiles(t, map[string]string{"runs/ns.rego": `package weir.runs

warn contains "namespace not labelled" if not input.related.namespace.metadata.labels.team
`})
	manifest := pgRun(`postgresql: {host: db, user: reader, password: "${PG_PASSWORD}"}`)
	_, r, err := offlineVerdict(t, manifest, "--bundle", bundle)
	if len(r.Undecided) != 1 || !strings.Contains(r.Undecided[0], "Namespace default is not in the files given: bundle "+filepath.Base(bundle)+" reads input.related.namespace ([runs/ns.rego])") {
		t.Errorf("undecided = %q", r.Undecided)
	}
	if exitCode(err) != exitUndecided {
		t.Errorf("exit %d (%v), want %d", exitCode(err), err, exitUndecided)
	}
	if _, r, err := offlineVerdict(t, manifest); exitCode(err) != 0 || len(r.Undecided) > 0 {
		t.Errorf("the embedded bundle alone reads no input.related for a Run: exit %d, undecided %q", exitCode(err), r.Undecided)
	}

	for labels, warned := range map[string]bool{"{team: data}": false, "{}": true} {
		file := filepath.Join(writeFiles(t, map[string]string{"all.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: " + labels + "}\n---\n" + manifest}), "all.yaml")
		out, err := runPolicy(t, "eval", "-o", "json", "-f", file, "--bundle", bundle)
		var results []evalResult
		if jerr := json.Unmarshal([]byte(out[:strings.LastIndex(out, "]")+1]), &results); jerr != nil || len(results) != 2 {
			t.Fatalf("eval output (%v): %s", jerr, out)
		}
		run := results[1]
		got := slices.ContainsFunc(run.Warnings, func(v engine.Violation) bool { return v.Message == "namespace not labelled" })
		if exitCode(err) != 0 || len(run.Undecided) > 0 || got != warned {
			t.Errorf("labels %s in the files: exit %d (%v), undecided %q, warned %v, want %v", labels, exitCode(err), err, run.Undecided, got, warned)
		}
	}
}

func equalVerdicts(a, b verdict) bool {
	return a.Allowed == b.Allowed && slices.Equal(a.Denials, b.Denials) && slices.Equal(a.Warnings, b.Warnings)
}

// What a rule reads of input.related decides what eval needs: an entry
// the cluster resolves for the kind must be in the files, one it does not
// resolve is absent in both; a rule reading the whole of input.related
// needs every entry.
func TestPolicyEvalRelatedKeys(t *testing.T) {
	manifest := pgRun(`postgresql: {host: db, user: reader, password: "${PG_PASSWORD}"}`)
	withNamespace := "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n---\n" + manifest
	for name, tc := range map[string]struct {
		rule, manifest, undecided string
	}{
		"resolved for no Run":    {`input.related.profile.spec.x`, manifest, ""},
		"whole, no Namespace":    {`count(input.related) == 0`, manifest, "Namespace default is not in the files given: bundle b reads input.related.namespace ([runs/r.rego])"},
		"whole, Namespace given": {`count(input.related) == 0`, withNamespace, ""},
		"computed key":           {`k := "namespace"; input.related[k].x`, manifest, "Namespace default is not in the files given"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"b/runs/r.rego": "package weir.runs\n\nwarn contains \"w\" if {\n\t" + tc.rule + "\n}\n", "m.yaml": tc.manifest})
			r, err := evalJSON(t, filepath.Join(dir, "m.yaml"), "Run default/pg", "--bundle", filepath.Join(dir, "b"))
			switch {
			case tc.undecided == "" && (len(r.Undecided) > 0 || err != nil):
				t.Errorf("exit %d (%v), undecided %q; want decided", exitCode(err), err, r.Undecided)
			case tc.undecided != "" && (len(r.Undecided) != 1 || !strings.HasPrefix(r.Undecided[0], tc.undecided) || exitCode(err) != exitUndecided):
				t.Errorf("exit %d (%v), undecided %q; want one starting %q", exitCode(err), err, r.Undecided, tc.undecided)
			}
		})
	}
}
