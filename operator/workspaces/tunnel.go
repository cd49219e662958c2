package workspaces

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// The desktop tunnel (spec.tunnel): a sidecar running `weir tunnel serve`
// in the IDE pod, reached only through the Workspace's route at
// <path>_weir/tunnel, behind the same forward-auth as the IDE. Nothing of
// it exists for a Workspace whose effective spec has no tunnel, so the
// objects of other Workspaces (and their spec hashes) stay as they were.
const (
	// TunnelContainerName is the sidecar's container.
	TunnelContainerName = "tunnel"
	// TunnelPort is the sidecar's port, in the pod and on the Service.
	TunnelPort = 8765
)

// tunnelResources are small: the sidecar only copies bytes.
var tunnelResources = corev1.ResourceRequirements{
	Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
	Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
}

// TunnelCommand is what the sidecar runs to reach port in the pod.
func TunnelCommand(port int32) []string {
	return []string{"weir", "tunnel", "serve", "--listen", ":" + strconv.Itoa(TunnelPort),
		"--target", "127.0.0.1:" + strconv.Itoa(int(port))}
}

// withTunnel adds the sidecar when the effective spec has a tunnel; image
// is Weir's own (the manager's --image). No image: no sidecar (a builder
// called without one, as in tests of other parts).
func withTunnel(pod *corev1.PodTemplateSpec, ws *wsv1.Workspace, image string) {
	t := ws.Spec.Tunnel
	if t == nil || image == "" {
		return
	}
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
		Name:    TunnelContainerName,
		Image:   image,
		Command: TunnelCommand(t.Port),
		Ports: []corev1.ContainerPort{{
			Name: wsv1.TunnelPortName, ContainerPort: TunnelPort, Protocol: corev1.ProtocolTCP,
		}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(wsv1.TunnelPortName)}},
			PeriodSeconds: 10,
		},
		Resources: *tunnelResources.DeepCopy(),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	})
}

// tunnelServicePorts is the Service's port to the sidecar, when there is one.
func tunnelServicePorts(ws *wsv1.Workspace) []corev1.ServicePort {
	if ws.Spec.Tunnel == nil {
		return nil
	}
	return []corev1.ServicePort{{
		Name: wsv1.TunnelPortName, Port: TunnelPort, TargetPort: intstr.FromString(wsv1.TunnelPortName), Protocol: corev1.ProtocolTCP,
	}}
}

// tunnelPath is the route's prefix for the tunnel under a Workspace's path
// (which ends in "/").
func tunnelPath(path string) string { return path + wsv1.TunnelPath }

// tunnelIngressPaths is the Ingress path to the sidecar, when there is one.
func tunnelIngressPaths(ws *wsv1.Workspace, path string) []networkingv1.HTTPIngressPath {
	if ws.Spec.Tunnel == nil {
		return nil
	}
	return []networkingv1.HTTPIngressPath{{
		Path:     tunnelPath(path),
		PathType: ptr.To(networkingv1.PathTypePrefix),
		Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: ServiceName(ws.Name), Port: networkingv1.ServiceBackendPort{Number: TunnelPort},
		}},
	}}
}

// tunnelHTTPRouteRules is the HTTPRoute rule to the sidecar, when there is
// one (the longer prefix wins over the IDE's).
func tunnelHTTPRouteRules(ws *wsv1.Workspace, path string) []gatewayv1.HTTPRouteRule {
	if ws.Spec.Tunnel == nil {
		return nil
	}
	return []gatewayv1.HTTPRouteRule{{
		Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
			Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(tunnelPath(path)),
		}}},
		BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{
			Group: ptr.To(gatewayv1.Group("")),
			Kind:  ptr.To(gatewayv1.Kind("Service")),
			Name:  gatewayv1.ObjectName(ServiceName(ws.Name)),
			Port:  ptr.To(gatewayv1.PortNumber(TunnelPort)),
		}}}},
	}}
}
