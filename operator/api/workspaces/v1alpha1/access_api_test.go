package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// The access objects' CRD rules, as the API server applies them.
var _ = Describe("WorkspaceManager, WorkspaceShare and WorkspaceExecutionProfile", func() {
	manager := func(name, base string) *wsv1.WorkspaceManager {
		return &wsv1.WorkspaceManager{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: wsv1.WorkspaceManagerSpec{
				BaseURL: base,
				Routing: wsv1.WorkspaceRouting{
					Ingress:       &wsv1.IngressRouting{ClassName: "nginx"},
					AccessService: wsv1.ServiceReference{Name: "weir-access", Namespace: "weir-system", Port: 8090},
				},
				Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{
					IssuerURL: "https://dex.example.com", ClientID: "weir"}},
			},
		}
	}

	It("defaults the URL scheme and the claims", func() {
		m := manager("defaults", "https://ide.example.com")
		Expect(k8s.Create(ctx, m)).To(Succeed())
		DeferCleanup(k8s.Delete, ctx, m)
		Expect(m.Spec.URLScheme).To(Equal(wsv1.URLSchemePath))
		Expect(m.Spec.Authentication.OIDC.UsernameClaim).To(Equal("email"))
		Expect(m.Spec.Authentication.OIDC.GroupsClaim).To(Equal("groups"))
	})

	It("refuses a base URL that is not an absolute http(s) URL, naming the field", func() {
		err := k8s.Create(ctx, manager("bad-url", "ftp://ide.example.com"))
		Expect(err).To(MatchError(ContainSubstring("spec.baseURL")))
		Expect(err).To(MatchError(ContainSubstring("absolute http(s) URL")))
	})

	It("needs exactly one of gatewayRef and ingress", func() {
		m := manager("both", "https://ide.example.com")
		m.Spec.Routing.GatewayRef = &wsv1.GatewayReference{Name: "gw", Namespace: "infra"}
		Expect(k8s.Create(ctx, m)).To(MatchError(ContainSubstring("exactly one of gatewayRef")))
	})

	It("keeps a share's workspaceName immutable and needs a subject", func() {
		ns := newNamespace()
		empty := &wsv1.WorkspaceShare{ObjectMeta: metav1.ObjectMeta{Name: "empty", Namespace: ns},
			Spec: wsv1.WorkspaceShareSpec{WorkspaceName: "ws"}}
		Expect(k8s.Create(ctx, empty)).To(MatchError(ContainSubstring("spec.subjects")))

		s := &wsv1.WorkspaceShare{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: ns},
			Spec: wsv1.WorkspaceShareSpec{WorkspaceName: "ws",
				Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"}}}}
		Expect(k8s.Create(ctx, s)).To(Succeed())
		s.Spec.WorkspaceName = "other"
		Expect(k8s.Update(ctx, s)).To(MatchError(ContainSubstring("spec.workspaceName is immutable")))
	})

	It("stores an execution profile", func() {
		ns := newNamespace()
		p := &wsv1.WorkspaceExecutionProfile{ObjectMeta: metav1.ObjectMeta{Name: "irsa", Namespace: ns},
			Spec: wsv1.WorkspaceExecutionProfileSpec{ServiceAccountName: "data-reader",
				PodAnnotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r"}}}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		// A spec without a ServiceAccount (an empty spec is left out, omitzero,
		// and rejected as a missing spec).
		bad := &wsv1.WorkspaceExecutionProfile{ObjectMeta: metav1.ObjectMeta{Name: "nosa", Namespace: ns},
			Spec: wsv1.WorkspaceExecutionProfileSpec{PodLabels: map[string]string{"team": "data"}}}
		Expect(k8s.Create(ctx, bad)).To(MatchError(ContainSubstring("spec.serviceAccountName")))
		bad.Spec = wsv1.WorkspaceExecutionProfileSpec{}
		Expect(k8s.Create(ctx, bad)).To(MatchError(ContainSubstring("spec: Required value")))
	})
})
