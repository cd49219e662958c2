package runs_test

import (
	"net"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/policies/engine"
)

// closedPort is a local port nothing listens on: a webhook not serving yet.
func closedPort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	addr := l.Addr().String()
	Expect(l.Close()).To(Succeed())
	return addr
}

var _ = Describe("A write the admission webhook cannot judge yet", func() {
	It("is retried shortly, not returned as a reconcile error", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: restart}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(getRun(ns, "restart")).WithTimeout(timeout).Should(HaveField("Status.ObservedGeneration", int64(1)))

		// Only the controller's write, which clears the trigger, meets the
		// webhook; the test's own annotate does not.
		hook := &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "not-serving-" + ns},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{
				Name:                    "not-serving.runs.marmotdata.io",
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://" + closedPort() + "/validate")},
				AdmissionReviewVersions: []string{"v1"},
				SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
				FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
					"kubernetes.io/metadata.name": ns}},
				MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "clears-trigger",
					Expression: `!has(object.metadata.annotations) || !('runs.marmotdata.io/trigger' in object.metadata.annotations)`}},
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"runs.marmotdata.io"},
						APIVersions: []string{"v1alpha1"}, Resources: []string{"runs"}},
				}},
			}},
		}
		Expect(k8s.Create(ctx, hook)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, hook))).To(Succeed()) })

		Eventually(func(g Gomega) {
			r := getRun(ns, "restart")(g)
			r.Annotations = map[string]string{runsv1.AnnotationTrigger: "true"}
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())

		eng := engine.New()
		_, err := eng.Load(ctx, engine.DefaultBundle())
		Expect(err).NotTo(HaveOccurred())
		r := &runs.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
			Recorder: mgr.GetEventRecorder("weir-runs"), Options: runOptions, Policies: eng}
		Eventually(func(g Gomega) {
			g.Expect(getRun(ns, "restart")(g).Annotations).To(HaveKey(runsv1.AnnotationTrigger))
			res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key(ns, "restart")})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.RequeueAfter).To(Equal(runs.WebhookRetry))
		}, timeout, interval).Should(Succeed())

		// Once the webhook serves (here: is gone), the retry goes through,
		// with the one Job the trigger started.
		Expect(k8s.Delete(ctx, hook)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(getRun(ns, "restart")(g).Annotations).NotTo(HaveKey(runsv1.AnnotationTrigger))
		}, timeout, interval).Should(Succeed())
		jobs := &batchv1.JobList{}
		Expect(k8s.List(ctx, jobs, client.InNamespace(ns), client.MatchingLabels{runsv1.LabelJobKind: "trigger"})).To(Succeed())
		Expect(jobs.Items).To(HaveLen(1))
	})
})
