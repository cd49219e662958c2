package workspaces

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// SlimDeployment is the cache transform of a Workspace's Deployment (the
// manager's cache applies it before an object enters the cache): it drops
// the pod template — containers, env, volumes, probes, security context,
// scheduling — which is most of each object and which no reader of the
// cache uses, and the label selector, which no reader uses either
// (holdBack's merge patch sets the replicas only). What they read stays:
// the Deployment's own metadata (the spec-hash and Workspace annotations,
// labels, owner references, generation), the rest of its spec (replicas,
// strategy) and its status (readiness, rollout conditions). Drift needs no template: the
// spec-hash annotation says which spec the Deployment was built from, and
// one whose spec or replicas must change is patched from a live read
// (ensureDeployment). Anything else is returned as is.
func SlimDeployment(obj any) (any, error) {
	if d, ok := obj.(*appsv1.Deployment); ok {
		d.Spec.Template = corev1.PodTemplateSpec{}
		d.Spec.Selector = nil
	}
	return obj, nil
}
