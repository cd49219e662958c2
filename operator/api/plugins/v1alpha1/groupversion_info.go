// Package v1alpha1 holds the SourcePlugin API: third-party ingestion
// sources, WebAssembly modules that Weir fetches by URL and digest.
// +kubebuilder:object:generate=true
// +groupName=plugins.weir.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of SourcePlugin.
	GroupVersion = schema.GroupVersion{Group: "plugins.weir.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this group with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
