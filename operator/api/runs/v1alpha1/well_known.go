package v1alpha1

// Labels, annotations and condition vocabulary shared by the controller,
// the CLI and the tests.
const (
	// LabelRun names the Run that owns a child object.
	LabelRun = "runs.marmotdata.io/run"
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

	// Finalizer holds a Run until its teardown Job has succeeded.
	Finalizer = "runs.marmotdata.io/teardown"

	// ConditionReady summarises whether the Run's children match its spec
	// and its latest execution did not fail.
	ConditionReady = "Ready"
	// ConditionValid says whether the policies in force allow the Run;
	// while False, no Job or CronJob is created or updated for it.
	ConditionValid = "Valid"
	// ConditionTeardown reports the teardown of a deleted Run.
	ConditionTeardown = "Teardown"
)
