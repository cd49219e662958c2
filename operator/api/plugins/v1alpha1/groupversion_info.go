// Package v1alpha1 holds the SourcePlugin API: third-party ingestion
// sources, WebAssembly modules that Weir fetches by URL and digest.
// +kubebuilder:object:generate=true
// +groupName=plugins.weir.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of SourcePlugin.
	GroupVersion = schema.GroupVersion{Group: "plugins.weir.dev", Version: "v1alpha1"}
	// SchemeBuilder registers the types of this group with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this group to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// knownTypes are the group's types, each file's init adds its own. The
// builder is apimachinery's, as an API package should import no more than
// apimachinery (controller-runtime's scheme.Builder is deprecated for that).
var knownTypes []runtime.Object

func register(objs ...runtime.Object) { knownTypes = append(knownTypes, objs...) }

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, knownTypes...)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
