package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// The decision path is optimised (lazy input, constant rules evaluated at
// load); the reference path is the engine as it was: the whole input
// through ast.InterfaceToValue, every rule evaluated per decision, through
// rego.PreparedEvalQuery rather than topdown directly (query.go). Both
// must decide every generated object alike, to the message and the patch.

// valueReference converts the whole input at once, as value did before.
func valueReference(in *Input) (ast.Value, error) { return ast.InterfaceToValue(in.native()) }

// references holds each kind query's reference, prepared once.
var references sync.Map // *kindQuery -> *rego.PreparedEvalQuery

// reference is k prepared through the rego package, as the engine
// evaluated decisions before query.go.
func (k *kindQuery) reference(ctx context.Context) (*rego.PreparedEvalQuery, error) {
	if pq, ok := references.Load(k); ok {
		return pq.(*rego.PreparedEvalQuery), nil
	}
	var query strings.Builder
	for _, r := range k.rules {
		fmt.Fprintf(&query, "%s := data.weir[%q].%s\n", r, k.plural, r)
	}
	pq, err := rego.New(rego.Query(query.String()), rego.Compiler(k.compiler), rego.Store(k.store),
		rego.Capabilities(capabilities())).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	references.Store(k, &pq)
	return &pq, nil
}

// evalReference evaluates without the revision's constant rules.
func evalReference(ctx context.Context, q *kindQuery, input ast.Value, cb *compiledBundle) (deny, warn []Violation, ops []PatchOp, err error) {
	pq, err := q.reference(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil || len(rs) == 0 {
		return nil, nil, nil, err
	}
	return readSets(rs[0].Bindings, cb.name)
}

func (e *Engine) decideReference(ctx context.Context, in Input) (Decision, error) {
	return e.decide(ctx, in, AllParts, valueReference, evalReference)
}

// pick is one of xs.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// genRun is a Run with random, often wrong, fields: each field is absent
// or drawn from values the policies accept and values they refuse.
func genRun(r *rand.Rand) Input {
	spec := map[string]any{}
	maybe := func(key string, vals ...any) {
		if r.IntN(3) > 0 {
			spec[key] = pick(r, vals...)
		}
	}
	maybe("schedule", "0 2 * * *", "*/15 * * * *", "@daily", "@every 5m", "61 * * * *", "a b c", "", 5,
		"CRON_TZ=UTC 0 * * * *", "0 0 1-5/2 JAN-MAR MON,FRI", "0 0 * * 7", "@often", "5-1 * * * *", "*/0 * * * *")
	maybe("timeZone", "UTC", "Europe/London", "Local", "", "Mars/Base", 3)
	maybe("activeDeadlineSeconds", 3600, 0)
	maybe("resources",
		map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}},
		map[string]any{"limits": map[string]any{"cpu": "8", "memory": "1Gi"}},
		map[string]any{"requests": map[string]any{"cpu": "lots"}, "limits": map[string]any{"memory": "16Gi"}},
		map[string]any{"requests": map[string]any{"memory": 1e9, "cpu": "250000u"}, "limits": map[string]any{"cpu": "1e3"}},
		map[string]any{},
		map[string]any{"limits": map[string]any{"cpu": "500m"}})
	maybe("podAnnotations",
		map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"},
		map[string]any{"container.apparmor.security.beta.kubernetes.io/ingest": "unconfined", "team": "a"},
		map[string]any{"team": "data"})
	maybe("env", []any{map[string]any{"name": "PG_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "pg", "key": "password"}}}})
	var runs []any
	for range r.IntN(4) {
		runs = append(runs, pick[any](r,
			map[string]any{"postgresql": map[string]any{"host": "db", "port": 5432, "user": "u", "password": pick[any](r, "hunter2", "${PG_PASSWORD}", 1234, "", "$${literal}")}},
			map[string]any{"postgresql": map[string]any{"host": "db", "hots": "typo", "tls": map[string]any{"client_secret": "s"}}},
			map[string]any{"s3": map[string]any{"bucket": "b", "region": "eu-west-1", "credentials": map[string]any{"secret_access_key": "${AWS}"}}},
			map[string]any{"mysql": map[string]any{"host": "db", "api-key": "k", "port": "3306"}},
			// keys secret by suffix only (settings.runs.secretKeySuffixes)
			map[string]any{"mysql": map[string]any{"host": "db", "db_password": pick[any](r, "x", "${X}"), "authToken": 5, "tls": map[string]any{"sshPrivateKey": "k"},
				"replicas": []any{map[string]any{"password": pick[any](r, "x", "${X}")}, "token", []any{map[string]any{"api_key": 1}}}}},
			map[string]any{"airflow": map[string]any{"host": "a"}},
			map[string]any{"oracle": map[string]any{"host": "o"}},
			map[string]any{"s3": "bucket"},
			map[string]any{"s3": map[string]any{}, "mysql": map[string]any{}},
			"postgresql",
			map[string]any{}))
	}
	if runs != nil || r.IntN(2) == 0 {
		spec["runs"] = runs
	}
	obj := map[string]any{
		"apiVersion": "runs.marmotdata.io/v1alpha1",
		"kind":       "Run",
		"metadata":   map[string]any{"name": "r", "namespace": "team-a"},
		"spec":       spec,
	}
	md := obj["metadata"].(map[string]any)
	if r.IntN(4) == 0 {
		md["annotations"] = map[string]any{"runs.marmotdata.io/trigger": pick(r, "true", "now", "")}
	}
	if r.IntN(10) == 0 {
		md["deletionTimestamp"] = "2026-01-01T00:00:00Z"
	}
	if r.IntN(4) == 0 {
		md["managedFields"] = []any{map[string]any{"manager": "kubectl", "fieldsV1": map[string]any{"f:spec": map[string]any{}}}}
	}
	in := Input{
		Kind:      GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"},
		Operation: pick(r, "CREATE", "CREATE", "UPDATE", "DELETE"),
		UserInfo:  UserInfo{Username: "alice", Groups: []string{"system:authenticated"}},
		Namespace: pick(r, "team-a", ""),
		Name:      "r",
		Object:    obj,
	}
	if in.Operation != "CREATE" {
		in.OldObject = map[string]any{"metadata": map[string]any{"annotations": map[string]any{"runs.marmotdata.io/trigger": "now"}}}
	}
	if in.Operation == "DELETE" {
		in.Object = nil
	}
	return in
}

// mutate sets or deletes a few random fields of a copy of obj, with values
// of every JSON type, so the Workspace rules meet what no sample has.
func mutate(r *rand.Rand, obj map[string]any, paths [][]string) map[string]any {
	raw, _ := json.Marshal(obj)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	for range r.IntN(4) {
		p := paths[r.IntN(len(paths))]
		m := out
		for _, k := range p[:len(p)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		last := p[len(p)-1]
		if r.IntN(5) == 0 {
			delete(m, last)
			continue
		}
		m[last] = pick[any](r, "100m", "2", "64Gi", "1Gi", "lots", 3, -1, true, "", nil,
			"jk8s-application-jupyter-uv:latest", "evil:latest", "Public", "OwnerOnly", "alice",
			map[string]any{"cpu": "4"}, []any{"x"}, "production-notebook-template", "missing-template")
	}
	return out
}

var workspacePaths = [][]string{
	{"spec", "image"}, {"spec", "displayName"}, {"spec", "desiredStatus"}, {"spec", "ownershipType"},
	{"spec", "accessType"}, {"spec", "templateRef", "name"}, {"spec", "templateRef"},
	{"spec", "resources", "requests", "cpu"}, {"spec", "resources", "requests", "memory"},
	{"spec", "resources", "limits", "cpu"}, {"spec", "resources", "limits", "memory"},
	{"spec", "resources", "requests", "nvidia.com/gpu"}, {"spec", "storage", "size"},
	{"spec", "idleShutdown", "enabled"}, {"spec", "idleShutdown", "idleTimeoutInMinutes"},
	{"metadata", "labels", "workspace.jupyter.org/template"}, {"metadata", "annotations", "workspace.jupyter.org/created-by"},
	{"spec", "containerConfig", "command"}, {"spec", "nodeSelector", "disk"},
}

var templatePaths = [][]string{
	{"spec", "defaultImage"}, {"spec", "allowedImages"}, {"spec", "resourceBounds", "cpu", "max"},
	{"spec", "resourceBounds", "memory", "min"}, {"spec", "primaryStorage", "maxSize"},
	{"spec", "defaultResources", "requests", "cpu"}, {"spec", "idleShutdown", "enabled"},
	{"spec", "allowSecondaryStorages"}, {"spec", "defaultOwnershipType"},
}

// genWorkspace is an upstream sample Workspace, or the template itself,
// mutated, with the (mutated) template resolved into related.
func genWorkspace(r *rand.Rand, workspaces []map[string]any, template map[string]any) Input {
	tmpl := template
	if r.IntN(2) == 0 {
		tmpl = mutate(r, template, templatePaths)
	}
	if r.IntN(6) == 0 {
		tmpl = nil
	}
	if r.IntN(8) == 0 {
		in := workspaceInput(mutate(r, template, templatePaths), nil)
		in.Kind.Kind = "WorkspaceTemplate"
		return in
	}
	in := workspaceInput(mutate(r, pick(r, workspaces...), workspacePaths), tmpl)
	in.Operation = pick(r, "CREATE", "CREATE", "UPDATE")
	if in.Operation == "UPDATE" {
		in.OldObject = mutate(r, in.Object, workspacePaths)
	}
	return in
}

// TestDecideDifferential decides 600 generated Runs (with and without
// data.sources) and 600 generated Workspaces on both paths, concurrently
// (the constant rules are shared), and wants the same decisions.
func TestDecideDifferential(t *testing.T) {
	engines := map[string]*Engine{
		"default":      loaded(t, DefaultBundle()),
		"with-sources": loaded(t, withSources(DefaultBundle(), builtinSources(t))),
	}
	differential(t, func(ctx context.Context, c differentialCase) (got, want Decision, gerr, werr error) {
		e := engines[c.engine]
		got, gerr = e.Decide(ctx, c.in)
		want, werr = e.decideReference(ctx, c.in)
		return got, want, gerr, werr
	})
}

// differentialCase is one generated request and the engine ("default" or
// "with-sources") that decides it.
type differentialCase struct {
	engine string
	in     Input
}

// differentialCases are 600 generated Runs (half with data.sources) and
// 600 generated Workspaces, the same on every call (the seed is fixed).
func differentialCases(t *testing.T) []differentialCase {
	r := rand.New(rand.NewPCG(15, 2026))
	type tc = differentialCase
	var cases []tc
	for range 600 {
		cases = append(cases, tc{pick(r, "default", "with-sources"), genRun(r)})
	}
	var workspaces []map[string]any
	for _, f := range []string{"workspace_v1alpha1_workspace.yaml", "workspace_v1alpha1_workspace_with_template.yaml",
		"workspace_v1alpha1_workspace_with_storage.yaml", "workspace_with_container_config.yaml", "workspace_with_node_selector.yaml"} {
		workspaces = append(workspaces, sample(t, f))
	}
	template := sample(t, templateSample)
	for range 600 {
		cases = append(cases, tc{"default", genWorkspace(r, workspaces, template)})
	}
	return cases
}

// differential decides every case twice with decide, which returns the
// path under test's decision and the reference's, on two goroutines, and
// wants them equal; the corpus must reach every kind of verdict.
func differential(t *testing.T, decide func(context.Context, differentialCase) (got, want Decision, gerr, werr error)) {
	cases := differentialCases(t)
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < len(cases); i += 2 {
				c := cases[i]
				got, want, gerr, werr := decide(context.Background(), c)
				if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
					in, _ := json.Marshal(c.in)
					t.Errorf("case %d (%s): decisions differ\ninput: %s\ngot:  %+v (err %v)\nwant: %+v (err %v)", i, c.engine, in, got, gerr, want, werr)
					continue
				}
				mu.Lock()
				for _, o := range outcome(c.in.Kind.Kind, want, werr) {
					outcomes[o]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// The corpus must reach every kind of verdict, or agreeing means little.
	for _, k := range []string{"Run allowed", "Run denied", "Run warned", "Run patched", "Workspace allowed", "Workspace denied", "Workspace patched"} {
		if outcomes[k] == 0 {
			t.Errorf("no generated case is %q; outcomes: %v", k, outcomes)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// outcome names what a decision did: allowed, denied or error, and
// whether it warned and patched.
func outcome(kind string, d Decision, err error) []string {
	var parts []string
	switch {
	case err != nil:
		parts = append(parts, kind+" error")
	case !d.Allowed():
		parts = append(parts, kind+" denied")
	default:
		parts = append(parts, kind+" allowed")
	}
	if len(d.Warnings) > 0 {
		parts = append(parts, kind+" warned")
	}
	if len(d.Patch) > 0 {
		parts = append(parts, kind+" patched")
	}
	return parts
}

// TestDecidePartsDifferential decides the same corpus whole (Decide) and in
// its two parts (DecideParts: Verdicts, as a validating webhook does, and
// Patches, as a mutating one does), beside copies of the bundle in modes
// warn and dryrun, and wants the parts together to be the whole decision
// and each part to hold nothing of the other.
func TestDecidePartsDifferential(t *testing.T) {
	modes := func(b Bundle) []Bundle {
		warn, dry := b, b
		warn.Name, warn.Mode = "advice", ModeWarn
		dry.Name, dry.Mode = "audit", ModeDryRun
		return []Bundle{b, warn, dry}
	}
	engines := map[string]*Engine{
		"default":      loaded(t, modes(DefaultBundle())...),
		"with-sources": loaded(t, modes(withSources(DefaultBundle(), builtinSources(t)))...),
	}
	differential(t, func(ctx context.Context, c differentialCase) (got, want Decision, gerr, werr error) {
		e := engines[c.engine]
		want, werr = e.Decide(ctx, c.in)
		v, verr := e.DecideParts(ctx, c.in, Verdicts)
		p, perr := e.DecideParts(ctx, c.in, Patches)
		if len(v.Patch) > 0 || slices.ContainsFunc(v.DryRun, isPatchFinding) {
			t.Errorf("Verdicts decided a patch: %+v", v)
		}
		if len(p.Denials)+len(p.Warnings) > 0 || slices.ContainsFunc(p.DryRun, func(f Violation) bool { return !isPatchFinding(f) }) {
			t.Errorf("Patches decided verdicts: %+v", p)
		}
		got = Decision{Denials: v.Denials, Warnings: v.Warnings, Patch: p.Patch, DryRun: append(v.DryRun, p.DryRun...), Revision: v.Revision}
		gerr = cmp.Or(verr, perr)
		if gerr != nil || werr != nil {
			got, want = Decision{}, Decision{} // a failed decision returns no parts; the errors are compared
		}
		return got, want, gerr, werr
	})
	if _, err := engines["default"].DecideParts(context.Background(), Input{}, 0); err == nil {
		t.Error("DecideParts with no parts: no error")
	}
}

// isPatchFinding: a dry-run bundle's patch op, as decide words it.
func isPatchFinding(f Violation) bool { return strings.HasPrefix(f.Message, "would patch ") }
