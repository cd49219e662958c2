package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// OPA's JSON Schema built-ins resolve a "$ref" that is not a fragment by
// reading the file or fetching the URL it names, during evaluation: a
// schema (a SourcePlugin's, fed to every bundle as data.sources) could make
// the manager send requests or put a local file's content in a denial.
// AllowNet (empty in capabilities) stops the fetches but not file://, so
// Weir refuses such references: statically in bundle data and modules and
// in plugin schemas (CheckSchemaRefs), and at evaluation for schemas a
// policy builds at run time (guardSchemaBuiltins).

// RemoteRef is a JSON Schema "$ref" that points outside its own document.
type RemoteRef struct {
	// Pointer is where the "$ref" is, as a JSON pointer (/properties/host/$ref).
	Pointer string
	Ref     string
}

// RemoteRefs lists the "$ref"s in doc (decoded JSON) that do not start
// with "#", in a stable order.
func RemoteRefs(doc any) []RemoteRef {
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil // not JSON: nothing OPA could resolve either
	}
	return remoteRefs(v, nil, nil)
}

// CheckSchemaRefs is nil when doc has only local "$ref"s, else an error
// naming what (e.g. `SourcePlugin "csv" status.configSchema`), each
// reference and the fix.
func CheckSchemaRefs(what string, doc any) error {
	return refsError(what, RemoteRefs(doc))
}

func refsError(what string, refs []RemoteRef) error {
	if len(refs) == 0 {
		return nil
	}
	lines := make([]string, len(refs))
	for i, r := range refs {
		lines[i] = refMessage(r)
	}
	return fmt.Errorf("%s: %s", what, strings.Join(lines, "; "))
}

func refMessage(r RemoteRef) string {
	return fmt.Sprintf(`%s is %q: Weir resolves only references inside the schema (starting with "#"), never files or URLs; `+
		`copy the referenced schema under "definitions" and refer to it as "#/definitions/<name>"`, r.Pointer, r.Ref)
}

func remoteRefs(v ast.Value, at []string, out []RemoteRef) []RemoteRef {
	switch v := v.(type) {
	case ast.Object:
		for _, k := range v.Keys() {
			key := k.Value.String()
			if s, ok := k.Value.(ast.String); ok {
				key = string(s)
			}
			val := v.Get(k).Value
			path := append(slices.Clip(at), key)
			if ref, ok := val.(ast.String); ok && key == "$ref" && !strings.HasPrefix(string(ref), "#") {
				out = append(out, RemoteRef{Pointer: pointer(path), Ref: string(ref)})
			}
			out = remoteRefs(val, path, out)
		}
	case *ast.Array:
		for i := range v.Len() {
			out = remoteRefs(v.Elem(i).Value, append(slices.Clip(at), fmt.Sprint(i)), out)
		}
	case ast.Set:
		for _, t := range v.Slice() {
			out = remoteRefs(t.Value, at, out)
		}
	}
	return out
}

// hasRemoteRef reports whether remoteRefs would find any, without
// building their paths.
func hasRemoteRef(v ast.Value) bool {
	switch v := v.(type) {
	case ast.Object:
		return v.Until(func(k, val *ast.Term) bool {
			if key, ok := k.Value.(ast.String); ok && key == "$ref" {
				if ref, ok := val.Value.(ast.String); ok && !strings.HasPrefix(string(ref), "#") {
					return true
				}
			}
			return hasRemoteRef(val.Value)
		})
	case *ast.Array:
		return v.Until(func(t *ast.Term) bool { return hasRemoteRef(t.Value) })
	case ast.Set:
		return v.Until(func(t *ast.Term) bool { return hasRemoteRef(t.Value) })
	}
	return false
}

// pointer writes segments as a JSON pointer (RFC 6901).
func pointer(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

// dataRefProblems are the remote "$ref"s anywhere in a bundle's data,
// which holds data.sources (every source's config schema) and any schema
// an administrator keeps there.
func dataRefProblems(data map[string]any) []Problem {
	var out []Problem
	for _, r := range RemoteRefs(data) {
		r.Pointer = "data" + r.Pointer
		out = append(out, Problem{Code: ast.CompileErr, Message: refMessage(r)})
	}
	return out
}

// moduleRefProblems are the object literals in mods with a remote "$ref",
// at their file:line:col.
func moduleRefProblems(mods map[string]*ast.Module) []Problem {
	var out []Problem
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		ast.WalkTerms(mods[name], func(t *ast.Term) bool {
			obj, ok := t.Value.(ast.Object)
			if !ok {
				return false
			}
			rt := obj.Get(ast.InternedTerm("$ref"))
			if rt == nil {
				return false
			}
			ref, ok := rt.Value.(ast.String)
			if !ok || strings.HasPrefix(string(ref), "#") {
				return false
			}
			p := Problem{Code: ast.CompileErr, Message: refMessage(RemoteRef{Pointer: "$ref", Ref: string(ref)})}
			if t.Location != nil {
				p.File, p.Line, p.Col = t.Location.File, t.Location.Row, t.Location.Col
			}
			out = append(out, p)
			return false
		})
	}
	return out
}

// guardSchemaBuiltins wraps OPA's json.match_schema and json.verify_schema
// (registered process-wide, as OPA's built-ins are) so a schema a policy
// builds at run time, from input or strings, cannot reach a file or URL
// either: evaluation halts with an error naming the reference.
func guardSchemaBuiltins() {
	for name, schemaArg := range map[string]int{ast.JSONMatchSchema.Name: 1, ast.JSONSchemaVerify.Name: 0} {
		inner := topdown.GetBuiltin(name)
		if inner == nil {
			panic("OPA has no built-in " + name) // caught by the tests
		}
		topdown.RegisterBuiltinFunc(name, func(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
			if refs := schemaOperandRefs(operands[schemaArg].Value); len(refs) > 0 {
				return topdown.Halt{Err: &topdown.Error{Code: topdown.BuiltinErr, Location: bctx.Location,
					Message: refsError(name+": schema", refs).Error()}}
			}
			if name == ast.JSONMatchSchema.Name {
				return cachedMatchSchema(bctx, operands, iter, inner)
			}
			return inner(bctx, operands, iter)
		})
	}
}

func init() { guardSchemaBuiltins() }

// schemaOperandRefs reads a schema operand as OPA does: an object, or a
// string of JSON.
func schemaOperandRefs(v ast.Value) []RemoteRef {
	s, ok := v.(ast.String)
	if !ok {
		if !hasRemoteRef(v) { // every decision passes here: no allocation
			return nil
		}
		return remoteRefs(v, nil, nil)
	}
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil // OPA refuses it as not JSON
	}
	return RemoteRefs(doc)
}
