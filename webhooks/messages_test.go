package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// What a user reads at kubectl apply, through the real API server.
var _ = Describe("Run admission messages", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace(); warns.take() })

	It("words a malformed quantity as a sentence with an example, not the schema's pattern", func() {
		run := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "runs.marmotdata.io/v1alpha1", "kind": "Run",
			"metadata": map[string]any{"name": "quantities", "namespace": ns},
			"spec": map[string]any{
				"runs": []any{map[string]any{"postgresql": map[string]any{"host": "db", "user": "reader", "password": "${PG_PASSWORD}"}}},
				"resources": map[string]any{
					"limits":   map[string]any{"cpu": "1.5cores"},
					"requests": map[string]any{"memory": "512MB"},
				},
			},
		}}
		err := k8s.Create(ctx, run)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(And(
			ContainSubstring(`admission webhook "mutate.runs.marmotdata.io" denied the request: 2 policy violations:`),
			ContainSubstring(`- spec.resources.limits.cpu: "1.5cores" is not a quantity; write e.g. 500m or 2 for cpu, 512Mi or 2Gi for memory (policy runs.max-resources)`),
			ContainSubstring(`- spec.resources.requests.memory: "512MB" is not a quantity; write e.g. 500m or 2 for cpu, 512Mi or 2Gi for memory (policy runs.max-resources)`),
		))
		Expect(err.Error()).NotTo(ContainSubstring("should match"), "the schema's regular expression is not what the user reads")
		Expect(err.Error()).NotTo(ContainSubstring("must match"))

		// A well-formed quantity still gets the default requests patched in.
		Expect(unstructured.SetNestedField(run.Object, "1500m", "spec", "resources", "limits", "cpu")).To(Succeed())
		Expect(unstructured.SetNestedField(run.Object, "512Mi", "spec", "resources", "requests", "memory")).To(Succeed())
		Expect(k8s.Create(ctx, run, client.DryRunAll)).To(Succeed())
	})

	It("warns when the trigger annotation holds anything but true", func() {
		run := goodRun("triggered", ns)
		run.Annotations = map[string]string{runsv1.AnnotationTrigger: "yes"}
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Expect(warns.take()).To(ContainElement(`metadata.annotations["runs.marmotdata.io/trigger"]: "yes" does not trigger a run, only "true" does: ` +
			`kubectl annotate run triggered runs.marmotdata.io/trigger=true --overwrite (policy runs.trigger)`))
	})

	It("warns of Secrets and a ServiceAccount the Run names that do not exist, then no more once they do", func() {
		run := goodRun("refs", ns)
		run.Spec.Env = append(run.Spec.Env,
			corev1.EnvVar{Name: "API_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "api"}, Key: "token"}}},
			corev1.EnvVar{Name: "MAYBE", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "optional"}, Key: "x", Optional: ptrTo(true)}}})
		run.Spec.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "bulk"}}}}
		run.Spec.ServiceAccountName = "ingest"
		Expect(k8s.Create(ctx, run)).To(Succeed(), "a missing Secret is a warning: it may be applied next")
		Expect(warns.take()).To(ConsistOf(
			`spec.env[1].valueFrom.secretKeyRef.name: Secret "api" does not exist in namespace `+ns+`, so the Run's pods cannot start; create it: kubectl create secret generic api -n `+ns+` --from-literal=token=...`,
			`spec.envFrom[0].secretRef.name: Secret "bulk" does not exist in namespace `+ns+`, so the Run's pods cannot start; create it: kubectl create secret generic bulk -n `+ns+` --from-literal=<VAR>=...`,
			`spec.serviceAccountName: ServiceAccount "ingest" does not exist in namespace `+ns+`, so the Run's pods cannot start; create it: kubectl create serviceaccount ingest -n `+ns,
		))

		for _, name := range []string{"api", "bulk"} {
			Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})).To(Succeed())
		}
		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "ingest", Namespace: ns}})).To(Succeed())
		Eventually(func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			warns.take()
			run.Spec.ActiveDeadlineSeconds = ptrTo(int64(600))
			return k8s.Update(ctx, run)
		}, timeout, interval).Should(Succeed())
		Expect(warns.take()).To(BeEmpty())
	})
})
