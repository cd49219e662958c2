package workspaces_test

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

const weirImage = "ghcr.io/weir-dev/weir:test"

func tunneled() *wsv1.Workspace {
	ws := routedWorkspace()
	ws.Spec.Tunnel = &wsv1.WorkspaceTunnel{Port: 22}
	return ws
}

// The sidecar runs Weir's image to the tunnel's port, restricted, small,
// ready when it listens.
func TestTunnelSidecar(t *testing.T) {
	d := workspaces.BuildDeployment(tunneled(), nil, "", 1, weirImage)
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 2 || cs[0].Name != workspaces.ContainerName || cs[1].Name != workspaces.TunnelContainerName {
		t.Fatalf("containers %v, want the IDE then the tunnel", cs)
	}
	c := cs[1]
	if c.Image != weirImage || !reflect.DeepEqual(c.Command, []string{"weir", "tunnel", "serve", "--listen", ":8765", "--target", "127.0.0.1:22"}) {
		t.Errorf("image %q command %q", c.Image, c.Command)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != wsv1.TunnelPortName || c.Ports[0].ContainerPort != 8765 {
		t.Errorf("ports %+v", c.Ports)
	}
	if p := c.ReadinessProbe; p == nil || p.TCPSocket == nil || p.TCPSocket.Port.StrVal != wsv1.TunnelPortName {
		t.Errorf("readiness %+v, want a TCP probe of %s", p, wsv1.TunnelPortName)
	}
	r := c.Resources
	if r.Requests.Cpu().String() != "10m" || r.Requests.Memory().String() != "32Mi" || r.Limits.Cpu().String() != "100m" || r.Limits.Memory().String() != "64Mi" {
		t.Errorf("resources %+v", r)
	}
	sc := c.SecurityContext
	if sc == nil || !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem ||
		len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("security context %+v, want restricted", sc)
	}
	// No tunnel, or no image: the pod (and its hash) as before.
	plain := workspaces.BuildDeployment(routedWorkspace(), nil, "", 1, weirImage)
	if n := len(plain.Spec.Template.Spec.Containers); n != 1 {
		t.Errorf("no tunnel: %d containers", n)
	}
	if a, b := plain.Annotations["workspace.jupyter.org/spec-hash"], workspaces.BuildDeployment(routedWorkspace(), nil, "", 1, "").Annotations["workspace.jupyter.org/spec-hash"]; a != b {
		t.Error("the image changed the hash of a Workspace without a tunnel: every pod would restart")
	}
	if d.Annotations["workspace.jupyter.org/spec-hash"] == plain.Annotations["workspace.jupyter.org/spec-hash"] {
		t.Error("adding a tunnel did not change the Deployment's hash")
	}
}

// The Service gets the tunnel's port, inside the cluster only; nothing is
// ever exposed as a LoadBalancer or NodePort.
func TestTunnelService(t *testing.T) {
	for _, ws := range []*wsv1.Workspace{routedWorkspace(), tunneled()} {
		s := workspaces.BuildService(ws)
		if s.Spec.Type != corev1.ServiceTypeClusterIP {
			t.Errorf("Service type %q, want ClusterIP", s.Spec.Type)
		}
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				t.Errorf("port %s has a nodePort", p.Name)
			}
		}
	}
	ports := workspaces.BuildService(tunneled()).Spec.Ports
	if len(ports) != 2 || ports[1].Name != wsv1.TunnelPortName || ports[1].Port != 8765 || ports[1].TargetPort.StrVal != wsv1.TunnelPortName {
		t.Errorf("ports %+v, want http then weir-tunnel 8765", ports)
	}
	if n := len(workspaces.BuildService(routedWorkspace()).Spec.Ports); n != 1 {
		t.Errorf("no tunnel: %d ports", n)
	}
}

func TestTunnelRoutes(t *testing.T) {
	in, err := workspaces.BuildIngress(tunneled(), ingressManager("https://ide.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	paths := in.Spec.Rules[0].HTTP.Paths
	if len(paths) != 2 || paths[1].Path != "/workspaces/team-a/lab/_weir/tunnel" ||
		paths[1].Backend.Service.Name != paths[0].Backend.Service.Name ||
		paths[1].Backend.Service.Port.Number != 8765 {
		t.Errorf("Ingress paths %+v, want the IDE's then <path>_weir/tunnel to port 8765", paths)
	}
	plain, _ := workspaces.BuildIngress(routedWorkspace(), ingressManager("https://ide.example.com"))
	if len(plain.Spec.Rules[0].HTTP.Paths) != 1 {
		t.Error("an Ingress without a tunnel has a tunnel path")
	}
	r, err := workspaces.BuildHTTPRoute(tunneled(), gatewayManager("https://ide.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Spec.Rules) != 2 {
		t.Fatalf("HTTPRoute rules %+v, want two", r.Spec.Rules)
	}
	rule := r.Spec.Rules[1]
	if *rule.Matches[0].Path.Value != "/workspaces/team-a/lab/_weir/tunnel" || *rule.BackendRefs[0].Port != 8765 ||
		rule.BackendRefs[0].Name != r.Spec.Rules[0].BackendRefs[0].Name {
		t.Errorf("tunnel rule %+v", rule)
	}
	plainRoute, _ := workspaces.BuildHTTPRoute(routedWorkspace(), gatewayManager("https://ide.example.com"))
	if len(plainRoute.Spec.Rules) != 1 || plainRoute.Annotations["workspace.jupyter.org/spec-hash"] == r.Annotations["workspace.jupyter.org/spec-hash"] {
		t.Error("the HTTPRoute without a tunnel has its rule, or the same hash")
	}
}
