package webhooks

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// decodeCheck reports a request whose object does not decode into its Go
// type, which is generated from the same schema the API server checks: a
// value of the wrong type, or a quantity that is not one. Kinds the scheme
// does not know pass.
func decodeCheck(scheme *runtime.Scheme) func(admission.Request) error {
	return func(req admission.Request) error {
		obj, err := scheme.New(schema.GroupVersionKind(req.Kind))
		if err != nil || len(req.Object.Raw) == 0 {
			return nil //nolint:nilerr // kinds the scheme does not know pass: only what decodes is checked
		}
		return json.Unmarshal(req.Object.Raw, obj)
	}
}
