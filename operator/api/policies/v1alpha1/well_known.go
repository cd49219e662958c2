package v1alpha1

// Names and condition vocabulary shared by the controller, the webhooks and
// the tests.
const (
	// DefaultBundleName is the PolicyBundle that customises Weir's embedded
	// bundle instead of adding one of its own.
	DefaultBundleName = "default"

	// ConditionReady says whether the bundle's current spec is in force.
	ConditionReady = "Ready"

	// ReasonLoaded: the current spec compiled and is in force.
	ReasonLoaded = "Loaded"
	// ReasonCompileFailed: the current spec does not compile; the last good
	// revision, if any, stays in force.
	ReasonCompileFailed = "CompileFailed"
	// ReasonNoModules: a bundle other than "default" has no modules.
	ReasonNoModules = "NoModules"
	// ReasonDefaultDisabled: the bundle named "default" customises the
	// embedded bundle, which the operator was started without.
	ReasonDefaultDisabled = "DefaultDisabled"
)
