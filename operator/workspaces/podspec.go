package workspaces

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

const (
	// ContainerName is the IDE container of every Workspace pod.
	ContainerName = "workspace"
	// PortName and Port: the IDE listens on Jupyter's port; the Service
	// forwards its own 8888 there.
	PortName = "http"
	Port     = 8888
	// homeVolume is the pod volume of the primary storage.
	homeVolume = "workspace-home"

	// jovyanUID and usersGID are the user and group of the Jupyter
	// docker-stacks images (jovyan, users), so their home directories and
	// start scripts work unchanged; the fsGroup makes the claim writable
	// by them.
	jovyanUID = 1000
	usersGID  = 100
)

// Effective values of what neither the Workspace nor the policies set (the
// policies fill them normally; these keep a builder's output valid alone).
var defaultSize = resource.MustParse(wsv1.DefaultStorageSize)

func storageSize(ws *wsv1.Workspace) resource.Quantity {
	if s := ws.Spec.Storage; s != nil && s.Size != nil {
		return *s.Size
	}
	return defaultSize
}

func mountPath(ws *wsv1.Workspace) string {
	if s := ws.Spec.Storage; s != nil && s.MountPath != "" {
		return s.MountPath
	}
	return wsv1.DefaultMountPath
}

func storageClass(ws *wsv1.Workspace) *string {
	if s := ws.Spec.Storage; s != nil && s.StorageClassName != nil && *s.StorageClassName != "" {
		return ptr.To(*s.StorageClassName)
	}
	return nil
}

// ReclaimPolicy is what happens to the claim when the Workspace is deleted.
func ReclaimPolicy(ws *wsv1.Workspace) wsv1.StorageReclaimPolicy {
	if s := ws.Spec.Storage; s != nil && s.ReclaimPolicy != "" {
		return s.ReclaimPolicy
	}
	return wsv1.DefaultReclaimPolicy
}

// podLabels are the selector labels plus the template's, so a template's
// pods are one selector away too.
func podLabels(ws *wsv1.Workspace) map[string]string {
	l := selectorLabels(ws)
	if ws.Spec.TemplateRef != "" {
		l[wsv1.LabelTemplate] = WorkspaceLabelValue(ws.Spec.TemplateRef)
	}
	return l
}

// podTemplate is the IDE pod of an effective Workspace spec, run with the
// identity of its execution profile (nil: none). It meets the pod
// security "restricted" profile whatever the Workspace asks for. The
// root filesystem stays writable: Jupyter images install packages with
// pip and conda into their own prefix and write caches outside the home
// directory, and the restricted profile does not require it read-only.
//
// The container's env is the effective spec's (the Workspace's own
// entries, then its template's for names it does not set, as admission
// merged them into the spec), then the profile's for names neither sets.
func podTemplate(ws *wsv1.Workspace, profile *wsv1.WorkspaceExecutionProfile) corev1.PodTemplateSpec {
	spec := ws.Spec
	c := corev1.Container{
		Name:      ContainerName,
		Image:     spec.Image,
		Env:       spec.Env,
		Lifecycle: spec.Lifecycle,
		Ports: []corev1.ContainerPort{{
			Name: PortName, ContainerPort: Port, Protocol: corev1.ProtocolTCP,
		}},
		// Ready means the IDE accepts connections, which Available reports.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(PortName)}},
			PeriodSeconds: 5,
		},
		VolumeMounts: []corev1.VolumeMount{{Name: homeVolume, MountPath: mountPath(ws)}},
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	if spec.Resources != nil {
		c.Resources = *spec.Resources
	}
	if cc := spec.ContainerConfig; cc != nil {
		c.Command, c.Args = cc.Command, cc.Args
	}
	volumes := []corev1.Volume{{
		Name: homeVolume,
		VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
			ClaimName: ClaimName(ws.Name),
		}},
	}}
	for _, v := range spec.Volumes {
		volumes = append(volumes, corev1.Volume{
			Name: v.Name,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
				ClaimName: v.PersistentVolumeClaimName, ReadOnly: v.ReadOnly,
			}},
		})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: v.Name, MountPath: v.MountPath, ReadOnly: v.ReadOnly})
	}
	pod := corev1.PodTemplateSpec{
		ObjectMeta: metaWith(podLabels(ws), nil),
		Spec: corev1.PodSpec{
			// The IDE needs no Kubernetes API unless its execution
			// profile says so (withProfile).
			AutomountServiceAccountToken: ptr.To(false),
			EnableServiceLinks:           ptr.To(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				RunAsUser:      ptr.To[int64](jovyanUID),
				RunAsGroup:     ptr.To[int64](usersGID),
				FSGroup:        ptr.To[int64](usersGID),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			NodeSelector: spec.NodeSelector,
			Affinity:     spec.Affinity,
			Tolerations:  spec.Tolerations,
			Containers:   []corev1.Container{c},
			Volumes:      volumes,
		},
	}
	withProfile(&pod, profile)
	return pod
}
