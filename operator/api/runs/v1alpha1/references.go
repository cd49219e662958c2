package v1alpha1

import (
	"fmt"

	"k8s.io/utils/ptr"
)

// Reference is a Secret or the ServiceAccount a Run's pods use, as the
// controller (ReferencesResolved) and the webhooks (existence warnings,
// access reviews) read them: one list, so they never disagree.
//
//nolint:kubeapilinter // not an API type: computed from a Run, never serialized or in the CRD
type Reference struct {
	// Kind is "Secret" or "ServiceAccount".
	Kind, Name string
	// Field is the path of the name in the Run, e.g.
	// spec.env[0].valueFrom.secretKeyRef.name.
	Field string
	// Variable is the env var a secretKeyRef fills; Key is the Secret key
	// it reads. Both are empty for envFrom and the ServiceAccount.
	Variable, Key string
	// Optional: the pods start without it (optional: true).
	Optional bool
}

// References lists the Secrets and the ServiceAccount the Run names, in the
// order of its fields.
func (r *Run) References() []Reference {
	var refs []Reference
	for i, e := range r.Spec.Env {
		if v := e.ValueFrom; v != nil && v.SecretKeyRef != nil {
			refs = append(refs, Reference{Kind: "Secret", Name: v.SecretKeyRef.Name,
				Field:    fmt.Sprintf("spec.env[%d].valueFrom.secretKeyRef.name", i),
				Variable: e.Name, Key: v.SecretKeyRef.Key, Optional: ptr.Deref(v.SecretKeyRef.Optional, false)})
		}
	}
	for i, e := range r.Spec.EnvFrom {
		if e.SecretRef != nil {
			refs = append(refs, Reference{Kind: "Secret", Name: e.SecretRef.Name,
				Field: fmt.Sprintf("spec.envFrom[%d].secretRef.name", i), Optional: ptr.Deref(e.SecretRef.Optional, false)})
		}
	}
	if sa := r.Spec.ServiceAccountName; sa != "" {
		refs = append(refs, Reference{Kind: "ServiceAccount", Name: sa, Field: "spec.serviceAccountName"})
	}
	return refs
}
