//go:build e2e

package faults

import (
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// templateName is the WorkspaceTemplate every Workspace here names.
const templateName = "faults-template"

// templateYAML is a minimal template: an image, small requests, storage
// bounds (as test/bench/workspaces').
const templateYAML = `apiVersion: workspace.jupyter.org/v1alpha1
kind: WorkspaceTemplate
metadata: {name: ` + templateName + `}
spec:
  displayName: Faults
  defaultImage: jupyter/minimal-notebook:latest
  allowedImages: [jupyter/minimal-notebook:latest]
  defaultResources:
    requests: {cpu: 10m, memory: 64Mi}
    limits: {memory: 128Mi}
  primaryStorage: {defaultSize: 1Gi, minSize: 100Mi, maxSize: 10Gi}
`

// schedule never fires during a test (1 January, 00:00), so a scheduled
// Run's only child of interest is its CronJob.
const schedule = "0 0 1 1 *"

// newRun is Run i of prefix in ns; every even one is scheduled.
func newRun(ns, prefix string, i int) *runsv1.Run {
	r := &runsv1.Run{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%05d", prefix, i), Namespace: ns},
		Spec: runsv1.RunSpec{Runs: []runtime.RawExtension{{Raw: []byte(fmt.Sprintf(
			`{"postgresql":{"host":"db-%d.example.com","port":5432,"database":"production","user":"readonly"}}`, i))}}},
	}
	if i%2 == 0 {
		r.Spec.Schedule = schedule
	}
	return r
}

// newWorkspace is Workspace i in ns from the template; every odd one is
// Stopped (a Deployment held at 0), so half the IDE pods exist.
func newWorkspace(ns string, i int) *wsv1.Workspace {
	ws := &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ws-%05d", i), Namespace: ns},
		Spec: wsv1.WorkspaceSpec{
			DisplayName:   fmt.Sprintf("Faults workspace %d", i),
			TemplateRef:   templateName,
			DesiredStatus: wsv1.DesiredRunning,
		},
	}
	if i%2 == 1 {
		ws.Spec.DesiredStatus = wsv1.DesiredStopped
	}
	return ws
}

// schemaRun is a Run's group, version and kind.
var schemaRun = runsv1.GroupVersion.WithKind("Run")

// authnUser is who the probe AdmissionReviews come from.
var authnUser = authenticationv1.UserInfo{Username: "faults-probe", Groups: []string{"system:authenticated"}}
