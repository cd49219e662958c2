package runs

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

const (
	// ContainerName is the ingestion container of every Job pod.
	ContainerName = "ingest"
	// nonRootUID is the distroless "nonroot" user the image runs as.
	nonRootUID = 65532
)

// IngestCommand is what a Job pod runs; destroy adds --destroy for teardown.
func IngestCommand(destroy bool) []string {
	cmd := []string{"weir", "ingest", "-c", ConfigMountPath + "/" + PipelineKey}
	if destroy {
		cmd = append(cmd, "--destroy")
	}
	return cmd
}

// podTemplate builds the pod of every Job a Run creates. It meets the pod
// security "restricted" profile, whatever the Run asks for.
func podTemplate(run *runsv1.Run, opts Options, kind string, pipeline []byte, destroy bool) corev1.PodTemplateSpec {
	labels := map[string]string{}
	for k, v := range run.Spec.PodLabels {
		labels[k] = v
	}
	for k, v := range childLabels(run, kind) { // ours win: selectors depend on them
		labels[k] = v
	}
	annotations := map[string]string{}
	for k, v := range run.Spec.PodAnnotations {
		annotations[k] = v
	}
	annotations[annotationConfigHash] = ConfigHash(pipeline)
	inline := inlinePipeline(run, pipeline)
	if inline {
		annotations[AnnotationPipeline] = string(pipeline)
	} else {
		delete(annotations, AnnotationPipeline) // the ConfigMap's file, not a Run's
	}

	env := []corev1.EnvVar{}
	if opts.MarmotURL != "" {
		env = append(env, corev1.EnvVar{Name: "MARMOT_HOST", Value: opts.MarmotURL})
	}
	env = append(env, run.Spec.Env...) // later entries win, so a Run may override
	sa := run.Spec.ServiceAccountName
	if sa == "" {
		sa = opts.IngestServiceAccount
	}
	// The token is mounted only for the operator's ingest account, which
	// exists to authenticate to Marmot (TokenReview, docs/marmot-api.md)
	// and holds no Kubernetes permissions. A ServiceAccount the Run names
	// may hold some, and nothing in the pod needs the Kubernetes API.
	// Nor when the Run points MARMOT_HOST elsewhere: the token would go
	// to a server the Run's author chose, not the one the operator trusts.
	automount := run.Spec.ServiceAccountName == "" && opts.IngestServiceAccount != "" &&
		!slices.ContainsFunc(run.Spec.Env, func(e corev1.EnvVar) bool { return e.Name == "MARMOT_HOST" })
	return corev1.PodTemplateSpec{
		ObjectMeta: metaWith(labels, annotations),
		Spec: corev1.PodSpec{
			RestartPolicy:                corev1.RestartPolicyNever,
			ServiceAccountName:           sa,
			AutomountServiceAccountToken: ptr.To(automount),
			EnableServiceLinks:           ptr.To(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				RunAsUser:      ptr.To[int64](nonRootUID),
				RunAsGroup:     ptr.To[int64](nonRootUID),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name:      ContainerName,
				Image:     opts.Image,
				Command:   IngestCommand(destroy),
				Env:       env,
				EnvFrom:   run.Spec.EnvFrom,
				Resources: run.Spec.Resources,
				VolumeMounts: []corev1.VolumeMount{
					{Name: "config", MountPath: ConfigMountPath, ReadOnly: true},
					{Name: "tmp", MountPath: "/tmp"},
				},
				SecurityContext: &corev1.SecurityContext{
					RunAsNonRoot:             ptr.To(true),
					AllowPrivilegeEscalation: ptr.To(false),
					ReadOnlyRootFilesystem:   ptr.To(true),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
					SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
				},
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			}},
			Volumes: []corev1.Volume{
				pipelineVolume(run, inline),
				// The root filesystem is read-only; the runner needs scratch space.
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
		},
	}
}
