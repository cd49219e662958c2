package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// grafanaVars are the range variables Grafana substitutes before a query
// reaches Prometheus; any valid duration parses the same.
var grafanaVars = strings.NewReplacer("$__rate_interval", "1m", "$__interval", "1m", "$__range", "1h")

// namesInFiles reads every expression of files and returns the metric
// names they select, sorted, each once.
func namesInFiles(files []string) ([]string, error) {
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var exprs []string
		switch filepath.Ext(f) {
		case ".json":
			exprs, err = dashboardExprs(b)
		case ".yaml", ".yml":
			exprs, err = ruleExprs(b)
		default:
			err = fmt.Errorf("want a rule file (.yaml) or a dashboard (.json)")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if len(exprs) == 0 {
			return nil, fmt.Errorf("%s: no expressions found", f)
		}
		for _, e := range exprs {
			names, err := namesIn(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for _, n := range names {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// namesIn parses one expression and returns the names its selectors match
// by __name__; a selector without a literal name is an error, as it could
// not be checked.
func namesIn(expr string) ([]string, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr))
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", expr, err)
	}
	var names []string
	var bad error
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			bad = fmt.Errorf("expression %q: selector %s names no metric", expr, vs)
		}
		names = append(names, name)
		return nil
	})
	return names, bad
}

func ruleExprs(b []byte) ([]string, error) {
	var f struct {
		Groups []struct {
			Rules []struct {
				Expr string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	var out []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out = append(out, r.Expr)
		}
	}
	return out, nil
}

// panel is the part of a Grafana panel that holds queries; rows may nest
// panels.
type panel struct {
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

func dashboardExprs(b []byte) ([]string, error) {
	var d struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	var out []string
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				if t.Expr != "" {
					out = append(out, t.Expr)
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out, nil
}
