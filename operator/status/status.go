// Package status is the one status writer of Weir's reconcilers.
//
// A reconciler keeps a deep copy of the object as it read it, changes the
// status of its working copy (conditions through SetCondition), and calls
// Patch once at the end of the pass:
//
//	orig := run.DeepCopy()
//	status.SetCondition(run, &run.Status.Conditions, ready)
//	err := status.Patch(ctx, r.Client, run, orig)
//
// Patch writes nothing when the status is semantically unchanged, so an
// object at rest costs no API write. Otherwise it sends a JSON merge patch
// of the status alone (computed against orig's status) to the status
// subresource. A merge patch rather than server-side apply: it sends only
// what changed, needs no apply configurations for the CRDs, adds no
// managed-fields entry per write, and is the request the controllers made
// before (their write counts and metrics stay as they were). There is one
// writer per object's status (the leader's reconciler) and it starts from
// the object it read, so last-writer-wins on the fields it changes is right.
//
// Any object whose Go type is a pointer to a struct with a Status field
// works, as every kubebuilder type is; a top-level
// Status.ObservedGeneration (int64) is set to the object's generation.
package status

import (
	"context"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Patch writes obj's status when it differs from orig's (obj as it was
// read), as a merge patch on the status subresource. A NotFound (the
// object is gone) is no error. It reports whether it wrote.
func Patch(ctx context.Context, c client.Client, obj, orig client.Object) (bool, error) {
	st, err := statusOf(obj)
	if err != nil {
		return false, err
	}
	was, err := statusOf(orig)
	if err != nil {
		return false, err
	}
	if g := st.FieldByName("ObservedGeneration"); g.IsValid() && g.Kind() == reflect.Int64 && g.CanSet() {
		g.SetInt(obj.GetGeneration())
	}
	if equality.Semantic.DeepEqual(st.Interface(), was.Interface()) {
		return false, nil
	}
	// The base is obj with orig's status, so the patch holds status only,
	// even if obj's metadata moved on (a finalizer patched in this pass).
	base := obj.DeepCopyObject().(client.Object)
	b, _ := statusOf(base)
	b.Set(was)
	if err := c.Status().Patch(ctx, obj, client.MergeFrom(base)); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return true, nil
}

// SetCondition sets c in conds, merged by type (meta.SetStatusCondition
// keeps the transition time when the status does not change), with c's
// observedGeneration set to obj's generation. It reports whether conds
// changed.
func SetCondition(obj client.Object, conds *[]metav1.Condition, c metav1.Condition) bool {
	c.ObservedGeneration = obj.GetGeneration()
	return meta.SetStatusCondition(conds, c)
}

// IsNew reports whether c says something the condition of its type in
// before does not (no such condition, or another reason or message): the
// test for an Event, so a user is told once, not at every reconcile.
func IsNew(before []metav1.Condition, c metav1.Condition) bool {
	prev := meta.FindStatusCondition(before, c.Type)
	return prev == nil || prev.Reason != c.Reason || prev.Message != c.Message
}

func statusOf(obj client.Object) (reflect.Value, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if st := v.Elem().FieldByName("Status"); st.IsValid() {
			return st, nil
		}
	}
	return reflect.Value{}, fmt.Errorf("status: %T has no Status field", obj)
}
