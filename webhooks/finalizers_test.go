package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// A created Run or Workspace leaves admission already holding Weir's
// finalizer, so the controller's first reconcile has nothing to patch.
// Dry-run creates: no controller ever sees these objects, so what they
// hold is the webhook's doing.
var _ = Describe("Finalizers added at creation", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("holds a Run that tears down, and keeps the finalizers it came with", func() {
		run := goodRun("held", ns)
		run.Finalizers = []string{"example.com/hold"}
		Expect(k8s.Create(ctx, run, client.DryRunAll)).To(Succeed())
		Expect(run.Finalizers).To(Equal([]string{"example.com/hold", runsv1.Finalizer}))

		bare := goodRun("bare", ns)
		Expect(k8s.Create(ctx, bare, client.DryRunAll)).To(Succeed())
		Expect(bare.Finalizers).To(Equal([]string{runsv1.Finalizer}))
	})

	It("does not hold a Run with teardownOnDelete false", func() {
		run := goodRun("kept", ns)
		run.Spec.TeardownOnDelete = ptr.To(false)
		Expect(k8s.Create(ctx, run, client.DryRunAll)).To(Succeed())
		Expect(run.Finalizers).To(BeEmpty())
	})

	It("holds a Workspace until its storage is released", func() {
		ws := workspace(ns, "held")
		Expect(k8s.Create(ctx, ws, client.DryRunAll)).To(Succeed())
		Expect(ws.Finalizers).To(Equal([]string{wsv1.FinalizerStorage}))
	})
})
