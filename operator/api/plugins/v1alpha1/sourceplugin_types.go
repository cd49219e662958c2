package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SourcePluginSpec says where a source module is and which bytes it must be.
type SourcePluginSpec struct {
	// url of the WebAssembly module: https://host/path/plugin.wasm, or an
	// OCI artifact whose manifest has a single layer, the module:
	// oci://registry/repository:tag or oci://registry/repository@sha256:<hex>.
	// Job pods fetch it too, so it must be reachable from them.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') || self.startsWith('oci://')",message="url must be https://... or oci://registry/repository:tag (or @sha256:...)"
	// +required
	URL string `json:"url,omitempty"`

	// sha256 is SHA-256 of the module's bytes, as sha256sum prints it. Weir refuses
	// any other bytes, wherever they come from.
	// +kubebuilder:validation:MinLength=64
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9a-f]{64}$')",message="sha256 must be 64 lower-case hex digits (sha256sum <module.wasm>)"
	// +required
	SHA256 string `json:"sha256,omitempty"`

	// limits of the module's sandbox; unset fields take the host's
	// defaults.
	// +optional
	Limits *Limits `json:"limits,omitempty"`

	// caBundle holds PEM certificates of the CAs that sign the server or registry at
	// url, trusted besides the system's roots, by the operator and by Job
	// pods alike: for a server with a private CA. Certificates are public;
	// this is not a secret.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=65536
	// +kubebuilder:validation:XValidation:rule="self.contains('-----BEGIN CERTIFICATE-----')",message="caBundle must hold PEM certificates (-----BEGIN CERTIFICATE-----)"
	CABundle string `json:"caBundle,omitempty"`
}

// Limits bound what the module may use in one instance and one run.
type Limits struct {
	// memory is the linear memory an instance may grow to. Default 256Mi, at most 4Gi.
	// +optional
	Memory *resource.Quantity `json:"memory,omitempty"`
	// callTimeout is the wall time of one describe, validate or instance start. Default 1m.
	// +optional
	CallTimeout *metav1.Duration `json:"callTimeout,omitempty"`
	// runTimeout is the wall time of one discovery, start to end. Default 1h.
	// +optional
	RunTimeout *metav1.Duration `json:"runTimeout,omitempty"`
	// outputBytes caps the bytes of all the batches one discovery may emit. Default 1Gi.
	// +optional
	OutputBytes *resource.Quantity `json:"outputBytes,omitempty"`
}

// SourcePluginStatus is what the module said of itself, once fetched and
// verified. Every status write sets observedGeneration, so an empty status
// is never written.
// +kubebuilder:validation:MinProperties=1
type SourcePluginStatus struct {
	// conditions are Ready (the summary; its reason says why not) and the
	// conditions it sums up.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// id is the source id the module describes itself with: the key of a Run's
	// runs[] entry that uses it. At most 63 characters, as the plugin host
	// requires of an id.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	ID string `json:"id,omitempty"`
	// version of the module.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Version string `json:"version,omitempty"`
	// abi is the plugin ABI version the module was built for; versions start at 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ABI int32 `json:"abi,omitempty"`
	// configSchema is the JSON Schema of a runs[] entry's config for this source.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	ConfigSchema *apiextensionsv1.JSON `json:"configSchema,omitempty"`
	// capabilities the module needs, e.g. network.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	Capabilities []string `json:"capabilities,omitempty"`
	// digest of the bytes that were verified and loaded, sha256:<hex>.
	// +optional
	// +kubebuilder:validation:MinLength=71
	// +kubebuilder:validation:MaxLength=71
	Digest string `json:"digest,omitempty"`
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// SourcePlugin is an ingestion source from a third party: a WebAssembly
// module, pinned by its digest. Once Ready, a Run names its status.id in
// runs[] as it would a built-in source.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=weir
// +kubebuilder:printcolumn:name="ID",type=string,JSONPath=`.status.id`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.version`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="URL",type=string,priority=1,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SourcePlugin struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the SourcePlugin.
	// +required
	Spec SourcePluginSpec `json:"spec,omitzero"`
	// status is the observed state of the SourcePlugin.
	// +optional
	Status SourcePluginStatus `json:"status,omitzero"`
}

// SourcePluginList is a list of SourcePlugins.
// +kubebuilder:object:root=true
type SourcePluginList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SourcePlugin `json:"items"`
}

func init() {
	register(&SourcePlugin{}, &SourcePluginList{})
}
