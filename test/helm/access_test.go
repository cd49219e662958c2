package helm_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// The access server (login pages, forward-auth) listens on access.port in
// the manager, behind the Service <fullname>-access that WorkspaceManagers
// name, and keeps its keys in a Secret of the release namespace, where it
// (with watchNamespaces too) may read Secrets and keep access routes.
func TestAccessServer(t *testing.T) {
	for _, tc := range []struct {
		args []string
		port int32
	}{
		{nil, 8090},
		{[]string{"--set", "access.port=9000"}, 9000},
		{[]string{"--set", "operator.watchNamespaces={team-a}"}, 8090},
	} {
		docs := render(t, tc.args...)
		dep := only[appsv1.Deployment](t, docs, "Deployment")
		c := dep.Spec.Template.Spec.Containers[0]
		for _, want := range []string{"--access-bind-address=:" + itoa(tc.port), "--access-secret=weir/weir-access-keys"} {
			if !slices.Contains(c.Args, want) {
				t.Errorf("%v: args %q lack %q", tc.args, c.Args, want)
			}
		}
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "access" && p.ContainerPort == tc.port }) {
			t.Errorf("%v: container ports %+v lack access %d", tc.args, c.Ports, tc.port)
		}
		svc := named[corev1.Service](t, docs, "Service", "weir-access")
		if svc.Namespace != "weir" || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != tc.port || svc.Spec.Ports[0].TargetPort.String() != "access" {
			t.Errorf("%v: Service weir-access %s ports %+v, want %d -> access in weir", tc.args, svc.Namespace, svc.Spec.Ports, tc.port)
		}
		if svc.Spec.Selector["app.kubernetes.io/name"] != "weir" {
			t.Errorf("%v: Service selector %v does not select the manager", tc.args, svc.Spec.Selector)
		}
		role := named[rbacv1.Role](t, docs, "Role", "weir-access")
		if role.Namespace != "weir" {
			t.Errorf("%v: Role weir-access in %q, want the release namespace", tc.args, role.Namespace)
		}
		var granted []string
		for _, r := range role.Rules {
			for _, res := range r.Resources {
				granted = append(granted, res+":"+strings.Join(r.Verbs, ","))
			}
		}
		for _, want := range []string{"secrets:get,create", "httproutes:get,list,watch,create,update,patch,delete", "ingresses:get,list,watch,create,update,patch,delete"} {
			if !slices.Contains(granted, want) {
				t.Errorf("%v: Role weir-access grants %q, want %q", tc.args, granted, want)
			}
		}
		checkBinding(t, docs, "RoleBinding", "weir-access", "weir", "Role", dep)
	}
}

func TestAccessServerDisabled(t *testing.T) {
	docs := render(t, "--set", "access.enabled=false")
	c := only[appsv1.Deployment](t, docs, "Deployment").Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--access-bind-address=0") || hasPrefix(c.Args, "--access-secret") {
		t.Errorf("args %q: want --access-bind-address=0 and no --access-secret", c.Args)
	}
	for _, p := range c.Ports {
		if p.Name == "access" {
			t.Errorf("container port %+v with access.enabled=false", p)
		}
	}
	for _, d := range docs {
		if strings.HasSuffix(d.Name, "-access") {
			t.Errorf("rendered %s %s with access.enabled=false", d.Kind, d.Name)
		}
	}
}

func TestAccessSchema(t *testing.T) {
	for _, set := range []string{"access.port=0", "access.port=x", "access.enabled=maybe", "access.bind=:1"} {
		if out, err := helm(t, "template", chartDir, "--set", set); err == nil {
			t.Errorf("helm template --set %s succeeded, want a schema error", set)
		} else if !strings.Contains(out, "access") {
			t.Errorf("--set %s: error does not name access:\n%s", set, out)
		}
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
