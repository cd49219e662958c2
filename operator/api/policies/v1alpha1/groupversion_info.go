// Package v1alpha1 holds the PolicyBundle API: Rego policies that cluster
// admins edit to change Weir's admission decisions and defaults.
// +kubebuilder:object:generate=true
// +groupName=policies.weir.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of PolicyBundle.
	GroupVersion = schema.GroupVersion{Group: "policies.weir.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this group with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
