package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

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

// defaultBundleArg names the embedded bundle where a directory is expected.
const defaultBundleArg = "default"

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
	file, operation, namespace, output string
	bundles                            []string
}

func policyEvalCommand() *cobra.Command {
	o := evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval -f MANIFEST",
		Short: "Show what the policies decide for a manifest: denials, warnings and the JSON patch",
		Long: "Evaluates every object of MANIFEST (YAML or JSON, several documents allowed; - is\n" +
			"stdin) as an admission request, with the embedded bundle or the bundles given\n" +
			"with --bundle (a directory, or \"default\" for the embedded one; repeat to\n" +
			"compose). UPDATE compares the object with itself. Exits non-zero when an\n" +
			"object is denied.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE:         func(cmd *cobra.Command, _ []string) error { return runPolicyEval(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "filename", "f", "", "manifest to evaluate (- for stdin)")
	f.StringArrayVar(&o.bundles, "bundle", []string{defaultBundleArg}, "bundle directory, or \"default\"; repeat to compose")
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
	Revision string             `json:"revision"`
}

func runPolicyEval(cmd *cobra.Command, o evalOptions) error {
	op := strings.ToUpper(o.operation)
	if op != "CREATE" && op != "UPDATE" && op != "DELETE" {
		return fmt.Errorf("--operation %q: want CREATE, UPDATE or DELETE", o.operation)
	}
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("--output %q: want text or json", o.output)
	}
	bundles := make([]engine.Bundle, 0, len(o.bundles))
	for _, arg := range o.bundles {
		b, err := loadBundle(arg)
		if err != nil {
			return err
		}
		bundles = append(bundles, b)
	}
	eng := engine.New()
	if _, err := eng.Load(cmd.Context(), bundles...); err != nil {
		return err
	}
	objects, err := readManifest(cmd.InOrStdin(), o.file)
	if err != nil {
		return err
	}
	var results []evalResult
	denied := 0
	for _, obj := range objects {
		in, err := admissionInput(obj, op, o.namespace)
		if err != nil {
			return err
		}
		d, err := eng.Decide(cmd.Context(), in)
		if err != nil {
			return fmt.Errorf("%s: %w", describe(in), err)
		}
		if !d.Allowed() {
			denied++
		}
		results = append(results, evalResult{Object: describe(in), Allowed: d.Allowed(), Denials: d.Denials,
			Warnings: d.Warnings, Patch: d.Patch, DryRun: d.DryRun, Revision: d.Revision})
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
	if denied > 0 {
		return fmt.Errorf("%d of %d objects denied", denied, len(results))
	}
	return nil
}

func printEvalResult(w io.Writer, r evalResult) {
	verdict := "allowed"
	if !r.Allowed {
		verdict = "DENIED"
	}
	fmt.Fprintf(w, "%s: %s (policy revision %s)\n", r.Object, verdict, r.Revision)
	for _, group := range []struct {
		label string
		vs    []engine.Violation
	}{{"deny", r.Denials}, {"warn", r.Warnings}, {"dryrun", r.DryRun}} {
		for _, v := range group.vs {
			fmt.Fprintf(w, "  %-6s %s [%s/%s]\n", group.label, v, v.Bundle, v.Policy)
		}
	}
	for _, op := range r.Patch {
		raw, _ := json.Marshal(op)
		fmt.Fprintf(w, "  %-6s %s [%s/%s]\n", "patch", raw, op.Bundle, op.Policy)
	}
}

// readManifest reads every non-empty YAML or JSON document of file.
func readManifest(stdin io.Reader, file string) ([]map[string]any, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var objects []map[string]any
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		if len(obj) > 0 {
			objects = append(objects, obj)
		}
	}
	if len(objects) == 0 {
		return nil, fmt.Errorf("%s: no objects", file)
	}
	return objects, nil
}

// admissionInput makes the request the API server would send for obj.
func admissionInput(obj map[string]any, op, namespace string) (engine.Input, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || kind == "" {
		return engine.Input{}, fmt.Errorf("object without apiVersion/kind: %v", err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	name, _ := meta["name"].(string)
	if namespace == "" {
		namespace, _ = meta["namespace"].(string)
	}
	if namespace == "" {
		namespace = "default"
	}
	meta["namespace"] = namespace // as the API server sets it
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
	return fmt.Sprintf("%s %s/%s", in.Kind.Kind, in.Namespace, in.Name)
}
