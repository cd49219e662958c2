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
	// name is the file name, used in compile errors (file:line:col).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_./-]+\.rego$`
	// +required
	Name string `json:"name"`
	// rego source, v1 syntax.
	// +kubebuilder:validation:MinLength=1
	// +required
	Rego string `json:"rego"`
}

// PolicyBundleSpec is a set of Rego modules and the data they read.
type PolicyBundleSpec struct {
	// modules are the Rego modules. Required, except in the bundle named "default", which
	// customises Weir's embedded bundle: there a module is added to the
	// embedded ones, or replaces the embedded module of the same name
	// (e.g. runs/secrets.rego).
	// +optional
	// +listType=map
	// +listMapKey=name
	Modules []Module `json:"modules,omitempty"`

	// data is a JSON object the bundle's own modules read as data.*. Bundles are
	// compiled apart: no other bundle sees it. In the bundle named
	// "default" it is deep-merged over the embedded data.json (objects
	// merge, other values replace), e.g. to set settings.runs.maxResources.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Data *apiextensionsv1.JSON `json:"data,omitempty"`

	// enforcementMode says what this bundle's denials do.
	// +kubebuilder:default=deny
	// +optional
	EnforcementMode EnforcementMode `json:"enforcementMode,omitempty"`
}

// CompileError is one compiler message, with its place.
type CompileError struct {
	// file is the module's name.
	// +optional
	File string `json:"file,omitempty"`
	// line is the 1-based line in the module; 0 when the message has no place.
	// +optional
	Line int32 `json:"line,omitempty"`
	// column is the 1-based column in the line.
	// +optional
	Column int32 `json:"column,omitempty"`
	// message is the compiler's message.
	// +required
	Message string `json:"message"`
}

// PolicyBundleStatus is what Weir made of the bundle.
type PolicyBundleStatus struct {
	// conditions are Ready (the summary; its reason says why not) and the
	// conditions it sums up.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// revision is the content digest of the revision in force for this bundle.
	// +optional
	Revision string `json:"revision,omitempty"`
	// errors of the last compile that failed; the last good revision stays
	// in force while they are set.
	// +optional
	// +listType=atomic
	Errors []CompileError `json:"errors,omitempty"`
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
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
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the PolicyBundle.
	Spec PolicyBundleSpec `json:"spec"`
	// status is the observed state of the PolicyBundle.
	// +optional
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
	register(&PolicyBundle{}, &PolicyBundleList{})
}
