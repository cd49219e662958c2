package v1alpha1

import "k8s.io/apimachinery/pkg/api/meta"

// Condition vocabulary shared by the controller, the Run controller and
// the tests.
const (
	// ConditionReady says whether Runs can use the plugin: its module was
	// fetched, matched spec.sha256, loaded in the sandbox and described
	// itself with an id no other source has.
	ConditionReady = "Ready"

	// ReasonLoaded: the module is verified and described (status.id...).
	ReasonLoaded = "Loaded"
	// ReasonFetchFailed: the module could not be downloaded; retried
	// with backoff.
	ReasonFetchFailed = "FetchFailed"
	// ReasonDigestMismatch: the bytes at spec.url are not the ones
	// spec.sha256 names; they are refused.
	ReasonDigestMismatch = "DigestMismatch"
	// ReasonInvalidModule: the bytes are not a plugin this host can run
	// (not WebAssembly, another ABI version, a bad description...), or
	// the process describing it was stopped (by the OOM killer, likely).
	ReasonInvalidModule = "InvalidModule"
	// ReasonDescribeFailed: the process describing the module failed
	// for a reason not the module's own (it could not start, say);
	// retried with backoff.
	ReasonDescribeFailed = "DescribeFailed"
	// ReasonIDConflict: the module's id is a built-in source's, or an
	// older SourcePlugin's.
	ReasonIDConflict = "IDConflict"
	// ReasonInvalidLimits: spec.limits cannot be applied.
	ReasonInvalidLimits = "InvalidLimits"
	// ReasonUnsupported: this build of Weir cannot fetch from spec.url.
	ReasonUnsupported = "Unsupported"
)

// Usable says whether Runs may use the plugin now: Ready for its current
// spec, so status describes the module spec.url and spec.sha256 name.
func (sp *SourcePlugin) Usable() bool {
	c := meta.FindStatusCondition(sp.Status.Conditions, ConditionReady)
	return sp.DeletionTimestamp == nil && sp.Status.ID != "" &&
		c != nil && c.Status == "True" && c.ObservedGeneration == sp.Generation &&
		sp.Status.ObservedGeneration == sp.Generation
}

// OlderThan orders SourcePlugins that describe the same id: the older
// one (then the one whose name sorts first) keeps it; the others report
// IDConflict.
func (sp *SourcePlugin) OlderThan(o *SourcePlugin) bool {
	if !sp.CreationTimestamp.Equal(&o.CreationTimestamp) {
		return sp.CreationTimestamp.Before(&o.CreationTimestamp)
	}
	return sp.Name < o.Name
}
