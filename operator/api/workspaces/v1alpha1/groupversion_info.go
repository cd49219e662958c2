// Package v1alpha1 holds the Workspace API: IDEs (JupyterLab and others) with
// their own storage and URL, and the cluster-wide templates that give them
// defaults and bounds. Group, kinds and field names follow Jupyter k8s, so
// its manifests apply unchanged.
// +kubebuilder:object:generate=true
// +groupName=workspace.jupyter.org
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of Workspace and WorkspaceTemplate.
	GroupVersion = schema.GroupVersion{Group: "workspace.jupyter.org", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this group with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
