package access

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// rbacKey is one SubjectAccessReview's question.
type rbacKey struct{ user, groups, namespace, name string }

// decisionKey is what a policy decision depends on: the session (its user
// and groups), the Workspace and its shares as of Revision, and the
// policies in force.
type decisionKey struct {
	session, namespace, name string
	revision                 uint64
	policy                   string
}

// verdict is a cached answer for one decisionKey. A refusal keeps its
// page, rendered once: the key fixes the user and Workspace it names.
type verdict struct {
	allow    bool
	notFound bool
	code     string
	reason   string
	page     *rendered
}

// mayConnect asks (or remembers) whether RBAC lets the session's user
// create workspaces/connection for the Workspace.
func (s *Server) mayConnect(ctx context.Context, sess *session, namespace, name string) (bool, error) {
	k := rbacKey{sess.User, strings.Join(sess.Groups, "\n"), namespace, name}
	now := s.o.Now()
	if ok, hit := s.rbac.get(k, now); hit {
		rbacHits.Inc()
		return ok, nil
	}
	rbacMisses.Inc()
	ok, err := s.o.Authorizer.MayConnect(ctx, sess.User, sess.Groups, namespace, name)
	if err != nil {
		return false, err
	}
	s.rbac.put(k, ok, now.Add(s.o.RBACTTL))
	return ok, nil
}

// decide asks (or remembers) package weir.access about the session's user
// and the Workspace.
func (s *Server) decide(ctx context.Context, st *site, sess *session, namespace, name string) (verdict, error) {
	rev, _ := s.o.Policy.Current()
	k := decisionKey{session: sess.ID, namespace: namespace, name: name,
		revision: s.o.Reader.Revision(namespace, name), policy: rev.ID}
	now := s.o.Now()
	if v, hit := s.decision.get(k, now); hit {
		decisionHits.Inc()
		return v, nil
	}
	decisionMisses.Inc()
	v, err := s.evaluate(ctx, st, sess, namespace, name)
	if err != nil {
		return verdict{}, err
	}
	v.page = refusalPage(st, sess, namespace+"/"+name, v).render()
	s.decision.put(k, v, now.Add(s.o.DecisionTTL))
	return v, nil
}

func (s *Server) evaluate(ctx context.Context, st *site, sess *session, namespace, name string) (verdict, error) {
	ws, err := s.o.Reader.Workspace(ctx, namespace, name)
	if err != nil {
		return verdict{}, fmt.Errorf("read Workspace %s/%s: %w", namespace, name, err)
	}
	if ws == nil {
		return verdict{notFound: true, reason: fmt.Sprintf("There is no Workspace %s/%s.", namespace, name)}, nil
	}
	if r := ws.Status.Route; r != nil && r.Manager != "" && r.Manager != st.m.Name {
		return verdict{notFound: true, reason: fmt.Sprintf("Workspace %s/%s is served by WorkspaceManager %s, at another address.", namespace, name, r.Manager)}, nil
	}
	in, err := s.input(ctx, st, sess, ws)
	if err != nil {
		return verdict{}, err
	}
	d, err := s.o.Policy.DecideAccess(ctx, in)
	if err != nil {
		return verdict{}, err
	}
	return verdict{allow: d.Allow, code: d.Code, reason: d.Reason}, nil
}

// input is package weir.access's input for the session's user and ws.
func (s *Server) input(ctx context.Context, st *site, sess *session, ws *wsv1.Workspace) (engine.AccessInput, error) {
	ownership, err := s.ownership(ctx, ws)
	if err != nil {
		return engine.AccessInput{}, err
	}
	w := ws.DeepCopy()
	w.ManagedFields = nil
	w.Spec.OwnershipType = ownership
	wm, err := runtime.DefaultUnstructuredConverter.ToUnstructured(w)
	if err != nil {
		return engine.AccessInput{}, err
	}
	shares, err := s.o.Reader.Shares(ctx, ws.Namespace, ws.Name)
	if err != nil {
		return engine.AccessInput{}, fmt.Errorf("list the WorkspaceShares of %s/%s: %w", ws.Namespace, ws.Name, err)
	}
	sm := make([]map[string]any, 0, len(shares))
	for i := range shares {
		sh := shares[i].DeepCopy()
		sh.ManagedFields = nil
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(sh)
		if err != nil {
			return engine.AccessInput{}, err
		}
		sm = append(sm, m)
	}
	return engine.AccessInput{
		User:      engine.AccessUser{Username: sess.User, Groups: sess.Groups},
		Workspace: wm,
		Owner:     ws.Annotations[wsv1.AnnotationCreatedBy],
		Shares:    sm,
		Manager:   engine.AccessManager{Name: st.m.Name},
	}, nil
}

// ownership is the Workspace's effective ownershipType: its own (the
// admission policy copies the template's default there on create), else
// its template's default, else Public.
func (s *Server) ownership(ctx context.Context, ws *wsv1.Workspace) (wsv1.OwnershipType, error) {
	if ws.Spec.OwnershipType != "" {
		return ws.Spec.OwnershipType, nil
	}
	if ws.Spec.TemplateRef != "" {
		t, err := s.o.Reader.Template(ctx, ws.Spec.TemplateRef)
		if err != nil {
			return "", fmt.Errorf("read WorkspaceTemplate %s: %w", ws.Spec.TemplateRef, err)
		}
		if t != nil && t.Spec.DefaultOwnershipType != "" {
			return t.Spec.DefaultOwnershipType, nil
		}
	}
	return wsv1.DefaultOwnership, nil
}
