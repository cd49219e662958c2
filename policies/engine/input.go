package engine

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Input is what a policy sees as `input`: one admission request, the same
// shape for every kind (docs/policies.md).
type Input struct {
	Kind      GroupVersionKind `json:"kind"`
	Operation string           `json:"operation"` // CREATE, UPDATE or DELETE
	UserInfo  UserInfo         `json:"userInfo"`
	Namespace string           `json:"namespace"`
	Name      string           `json:"name"`
	// Object is the object as it would be stored; nil on DELETE.
	Object map[string]any `json:"object"`
	// OldObject is the stored object on UPDATE and DELETE; nil on CREATE.
	OldObject map[string]any `json:"oldObject"`
	DryRun    bool           `json:"dryRun"`
	// Related holds objects Weir resolved from its cache for the policies
	// of this kind (e.g. the Secrets a Run references), by name.
	Related map[string]any `json:"related"`
}

// GroupVersionKind names the kind of the object under review.
type GroupVersionKind struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// UserInfo is who made the request, as Kubernetes authenticated them.
type UserInfo struct {
	Username string              `json:"username"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// value converts the input to Rego once per decision; every bundle then
// evaluates the same value. The conversion is lazy (ast.LazyObject): a key
// becomes a Rego value when a rule first reads it, so what no rule reads
// (managedFields, status, most of oldObject) costs nothing. A key read
// converts exactly as ast.InterfaceToValue does, so policies see the same
// values as the reference path (TestDecideDifferential); a value it cannot
// convert panics in evaluation, which evaluate turns into an error.
func (in *Input) value() (ast.Value, error) {
	return ast.LazyObject(in.native()), nil
}

// native is the input as Go values, in the shape of docs/policies.md.
func (in *Input) native() map[string]any {
	extra := make(map[string]any, len(in.UserInfo.Extra))
	for k, v := range in.UserInfo.Extra {
		extra[k] = v
	}
	related := in.Related
	if related == nil {
		related = map[string]any{}
	}
	return map[string]any{
		"kind":      map[string]any{"group": in.Kind.Group, "version": in.Kind.Version, "kind": in.Kind.Kind},
		"operation": in.Operation,
		"userInfo": map[string]any{
			"username": in.UserInfo.Username,
			"uid":      in.UserInfo.UID,
			"groups":   orEmpty(in.UserInfo.Groups),
			"extra":    extra,
		},
		"namespace": in.Namespace,
		"name":      in.Name,
		"object":    orNull(in.Object),
		"oldObject": orNull(in.OldObject),
		"dryRun":    in.DryRun,
		"related":   related,
	}
}

// orNull keeps an absent object null in Rego rather than {}.
func orNull(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// groupPackages routes every kind of an API group to one package, for a
// family whose kinds share rules and helpers: a Workspace is judged
// against its WorkspaceTemplate's bounds, and the template's own checks
// use the same bound code. Rules there tell kinds apart by input.kind.kind.
var groupPackages = map[string]string{
	"workspace.jupyter.org": "workspaces",
}

// Package is the package a kind's policies live in, data.weir.<Package>:
// the group's package when its kinds share one (workspace.jupyter.org:
// workspaces), else Plural(kind).
func Package(k GroupVersionKind) string {
	if p, ok := groupPackages[k.Group]; ok {
		return p
	}
	return Plural(k.Kind)
}

// Plural is the package of a kind whose group has none of its own: the
// lower-case plural, as Kubernetes names the resource (Run: runs,
// PolicyBundle: policybundles).
func Plural(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case k == "":
		return ""
	case strings.HasSuffix(k, "s"), strings.HasSuffix(k, "x"), strings.HasSuffix(k, "ch"), strings.HasSuffix(k, "sh"):
		return k + "es"
	case strings.HasSuffix(k, "y") && len(k) > 1 && !strings.ContainsRune("aeiou", rune(k[len(k)-2])):
		return k[:len(k)-1] + "ies"
	}
	return k + "s"
}
