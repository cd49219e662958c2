package engine

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

// Parts names the rules a decision evaluates. A validating webhook reads
// only the verdicts, a mutating one only the patch: evaluating just those
// rules makes a Run's mutating decision about a seventh of a whole one
// (the default bundle's patch reads a few fields; its deny rules check
// every source's config), and a Workspace's either side about four fifths.
type Parts uint8

const (
	// Verdicts are the deny and warn rules: Decision.Denials, Warnings
	// and their DryRun findings.
	Verdicts Parts = 1 << iota
	// Patches is the patch rule: Decision.Patch and its DryRun findings.
	Patches
	// AllParts is a whole decision, as Decide makes.
	AllParts = Verdicts | Patches
)

// has reports whether p evaluates the rule named rule.
func (p Parts) has(rule string) bool {
	if rule == rulePatch {
		return p&Patches != 0
	}
	return p&Verdicts != 0
}

func (p Parts) valid() error {
	if p == 0 || p > AllParts {
		return fmt.Errorf("policy engine: no decision parts %d (want Verdicts, Patches or AllParts)", p)
	}
	return nil
}

// kindQueries are one package's decision queries by the Parts they
// evaluate, each compiled once at load; nil where the package defines none
// of those rules.
type kindQueries [AllParts + 1]*kindQuery

// prepareKindQueries prepares a query for each of Verdicts, Patches and
// AllParts from the rules the package defines.
func prepareKindQueries(c *ast.Compiler, store storage.Store, plural string, rules []string) (*kindQueries, error) {
	var qs kindQueries
	for p := Verdicts; p <= AllParts; p++ {
		var these []string
		for _, r := range rules {
			if p.has(r) {
				these = append(these, r)
			}
		}
		if len(these) == 0 {
			continue
		}
		q, err := prepareKind(c, store, plural, these)
		if err != nil {
			return nil, err
		}
		qs[p] = q
	}
	return &qs, nil
}
