package webhooks_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/webhooks"
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

// Every entry of webhooks.Table is served by the manager at its path: an
// AdmissionReview posted there is answered, for its own UID, by the
// policies (a CREATE of an empty object of the hook's kind).
var _ = Describe("The webhook table", func() {
	It("has a handler registered for every entry", func() {
		wh := testEnv.WebhookInstallOptions
		pool := x509.NewCertPool()
		Expect(pool.AppendCertsFromPEM(wh.LocalServingCAData)).To(BeTrue())
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
		for _, h := range webhooks.Table {
			uid := types.UID("uid-" + h.Name)
			kind := map[string]string{"runs": "Run", "policybundles": "PolicyBundle",
				"workspaces": "Workspace", "workspacetemplates": "WorkspaceTemplate", "workspaceshares": "WorkspaceShare"}[h.Resources[0]]
			Expect(kind).NotTo(BeEmpty(), "a test kind for %s", h.Resources[0])
			obj := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"probe","namespace":"default"}}`, h.GroupVersion.String(), kind)
			review := admissionv1.AdmissionReview{
				TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
				Request: &admissionv1.AdmissionRequest{UID: uid, Operation: admissionv1.Create, Namespace: "default", Name: "probe",
					Kind:     metav1.GroupVersionKind{Group: h.GroupVersion.Group, Version: h.GroupVersion.Version, Kind: kind},
					Resource: metav1.GroupVersionResource{Group: h.GroupVersion.Group, Version: h.GroupVersion.Version, Resource: h.Resources[0]},
					Object:   runtime.RawExtension{Raw: []byte(obj)}, UserInfo: authenticationv1.UserInfo{Username: "alice"}},
			}
			body, err := json.Marshal(review)
			Expect(err).NotTo(HaveOccurred())
			url := fmt.Sprintf("https://%s%s", net.JoinHostPort(wh.LocalServingHost, strconv.Itoa(wh.LocalServingPort)), h.Path)
			resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			var got admissionv1.AdmissionReview
			Expect(json.NewDecoder(resp.Body).Decode(&got)).To(Succeed(), "%s answers an AdmissionReview", h.Path)
			Expect(resp.Body.Close()).To(Succeed())
			Expect(resp.StatusCode).To(Equal(http.StatusOK), h.Path)
			Expect(got.Response).NotTo(BeNil(), h.Path)
			Expect(got.Response.UID).To(Equal(uid), h.Path)
		}
	})
})
