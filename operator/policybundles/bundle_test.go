package policybundles_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// noSuspend denies suspended Runs; msg is a Rego expression.
func noSuspend(msg string) string {
	return `package weir.runs

import data.weir.lib.admission

deny contains v if {
	admission.reviewed.spec.suspend
	v := {"policy": "acme.no-suspend", "field": "spec.suspend", "msg": ` + msg + `}
}
`
}

var _ = Describe("Setup", func() {
	It("loads the embedded bundle before any PolicyBundle is read", func() {
		o, _ := newOperator(true) // never started
		Expect(decide(o.engine, passwordSpec).Denials).To(Equal([]string{literalSecretID}))
		Expect(decide(o.engine, cleanSpec)).To(Equal(verdict{Denials: []string{}, Warnings: []string{}}))
	})

	It("without the embedded bundle, allows everything until a PolicyBundle says otherwise", func() {
		o, _ := newOperator(false)
		Expect(decide(o.engine, passwordSpec).Denials).To(BeEmpty())
	})
})

var _ = Describe("A PolicyBundle", Ordered, func() {
	var (
		o               *operator
		rev1, rev2      string
		engineRevBefore string
		engineRev1      string
	)
	BeforeAll(func() { o = startOperator(true) })
	AfterAll(func() { o.stop() })

	It("changes the next decision within seconds, and reports the revision in force", func() {
		Expect(decide(o.engine, suspendedSpec).Denials).To(BeEmpty())
		before, _ := o.engine.Current()
		engineRevBefore = before.ID
		Expect(k8s.Create(ctx, policyBundle("acme", policiesv1.PolicyBundleSpec{
			Modules: module("runs/suspend.rego", noSuspend(`"acme Runs may not be suspended"`)),
		}))).To(Succeed())

		Eventually(func() []string { return decide(o.engine, suspendedSpec).Denials }, timeout, interval).
			Should(Equal([]string{"acme/acme.no-suspend"}))
		Expect(decide(o.engine, passwordSpec).Denials).To(Equal([]string{literalSecretID}), "the embedded bundle still decides")

		var got *policiesv1.PolicyBundle
		Eventually(func(g Gomega) {
			got = current("acme")(g)
			g.Expect(ready(got).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
		rev1 = got.Status.Revision
		Expect(rev1).To(HaveLen(16))
		Expect(ready(got).Reason).To(Equal(policiesv1.ReasonLoaded))
		Expect(ready(got).Message).To(Equal("revision " + rev1 + " is in force"))
		Expect(ready(got).ObservedGeneration).To(Equal(got.Generation))
		Expect(got.Status.Errors).To(BeEmpty())
		Eventually(eventsFor("acme"), timeout, interval).Should(ContainElement("Normal Loaded"))

		rev, _ := o.engine.Current()
		engineRev1 = rev.ID
		Expect(rev.Bundles).To(Equal([]string{engine.DefaultBundleName, "acme"}))
		Expect(o.changes()).To(ContainElement(rev.ID), "OnChange saw the new revision")
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "acme", "revision": rev1})).To(BeEquivalentTo(1))
		Expect(metric("weir_policy_engine_revision_info", map[string]string{"revision": rev.ID})).To(BeEquivalentTo(1))
		Expect(metric("weir_policy_bundle_load_failures_total", map[string]string{"bundle": "acme"})).To(BeEquivalentTo(0))
	})

	It("takes an edit, with its data", func() {
		update("acme", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = module("runs/suspend.rego", noSuspend(`sprintf("%s Runs may not be suspended", [data.team])`))
			s.Data = data(`{"team": "ACME"}`)
		})
		Eventually(func() []string { return messages(o.engine, suspendedSpec) }, timeout, interval).
			Should(Equal([]string{"ACME Runs may not be suspended"}))
		Eventually(func(g Gomega) {
			got := current("acme")(g)
			rev2 = got.Status.Revision
			g.Expect(rev2).NotTo(Or(BeEmpty(), Equal(rev1)))
			g.Expect(ready(got).Message).To(Equal("revision " + rev2 + " is in force"))
		}, timeout, interval).Should(Succeed())
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "acme", "revision": rev2})).To(BeEquivalentTo(1))
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "acme", "revision": rev1})).To(Equal(absent), "the old revision's series is deleted")
		now, _ := o.engine.Current()
		Expect(metric("weir_policy_engine_revision_info", map[string]string{"revision": now.ID})).To(BeEquivalentTo(1))
		Expect(metric("weir_policy_engine_revision_info", map[string]string{"revision": engineRev1})).To(Equal(absent), "the previous engine revision is no longer reported")
	})

	It("keeps the last good revision in force when an edit does not compile", func() {
		update("acme", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = append(s.Modules, policiesv1.Module{Name: "runs/broken.rego", Rego: "package weir.runs\n\ndeny contains v if {\n\tv := \n}\n"})
		})
		var got *policiesv1.PolicyBundle
		Eventually(func(g Gomega) {
			got = current("acme")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonCompileFailed))
		}, timeout, interval).Should(Succeed())
		Expect(ready(got).Status).To(Equal(metav1.ConditionFalse))
		Expect(ready(got).Message).To(HaveSuffix("; last good revision " + rev2 + " stays in force"))
		Expect(got.Status.Revision).To(Equal(rev2))
		Expect(got.Status.Errors).NotTo(BeEmpty())
		e := got.Status.Errors[0]
		Expect(e.File).To(Equal("runs/broken.rego"))
		Expect(e.Line).To(Equal(int32(5)))
		Expect(e.Column).To(Equal(int32(1)))
		Expect(e.Message).To(HavePrefix("rego_parse_error: "))
		Eventually(eventsFor("acme"), timeout, interval).Should(ContainElement("Warning CompileFailed"))

		Expect(messages(o.engine, suspendedSpec)).To(Equal([]string{"ACME Runs may not be suspended"}))
		Expect(metric("weir_policy_bundle_load_failures_total", map[string]string{"bundle": "acme"})).To(BeEquivalentTo(1))
		Expect(metric("weir_policy_bundle_info", map[string]string{"bundle": "acme", "revision": rev2})).To(BeEquivalentTo(1))
	})

	It("in mode warn, turns its denials into warnings", func() {
		update("acme", func(s *policiesv1.PolicyBundleSpec) {
			s.Modules = s.Modules[:1]
			s.EnforcementMode = policiesv1.EnforceWarn
		})
		Eventually(func() verdict { return decide(o.engine, suspendedSpec) }, timeout, interval).
			Should(Equal(verdict{Denials: []string{}, Warnings: []string{"acme/acme.no-suspend"}}))
		Eventually(func(g Gomega) {
			got := current("acme")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonLoaded))
			g.Expect(got.Status.Errors).To(BeEmpty())
			g.Expect(got.Status.Revision).NotTo(Or(Equal(rev1), Equal(rev2)))
		}, timeout, interval).Should(Succeed())
		Expect(metric("weir_policy_bundle_load_failures_total", map[string]string{"bundle": "acme"})).To(BeEquivalentTo(1),
			"a failure is counted once, not on every reconcile")
	})

	It("takes its rules away when deleted", func() {
		Expect(k8s.Delete(ctx, policyBundle("acme", policiesv1.PolicyBundleSpec{}))).To(Succeed())
		Eventually(func() verdict { return decide(o.engine, suspendedSpec) }, timeout, interval).
			Should(Equal(verdict{Denials: []string{}, Warnings: []string{}}))
		rev, _ := o.engine.Current()
		Expect(rev.Bundles).To(Equal([]string{engine.DefaultBundleName}))
		Expect(rev.ID).To(Equal(engineRevBefore), "the same bundles make the same revision")
		Expect(series("weir_policy_bundle_info", "bundle")).NotTo(ContainElement("acme"))
		Expect(series("weir_policy_bundle_load_failures_total", "bundle")).NotTo(ContainElement("acme"))
	})

	It("that never compiled has nothing in force", func() {
		Expect(k8s.Create(ctx, policyBundle("broken", policiesv1.PolicyBundleSpec{
			Modules: module("x.rego", "package weir.runs\n\ndeny contains x if {\n\tinput.a == y\n}\n"),
		}))).To(Succeed())
		Eventually(func(g Gomega) {
			got := current("broken")(g)
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonCompileFailed))
			g.Expect(ready(got).Message).To(HaveSuffix("; nothing from this bundle is in force"))
			g.Expect(got.Status.Revision).To(BeEmpty())
			g.Expect(got.Status.Errors).To(ContainElement(policiesv1.CompileError{
				File: "x.rego", Line: 3, Column: 15, Message: "rego_unsafe_var_error: var x is unsafe"}))
		}, timeout, interval).Should(Succeed())
		rev, _ := o.engine.Current()
		Expect(rev.Bundles).To(Equal([]string{engine.DefaultBundleName}))
		Expect(series("weir_policy_bundle_info", "bundle")).NotTo(ContainElement("broken"))
	})

	It("without modules is not ready", func() {
		Expect(k8s.Create(ctx, policyBundle("empty", policiesv1.PolicyBundleSpec{Data: data(`{"a": 1}`)}))).To(Succeed())
		Eventually(func(g Gomega) {
			got := current("empty")(g)
			g.Expect(ready(got).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready(got).Reason).To(Equal(policiesv1.ReasonNoModules))
		}, timeout, interval).Should(Succeed())
		Eventually(eventsFor("empty"), timeout, interval).Should(ContainElement("Warning NoModules"))
	})

	It("is refused by the API server when its data is not an object", func() {
		err := k8s.Create(ctx, policyBundle("listdata", policiesv1.PolicyBundleSpec{
			Modules: module("x.rego", "package x\n"), Data: data(`[1, 2]`)}))
		Expect(err).To(MatchError(ContainSubstring("spec.data")))
	})
})
