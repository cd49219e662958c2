package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func accessInput(user string, groups []string, ownership string, shares ...map[string]any) AccessInput {
	return AccessInput{
		User: AccessUser{Username: user, Groups: groups},
		Workspace: map[string]any{
			"metadata": map[string]any{"namespace": "team", "name": "nb", "uid": "u1"},
			"spec":     map[string]any{"ownershipType": ownership},
		},
		Owner:   "alice",
		Shares:  shares,
		Manager: AccessManager{Name: "default"},
	}
}

func TestDecideAccessDefaultBundle(t *testing.T) {
	e := loaded(t, DefaultBundle())
	ctx := context.Background()
	share := map[string]any{
		"metadata": map[string]any{"namespace": "team", "name": "s1"},
		"spec":     map[string]any{"workspaceName": "nb", "subjects": []any{map[string]any{"kind": "User", "name": "bob"}}},
	}
	groupShare := map[string]any{
		"metadata": map[string]any{"namespace": "team", "name": "s2"},
		"spec":     map[string]any{"workspaceName": "nb", "subjects": []any{map[string]any{"kind": "Group", "name": "oidc:data"}}},
	}
	for _, tc := range []struct {
		name  string
		in    AccessInput
		allow bool
		code  string
	}{
		{"owner", accessInput("alice", nil, "OwnerOnly"), true, "Owner"},
		{"stranger", accessInput("bob", nil, "OwnerOnly"), false, "NotShared"},
		{"shared", accessInput("bob", nil, "OwnerOnly", share), true, "Shared"},
		{"shared with a group of theirs", accessInput("carol", []string{"oidc:ops", "oidc:data"}, "OwnerOnly", groupShare), true, "Shared"},
		{"shared with another group", accessInput("carol", []string{"oidc:ops"}, "OwnerOnly", groupShare), false, "NotShared"},
		{"public", accessInput("bob", nil, "Public"), true, "Public"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := e.DecideAccess(ctx, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allow != tc.allow || d.Code != tc.code || d.Reason == "" || d.Bundle != DefaultBundleName || d.Revision == "" {
				t.Fatalf("decision = %+v, want allow=%v code=%s with a reason, bundle and revision", d, tc.allow, tc.code)
			}
		})
	}
}

// A second bundle in mode deny can only take access away; one in mode
// warn is not asked.
func TestDecideAccessBundlesCombine(t *testing.T) {
	strict := Bundle{Name: "strict", Modules: map[string]string{"access.rego": `package weir.access
decision := {"allow": false, "code": "Closed", "reason": "closed for maintenance"}
`}}
	e := loaded(t, DefaultBundle(), strict)
	d, err := e.DecideAccess(context.Background(), accessInput("alice", nil, "Public"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Allow || d.Bundle != "strict" || d.Reason != "closed for maintenance" {
		t.Fatalf("decision = %+v, want the strict bundle's denial", d)
	}
	strict.Mode = ModeWarn
	e = loaded(t, DefaultBundle(), strict)
	if d, err := e.DecideAccess(context.Background(), accessInput("alice", nil, "Public")); err != nil || !d.Allow {
		t.Fatalf("decision = %+v, %v; want the default bundle's allow (warn bundles are not asked)", d, err)
	}
}

func TestDecideAccessFailsClosed(t *testing.T) {
	ctx := context.Background()
	if _, err := New().DecideAccess(ctx, accessInput("alice", nil, "Public")); !errors.Is(err, ErrNoRevision) {
		t.Fatalf("err = %v, want ErrNoRevision", err)
	}
	other := Bundle{Name: "other", Modules: map[string]string{"x.rego": "package weir.other\nx := 1\n"}}
	if _, err := loaded(t, other).DecideAccess(ctx, accessInput("alice", nil, "Public")); !errors.Is(err, ErrNoAccessPolicy) {
		t.Fatalf("err = %v, want ErrNoAccessPolicy", err)
	}
	bad := Bundle{Name: "bad", Modules: map[string]string{"access.rego": "package weir.access\ndecision := \"yes\"\n"}}
	_, err := loaded(t, bad).DecideAccess(ctx, accessInput("alice", nil, "Public"))
	var de *DecisionError
	if !errors.As(err, &de) || de.Bundle != "bad" || !strings.Contains(de.Detail(), "want an object") {
		t.Fatalf("err = %v, want a DecisionError of bundle bad about the decision's shape", err)
	}
}
