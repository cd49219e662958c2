package webhooks

import (
	"encoding/json"
	"maps"
	"reflect"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// finalizing reports an UPDATE of an object being deleted that changes
// neither its spec, labels nor annotations: the controller removing its
// finalizer. Such a write is let through without asking the policies, so
// a bundle that errors cannot keep a Run, and its namespace, Terminating.
// The webhook configurations' matchCondition not-finalizing keeps these
// requests from reaching Weir at all; this is the same rule, for an API
// server or a configuration without it.
func finalizing(req admission.Request) bool {
	if req.Operation != admissionv1.Update || len(req.Object.Raw) == 0 || len(req.OldObject.Raw) == 0 {
		return false
	}
	var obj, old guarded
	if json.Unmarshal(req.Object.Raw, &obj) != nil || json.Unmarshal(req.OldObject.Raw, &old) != nil {
		return false
	}
	if obj.Metadata.DeletionTimestamp == nil {
		return false
	}
	// An absent map and an empty one are equal, as in the matchCondition.
	return reflect.DeepEqual(orNil(obj.Spec), orNil(old.Spec)) &&
		maps.Equal(obj.Metadata.Labels, old.Metadata.Labels) &&
		maps.Equal(obj.Metadata.Annotations, old.Metadata.Annotations)
}

func orNil(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// guarded is what finalizing compares, decoded as generic JSON so that it
// holds for every kind.
type guarded struct {
	Metadata struct {
		DeletionTimestamp *string           `json:"deletionTimestamp"`
		Labels            map[string]string `json:"labels"`
		Annotations       map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec map[string]any `json:"spec"`
}
