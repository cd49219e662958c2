package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// Limits on what a Run's children are called. A Run's name may be 253
// characters long; its children's names and labels may not, so every name
// below is cut to fit, with a digest of the whole in place of the cut part.
const (
	// MaxJobName: the Job controller labels each pod with its Job's name.
	MaxJobName = validation.DNS1123LabelMaxLength
	// MaxCronJobName: the CronJob controller appends 11 characters to name its Jobs.
	MaxCronJobName = 52
	// MaxObjectName is the limit of any other object's name (DNS subdomain).
	MaxObjectName = validation.DNS1123SubdomainMaxLength
	// nameDigestLen hex characters of SHA-256 keep cut names of different
	// Runs apart; mustOwn catches the rest.
	nameDigestLen = 10
)

// FitName is base+suffix when it fits in maxLen bytes; otherwise base is
// cut and followed by "-" and a digest of the whole base, then suffix. The
// same inputs always give the same name, so children are found again.
func FitName(base, suffix string, maxLen int) string {
	if len(base)+len(suffix) <= maxLen {
		return base + suffix
	}
	sum := sha256.Sum256([]byte(base))
	digest := hex.EncodeToString(sum[:])[:nameDigestLen]
	keep := maxLen - len(suffix) - 1 - len(digest)
	if keep < 0 {
		keep = 0
	}
	// A DNS label may not end in "-" or "."; neither may a label value.
	return strings.TrimRight(base[:keep], "-.") + "-" + digest + suffix
}

// JobName is the name of the Job of a Run without a schedule.
func JobName(run *runsv1.Run) string { return FitName(run.Name, "", MaxJobName) }

// CronJobName is the name of the CronJob of a scheduled Run.
func CronJobName(run *runsv1.Run) string { return FitName(run.Name, "", MaxCronJobName) }

// TeardownJobName is the name of a Run's teardown Job.
func TeardownJobName(run *runsv1.Run) string { return FitName(run.Name, "-teardown", MaxJobName) }

// TriggerJobName is the name of the Job the next manual trigger creates. It
// follows from the previous trigger's Job (status.lastTrigger), which is
// recorded only once the annotation is cleared: a reconcile that sees the
// annotation again (a stale cache, or a retry after clearing it failed)
// finds the same Job and starts no other.
func TriggerJobName(run *runsv1.Run) string {
	prev := ""
	if run.Status.LastTrigger != nil {
		prev = run.Status.LastTrigger.JobName
	}
	sum := sha256.Sum256([]byte(string(run.UID) + "/" + prev))
	return FitName(run.Name, "-trigger-"+hex.EncodeToString(sum[:])[:nameDigestLen], MaxJobName)
}

// PipelineConfigMapName is the name of a Run's pipeline ConfigMap.
func PipelineConfigMapName(run *runsv1.Run) string {
	return FitName(run.Name, "-config", MaxObjectName)
}

// RunLabelValue is the runsv1.LabelRun value of a Run's children. The full
// name is in the runsv1.AnnotationRun annotation of their Jobs.
func RunLabelValue(name string) string { return FitName(name, "", validation.LabelValueMaxLength) }
