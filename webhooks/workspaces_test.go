package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

const createdBy = "workspace.jupyter.org/created-by"

func workspace(ns, name string) *wsv1.Workspace {
	return &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: wsv1.WorkspaceSpec{Image: "jupyter/minimal-notebook:latest", DesiredStatus: "Running"}}
}

// The Workspace kinds are served from webhooks.Table like the Runs: the
// configurations config/webhook/manifests.yaml installs (generated from it)
// route them to handlers the manager registered from it.
var _ = Describe("Workspace admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(); warns.take() })

	It("stamps the creator on a Workspace and lets only them delete an OwnerOnly one", func() {
		for _, user := range []string{"alice", "bob"} {
			grant(ns, "ws-"+user, user, rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
				Resources: []string{"workspaces"}, Verbs: []string{"create", "get", "update", "delete"}})
		}
		alice, bob := clientAs("alice"), clientAs("bob")
		ws := workspace(ns, "mine")
		ws.Spec.OwnershipType = wsv1.OwnershipOwnerOnly
		Eventually(func() error { return alice.Create(ctx, ws) }, timeout, interval).Should(Succeed())
		Expect(ws.Annotations).To(HaveKeyWithValue(createdBy, "alice"), "the mutating webhook stamps the owner")

		err := bob.Delete(ctx, ws)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`admission webhook "validate.workspaces.workspace.jupyter.org" denied the request`))
		Expect(err.Error()).To(ContainSubstring("only its owner (alice) and cluster admins may delete it (policy workspaces.owner-only)"))

		Expect(alice.Delete(ctx, ws)).To(Succeed())
	})

	It("refuses a WorkspaceTemplate whose defaults are outside its own bounds", func() {
		two := resource.MustParse("2")
		tmpl := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{GenerateName: "inconsistent-"},
			Spec: wsv1.WorkspaceTemplateSpec{DefaultImage: "a:1",
				DefaultResources: &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}},
				ResourceBounds:   &wsv1.ResourceBounds{CPU: &wsv1.ResourceRange{Max: &two}}}}
		err := k8s.Create(ctx, tmpl, client.DryRunAll)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`admission webhook "validate.workspacetemplates.workspace.jupyter.org" denied the request: ` +
			`spec.defaultResources.requests.cpu: 4 is outside the template's own resourceBounds (any to 2); pick a default within them (policy workspaces.template-consistency)`))
	})
	// input.related.template comes from the manager's cache
	// (operator/related), as at reconcile: without it the policies would
	// only say the template does not exist.
	It("judges a Workspace against the template it names", func() {
		image := "jupyter/minimal-notebook:latest"
		tmpl := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{GenerateName: "bounded-"},
			Spec: wsv1.WorkspaceTemplateSpec{DefaultImage: image, AllowedImages: []string{image}}}
		Expect(k8s.Create(ctx, tmpl)).To(Succeed())
		ws := workspace(ns, "other-image")
		ws.Spec.Image, ws.Spec.TemplateRef = "evil:latest", tmpl.Name
		want := "spec.image: evil:latest is not allowed by template " + tmpl.Name + "; use one of " + image +
			", or leave image out for " + image + " (policy workspaces.allowed-images)"
		Eventually(func() []string {
			Expect(k8s.Create(ctx, ws.DeepCopy(), client.DryRunAll)).To(Succeed())
			return warns.take()
		}, timeout, interval).Should(ContainElement(want))

		ws.Spec.TemplateRef = "no-such-template"
		Expect(k8s.Create(ctx, ws.DeepCopy(), client.DryRunAll)).To(Succeed())
		Expect(warns.take()).To(ContainElement(ContainSubstring(`spec.templateRef: WorkspaceTemplate "no-such-template" does not exist`)))
	})
})
