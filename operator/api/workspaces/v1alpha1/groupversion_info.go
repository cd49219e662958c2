// Package v1alpha1 holds the Workspace API: IDEs (JupyterLab and others) with
// their own storage and URL, and the cluster-wide templates that give them
// defaults and bounds. Group, kinds and field names follow Jupyter k8s, so
// its manifests apply unchanged.
// +kubebuilder:object:generate=true
// +groupName=workspace.jupyter.org
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of Workspace and WorkspaceTemplate.
	GroupVersion = schema.GroupVersion{Group: "workspace.jupyter.org", Version: "v1alpha1"}
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
