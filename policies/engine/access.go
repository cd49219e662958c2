package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// AccessPackage is where the access server's question lives: its rule
// decision is {allow, code, reason} for one user and one Workspace.
const AccessPackage = "data.weir.access"

// AccessInput is what package weir.access sees as input (docs/access.md).
type AccessInput struct {
	User AccessUser `json:"user"`
	// Workspace is the Workspace as stored, with spec.ownershipType set to
	// the effective one.
	Workspace map[string]any `json:"workspace"`
	// Owner is the Workspace's workspace.jupyter.org/created-by annotation.
	Owner string `json:"owner"`
	// Shares are the WorkspaceShares that name the Workspace; the policy
	// decides which count.
	Shares  []map[string]any `json:"shares"`
	Manager AccessManager    `json:"manager"`
}

// AccessUser is the logged-in user, as the login named them.
type AccessUser struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// AccessManager is the WorkspaceManager that serves the Workspace.
type AccessManager struct {
	Name string `json:"name"`
}

// AccessDecision is the verdict of data.weir.access.decision.
type AccessDecision struct {
	Allow bool
	// Code is a short, stable word for the verdict (Owner, Shared, NotShared...).
	Code string
	// Reason is shown to the user on the 403 page.
	Reason string
	// Bundle decided; Revision is the revision of the loaded set.
	Bundle, Revision string
}

// ErrNoAccessPolicy: no loaded bundle (in mode deny) defines
// data.weir.access.decision, so nobody can be let in.
var ErrNoAccessPolicy = errors.New("no policy bundle in mode deny defines " + AccessPackage + ".decision")

// prepareAccess prepares the access query of a bundle whose own modules
// define package weir.access with a decision rule; nil otherwise.
func prepareAccess(ctx context.Context, mods map[string]*ast.Module, bundle string, c *ast.Compiler, store storage.Store) (*rego.PreparedEvalQuery, error) {
	pkg := ast.MustParseRef(AccessPackage)
	found := false
	for name, m := range mods {
		if !strings.HasPrefix(name, bundle+"/") || !m.Package.Path.Equal(pkg) {
			continue
		}
		for _, r := range m.Rules {
			found = found || r.Head.Ref()[0].Value.Compare(ast.Var("decision")) == 0
		}
	}
	if !found {
		return nil, nil
	}
	pq, err := rego.New(rego.Query("decision := "+AccessPackage+".decision"), rego.Compiler(c), rego.Store(store),
		rego.Capabilities(capabilities())).PrepareForEval(ctx)
	if err != nil {
		return nil, &Error{Bundle: bundle, Problems: problems(err)}
	}
	return &pq, nil
}

// DecideAccess asks every loaded bundle in mode deny that defines
// data.weir.access.decision, in load order: the first denial decides,
// else the last allow. Bundles in mode warn or dryrun are not asked (a
// connection cannot be "warned"). With no such bundle it fails with
// ErrNoAccessPolicy; the caller must then refuse. OPA's own error goes to
// the context's logger, as in Decide.
func (e *Engine) DecideAccess(ctx context.Context, in AccessInput) (AccessDecision, error) {
	rev := e.cur.Load()
	if rev == nil {
		return AccessDecision{}, ErrNoRevision
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	var value ast.Value
	var out AccessDecision
	asked := false
	for _, b := range rev.bundles {
		if b.access == nil || b.mode != ModeDeny {
			continue
		}
		if value == nil {
			v, err := in.value()
			if err != nil {
				return AccessDecision{}, fmt.Errorf("access policy input: %w", err)
			}
			value = v
		}
		d, err := evaluateAccess(ctx, b.access, value)
		if err != nil {
			de := &DecisionError{Bundle: b.name, Revision: rev.ID, Package: AccessPackage, Err: err, ctxErr: ctx.Err()}
			logr.FromContextOrDiscard(ctx).Error(errors.New(de.Detail()), "access policy evaluation failed",
				"bundle", de.Bundle, "revision", de.Revision)
			return AccessDecision{}, de
		}
		d.Bundle, d.Revision = b.name, rev.ID
		asked = true
		out = d
		if !d.Allow {
			return d, nil
		}
	}
	if !asked {
		return AccessDecision{}, ErrNoAccessPolicy
	}
	return out, nil
}

// value builds the input without a JSON round trip, as Input.value does.
func (in AccessInput) value() (ast.Value, error) {
	shares := make([]any, len(in.Shares))
	for i, s := range in.Shares {
		shares[i] = s
	}
	return ast.InterfaceToValue(map[string]any{
		"user":      map[string]any{"username": in.User.Username, "groups": orEmpty(in.User.Groups)},
		"workspace": orNull(in.Workspace),
		"owner":     in.Owner,
		"shares":    shares,
		"manager":   map[string]any{"name": in.Manager.Name},
	})
}

func evaluateAccess(ctx context.Context, q *rego.PreparedEvalQuery, input ast.Value) (AccessDecision, error) {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return AccessDecision{}, err
	}
	if len(rs) == 0 {
		return AccessDecision{}, errors.New("decision is undefined")
	}
	m, ok := rs[0].Bindings["decision"].(map[string]any)
	if !ok {
		return AccessDecision{}, fmt.Errorf("decision: want an object {allow, code, reason}, got %s", compact(rs[0].Bindings["decision"]))
	}
	allow, ok1 := m["allow"].(bool)
	code, ok2 := optString(m, "code")
	reason, ok3 := optString(m, "reason")
	if !ok1 || !ok2 || !ok3 {
		return AccessDecision{}, fmt.Errorf("decision: %s: want {allow: bool, code: string, reason: string}", compact(m))
	}
	return AccessDecision{Allow: allow, Code: code, Reason: reason}, nil
}
