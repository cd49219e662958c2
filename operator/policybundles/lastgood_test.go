package policybundles_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/policies/engine"
)

// A restart must not drop a bundle's policies because its current spec
// does not compile (admitted while the webhook was down, say).
var _ = Describe("The last good revision across a restart", Ordered, func() {
	const weirNS = "weir-lastgood"
	var (
		store policybundles.LastGoodStore
		o     *operator
		rev   string
		saved *corev1.ConfigMap
	)
	withStore := func() policybundles.Options {
		return policybundles.Options{DefaultEnabled: true, LastGood: store}
	}
	BeforeAll(func() {
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: weirNS}})).To(Succeed())
		store = policybundles.ConfigMapStore{Client: k8s, Reader: k8s, Namespace: weirNS}
		o = startOperatorWith(withStore())
	})
	AfterAll(func() {
		o.stop()
		Expect(k8s.DeleteAllOf(ctx, &policiesv1.PolicyBundle{})).To(Succeed())
	})

	It("is saved in Weir's namespace when a spec loads, owned by the bundle", func() {
		pb := policyBundle("restart", policiesv1.PolicyBundleSpec{
			Modules: module("runs/suspend.rego", noSuspend(`"no suspended Runs"`)),
		})
		Expect(k8s.Create(ctx, pb)).To(Succeed())
		Eventually(func(g Gomega) {
			got := current("restart")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonLoaded))
			rev = got.Status.Revision
		}, timeout, interval).Should(Succeed())
		saved = &corev1.ConfigMap{}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: "weir-policybundle-restart"}, saved)).To(Succeed())
			g.Expect(saved.Annotations).To(HaveKeyWithValue("policies.weir.dev/revision", rev))
		}, timeout, interval).Should(Succeed())
		Expect(saved.OwnerReferences).To(ConsistOf(HaveField("UID", pb.UID)))
		Expect(saved.Data["spec.json"]).To(ContainSubstring("no suspended Runs"))
		Expect(saved.Annotations).To(HaveKeyWithValue("policies.weir.dev/mac", MatchRegexp("^[0-9a-f]{64}$")))
		key := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: weirNS, Name: policybundles.LastGoodKeySecret}, key)).To(Succeed())
		Expect(key.Data["key"]).To(HaveLen(32))
	})

	It("is not written again by a restart that finds the same revision", func() {
		o.stop()
		o = startOperatorWith(withStore())
		Eventually(func() []string { return decide(o.engine, suspendedSpec).Denials }, timeout, interval).
			Should(Equal([]string{"restart/acme.no-suspend"}))
		Consistently(func(g Gomega) {
			now := &corev1.ConfigMap{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(saved), now)).To(Succeed())
			g.Expect(now.ResourceVersion).To(Equal(saved.ResourceVersion))
		}, "1s", interval).Should(Succeed())
	})

	It("is owned by a bundle deleted and made again with the same spec", func() {
		old := current("restart")(Default)
		Expect(k8s.Delete(ctx, old)).To(Succeed())
		pb := policyBundle("restart", old.Spec)
		Eventually(func() error { return k8s.Create(ctx, pb) }, timeout, interval).Should(Succeed())
		Expect(pb.UID).NotTo(Equal(old.UID))
		// No garbage collector runs here: the old ConfigMap stays until
		// the new bundle takes it over.
		Eventually(func(g Gomega) {
			cm := &corev1.ConfigMap{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(saved), cm)).To(Succeed())
			g.Expect(cm.OwnerReferences).To(ConsistOf(HaveField("UID", pb.UID)))
			g.Expect(cm.Annotations).To(HaveKeyWithValue("policies.weir.dev/revision", rev))
		}, timeout, interval).Should(Succeed())
	})

	It("stays in force after a restart when the spec no longer compiles, and the status says so", func() {
		o.stop()
		update("restart", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = append(s.Modules, policiesv1.Module{Name: "runs/broken.rego", Rego: "package weir.runs\n\ndeny contains v if {\n\tv := \n}\n"})
		})
		o = startOperatorWith(withStore())
		Eventually(func(g Gomega) {
			got := current("restart")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonCompileFailed))
			g.Expect(ready(got).Message).To(HaveSuffix("; last good revision " + rev + ", saved before the operator restarted, stays in force"))
			g.Expect(got.Status.Revision).To(Equal(rev))
		}, timeout, interval).Should(Succeed())
		Expect(decide(o.engine, suspendedSpec).Denials).To(Equal([]string{"restart/acme.no-suspend"}))
	})

	// Writing ConfigMaps in Weir's namespace must not be enough to choose
	// the policies in force: a forged spec with its digest recomputed, as
	// the revision annotation is, is refused for want of Weir's key.
	It("is refused after a restart when the ConfigMap was rewritten, even with a matching revision", func() {
		o.stop()
		forged := current("restart")(Default)
		forged.Spec = policiesv1.PolicyBundleSpec{Modules: module("runs/forged.rego",
			"package weir.runs\n\ndeny contains {\"msg\": \"forged\", \"policy\": \"acme.forged\"} if true\n")}
		b, err := policybundles.EngineBundle(engine.DefaultBundle(), forged)
		Expect(err).NotTo(HaveOccurred())
		digest, err := b.Digest()
		Expect(err).NotTo(HaveOccurred())
		raw, err := json.Marshal(forged.Spec)
		Expect(err).NotTo(HaveOccurred())
		cm := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(saved), cm)).To(Succeed())
		cm.Data["spec.json"] = string(raw)
		cm.Annotations["policies.weir.dev/revision"] = digest
		Expect(k8s.Update(ctx, cm)).To(Succeed())

		o = startOperatorWith(withStore())
		Eventually(func(g Gomega) {
			got := current("restart")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonCompileFailed))
			g.Expect(ready(got).Message).To(HaveSuffix("; nothing from this bundle is in force"))
			g.Expect(got.Status.Revision).To(BeEmpty())
		}, timeout, interval).Should(Succeed())
		Expect(decide(o.engine, cleanSpec).Denials).To(BeEmpty())
	})

	It("without a store, a restart leaves nothing of the broken bundle in force", func() {
		o.stop()
		o = startOperatorWith(policybundles.Options{DefaultEnabled: true})
		Eventually(func(g Gomega) {
			got := current("restart")(g)
			g.Expect(ready(got).Message).To(HaveSuffix("; nothing from this bundle is in force"))
		}, timeout, interval).Should(Succeed())
		Expect(decide(o.engine, suspendedSpec).Denials).To(BeEmpty())
	})
})
