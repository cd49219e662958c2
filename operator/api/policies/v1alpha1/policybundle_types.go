package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EnforcementMode says what a bundle's denials do.
// +kubebuilder:validation:Enum=deny;warn;dryrun
type EnforcementMode string

const (
	// EnforceDeny rejects the request.
	EnforceDeny EnforcementMode = "deny"
	// EnforceWarn admits it and returns the denials as warnings.
	EnforceWarn EnforcementMode = "warn"
	// EnforceDryRun admits it and only records the denials (metrics, logs).
	EnforceDryRun EnforcementMode = "dryrun"
)

// Module is one Rego file of a bundle.
type Module struct {
	// File name, used in compile errors (file:line:col).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_./-]+\.rego$`
	Name string `json:"name"`
	// Rego source, v1 syntax.
	// +kubebuilder:validation:MinLength=1
	Rego string `json:"rego"`
}

// PolicyBundleSpec is a set of Rego modules and the data they read.
type PolicyBundleSpec struct {
	// Rego modules. Required, except in the bundle named "default", which
	// customises Weir's embedded bundle: there a module is added to the
	// embedded ones, or replaces the embedded module of the same name
	// (e.g. runs/secrets.rego).
	// +optional
	// +listType=map
	// +listMapKey=name
	Modules []Module `json:"modules,omitempty"`

	// JSON object the bundle's own modules read as data.*. Bundles are
	// compiled apart: no other bundle sees it. In the bundle named
	// "default" it is deep-merged over the embedded data.json (objects
	// merge, other values replace), e.g. to set settings.runs.maxResources.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Data *apiextensionsv1.JSON `json:"data,omitempty"`

	// What this bundle's denials do.
	// +kubebuilder:default=deny
	// +optional
	EnforcementMode EnforcementMode `json:"enforcementMode,omitempty"`
}

// CompileError is one compiler message, with its place.
type CompileError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// PolicyBundleStatus is what Weir made of the bundle.
type PolicyBundleStatus struct {
	// Content digest of the revision in force for this bundle.
	// +optional
	Revision string `json:"revision,omitempty"`
	// Errors of the last compile that failed; the last good revision stays
	// in force while they are set.
	// +optional
	// +listType=atomic
	Errors []CompileError `json:"errors,omitempty"`
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PolicyBundle holds Rego policies that decide admission and defaults for
// Weir's resources. Bundles compose; Weir's embedded default is one of them.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=weir
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.enforcementMode`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.revision`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PolicyBundle struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PolicyBundleSpec   `json:"spec"`
	Status PolicyBundleStatus `json:"status,omitempty"`
}

// PolicyBundleList is a list of PolicyBundles.
// +kubebuilder:object:root=true
type PolicyBundleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PolicyBundle `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PolicyBundle{}, &PolicyBundleList{})
}
