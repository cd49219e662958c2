package runs

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SlimChild is the cache transform of a Run's Jobs and CronJobs (the
// manager's cache applies it before an object enters the cache): of the
// pod template it keeps only the ConfigMaps the volumes mount, by name,
// which is all the Run's reconcile reads there (usesConfigMap); the rest —
// containers, env, volumes, the pipeline file in an annotation
// (pipeline.go), the templates' labels — is most of each object and stays
// on the API server. Drift needs no template: a child's spec-hash
// annotation says which spec it was built from, and a CronJob whose spec
// changed is patched from a live read (ensureCronJob). The Job's label
// selector (the API server's controller-uid match, a map per Job) goes
// too: no reader uses it and Weir never patches a Job. The objects' own
// metadata, the rest of their spec and their status are kept. Anything
// else is returned as is.
func SlimChild(obj any) (any, error) {
	switch o := obj.(type) {
	case *batchv1.Job:
		o.Spec.Selector = nil
		slimPodTemplate(&o.Spec.Template)
	case *batchv1.CronJob:
		o.Spec.JobTemplate.ObjectMeta = metav1.ObjectMeta{}
		o.Spec.JobTemplate.Spec.Selector = nil
		slimPodTemplate(&o.Spec.JobTemplate.Spec.Template)
	}
	return obj, nil
}

func slimPodTemplate(t *corev1.PodTemplateSpec) {
	var mounts []corev1.Volume
	for _, v := range t.Spec.Volumes {
		if v.ConfigMap != nil {
			mounts = append(mounts, corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: v.ConfigMap.LocalObjectReference,
			}}})
		}
	}
	*t = corev1.PodTemplateSpec{Spec: corev1.PodSpec{Volumes: mounts}}
}
