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
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_./-]+\.rego$`
	// +required
	Name string `json:"name,omitempty"`
	// rego source, v1 syntax. At most 256 KiB: the bundle is one object in
	// etcd (1.5 MiB), and a larger policy belongs in several modules.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=262144
	// +required
	Rego string `json:"rego,omitempty"`
}

// PolicyBundleSpec is a set of Rego modules and the data they read. It is
// never empty: enforcementMode has a default.
// +kubebuilder:validation:MinProperties=1
type PolicyBundleSpec struct {
	// modules are the Rego modules. Required, except in the bundle named "default", which
	// customises Weir's embedded bundle: there a module is added to the
	// embedded ones, or replaces the embedded module of the same name
	// (e.g. runs/secrets.rego).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
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
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	File string `json:"file,omitempty"`
	// line is the 1-based line in the module; unset when the message has no place.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Line int32 `json:"line,omitempty"`
	// column is the 1-based column in the line; unset when the message has no place.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Column int32 `json:"column,omitempty"`
	// message is the compiler's message. It may quote the offending source
	// line, hence the generous bound.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32768
	// +required
	Message string `json:"message,omitempty"`
}

// PolicyBundleStatus is what Weir made of the bundle. Every status write
// sets observedGeneration, so an empty status is never written.
// +kubebuilder:validation:MinProperties=1
type PolicyBundleStatus struct {
	// conditions are Ready (the summary; its reason says why not) and the
	// conditions it sums up.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// revision is the content digest of the revision in force for this bundle.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Revision string `json:"revision,omitempty"`
	// errors of the last compile that failed; the last good revision stays
	// in force while they are set.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Errors []CompileError `json:"errors,omitempty"`
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	// +kubebuilder:validation:Minimum=1
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
	// +required
	Spec PolicyBundleSpec `json:"spec"`
	// status is the observed state of the PolicyBundle.
	// +optional
	Status PolicyBundleStatus `json:"status,omitzero"`
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
