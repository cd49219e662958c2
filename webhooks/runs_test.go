package webhooks_test

import (
	"errors"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/plugins/builtin"
)

var _ = Describe("Run admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(); warns.take() })

	It("denies a bad Run with one message per violation, naming the field and the policy", func() {
		run := runWithPassword("bad", ns, "hunter2")
		run.Spec.Schedule = "61 * * * *"
		err := k8s.Create(ctx, run)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(And(
			ContainSubstring(`admission webhook "validate.runs.marmotdata.io" denied the request: 2 policy violations:`),
			ContainSubstring("\n- spec.runs[0].postgresql.password: literal secret; put it in a Secret and reference it: env: [{name: POSTGRESQL_PASSWORD, valueFrom: {secretKeyRef: {name: <secret>, key: password}}}] and password: \"${POSTGRESQL_PASSWORD}\" (policy runs.literal-secret)"),
			ContainSubstring("\n- spec.schedule: \"61 * * * *\" is not a valid cron schedule: minute \"61\": use 0-59, *, ranges a-b, steps /n and lists a,b (policy runs.schedule)"),
		))
		Expect(err.Error()).NotTo(ContainSubstring("hunter2"), "a denial must not echo the secret")
		var status apierrors.APIStatus
		Expect(errors.As(err, &status)).To(BeTrue())
		var fields []string
		for _, c := range status.Status().Details.Causes {
			fields = append(fields, c.Field)
		}
		Expect(fields).To(ConsistOf("spec.runs[0].postgresql.password", "spec.schedule"))
		Expect(k8s.Get(ctx, key(ns, "bad"), &runsv1.Run{})).To(Satisfy(apierrors.IsNotFound))
	})

	It("sends warnings to the client and admits the Run", func() {
		run := goodRun("scheduled", ns)
		run.Spec.Schedule = "0 * * * *"
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Expect(warns.take()).To(ConsistOf(
			"spec.activeDeadlineSeconds: a scheduled Run without a deadline can hang and, with concurrencyPolicy Forbid, hold back every later run; set one, e.g. activeDeadlineSeconds: 3600 (policy runs.deadline)"))

		Eventually(func() error { // the controller adds its finalizer meanwhile
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			warns.take()
			run.Spec.ActiveDeadlineSeconds = ptrTo(int64(600))
			return k8s.Update(ctx, run)
		}, timeout, interval).Should(Succeed())
		Expect(warns.take()).To(BeEmpty())
	})

	It("applies the default resource requests, leaving what the user set", func() {
		run := goodRun("defaults", ns)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Expect(run.Spec.Resources.Requests).To(HaveLen(2))
		Expect(run.Spec.Resources.Requests.Cpu().Equal(resource.MustParse("100m"))).To(BeTrue())
		Expect(run.Spec.Resources.Requests.Memory().Equal(resource.MustParse("320Mi"))).To(BeTrue())

		limited := goodRun("limited", ns)
		limited.Spec.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}
		Expect(k8s.Create(ctx, limited)).To(Succeed())
		Expect(limited.Spec.Resources.Requests).To(HaveLen(1), "a limit serves as its own request")
		Expect(limited.Spec.Resources.Requests.Memory().Equal(resource.MustParse("320Mi"))).To(BeTrue())
	})

	It("answers --dry-run=server without storing anything", func() {
		run := goodRun("dry", ns)
		Expect(k8s.Create(ctx, run, client.DryRunAll)).To(Succeed())
		Expect(run.Spec.Resources.Requests).To(HaveLen(2), "the dry-run response shows the mutation")
		Expect(k8s.Get(ctx, key(ns, "dry"), &runsv1.Run{})).To(Satisfy(apierrors.IsNotFound))

		err := k8s.Create(ctx, runWithPassword("dry-bad", ns, "x"), client.DryRunAll)
		Expect(err).To(MatchError(ContainSubstring("(policy runs.literal-secret)")))
	})

	It("checks each source's config against the schema its module publishes", func() {
		typo := goodRun("typo", ns)
		typo.Spec.Runs[0].Raw = []byte(`{"postgresql": {"hots": "db.example.com", "user": "reader"}}`)
		err := k8s.Create(ctx, typo)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(And(
			ContainSubstring("- spec.runs[0].postgresql.hots: not a setting of the postgresql source"),
			ContainSubstring("- spec.runs[0].postgresql.host: required by the postgresql source"),
			ContainSubstring("(policy runs.source-config)"),
		))

		unknown := goodRun("unknown", ns)
		unknown.Spec.Runs[0].Raw = []byte(`{"postgressql": {"host": "db"}}`)
		Expect(k8s.Create(ctx, unknown)).To(MatchError(ContainSubstring(
			`spec.runs[0].postgressql: unknown source "postgressql"; known sources: ` + strings.Join(builtin.IDs(), ", "))))

		// The Marmot operator's IRSA example for the built-in s3 source,
		// as written.
		seed := goodRun("irsa", ns)
		seed.Spec.PodAnnotations = map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/marmot-s3-reader"}
		seed.Spec.Runs[0].Raw = []byte(`{"s3": {"bucket": "my-data-lake", "region": "eu-west-1"}}`)
		Expect(k8s.Create(ctx, seed, client.DryRunAll)).To(Succeed())
		s3typo := goodRun("s3-typo", ns)
		s3typo.Spec.Runs[0].Raw = []byte(`{"s3": {"bucket": "my-data-lake", "regoin": "eu-west-1"}}`)
		Expect(k8s.Create(ctx, s3typo, client.DryRunAll)).To(MatchError(ContainSubstring("spec.runs[0].s3.regoin: not a setting of the s3 source")))

		ref := goodRun("port-by-reference", ns)
		ref.Spec.Runs[0].Raw = []byte(`{"postgresql": {"host": "db", "user": "reader", "password": "${PG_PASSWORD}", "port": "${PG_PORT}"}}`)
		Expect(k8s.Create(ctx, ref, client.DryRunAll)).To(Succeed(), "a ${VAR} is expanded in the pod, not judged here")
	})

	It("holds back a Run the policies deny that got in without the webhook, until it is fixed", func() {
		// weir-system is outside the webhooks' namespaceSelector.
		run := runWithPassword("sneaked-in", weirNamespace, "hunter2")
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
			c := findCondition(run, runsv1.ConditionValid)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal("PolicyDenied"))
			g.Expect(c.ObservedGeneration).To(Equal(run.Generation))
			g.Expect(c.Message).To(ContainSubstring("spec.runs[0].postgresql.password: literal secret"))
			g.Expect(c.Message).NotTo(ContainSubstring("hunter2"))
		}, timeout, interval).Should(Succeed())
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(run), &batchv1.Job{})
		}, "2s", interval).Should(Satisfy(apierrors.IsNotFound), "no Job for a denied Run")

		fixed := goodRun("sneaked-in", weirNamespace)
		Eventually(func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			run.Spec.Runs, run.Spec.Env = fixed.Spec.Runs, fixed.Spec.Env
			return k8s.Update(ctx, run)
		}, timeout, interval).Should(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(run), &batchv1.Job{})
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
			g.Expect(findCondition(run, runsv1.ConditionValid).Status).To(Equal(metav1.ConditionTrue))
		}, timeout, interval).Should(Succeed())
	})
})

func findCondition(run *runsv1.Run, t string) *metav1.Condition {
	for i := range run.Status.Conditions {
		if run.Status.Conditions[i].Type == t {
			return &run.Status.Conditions[i]
		}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }
