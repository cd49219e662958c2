package sourceplugins

import (
	"context"
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/operator/status"
	"github.com/weir-dev/weir/plugins/fetch"
)

// updateStatus writes out into sp's status, only when it changed, with an
// event when the Ready condition says something new.
func (r *reconciler) updateStatus(ctx context.Context, sp *pluginsv1.SourcePlugin, out outcome) error {
	orig := sp.DeepCopy()
	st := &sp.Status
	st.ID, st.Version, st.ABI, st.ConfigSchema, st.Capabilities, st.Digest = "", "", 0, nil, nil, ""
	if out.digest != "" {
		st.Digest = "sha256:" + out.digest
	}
	if d := out.desc; d != nil {
		raw, err := schemaJSON(d)
		if err != nil {
			return err
		}
		st.ID, st.Version, st.ABI, st.Capabilities = d.ID, d.Version, int32(d.ABI), d.Capabilities
		st.ConfigSchema = &apiextensionsv1.JSON{Raw: raw}
		if old := orig.Status.ConfigSchema; old != nil && sameJSON(old.Raw, raw) {
			st.ConfigSchema.Raw = old.Raw // as the API server re-encoded it
		}
	}
	// A message may quote spec.url: never with its credentials, since
	// status and Events are more widely readable than the spec.
	ready := metav1.Condition{Type: pluginsv1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: out.reason, Message: fetch.RedactIn(out.message, sp.Spec.URL), ObservedGeneration: sp.Generation}
	if out.reason == pluginsv1.ReasonLoaded {
		ready.Status = metav1.ConditionTrue
	}
	if status.IsNew(orig.Status.Conditions, ready) {
		kind, action := corev1.EventTypeWarning, "Load"
		if ready.Status == metav1.ConditionTrue {
			kind = corev1.EventTypeNormal
		}
		r.recorder.Eventf(sp, nil, kind, ready.Reason, action, "%s", ready.Message)
	}
	status.SetCondition(sp, &st.Conditions, ready)
	if ready.Status == metav1.ConditionTrue {
		pluginReady.WithLabelValues(sp.Name).Set(1)
	} else {
		pluginReady.WithLabelValues(sp.Name).Set(0)
	}
	_, err := status.Patch(ctx, r.Client, sp, orig)
	return err
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
