package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime/schema"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// policyCommand is `weir policy`: the admission policy engine, offline, so
// a bundle can be tested and a manifest checked before either reaches a
// cluster.
func policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test policy bundles and evaluate manifests against them",
	}
	cmd.AddCommand(policyTestCommand(), policyEvalCommand())
	return cmd
}

func loadBundle(arg string) (engine.Bundle, error) {
	if arg == defaultBundleArg {
		return engine.DefaultBundle(), nil
	}
	return engine.BundleFromDir(arg)
}

func policyTestCommand() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test [DIR]",
		Short: "Run a bundle's Rego tests and report coverage (like opa test --coverage)",
		Long: "Runs the tests (*_test.rego) of the bundle in DIR, or of the embedded bundle\n" +
			"when DIR is omitted or \"default\", with its data.json and Weir's library.\n" +
			"Exits non-zero when a test fails.",
		Args:         cobra.MaximumNArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := defaultBundleArg
			if len(args) == 1 {
				dir = args[0]
			}
			b, err := loadBundle(dir)
			if err != nil {
				return err
			}
			report, err := engine.RunTests(cmd.Context(), b)
			if err != nil {
				return err
			}
			printTestReport(cmd.OutOrStdout(), report, verbose)
			if n := report.Failed(); n > 0 {
				return fmt.Errorf("%d of %d tests failed", n, len(report.Results))
			}
			if len(report.Results) == 0 {
				return errors.New("no tests found (test rules are named test_... in files ending _test.rego)")
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also show print() output of passing tests and the coverage of every file")
	return cmd
}

func printTestReport(w io.Writer, r engine.TestReport, verbose bool) {
	for _, t := range r.Results {
		switch {
		case t.Skip:
			fmt.Fprintf(w, "SKIP %s\n", t.Name)
		case t.Pass:
			fmt.Fprintf(w, "PASS %s (%s)\n", t.Name, t.Duration.Round(time.Microsecond))
		default:
			fmt.Fprintf(w, "FAIL %s (%s)\n     %s\n", t.Name, t.Location, t.Failure)
		}
		if t.Output != "" && (verbose || !t.Pass) {
			fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(strings.TrimRight(t.Output, "\n"), "\n", "\n     "))
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\ncoverage: %.1f%%\n", len(r.Results)-r.Failed(), r.Failed(), r.Coverage)
	for _, f := range r.Files {
		if f.Coverage < 100 || verbose {
			fmt.Fprintf(w, "  %-40s %5.1f%%", f.File, f.Coverage)
			if len(f.NotCovered) > 0 {
				fmt.Fprintf(w, "  not covered: lines %s", strings.Join(f.NotCovered, ", "))
			}
			fmt.Fprintln(w)
		}
	}
}

type evalOptions struct {
	operation, namespace, output  string
	files, bundles, sourcePlugins []string
}

// exitUndecided is eval's exit code when nothing was denied but some
// decision depends on what only the cluster knows.
const exitUndecided = 2

func policyEvalCommand() *cobra.Command {
	o := evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval -f MANIFEST|DIR [-f ...]",
		Short: "Show what the policies decide for a manifest: denials, warnings and the JSON patch",
		Long: "Evaluates every object of MANIFEST (YAML or JSON, several documents allowed; - is\n" +
			"stdin), or of every .yaml, .yml and .json file in DIR, as an admission request,\n" +
			"with the embedded bundle or the bundles given with --bundle (a directory, a file\n" +
			"of PolicyBundles as you apply them, or \"default\" for the embedded one; repeat\n" +
			"to compose). A PolicyBundle named default customises the embedded bundle, as in\n" +
			"the cluster. UPDATE compares the object with itself.\n\n" +
			"Source configs are checked against the schemas of the built-in sources, as in\n" +
			"the cluster; a source that is not built in needs its SourcePlugin\n" +
			"(--sourceplugins, as kubectl get sourceplugins -o yaml prints them).\n\n" +
			"input.related is resolved from the objects read, as the cluster resolves it\n" +
			"from its cache: the request's Namespace, the template and execution profile a\n" +
			"Workspace names, a WorkspaceShare's Workspace. Give the related objects in the\n" +
			"same file, directory or -f list to decide offline. The requester's RBAC\n" +
			"(input.related.permissions: may share, may use a profile) is not known offline\n" +
			"and not checked.\n" +
			"Warnings and denials read as kubectl apply shows them.\n\n" +
			"Exits 1 when an object is denied, 2 when none is but a decision depends on\n" +
			"what only the cluster knows (a SourcePlugin not given, a related object the\n" +
			"policies read that is not in the files); the output names it.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE:         func(cmd *cobra.Command, _ []string) error { return runPolicyEval(cmd, o) },
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.files, "filename", "f", nil, "manifest file or directory to evaluate (- for stdin); repeat to evaluate several together")
	f.StringArrayVar(&o.bundles, "bundle", []string{defaultBundleArg}, "bundle directory, PolicyBundle manifest, or \"default\"; repeat to compose")
	f.StringArrayVar(&o.sourcePlugins, "sourceplugins", nil, "SourcePlugins with their status (kubectl get sourceplugins -o yaml); repeatable")
	f.StringVar(&o.operation, "operation", "CREATE", "admission operation: CREATE, UPDATE or DELETE")
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace of the request (default: the object's, else \"default\")")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

// evalResult is one object's decision, as -o json prints it.
type evalResult struct {
	Object   string             `json:"object"`
	Allowed  bool               `json:"allowed"`
	Denials  []engine.Violation `json:"denials"`
	Warnings []engine.Violation `json:"warnings"`
	Patch    []engine.PatchOp   `json:"patch"`
	DryRun   []engine.Violation `json:"dryRun,omitempty"`
	// Undecided says what the cluster may decide otherwise, and why.
	Undecided []string `json:"undecided,omitempty"`
	Revision  string   `json:"revision"`
}

func runPolicyEval(cmd *cobra.Command, o evalOptions) error {
	op := strings.ToUpper(o.operation)
	if op != "CREATE" && op != "UPDATE" && op != "DELETE" {
		return fmt.Errorf("--operation %q: want CREATE, UPDATE or DELETE", o.operation)
	}
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("--output %q: want text or json", o.output)
	}
	bundles, err := loadBundles(o.bundles)
	if err != nil {
		return err
	}
	var plugins []pluginsv1.SourcePlugin
	for _, file := range o.sourcePlugins {
		sps, err := sourcePluginsIn(file)
		if err != nil {
			return err
		}
		plugins = append(plugins, sps...)
	}
	sources, err := offlineSources(cmd.Context(), plugins)
	if err != nil {
		return err
	}
	eng := engine.New()
	if _, err := eng.Load(cmd.Context(), withOfflineSources(bundles, sources)...); err != nil {
		return err
	}
	var objects []map[string]any
	for _, file := range o.files {
		objs, err := readManifest(cmd.InOrStdin(), file)
		if err != nil {
			return err
		}
		objects = append(objects, objs...)
	}
	// Related objects come from the files, as the cluster's come from its
	// cache: a template and its Workspaces are decided together.
	files := indexObjects(objects)
	var results []evalResult
	denied, open := 0, 0
	for _, obj := range objects {
		in, err := admissionInput(obj, op, o.namespace)
		if err != nil {
			return err
		}
		var lookups []relatedLookup
		if in.Related, lookups, err = files.resolveRelated(cmd.Context(), in); err != nil {
			return fmt.Errorf("%s: input.related: %w", describe(in), err)
		}
		d, err := eng.Decide(cmd.Context(), in)
		var de *engine.DecisionError
		if errors.As(err, &de) {
			// Offline, the terminal is the log: show OPA's own message.
			return fmt.Errorf("%s: %w: %s", describe(in), err, de.Detail())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", describe(in), err)
		}
		r := evalResult{Object: describe(in), Allowed: d.Allowed(), Denials: d.Denials,
			Warnings: d.Warnings, Patch: d.Patch, DryRun: d.DryRun, Revision: d.Revision,
			Undecided: undecided(in, sources, bundles, lookups)}
		if !r.Allowed {
			denied++
		}
		if len(r.Undecided) > 0 {
			open++
		}
		results = append(results, r)
	}
	out := cmd.OutOrStdout()
	if o.output == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			printEvalResult(out, r)
		}
	}
	switch {
	case denied > 0:
		return fmt.Errorf("%d of %d objects denied", denied, len(results))
	case open > 0:
		return exitError{code: exitUndecided, err: fmt.Errorf("%d of %d objects not fully decided offline: the cluster may decide otherwise (see \"undecided\")", open, len(results))}
	}
	return nil
}

func printEvalResult(w io.Writer, r evalResult) {
	verdict := "allowed"
	if !r.Allowed {
		verdict = "DENIED"
	}
	if len(r.Undecided) > 0 {
		verdict += " offline; the cluster may decide otherwise"
	}
	fmt.Fprintf(w, "%s: %s (policy revision %s)\n", r.Object, verdict, r.Revision)
	for _, group := range []struct {
		label string
		vs    []engine.Violation
	}{{"deny", r.Denials}, {"warn", r.Warnings}, {"dryrun", r.DryRun}} {
		for _, v := range group.vs {
			fmt.Fprintf(w, "  %-6s %s%s\n", group.label, v, origin(v.Policy, v.Bundle))
		}
	}
	for _, op := range r.Patch {
		raw, _ := json.Marshal(op)
		fmt.Fprintf(w, "  %-6s %s%s\n", "patch", raw, origin(op.Policy, op.Bundle))
	}
	for _, u := range r.Undecided {
		fmt.Fprintf(w, "  undecided %s\n", u)
	}
}

// origin names the rule behind a line as the webhooks do, so a warning or
// denial reads exactly as kubectl apply prints it (after "Warning: ", or
// on the line of the refusal).
func origin(policy, bundle string) string {
	switch {
	case policy != "" && bundle != "" && bundle != engine.DefaultBundleName:
		return fmt.Sprintf(" (policy %s, bundle %s)", policy, bundle)
	case policy != "":
		return fmt.Sprintf(" (policy %s)", policy)
	case bundle != "":
		return fmt.Sprintf(" (bundle %s)", bundle)
	}
	return ""
}

// admissionInput makes the request the API server would send for obj.
func admissionInput(obj map[string]any, op, namespace string) (engine.Input, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return engine.Input{}, fmt.Errorf("object's apiVersion %q: %w", apiVersion, err)
	}
	if kind == "" || apiVersion == "" {
		return engine.Input{}, errors.New("object without apiVersion/kind: set both, e.g. apiVersion: v1, kind: ConfigMap")
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	name, _ := meta["name"].(string)
	if clusterScoped[gv.WithKind(kind).GroupKind()] {
		// The API server stores it without one and asks with none.
		namespace = ""
		delete(meta, "namespace")
	} else {
		if namespace == "" {
			namespace, _ = meta["namespace"].(string)
		}
		if namespace == "" {
			namespace = "default"
		}
		meta["namespace"] = namespace // as the API server sets it
	}
	in := engine.Input{
		Kind:      engine.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: kind},
		Operation: op,
		UserInfo:  engine.UserInfo{Username: "weir-policy-eval"},
		Namespace: namespace,
		Name:      name,
		Object:    obj,
	}
	switch op {
	case "UPDATE":
		in.OldObject = obj
	case "DELETE":
		in.Object, in.OldObject = nil, obj
	}
	return in, nil
}

func describe(in engine.Input) string {
	if in.Namespace == "" {
		return fmt.Sprintf("%s %s", in.Kind.Kind, in.Name)
	}
	return fmt.Sprintf("%s %s/%s", in.Kind.Kind, in.Namespace, in.Name)
}
