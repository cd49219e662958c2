package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// Decision is the verdict of all loaded bundles on one request.
type Decision struct {
	// Denials refuse the request (from bundles in mode deny).
	Denials []Violation
	// Warnings are shown to the user (warn rules, and denials of bundles in
	// mode warn).
	Warnings []Violation
	// Patch is the JSON patch (RFC 6902) to apply to the object.
	Patch []PatchOp
	// DryRun holds what bundles in mode dryrun would have done.
	DryRun []Violation
	// Revision is the ID of the revision that decided.
	Revision string
}

// Allowed reports whether nothing denies the request.
func (d Decision) Allowed() bool { return len(d.Denials) == 0 }

// Violation is one finding of one policy.
type Violation struct {
	Message string `json:"msg"`
	// Field is the path of the field at fault, e.g.
	// spec.runs[0].postgresql.password; empty when no one field is.
	Field string `json:"field,omitempty"`
	// Policy is the id of the rule that found it, e.g. runs.literal-secret.
	Policy string `json:"policy,omitempty"`
	// Bundle is the bundle the rule belongs to.
	Bundle string `json:"bundle"`
}

// String is "field: message", as Kubernetes words field errors.
func (v Violation) String() string {
	if v.Field == "" {
		return v.Message
	}
	return v.Field + ": " + v.Message
}

// PatchOp is one JSON patch operation. Policy and Bundle say where it came
// from and are not part of the patch's JSON.
type PatchOp struct {
	Op     string `json:"op"`
	Path   string `json:"path"`
	From   string `json:"from,omitempty"`
	Value  any    `json:"value"`
	Policy string `json:"-"`
	Bundle string `json:"-"`
}

// MarshalJSON writes the operation as RFC 6902 has it: value is present
// for add, replace and test even when null, and absent otherwise.
func (op PatchOp) MarshalJSON() ([]byte, error) {
	w := struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		From  string `json:"from,omitempty"`
		Value *any   `json:"value,omitempty"`
	}{Op: op.Op, Path: op.Path, From: op.From}
	switch op.Op {
	case "add", "replace", "test":
		w.Value = &op.Value
	}
	return json.Marshal(w)
}

var patchOps = map[string]bool{"add": true, "remove": true, "replace": true, "move": true, "copy": true, "test": true}

// violations reads a deny or warn rule's value: a set of objects
// {msg, field, policy}, or of plain strings (the message alone).
func violations(rule string, v any, bundle string) ([]Violation, error) {
	elems, err := elements(rule, v)
	if err != nil {
		return nil, err
	}
	out := make([]Violation, 0, len(elems))
	for _, e := range elems {
		switch e := e.(type) {
		case string:
			out = append(out, Violation{Message: e, Bundle: bundle})
		case map[string]any:
			msg, ok1 := e["msg"].(string)
			field, ok2 := optString(e, "field")
			policy, ok3 := optString(e, "policy")
			if !ok1 || !ok2 || !ok3 {
				return nil, fmt.Errorf("%s: %s: want {msg: string, field: string, policy: string}", rule, compact(e))
			}
			out = append(out, Violation{Message: msg, Field: field, Policy: policy, Bundle: bundle})
		default:
			return nil, fmt.Errorf("%s: %s: want an object {msg, field, policy} or a string", rule, compact(e))
		}
	}
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Message, b.Message))
	})
	return out, nil
}

// patch reads a patch rule's value: a set of JSON patch operations, each
// optionally naming its policy. They are ordered by path, so an op on a
// parent comes before ops on its children.
func patch(v any, bundle string) ([]PatchOp, error) {
	elems, err := elements(rulePatch, v)
	if err != nil {
		return nil, err
	}
	out := make([]PatchOp, 0, len(elems))
	for _, e := range elems {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("patch: %s: want an object {op, path, value}", compact(e))
		}
		op, ok1 := m["op"].(string)
		path, ok2 := m["path"].(string)
		from, ok3 := optString(m, "from")
		policy, ok4 := optString(m, "policy")
		if !ok1 || !ok2 || !ok3 || !ok4 || !patchOps[op] || (path != "" && path[0] != '/') {
			return nil, fmt.Errorf("patch: %s: want {op: add|remove|replace|move|copy|test, path: /json/pointer, value}", compact(e))
		}
		out = append(out, PatchOp{Op: op, Path: path, From: from, Value: m["value"], Policy: policy, Bundle: bundle})
	}
	slices.SortStableFunc(out, func(a, b PatchOp) int { return cmp.Compare(a.Path, b.Path) })
	return out, nil
}

// elements accepts a set (a Go slice in rego's results) or nothing.
func elements(rule string, v any) ([]any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return v, nil
	}
	return nil, fmt.Errorf("%s: want a set (%s contains ...), got %s", rule, rule, compact(v))
}

func optString(m map[string]any, key string) (string, bool) {
	v, ok := m[key]
	if !ok {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
