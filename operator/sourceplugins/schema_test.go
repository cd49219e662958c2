package sourceplugins

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/model"
)

// A module whose config schema has a "$ref" to a file or URL is refused
// with a message naming the reference, and one already in status is not
// handed to the policies.
func TestRemoteSchemaRefsRefused(t *testing.T) {
	for _, ref := range []string{"file:///etc/passwd", "http://127.0.0.1:1/s.json"} {
		schema := map[string]any{"type": "object", "properties": map[string]any{"host": map[string]any{"$ref": ref}}}
		err := checkSchema(&model.Description{ID: "evil", ConfigSchema: schema})
		if err == nil || !strings.Contains(err.Error(), `the module's config schema: /properties/host/$ref is "`+ref+`"`) {
			t.Errorf("%s: checkSchema = %v", ref, err)
		}

		raw := `{"type": "object", "properties": {"host": {"$ref": "` + ref + `"}}}`
		sp := pluginsv1.SourcePlugin{Status: pluginsv1.SourcePluginStatus{ID: "evil", Version: "1",
			ConfigSchema: &apiextensionsv1.JSON{Raw: []byte(raw)}}}
		sp.Name = "evil"
		sp.Status.Conditions = []metav1.Condition{{Type: pluginsv1.ConditionReady, Status: metav1.ConditionTrue, Reason: pluginsv1.ReasonLoaded}}
		if !sp.Usable() {
			t.Fatalf("test plugin not usable: %+v", sp.Status)
		}
		if got := Usable([]pluginsv1.SourcePlugin{sp}); len(got) != 0 {
			t.Errorf("%s: Usable = %v, want nothing", ref, got)
		}
	}
	if err := checkSchema(&model.Description{ConfigSchema: map[string]any{"$ref": "#/definitions/x"}}); err != nil {
		t.Errorf("local $ref refused: %v", err)
	}
}
