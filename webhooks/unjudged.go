package webhooks

import (
	"encoding/json"
	"maps"
	"reflect"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// unjudged reports an UPDATE that changes nothing the policies and Weir's
// checks read: neither spec, labels, annotations nor, while the object
// lives, ownerReferences (the controller adding or removing its finalizer,
// a managedFields-only write). Such a write is let through without asking
// the policies: there is nothing to judge or default, and a bundle that
// errors cannot keep a Run, and its namespace, Terminating. The webhook
// configurations' matchCondition changes-what-policies-read keeps these
// requests from reaching Weir at all; this is the same rule, for an API
// server or a configuration without it.
func unjudged(req admission.Request) bool {
	if req.Operation != admissionv1.Update || len(req.Object.Raw) == 0 || len(req.OldObject.Raw) == 0 {
		return false
	}
	var obj, old guarded
	if json.Unmarshal(req.Object.Raw, &obj) != nil || json.Unmarshal(req.OldObject.Raw, &old) != nil {
		return false
	}
	// An absent map or list and an empty one are equal, as in the
	// matchCondition.
	same := reflect.DeepEqual(orNil(obj.Spec), orNil(old.Spec)) &&
		maps.Equal(obj.Metadata.Labels, old.Metadata.Labels) &&
		maps.Equal(obj.Metadata.Annotations, old.Metadata.Annotations)
	if !same {
		return false
	}
	// While it is being deleted the garbage collector may edit its owner
	// references; that must not wait on the policies either.
	return obj.Metadata.DeletionTimestamp != nil ||
		reflect.DeepEqual(refsOrNil(obj.Metadata.OwnerReferences), refsOrNil(old.Metadata.OwnerReferences))
}

func orNil(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func refsOrNil(l []any) []any {
	if len(l) == 0 {
		return nil
	}
	return l
}

// guarded is what unjudged compares, decoded as generic JSON so that it
// holds for every kind.
type guarded struct {
	Metadata struct {
		DeletionTimestamp *string           `json:"deletionTimestamp"`
		Labels            map[string]string `json:"labels"`
		Annotations       map[string]string `json:"annotations"`
		OwnerReferences   []any             `json:"ownerReferences"`
	} `json:"metadata"`
	Spec map[string]any `json:"spec"`
}
