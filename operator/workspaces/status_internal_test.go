package workspaces

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// A claim that does not bind shows in Available's message, naming the
// claim and where to look; a bound one adds nothing.
func TestAvailableNamesAnUnboundClaim(t *testing.T) {
	ws := &wsv1.Workspace{Spec: wsv1.WorkspaceSpec{DesiredStatus: wsv1.DesiredRunning}}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "ws-a", Generation: 1}}
	claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "ws-a-home", Namespace: "team"}}

	c := available(ws, true, &observed{deployment: d, claim: claim}, "")
	if c.Status != metav1.ConditionFalse || c.Reason != ReasonStarting ||
		!strings.Contains(c.Message, "PersistentVolumeClaim ws-a-home is Pending, not bound") ||
		!strings.Contains(c.Message, "kubectl describe pvc ws-a-home -n team") {
		t.Errorf("pending claim: %+v", c)
	}
	claim.Status.Phase = corev1.ClaimBound
	if c := available(ws, true, &observed{deployment: d, claim: claim}, ""); strings.Contains(c.Message, "PersistentVolumeClaim") {
		t.Errorf("bound claim: %+v", c)
	}
}
