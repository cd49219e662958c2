package workspaces_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// The base path is the path of the Workspace's URL under its manager: the
// base URL's path and /workspaces/<namespace>/<name>/, or "/" for a host of
// its own; nothing without a manager or when the manager cannot route it.
func TestBasePath(t *testing.T) {
	sub := func(base string) *wsv1.WorkspaceManager {
		m := gatewayManager(base)
		m.Spec.URLScheme = wsv1.URLSchemeSubdomain
		return m
	}
	for _, c := range []struct {
		m          *wsv1.WorkspaceManager
		ns, name   string
		want, what string
	}{
		{gatewayManager("https://ide.example.com"), "team-a", "lab", "/workspaces/team-a/lab/", "Path, no prefix"},
		{ingressManager("https://apps.example.com/ide/"), "team-a", "lab", "/ide/workspaces/team-a/lab/", "Path under a prefix"},
		{sub("https://ide.example.com/ide"), "team-a", "lab", "/", "Subdomain ignores the prefix"},
		{sub("https://ide.example.com"), "team-a", "my.lab", "", "Subdomain cannot route a name with a dot"},
		{nil, "team-a", "lab", "", "no manager"},
	} {
		if got := workspaces.BasePath(c.m, c.ns, c.name); got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
}

// Under a manager the IDE container is told its base path: WORKSPACE_BASE_URL
// always (Weir's value wins), NOTEBOOK_ARGS only when neither the Workspace,
// its template nor the profile set it. Without one, neither.
func TestBuildDeploymentTellsTheBasePath(t *testing.T) {
	ws := routedWorkspace()
	ws.Spec.Env = []corev1.EnvVar{{Name: "STAGE", Value: "dev"}, {Name: workspaces.EnvBaseURL, Value: "/forged/"}}
	orig := append([]corev1.EnvVar(nil), ws.Spec.Env...)
	base := workspaces.BasePath(gatewayManager("https://ide.example.com/ide"), ws.Namespace, ws.Name)

	c := workspaces.BuildDeployment(ws, nil, base, 1, "").Spec.Template.Spec.Containers[0]
	env := envOf(c)
	if env[workspaces.EnvBaseURL] != "/ide/workspaces/team-a/lab/" || env["NOTEBOOK_ARGS"] != "--ServerApp.base_url=/ide/workspaces/team-a/lab/" ||
		env["STAGE"] != "dev" || len(c.Env) != 3 {
		t.Errorf("env %v", c.Env)
	}
	if len(ws.Spec.Env) != len(orig) || ws.Spec.Env[1] != orig[1] {
		t.Errorf("the Workspace's own env changed: %v", ws.Spec.Env)
	}

	// The user's NOTEBOOK_ARGS, from the Workspace or from the profile, is
	// left as it is.
	ws.Spec.Env = []corev1.EnvVar{{Name: "NOTEBOOK_ARGS", Value: "--ServerApp.base_url=/mine/ --debug"}}
	c = workspaces.BuildDeployment(ws, nil, base, 1, "").Spec.Template.Spec.Containers[0]
	if env := envOf(c); env["NOTEBOOK_ARGS"] != "--ServerApp.base_url=/mine/ --debug" || env[workspaces.EnvBaseURL] != base || len(c.Env) != 2 {
		t.Errorf("user's NOTEBOOK_ARGS: %v", c.Env)
	}
	ws.Spec.Env = nil
	p := &wsv1.WorkspaceExecutionProfile{Spec: wsv1.WorkspaceExecutionProfileSpec{
		Env: []corev1.EnvVar{{Name: "NOTEBOOK_ARGS", Value: "--LabApp.collaborative=True"}},
	}}
	c = workspaces.BuildDeployment(ws, p, base, 1, "").Spec.Template.Spec.Containers[0]
	if env := envOf(c); env["NOTEBOOK_ARGS"] != "--LabApp.collaborative=True" || len(c.Env) != 2 {
		t.Errorf("profile's NOTEBOOK_ARGS: %v", c.Env)
	}

	// Subdomain: the root.
	m := gatewayManager("https://ide.example.com")
	m.Spec.URLScheme = wsv1.URLSchemeSubdomain
	c = workspaces.BuildDeployment(ws, nil, workspaces.BasePath(m, ws.Namespace, ws.Name), 1, "").Spec.Template.Spec.Containers[0]
	if env := envOf(c); env[workspaces.EnvBaseURL] != "/" || env["NOTEBOOK_ARGS"] != "--ServerApp.base_url=/" {
		t.Errorf("Subdomain: %v", c.Env)
	}

	// No manager: neither, and the pod is what it was before managers.
	none := workspaces.BuildDeployment(ws, nil, "", 1, "")
	if c := none.Spec.Template.Spec.Containers[0]; len(c.Env) != 0 {
		t.Errorf("no manager: %v", c.Env)
	}
	// A new base path is a new pod spec, so the pod restarts with it.
	other := workspaces.BuildDeployment(ws, nil, "/other/workspaces/team-a/lab/", 1, "")
	if a, b := workspaces.BuildDeployment(ws, nil, base, 1, ""), other; a.Annotations["workspace.jupyter.org/spec-hash"] == b.Annotations["workspace.jupyter.org/spec-hash"] ||
		a.Annotations["workspace.jupyter.org/spec-hash"] == none.Annotations["workspace.jupyter.org/spec-hash"] {
		t.Errorf("the spec hash does not follow the base path")
	}
}
