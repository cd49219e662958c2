package v1alpha1

// Labels, annotations and condition vocabulary shared by the controller,
// the CLI and the tests.
const (
	// LabelRun names the Run that owns a child object; a name longer than
	// a label value allows (63) is cut and ends in a digest of the whole.
	LabelRun = "runs.marmotdata.io/run"
	// AnnotationRun on a Run's Jobs holds the Run's full name.
	AnnotationRun = "runs.marmotdata.io/run-name"
	// LabelManagedBy is the standard label, set to ManagedBy.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "weir"
	// LabelJobKind tells ingestion, trigger and teardown Jobs apart.
	LabelJobKind = "runs.marmotdata.io/job-kind"

	// AnnotationTrigger set to "true" starts a one-off Job now.
	AnnotationTrigger = "runs.marmotdata.io/trigger"
	// AnnotationSkipTeardown set to "true" deletes the Run without running
	// the teardown Job, keeping the assets in Marmot.
	AnnotationSkipTeardown = "runs.marmotdata.io/skip-teardown"

	// Finalizer holds a Run until its teardown Job has succeeded. The
	// mutating webhook adds it when a Run is created (see TearsDown), the
	// controller when the webhook did not.
	Finalizer = "runs.marmotdata.io/teardown"

	// ConditionReady summarises whether the Run's children match its spec
	// and its latest execution did not fail. Reasons: the phase when True
	// (Idle, Scheduled, Running, Succeeded, Suspended); when False, JobFailed,
	// PolicyDenied, UnknownSource, InvalidConfig (the spec, or a
	// child the API server rejected), SecretNotFound, ServiceAccountNotFound,
	// ReconcileError (retried), TeardownRunning or TeardownFailed.
	ConditionReady = "Ready"
	// ConditionValid says whether the policies in force allow the Run
	// (reasons PolicyAllowed, PolicyDenied, PolicyError). While it is False
	// with PolicyDenied no new ingestion starts: the CronJob is suspended,
	// a Job that has not started is deleted, running Jobs are left to finish
	// and a trigger waits; the message says which. All resume when allowed.
	ConditionValid = "Valid"
	// ConditionReferencesResolved says whether the Secrets (non-optional
	// env secretKeyRef, envFrom secretRef) and the ServiceAccount the Run
	// names exist (reasons Found, SecretNotFound, ServiceAccountNotFound,
	// CheckFailed). Checked again every 30 seconds while False.
	ConditionReferencesResolved = "ReferencesResolved"
	// ConditionTrigger is present, False with reason InvalidTriggerValue,
	// while the trigger annotation holds a value other than "true".
	ConditionTrigger = "Trigger"
	// ConditionTeardown reports the teardown of a deleted Run (reasons
	// TeardownRunning, TeardownFailed).
	ConditionTeardown = "Teardown"
)
