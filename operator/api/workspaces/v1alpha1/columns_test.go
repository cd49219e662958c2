package v1alpha1_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// table is what `kubectl get` prints (`-o wide` for every column): the API
// server's Table for one object at path, column name to cell.
func table(path ...string) map[string]any {
	cs, err := kubernetes.NewForConfig(restCfg)
	Expect(err).NotTo(HaveOccurred())
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath(path...).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred())
	t := &metav1.Table{}
	Expect(json.Unmarshal(raw, t)).To(Succeed())
	Expect(t.Rows).To(HaveLen(1))
	out := map[string]any{}
	for i, c := range t.ColumnDefinitions {
		out[c.Name] = t.Rows[0].Cells[i]
	}
	return out
}

var _ = Describe("kubectl get", func() {
	It("shows a Workspace's template, desired status, validity, availability and URL", func() {
		ns := newNamespace()
		ws := &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Name: "cols", Namespace: ns},
			Spec:       wsv1.WorkspaceSpec{DisplayName: "Columns", TemplateRef: "missing"},
		}
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		// The controller's part, played here: status as it would write it.
		ws.Status.URL = "https://ide.example.com/workspaces/" + ns + "/cols/"
		ws.Status.Image = "jupyter/minimal-notebook:latest"
		for _, c := range []metav1.Condition{
			{Type: wsv1.ConditionValid, Status: metav1.ConditionFalse, Reason: wsv1.ReasonTemplateNotFound, Message: "no WorkspaceTemplate missing"},
			{Type: wsv1.ConditionAvailable, Status: metav1.ConditionFalse, Reason: "Invalid", Message: "not started"},
			{Type: wsv1.ConditionProgressing, Status: metav1.ConditionFalse, Reason: "Invalid", Message: "not started"},
			{Type: wsv1.ConditionDegraded, Status: metav1.ConditionTrue, Reason: wsv1.ReasonTemplateNotFound, Message: "no WorkspaceTemplate missing"},
		} {
			c.ObservedGeneration = ws.Generation
			meta.SetStatusCondition(&ws.Status.Conditions, c)
		}
		Expect(k8s.Status().Update(ctx, ws)).To(Succeed())

		cols := table("/apis/workspace.jupyter.org/v1alpha1/namespaces", ns, "workspaces", "cols")
		Expect(cols).To(Equal(map[string]any{
			"Name": "cols", "Template": "missing", "Desired": "Running", "Valid": "False", "Available": "False",
			"URL": ws.Status.URL, "Display Name": "Columns", "Image": "jupyter/minimal-notebook:latest",
			"Reason": wsv1.ReasonTemplateNotFound, "Progressing": "False", "Degraded": "True",
			"Age": cols["Age"],
		}))
		Expect(cols["Age"]).NotTo(BeEmpty())
	})

	It("shows a template's display name and default image", func() {
		t := template()
		t.Spec.Description = "for tests"
		Expect(k8s.Create(ctx, t)).To(Succeed())
		DeferCleanup(func() { Expect(k8s.Delete(ctx, t)).To(Succeed()) })
		cols := table("/apis/workspace.jupyter.org/v1alpha1/workspacetemplates", t.Name)
		Expect(cols).To(HaveKeyWithValue("Display Name", "Test"))
		Expect(cols).To(HaveKeyWithValue("Default Image", "jupyter/minimal-notebook:latest"))
		Expect(cols).To(HaveKeyWithValue("Description", "for tests"))
		Expect(cols).To(HaveKey("Age"))
	})
})
