package policybundles_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/policies/engine"
)

var _ = Describe("The PolicyBundle named default", Ordered, func() {
	var o *operator
	var embeddedRev, customRev string
	BeforeAll(func() {
		o = startOperatorWith(policybundles.Options{DefaultEnabled: true}) // stop is a restart: bundles stay
		var err error
		embeddedRev, err = engine.DefaultBundle().Digest()
		Expect(err).NotTo(HaveOccurred())
	})
	AfterAll(func() {
		o.stop()
		Expect(k8s.DeleteAllOf(ctx, &policiesv1.PolicyBundle{})).To(Succeed())
	})

	It("is shown by kubectl get policybundles: Weir creates it empty, the embedded bundle in force as shipped", func() {
		Eventually(func(g Gomega) {
			got := current("default")(g)
			g.Expect(ready(got).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(ready(got).Message).To(Equal("the embedded bundle is in force as shipped (revision " + embeddedRev +
				"); spec.data and spec.modules customise it"))
			g.Expect(got.Status.Revision).To(Equal(embeddedRev))
			g.Expect(got.Spec.Modules).To(BeEmpty())
			g.Expect(got.Spec.Data).To(BeNil())
			g.Expect(got.Annotations).To(HaveKeyWithValue(policybundles.DescriptionAnnotation, ContainSubstring("spec.data is deep-merged over its data.json")))
		}, timeout, interval).Should(Succeed())
		rev, _ := o.engine.Current()
		Expect(rev.Bundles).To(Equal([]string{engine.DefaultBundleName}))
	})

	It("changes the embedded bundle's settings with data alone", func() {
		Expect(decide(o.engine, cleanSpec).Denials).To(BeEmpty(), "2 CPUs are within the embedded cap of 4")
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "default", "revision": embeddedRev})).To(BeEquivalentTo(1))

		update("default", func(s *policiesv1.PolicyBundleSpec) {
			s.Data = data(`{"settings": {"runs": {"maxResources": {"cpu": "1"}}}}`)
		})
		Eventually(func() []string { return decide(o.engine, cleanSpec).Denials }, timeout, interval).
			Should(Equal([]string{"default/runs.max-resources"}))
		Expect(decide(o.engine, bigMemorySpec).Denials).To(Equal([]string{"default/runs.max-resources"}),
			"the embedded memory cap is merged in, not dropped")
		Expect(decide(o.engine, passwordSpec).Denials).To(Equal([]string{literalSecretID}))

		var got *policiesv1.PolicyBundle
		Eventually(func(g Gomega) {
			got = current("default")(g)
			g.Expect(ready(got).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
		Expect(got.Status.Revision).NotTo(Or(BeEmpty(), Equal(embeddedRev)))
		Expect(ready(got).Message).To(ContainSubstring("the embedded bundle with this customisation is in force"))
		rev, _ := o.engine.Current()
		Expect(rev.Bundles).To(Equal([]string{engine.DefaultBundleName}), "a customisation, not a second bundle")
		customRev = got.Status.Revision
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "default", "revision": customRev})).To(BeEquivalentTo(1))
	})

	It("replaces an embedded module of the same name", func() {
		update("default", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = module("runs/secrets.rego", "package weir.runs\n")
		})
		Eventually(func() []string { return decide(o.engine, passwordSpec).Denials }, timeout, interval).Should(BeEmpty())
		Expect(decide(o.engine, cleanSpec).Denials).To(Equal([]string{"default/runs.max-resources"}), "its data still applies")
	})

	It("keeps the last good customisation when an edit does not compile", func() {
		var good string
		Eventually(func(g Gomega) {
			got := current("default")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonLoaded))
			good = got.Status.Revision
		}, timeout, interval).Should(Succeed())
		update("default", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = module("runs/secrets.rego", "package weir.runs\n\ndeny contains x if {\n\tinput.a == y\n}\n")
		})
		Eventually(func(g Gomega) {
			got := current("default")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonCompileFailed))
			g.Expect(ready(got).Message).To(HaveSuffix("; last good revision " + good + " stays in force"))
			g.Expect(got.Status.Errors[0].File).To(Equal("runs/secrets.rego"))
		}, timeout, interval).Should(Succeed())
		Expect(decide(o.engine, passwordSpec).Denials).To(BeEmpty())
		Expect(decide(o.engine, cleanSpec).Denials).To(Equal([]string{"default/runs.max-resources"}))
	})

	It("keeps an admin's edit across a restart: Weir only ever creates the object", func() {
		before := current("default")(Default)
		o.stop()
		o = startOperatorWith(policybundles.Options{DefaultEnabled: true})
		Eventually(func(g Gomega) {
			got := current("default")(g)
			g.Expect(got.UID).To(Equal(before.UID))
			g.Expect(got.Spec).To(Equal(before.Spec))
			g.Expect(ready(got).Reason).To(Equal(before.Status.Conditions[0].Reason))
		}, timeout, interval).Should(Succeed())
		Consistently(func() policiesv1.PolicyBundleSpec { return current("default")(Default).Spec }, "1s", interval).
			Should(Equal(before.Spec))
	})

	It("switches the embedded bundle to mode warn", func() {
		update("default", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = nil
			s.EnforcementMode = policiesv1.EnforceWarn
		})
		Eventually(func() verdict { return decide(o.engine, passwordSpec) }, timeout, interval).
			Should(Equal(verdict{Denials: []string{}, Warnings: []string{literalSecretID}}))
	})

	It("gives the embedded bundle back as shipped when deleted, and shows it again", func() {
		old := current("default")(Default)
		Expect(k8s.Delete(ctx, old)).To(Succeed())
		Eventually(func() []string { return decide(o.engine, passwordSpec).Denials }, timeout, interval).
			Should(Equal([]string{literalSecretID}))
		Eventually(func(g Gomega) {
			got := current("default")(g)
			g.Expect(got.UID).NotTo(Equal(old.UID))
			g.Expect(got.Spec.Data).To(BeNil())
			g.Expect(got.Status.Revision).To(Equal(embeddedRev))
		}, timeout, interval).Should(Succeed())
		Expect(decide(o.engine, cleanSpec).Denials).To(BeEmpty())
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "default", "revision": embeddedRev})).To(BeEquivalentTo(1))
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "default", "revision": customRev})).To(Equal(absent))
	})
})

var _ = Describe("Without the embedded bundle", Ordered, func() {
	var o *operator
	BeforeAll(func() { o = startOperator(false) })
	AfterAll(func() { o.stop() })

	It("allows a literal password", func() {
		Expect(decide(o.engine, passwordSpec).Denials).To(BeEmpty())
		rev, _ := o.engine.Current()
		Expect(rev.Bundles).To(BeEmpty())
	})

	It("reports a PolicyBundle named default as having no effect", func() {
		Expect(k8s.Create(ctx, policyBundle("default", policiesv1.PolicyBundleSpec{
			Data: data(`{"settings": {"runs": {"maxResources": {"cpu": "1"}}}}`),
		}))).To(Succeed())
		Eventually(func(g Gomega) {
			got := current("default")(g)
			g.Expect(ready(got).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonDefaultDisabled))
			g.Expect(got.Status.Revision).To(BeEmpty())
		}, timeout, interval).Should(Succeed())
		Expect(decide(o.engine, cleanSpec).Denials).To(BeEmpty())
		Expect(decide(o.engine, passwordSpec).Denials).To(BeEmpty())
	})

	It("still loads other bundles", func() {
		// Metrics are per process: a name of its own keeps this container's
		// series apart from the others'.
		Expect(k8s.Create(ctx, policyBundle("beta", policiesv1.PolicyBundleSpec{
			Modules: module("runs/suspend.rego", noSuspend(`"no"`)),
		}))).To(Succeed())
		Eventually(func() []string { return decide(o.engine, suspendedSpec).Denials }, timeout, interval).
			Should(Equal([]string{"beta/acme.no-suspend"}))
		rev, _ := o.engine.Current()
		Expect(rev.Bundles).To(Equal([]string{"beta"}))
	})
})
