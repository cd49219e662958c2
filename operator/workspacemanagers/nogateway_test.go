package workspacemanagers_test

import (
	"context"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspacemanagers"
)

// A cluster without the Gateway API: the controller starts all the same,
// a gatewayRef says GatewayAPINotInstalled, and Ingress routing works.
var _ = Describe("WorkspaceManager without the Gateway API", Ordered, func() {
	var (
		c    client.Client
		env  *envtest.Environment
		stop context.CancelFunc
	)
	BeforeAll(func() {
		env = &envtest.Environment{
			CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
			ErrorIfCRDPathMissing: true,
		}
		cfg, err := env.Start()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })
		c, err = client.New(cfg, client.Options{Scheme: scheme()})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Create(ctx, namespace(weirNS))).To(Succeed())
		var cctx context.Context
		cctx, stop = context.WithCancel(ctx)
		DeferCleanup(func() { stop() })
		startController(cctx, cfg, false)
	})

	readyOf := func(name string) func(Gomega) *metav1.Condition {
		return func(g Gomega) *metav1.Condition {
			m := &wsv1.WorkspaceManager{}
			g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, m)).To(Succeed())
			r := meta.FindStatusCondition(m.Status.Conditions, wsv1.ConditionRoutingReady)
			g.Expect(r).NotTo(BeNil())
			return r
		}
	}

	It("says GatewayAPINotInstalled for a gatewayRef, and makes the Ingress of ingress routing", func() {
		gw := &wsv1.WorkspaceManager{ObjectMeta: metav1.ObjectMeta{Name: "gw"}, Spec: wsv1.WorkspaceManagerSpec{
			BaseURL: "https://ide.example.test", Routing: withGateway("gateways"),
			Authentication: wsv1.WorkspaceAuthentication{OIDC: wsv1.OIDCAuthentication{IssuerURL: issuer(), ClientID: "weir"}},
		}}
		Expect(c.Create(ctx, gw)).To(Succeed())
		Eventually(readyOf("gw"), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonGatewayAPINotInstalled))

		ing := gw.DeepCopy()
		ing.ObjectMeta = metav1.ObjectMeta{Name: "ing"}
		ing.Spec.Routing = withIngress("missing")
		Expect(c.Create(ctx, ing)).To(Succeed())
		Eventually(readyOf("ing"), timeout, interval).Should(haveStatus(metav1.ConditionFalse, workspacemanagers.ReasonIngressClassNotFound))
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: workspacemanagers.AccessRouteName("ing")}, &networkingv1.Ingress{})).To(Succeed())
		}, timeout, interval).Should(Succeed())
	})
})
