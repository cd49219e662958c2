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

	// EnvBaseURL tells the IDE the path it is served under behind its
	// route (the path of status.url; "/" under the Subdomain scheme), for
	// IDEs other than Jupyter and for a command of the user's own, which
	// may say $(WORKSPACE_BASE_URL) in its args.
	EnvBaseURL = "WORKSPACE_BASE_URL"
	// EnvNotebookArgs is what the Jupyter docker-stacks start scripts
	// append to the server's command line (start-notebook.py); the
	// jupyter-k8s images build on them, so this is how Jupyter learns its
	// base_url without a change to the image.
	EnvNotebookArgs = "NOTEBOOK_ARGS"
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

// BasePath is the path a Workspace is served under by manager m: the path
// of its URL there (<baseURL path>/workspaces/<namespace>/<name>/, or "/"
// under the Subdomain scheme). "" without a manager, or when m cannot
// route it (no route, so nothing to tell the IDE).
func BasePath(m *wsv1.WorkspaceManager, namespace, name string) string {
	if m == nil {
		return ""
	}
	t, err := targetOf(m, namespace, name)
	if err != nil {
		return ""
	}
	return t.path
}

// podTemplate is the IDE pod of an effective Workspace spec, run with the
// identity of its execution profile (nil: none) and told basePath, the
// path its route serves it under ("": no route, nothing told). It meets the pod
// security "restricted" profile whatever the Workspace asks for. The
// root filesystem stays writable: Jupyter images install packages with
// pip and conda into their own prefix and write caches outside the home
// directory, and the restricted profile does not require it read-only.
//
// The container's env is the effective spec's (the Workspace's own
// entries, then its template's for names it does not set, as admission
// merged them into the spec), then the profile's for names neither sets,
// then Weir's (withBasePath): WORKSPACE_BASE_URL, which replaces an entry
// of that name, and NOTEBOOK_ARGS, only when none of them sets it (one
// who does must pass --ServerApp.base_url themselves).
func podTemplate(ws *wsv1.Workspace, profile *wsv1.WorkspaceExecutionProfile, basePath string) corev1.PodTemplateSpec {
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
	withBasePath(&pod, basePath)
	return pod
}

// withBasePath tells the IDE container the path its route serves it under
// (see podTemplate); nothing when basePath is "". The route passes the
// whole path on, so the IDE must serve under it: Jupyter from
// NOTEBOOK_ARGS, other IDEs from WORKSPACE_BASE_URL. A change of the path
// (the manager's baseURL or urlScheme) changes the pod, which restarts.
func withBasePath(pod *corev1.PodTemplateSpec, basePath string) {
	if basePath == "" {
		return
	}
	c := &pod.Spec.Containers[0]
	env := make([]corev1.EnvVar, 0, len(c.Env)+2)
	userArgs := false
	for _, e := range c.Env {
		switch e.Name {
		case EnvBaseURL:
			continue // Weir's, so it matches the route
		case EnvNotebookArgs:
			userArgs = true
		}
		env = append(env, e)
	}
	env = append(env, corev1.EnvVar{Name: EnvBaseURL, Value: basePath})
	if !userArgs {
		env = append(env, corev1.EnvVar{Name: EnvNotebookArgs, Value: "--ServerApp.base_url=" + basePath})
	}
	c.Env = env
}
