package workspaces

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/weir-dev/weir/operator/runs"
)

// Limits on what a Workspace's children are called. A Workspace's name is a
// DNS subdomain (253 characters, dots allowed, may start with a digit); its
// children's names are cut to fit their kinds, with a digest of the whole
// name in place of the cut part, so two Workspaces never share a child.
const (
	// MaxDeploymentName keeps the ReplicaSet the Deployment controller
	// names "<deployment>-<hash of up to 10>" and its pods' hostnames
	// within a DNS label.
	MaxDeploymentName = validation.DNS1123LabelMaxLength - 11
	// MaxServiceName: a Service's name is a DNS-1035 label.
	MaxServiceName = validation.DNS1035LabelMaxLength
	// MaxClaimName is the limit of a PersistentVolumeClaim's name.
	MaxClaimName = validation.DNS1123SubdomainMaxLength

	// childPrefix starts every child name: a Service name must start with
	// a letter, and a prefix keeps the IDE apart from the user's own
	// objects named like the Workspace.
	childPrefix = "ws-"
	// claimSuffix marks the primary storage claim.
	claimSuffix = "-home"
	digestLen   = 10
)

// labelSafe is name as a DNS-1035 label: dots become dashes. When that
// changes the name, a digest of the original follows, so "a.b" and "a-b"
// stay apart.
func labelSafe(name string) string {
	safe := strings.ReplaceAll(name, ".", "-")
	if safe == name {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return safe + "-" + hex.EncodeToString(sum[:])[:digestLen]
}

// DeploymentName is the name of the Deployment that runs a Workspace's IDE.
func DeploymentName(name string) string {
	return runs.FitName(childPrefix+labelSafe(name), "", MaxDeploymentName)
}

// ServiceName is the name of the Service in front of a Workspace's IDE.
func ServiceName(name string) string {
	return runs.FitName(childPrefix+labelSafe(name), "", MaxServiceName)
}

// ClaimName is the name of a Workspace's primary PersistentVolumeClaim. A
// retained claim outlives its Workspace; a new Workspace of the same name
// in the same namespace finds it again (and the user's data).
func ClaimName(name string) string {
	return runs.FitName(childPrefix+name, claimSuffix, MaxClaimName)
}

// WorkspaceLabelValue is the LabelWorkspace value of a Workspace's children;
// a name longer than a label value allows (63) is cut and ends in a digest.
func WorkspaceLabelValue(name string) string {
	return runs.FitName(name, "", validation.LabelValueMaxLength)
}

// RouteName is the name of a Workspace's HTTPRoute or Ingress (object
// names, so the Workspace's own name fits after the prefix, cut only at
// the limit).
func RouteName(name string) string {
	return runs.FitName(childPrefix+name, "", validation.DNS1123SubdomainMaxLength)
}
