package runs

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// How a Job pod gets its pipeline file. By default the file travels in the
// pod template itself, as the annotation AnnotationPipeline, which a
// downward-API volume projects to ConfigMountPath/PipelineKey: the path
// `weir ingest -c` has always read. A Run then costs no ConfigMap (one API
// write less per Run, and no child to watch or garbage-collect), and its
// Job, CronJob and pods carry exactly the file they were built from.
//
// Annotations are limited to 256 KiB in total per object (the API server
// refuses more), and the pipeline is copied into every Job and pod of the
// Run. A larger pipeline, or one that would not fit beside the Run's
// podAnnotations, is delivered in the pipeline ConfigMap as before
// (PipelineConfigMapName), mounted at the same path.
const (
	// AnnotationPipeline holds the pipeline file on the pod template of a
	// Run's Jobs when it is delivered inline.
	AnnotationPipeline = "runs.marmotdata.io/pipeline"
	// MaxInlinePipeline is the largest pipeline file delivered inline, in
	// bytes; larger ones go into the ConfigMap.
	MaxInlinePipeline = 128 << 10
)

// inlinePipeline tells whether the pipeline fits the pod template's
// annotations beside the Run's own podAnnotations and Weir's.
func inlinePipeline(run *runsv1.Run, pipeline []byte) bool {
	if len(pipeline) > MaxInlinePipeline {
		return false
	}
	total := len(AnnotationPipeline) + len(pipeline) + len(annotationConfigHash) + 16 // the hash's hex digits
	for k, v := range run.Spec.PodAnnotations {
		total += len(k) + len(v)
	}
	return total <= apivalidation.TotalAnnotationSizeLimitB
}

// pipelineVolume is the "config" volume of a Job pod: the downward-API
// projection of the inline pipeline, or the ConfigMap.
func pipelineVolume(run *runsv1.Run, inline bool) corev1.Volume {
	if inline {
		return corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{{
				Path:     PipelineKey,
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.annotations['" + AnnotationPipeline + "']"},
			}},
		}}}
	}
	return corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: PipelineConfigMapName(run)},
	}}}
}

// PipelineOf returns the pipeline file a pod template delivers inline, and
// the name of the ConfigMap holding it otherwise (key PipelineKey).
func PipelineOf(tmpl *corev1.PodTemplateSpec) (pipeline string, configMap string) {
	if p, ok := tmpl.Annotations[AnnotationPipeline]; ok {
		return p, ""
	}
	for _, v := range tmpl.Spec.Volumes {
		if v.Name == "config" && v.ConfigMap != nil {
			return "", v.ConfigMap.Name
		}
	}
	return "", ""
}

// usesConfigMap tells whether a pod template mounts the ConfigMap name.
func usesConfigMap(tmpl *corev1.PodTemplateSpec, name string) bool {
	for _, v := range tmpl.Spec.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == name {
			return true
		}
	}
	return false
}
