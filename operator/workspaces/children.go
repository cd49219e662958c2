package workspaces

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

const (
	// annotationSpecHash records the desired spec a child was built from,
	// so an unchanged Workspace is recognised without comparing server
	// defaults, and a changed one is updated.
	annotationSpecHash = "workspace.jupyter.org/spec-hash"
	// AnnotationWorkspace on a child holds its Workspace's full name; the
	// label may be cut.
	AnnotationWorkspace = "workspace.jupyter.org/workspace-name"
	// revisionHistory ReplicaSets are kept for rollback and inspection.
	revisionHistory = 2
)

// selectorLabels select a Workspace's pods: its (cut) name and Weir, so
// neither another Workspace's pods nor the user's own are matched.
func selectorLabels(ws *wsv1.Workspace) map[string]string {
	return map[string]string{
		wsv1.LabelWorkspace:   WorkspaceLabelValue(ws.Name),
		runsv1.LabelManagedBy: runsv1.ManagedBy,
	}
}

// ChildSelector selects every child (Deployment, pods, Service, claim) of
// the Workspace named name.
func ChildSelector(name string) map[string]string {
	return map[string]string{wsv1.LabelWorkspace: WorkspaceLabelValue(name), runsv1.LabelManagedBy: runsv1.ManagedBy}
}

func metaWith(labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels, Annotations: annotations}
}

func childMeta(ws *wsv1.Workspace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        name,
		Namespace:   ws.Namespace,
		Labels:      podLabels(ws),
		Annotations: map[string]string{AnnotationWorkspace: ws.Name},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ws,
			wsv1.GroupVersion.WithKind("Workspace"))},
	}
}

// hashOf is a short, stable digest of a desired spec.
func hashOf(v any) string {
	b, _ := json.Marshal(v) // specs of API types always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Replicas is how many IDE pods an effective Workspace wants: one when it
// is Running and the policies allow it, none otherwise.
func Replicas(ws *wsv1.Workspace, valid bool) int32 {
	if valid && ws.Spec.DesiredStatus != wsv1.DesiredStopped {
		return 1
	}
	return 0
}

// BuildDeployment runs the IDE of an effective Workspace spec with its
// execution profile (nil: none), told basePath, the path its route serves
// it under (BasePath; "": no route), and its tunnel's sidecar from
// tunnelImage (Weir's image; "": none). Recreate, because the primary claim
// is ReadWriteOnce: a new pod cannot mount it until the old one is gone.
func BuildDeployment(ws *wsv1.Workspace, profile *wsv1.WorkspaceExecutionProfile, basePath string, replicas int32, tunnelImage string) *appsv1.Deployment {
	pod := podTemplate(ws, profile, basePath)
	withTunnel(&pod, ws, tunnelImage)
	spec := appsv1.DeploymentSpec{
		Replicas:             ptr.To(replicas),
		Selector:             &metav1.LabelSelector{MatchLabels: selectorLabels(ws)},
		Strategy:             appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
		RevisionHistoryLimit: ptr.To[int32](revisionHistory),
		Template:             pod,
	}
	meta := childMeta(ws, DeploymentName(ws.Name))
	meta.Annotations[annotationSpecHash] = hashOf(spec)
	return &appsv1.Deployment{ObjectMeta: meta, Spec: spec}
}

// BuildService exposes the IDE inside the cluster on port 8888 (and the
// tunnel's sidecar on 8765, when there is one); never outside it.
func BuildService(ws *wsv1.Workspace) *corev1.Service {
	spec := corev1.ServiceSpec{
		Type:     corev1.ServiceTypeClusterIP,
		Selector: selectorLabels(ws),
		Ports: append([]corev1.ServicePort{{
			Name: PortName, Port: Port, TargetPort: intstr.FromInt32(Port), Protocol: corev1.ProtocolTCP,
		}}, tunnelServicePorts(ws)...),
	}
	meta := childMeta(ws, ServiceName(ws.Name))
	meta.Annotations[annotationSpecHash] = hashOf(spec)
	return &corev1.Service{ObjectMeta: meta, Spec: spec}
}

// BuildClaim is the primary storage of an effective Workspace spec. Only its
// size may change later (grow, when the StorageClass allows expansion).
func BuildClaim(ws *wsv1.Workspace) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: childMeta(ws, ClaimName(ws.Name)),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: storageClass(ws),
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: storageSize(ws)},
			},
		},
	}
}

// StorageStatus is the effective storage of a Workspace, before the claim's
// own state (phase, capacity) is added.
func StorageStatus(ws *wsv1.Workspace) *wsv1.WorkspaceStorageStatus {
	size := storageSize(ws)
	return &wsv1.WorkspaceStorageStatus{
		ClaimName:        ClaimName(ws.Name),
		StorageClassName: ptr.Deref(storageClass(ws), ""),
		Size:             &size,
		MountPath:        mountPath(ws),
		ReclaimPolicy:    ReclaimPolicy(ws),
	}
}
