package workspaces

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// SlimDeployment drops the pod template, the selector and nothing any reader of the
// cache uses: the predicates, status, mustOwn and ensureDeployment's
// "unchanged?" test answer the same for the slim object as for the full
// one.
func TestSlimDeploymentKeepsWhatReadersUse(t *testing.T) {
	ws := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: "team-a", UID: types.UID("u1")},
		Spec: wsv1.WorkspaceSpec{Image: "jupyter/minimal-notebook:latest", NodeSelector: map[string]string{"pool": "ide"},
			Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}}
	full := BuildDeployment(ws, nil, "/workspaces/team-a/lab/", 1, "")
	full.Generation = 3
	full.Annotations["deployment.kubernetes.io/revision"] = "2"
	full.Status = appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Message: "deadline exceeded"}}}
	want := full.DeepCopy()

	out, err := SlimDeployment(full.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	slim := out.(*appsv1.Deployment)

	if !equality.Semantic.DeepEqual(slim.Spec.Template, corev1.PodTemplateSpec{}) {
		t.Errorf("template kept: %+v", slim.Spec.Template)
	}
	if !equality.Semantic.DeepEqual(slim.ObjectMeta, want.ObjectMeta) || !equality.Semantic.DeepEqual(slim.Status, want.Status) {
		t.Errorf("metadata or status changed:\n got %+v %+v\nwant %+v %+v", slim.ObjectMeta, slim.Status, want.ObjectMeta, want.Status)
	}
	if slim.Spec.Selector != nil {
		t.Errorf("selector kept: %+v", slim.Spec.Selector)
	}
	rest, wantRest := slim.Spec, want.Spec
	rest.Template, wantRest.Template = corev1.PodTemplateSpec{}, corev1.PodTemplateSpec{}
	wantRest.Selector = nil
	if !equality.Semantic.DeepEqual(rest, wantRest) {
		t.Errorf("spec besides the template and selector changed: got %+v, want %+v", rest, wantRest)
	}
	if childMetaChanged(want, slim) || !reflect.DeepEqual(viewDeployment(want), viewDeployment(slim)) {
		t.Errorf("the predicates tell the slim Deployment from the full one: view %+v vs %+v", viewDeployment(slim), viewDeployment(want))
	}
	if podReady(slim) != podReady(want) || settled(slim, 1) != settled(want, 1) || rolloutFailure(slim) != rolloutFailure(want) || rolloutFailure(slim) == "" {
		t.Errorf("status reads differ: ready %v/%v settled %v/%v failure %q/%q", podReady(slim), podReady(want),
			settled(slim, 1), settled(want, 1), rolloutFailure(slim), rolloutFailure(want))
	}
	if err := mustOwn(ws, slim); err != nil {
		t.Errorf("mustOwn on the slim Deployment: %v", err)
	}

	other := &corev1.Service{}
	if got, _ := SlimDeployment(other); got != other {
		t.Error("another kind was changed or replaced")
	}
}
