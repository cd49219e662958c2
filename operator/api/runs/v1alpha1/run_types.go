package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ConcurrencyPolicy says how concurrent executions of a scheduled Run are handled.
// +kubebuilder:validation:Enum=Allow;Forbid;Replace
type ConcurrencyPolicy string

const (
	AllowConcurrent   ConcurrencyPolicy = "Allow"
	ForbidConcurrent  ConcurrencyPolicy = "Forbid"
	ReplaceConcurrent ConcurrencyPolicy = "Replace"
)

// RunSpec is a Marmot ingestion pipeline. Field names and defaults follow the
// Marmot operator, so its manifests apply unchanged.
// +kubebuilder:validation:XValidation:rule="(has(self.schedule) && size(self.schedule) > 0) || !has(self.timeZone)",message="spec.timeZone applies to a schedule only: set spec.schedule, or remove spec.timeZone",fieldPath=".timeZone"
// +kubebuilder:validation:XValidation:rule="(has(self.schedule) && size(self.schedule) > 0) || !has(self.suspend) || !self.suspend",message="spec.suspend pauses a schedule only: set spec.schedule, or remove spec.suspend (a Run without a schedule runs once; delete it to stop it)",fieldPath=".suspend"
type RunSpec struct {
	// runs holds the source configurations, in the same format as the `marmot ingest` CLI
	// YAML: each entry is an object with one key naming the source.
	// Credentials belong in env/envFrom and are referenced as ${VAR}.
	// At most 64 sources: one Job runs them in turn.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:Type=object
	// +listType=atomic
	// +required
	Runs []runtime.RawExtension `json:"runs,omitempty"`

	// schedule is the cron expression. When set, the Run becomes a CronJob instead of a Job.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Schedule string `json:"schedule,omitempty"`

	// timeZone is the IANA time zone for the schedule, for example "Europe/London".
	// IANA names are at most 14 characters per part; 64 leaves room.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	TimeZone *string `json:"timeZone,omitempty"`

	// suspend pauses scheduled executions. Only applies when schedule is set.
	// Defaults to false.
	// +kubebuilder:default=false
	// +optional
	Suspend *bool `json:"suspend,omitempty"`

	// concurrencyPolicy sets how to handle concurrent executions of a scheduled Run: Allow, Forbid
	// or Replace. Defaults to Forbid.
	// +kubebuilder:default=Forbid
	// +optional
	ConcurrencyPolicy ConcurrencyPolicy `json:"concurrencyPolicy,omitempty"`

	// backoffLimit is the number of retries before a Job is marked failed. Defaults to 3.
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +optional
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`

	// activeDeadlineSeconds is the maximum duration in seconds that a Job may run, at most 604800 (7
	// days). No limit by default.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=604800
	// +optional
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`

	// successfulJobsHistoryLimit is the number of successful CronJob runs to retain. Defaults to 3.
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +optional
	SuccessfulJobsHistoryLimit *int32 `json:"successfulJobsHistoryLimit,omitempty"`

	// failedJobsHistoryLimit is the number of failed CronJob runs to retain. Defaults to 1.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +optional
	FailedJobsHistoryLimit *int32 `json:"failedJobsHistoryLimit,omitempty"`

	// resources holds CPU and memory requests and limits for the ingestion container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// podLabels are additional labels for the ingestion pod.
	// +optional
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// podAnnotations are additional annotations for the ingestion pod.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// teardownOnDelete runs `weir ingest --destroy` when the Run is deleted, removing the assets
	// this pipeline discovered from Marmot. Defaults to true.
	// +kubebuilder:default=true
	// +optional
	TeardownOnDelete *bool `json:"teardownOnDelete,omitempty"`

	// env is the environment of the ingestion container. Use valueFrom.secretKeyRef for
	// credentials and reference them from runs as ${NAME}.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=128
	Env []corev1.EnvVar `json:"env,omitempty"`

	// envFrom lists the sources of environment variables (Secrets, ConfigMaps) for the
	// ingestion container.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`

	// serviceAccountName is the service account of the ingestion pod. Defaults to the operator's
	// configured ingest service account.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// MaxActiveDeadlineSeconds is the largest spec.activeDeadlineSeconds: 7
// days. An ingestion that needs longer is stuck; a larger value is a typo.
const MaxActiveDeadlineSeconds = 604800

// RunPhase is a one-word summary of a Run.
// +kubebuilder:validation:Enum=Idle;Scheduled;Running;Succeeded;Failed;Suspended;Blocked
type RunPhase string

const (
	// PhaseIdle: no ingestion Job has run yet.
	PhaseIdle RunPhase = "Idle"
	// PhaseScheduled: the CronJob is in place and waits for the schedule.
	PhaseScheduled RunPhase = "Scheduled"
	// PhaseRunning: an ingestion Job (or, on delete, the teardown) runs.
	PhaseRunning RunPhase = "Running"
	// PhaseSucceeded: the Job of a Run without a schedule succeeded.
	PhaseSucceeded RunPhase = "Succeeded"
	// PhaseFailed: the newest finished Job, or the teardown, failed.
	PhaseFailed RunPhase = "Failed"
	// PhaseSuspended: spec.suspend pauses the schedule.
	PhaseSuspended RunPhase = "Suspended"
	// PhaseBlocked: the Run cannot run as specified (denied by policy, an
	// unknown source, an invalid config or child, a missing Secret or
	// ServiceAccount); the Ready condition's reason and message say why.
	PhaseBlocked RunPhase = "Blocked"
)

// TriggerStatus records the last manual trigger.
type TriggerStatus struct {
	// jobName is the name of the Job the trigger created.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	JobName string `json:"jobName,omitempty"`
	// time says when the trigger was handled.
	// +required
	Time metav1.Time `json:"time,omitempty"`
}

// RunStatus is the observed state of a Run. Every status write sets
// observedGeneration, so an empty status is never written.
// +kubebuilder:validation:MinProperties=1
type RunStatus struct {
	// conditions are Ready (the summary; its reason says why not), Valid (the
	// policies in force allow the Run), ReferencesResolved (its Secrets and
	// ServiceAccount exist), Trigger (present only while the trigger
	// annotation has a value other than "true") and Teardown (while a
	// deleted Run's assets are removed from Marmot).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// phase is a one-word summary: Idle, Scheduled, Running, Succeeded, Failed,
	// Suspended, or Blocked when the Run cannot run as specified (denied by
	// policy, an unknown source, an invalid config, a missing Secret or
	// ServiceAccount): the Ready condition's reason says which.
	// +optional
	Phase RunPhase `json:"phase,omitempty"`

	// lastRunTime is the start time of the most recent ingestion Job.
	// +optional
	LastRunTime *metav1.Time `json:"lastRunTime,omitempty"`

	// lastSuccessfulTime is the completion time of the most recent successful ingestion Job.
	// +optional
	LastSuccessfulTime *metav1.Time `json:"lastSuccessfulTime,omitempty"`

	// active lists the ingestion Jobs that are running now.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1024
	Active []corev1.ObjectReference `json:"active,omitempty"`

	// lastTrigger is the last manual trigger.
	// +optional
	LastTrigger *TriggerStatus `json:"lastTrigger,omitempty"`

	// observedGeneration is the generation of the spec this status describes.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// Run is a declarative Marmot metadata-ingestion pipeline. It becomes a Job,
// or a CronJob when it has a schedule.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=marmot
// +kubebuilder:printcolumn:name="Schedule",type=string,JSONPath=`.spec.schedule`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Last Run",type=date,JSONPath=`.status.lastRunTime`
// +kubebuilder:printcolumn:name="Teardown",type=string,JSONPath=`.status.conditions[?(@.type=="Teardown")].reason`,description="Progress of the teardown of a deleted Run"
// +kubebuilder:printcolumn:name="Teardown On Delete",type=boolean,JSONPath=`.spec.teardownOnDelete`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Run struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the Run.
	// +required
	Spec RunSpec `json:"spec,omitzero"`
	// status is the observed state of the Run.
	// +optional
	Status RunStatus `json:"status,omitzero"`
}

// RunList is a list of Runs.
// +kubebuilder:object:root=true
type RunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Run `json:"items"`
}

func init() {
	register(&Run{}, &RunList{})
}
