package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestReport is the outcome of a bundle's Rego tests, as `opa test
// --coverage` would report it.
type TestReport struct {
	Results []TestResult // sorted by name
	// Coverage is the percentage of the bundle's policy lines (test files
	// excluded) that the tests ran.
	Coverage float64
	Files    []FileCoverage // sorted by file
}

// TestResult is one test rule's outcome.
type TestResult struct {
	Name     string // e.g. data.weir.runs.test_seed_example_passes
	Location string // file:line of the test
	Pass     bool
	Skip     bool   // todo_test_ rules
	Failure  string // why it did not pass: the failing expression or the error
	Output   string // what print() wrote
	Duration time.Duration
}

// FileCoverage is one policy file's coverage.
type FileCoverage struct {
	File       string
	Coverage   float64
	NotCovered []string // line ranges, e.g. "12" or "40-42"
}

// Failed counts the tests that did not pass (skipped ones aside).
func (r TestReport) Failed() int {
	n := 0
	for _, t := range r.Results {
		if !t.Pass && !t.Skip {
			n++
		}
	}
	return n
}

// RunTests runs the Rego tests of b (files ending _test.rego) with its data
// and the library, and measures how much of b's policy they cover. A bundle
// that does not compile is an *Error.
func RunTests(ctx context.Context, b Bundle) (TestReport, error) {
	return runTests(ctx, b, false)
}

// runTests is RunTests, optionally also running and covering the library's
// own tests.
func runTests(ctx context.Context, b Bundle, withLibrary bool) (TestReport, error) {
	mods, perr := parse(b, parseOptions{tests: true, libraryTests: withLibrary})
	if perr != nil {
		return TestReport{}, perr
	}
	store := newStore(b.Data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return TestReport{}, err
	}
	defer store.Abort(ctx, txn)

	cov := cover.New()
	runner := tester.NewRunner().
		SetCompiler(newCompiler(ctx, store, txn, true)).
		SetStore(store).
		SetModules(mods).
		CapturePrintOutput(true).
		SetCoverageQueryTracer(cov).
		SetCoverageRuns(nil) // the extra passes only annotate; they do not change the figure
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		return TestReport{}, &Error{Bundle: b.Name, Problems: problems(err)}
	}
	var report TestReport
	for r := range ch {
		report.Results = append(report.Results, testResult(r))
	}
	slices.SortFunc(report.Results, func(a, b TestResult) int { return strings.Compare(a.Name, b.Name) })

	covered := map[string]*ast.Module{}
	for name, m := range mods {
		if !isTest(name) && (strings.HasPrefix(name, b.Name+"/") || withLibrary) {
			covered[name] = m
		}
	}
	report.Coverage, report.Files = coverage(cov.Report(covered), covered)
	return report, nil
}

func testResult(r *tester.Result) TestResult {
	t := TestResult{
		Name:     r.Package + "." + r.Name,
		Pass:     r.Pass(),
		Skip:     r.Skip,
		Output:   string(r.Output),
		Duration: r.Duration,
	}
	if r.Location != nil {
		t.Location = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
	}
	switch {
	case r.Error != nil:
		t.Failure = r.Error.Error()
	case r.Fail && r.FailedAt != nil && r.FailedAt.Location != nil:
		loc := r.FailedAt.Location
		t.Failure = fmt.Sprintf("%s:%d:%d: %s", loc.File, loc.Row, loc.Col, loc.Text)
	case r.Fail:
		t.Failure = "failed"
	}
	return t
}

// coverage totals the report over the given modules only: the tracer also
// records lines of tests and of the library, which are not the bundle's.
func coverage(rep cover.Report, mods map[string]*ast.Module) (float64, []FileCoverage) {
	var covered, notCovered int
	var files []FileCoverage
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		fr := rep.Files[name]
		if fr == nil {
			continue
		}
		covered += fr.CoveredLines
		notCovered += fr.NotCoveredLines
		fc := FileCoverage{File: name, Coverage: fr.Coverage}
		for _, r := range fr.NotCovered {
			if r.Start.Row == r.End.Row {
				fc.NotCovered = append(fc.NotCovered, fmt.Sprint(r.Start.Row))
			} else {
				fc.NotCovered = append(fc.NotCovered, fmt.Sprintf("%d-%d", r.Start.Row, r.End.Row))
			}
		}
		files = append(files, fc)
	}
	if covered+notCovered == 0 {
		return 0, files
	}
	return 100 * float64(covered) / float64(covered+notCovered), files
}
