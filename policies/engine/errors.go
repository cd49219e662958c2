package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ErrNoRevision is returned by Decide before the first successful Load.
var ErrNoRevision = errors.New("no policy loaded")

// Error is a bundle that cannot be loaded, with every problem found.
type Error struct {
	Bundle   string
	Problems []Problem
}

// Problem is one reason a bundle cannot be loaded. File, Line and Col are
// set when the problem is in a module; File is "<bundle>/<file name>".
type Problem struct {
	File      string
	Line, Col int
	// Code is OPA's error class, e.g. rego_parse_error.
	Code    string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", p.File, p.Line, p.Col)
	}
	if p.Code != "" {
		b.WriteString(p.Code + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("policy bundle %q: %s", e.Bundle, strings.Join(lines, "\n"))
}

func bundleError(bundle string, msg string, args ...any) *Error {
	return &Error{Bundle: bundle, Problems: []Problem{{Message: fmt.Sprintf(msg, args...)}}}
}

// problems converts OPA's errors (ast.Errors, or one *ast.Error) to
// Problems with their file:line:col.
func problems(err error) []Problem {
	var list ast.Errors
	var one *ast.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = ast.Errors{one}
	default:
		return []Problem{{Message: err.Error()}}
	}
	out := make([]Problem, 0, len(list))
	for _, e := range list {
		p := Problem{Code: e.Code, Message: e.Message}
		if e.Location != nil {
			p.File, p.Line, p.Col = e.Location.File, e.Location.Row, e.Location.Col
		}
		out = append(out, p)
	}
	return out
}

// DecisionError is a bundle that failed to evaluate a request. Error() is
// safe to show to whoever made the request, in status and in Events: it
// names the bundle, revision and package, never OPA's message, which can
// quote rule values, the request or the bundle's data. Detail() has that
// message, for the operator's log.
type DecisionError struct {
	Bundle   string
	Revision string
	// Package is the decision package evaluated, e.g. data.weir.runs.
	Package string
	// Err is OPA's error.
	Err    error
	ctxErr error // the decision's context had ended: a timeout or cancel
}

func (e *DecisionError) Error() string {
	why := "failed"
	switch {
	case errors.Is(e.ctxErr, context.DeadlineExceeded):
		why = "timed out"
	case e.ctxErr != nil:
		why = "was cancelled"
	}
	return fmt.Sprintf("policy bundle %q (revision %s): evaluating %s %s; the operator's log has the details", e.Bundle, e.Revision, e.Package, why)
}

// Detail is OPA's message: for logs only.
func (e *DecisionError) Detail() string { return e.Err.Error() }

// Unwrap gives OPA's error and, when the decision's context had ended,
// its reason (context.DeadlineExceeded or context.Canceled).
func (e *DecisionError) Unwrap() []error {
	if e.ctxErr != nil {
		return []error{e.Err, e.ctxErr}
	}
	return []error{e.Err}
}
