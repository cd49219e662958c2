package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/operator/manager"
)

// clientAs is a client that acts as user, through impersonation.
func clientAs(user string) client.Client {
	GinkgoHelper()
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// grant gives user rule in ns, through a Role and RoleBinding named name.
func grant(ns, name, user string, rule rbacv1.PolicyRule) {
	GinkgoHelper()
	Expect(k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Rules: []rbacv1.PolicyRule{rule}})).To(Succeed())
	Expect(k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: user}}})).To(Succeed())
}

var _ = Describe("A Run's author and what the Run names", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("refuses a Secret the author may not get and a ServiceAccount they may not impersonate, then admits them", func() {
		grant(ns, "run-writer", "alice", rbacv1.PolicyRule{APIGroups: []string{"runs.marmotdata.io"},
			Resources: []string{"runs"}, Verbs: []string{"create", "get", "update"}})
		alice := clientAs("alice")

		err := alice.Create(ctx, goodRun("alice", ns), client.DryRunAll)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`admission webhook "validate.runs.marmotdata.io" denied the request: ` +
			`spec.env[0].valueFrom.secretKeyRef.name: user "alice" may not get Secret "pg" in namespace ` + ns +
			`, and the Run's pods would read it on their behalf; name one you may get, or ask an admin to grant it: ` +
			`kubectl create role use-pg --verb=get --resource=secrets --resource-name=pg -n ` + ns +
			` && kubectl create rolebinding use-pg --role=use-pg --user=alice -n ` + ns + ` (policy weir.references)`))

		grant(ns, "use-pg", "alice", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"},
			ResourceNames: []string{"pg"}, Verbs: []string{"get"}})
		Eventually(func() error { // RBAC takes a moment to see the binding
			return alice.Create(ctx, goodRun("alice", ns), client.DryRunAll)
		}, timeout, interval).Should(Succeed())

		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "ingest", Namespace: ns}})).To(Succeed())
		run := goodRun("alice", ns)
		run.Spec.ServiceAccountName = "ingest"
		Expect(alice.Create(ctx, run, client.DryRunAll)).To(MatchError(ContainSubstring(
			`spec.serviceAccountName: user "alice" may not impersonate ServiceAccount "ingest" in namespace ` + ns +
				`, and the Run's pods would run as it on their behalf`)))
		grant(ns, "use-ingest", "alice", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"serviceaccounts"},
			ResourceNames: []string{"ingest"}, Verbs: []string{"impersonate"}})
		Eventually(func() error {
			return alice.Create(ctx, goodRun("alice", ns), client.DryRunAll)
		}, timeout, interval).Should(Succeed())
		run = goodRun("alice", ns)
		run.Spec.ServiceAccountName = "ingest"
		Eventually(func() error { return alice.Create(ctx, run) }, timeout, interval).Should(Succeed())
	})

	It("refuses a spec edit by someone who may not get the Secret the Run reads, but not a label change", func() {
		run := goodRun("shared", ns)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		grant(ns, "run-editor", "bob", rbacv1.PolicyRule{APIGroups: []string{"runs.marmotdata.io"},
			Resources: []string{"runs"}, Verbs: []string{"get", "update"}})
		bob := clientAs("bob")

		// Changing where the source connects changes where the password goes.
		Eventually(func() error {
			if err := bob.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			run.Spec.Runs[0].Raw = []byte(`{"postgresql": {"host": "evil.example.com", "user": "reader", "password": "${PG_PASSWORD}"}}`)
			return bob.Update(ctx, run)
		}, timeout, interval).Should(MatchError(ContainSubstring(`user "bob" may not get Secret "pg"`)))

		Eventually(func() error {
			if err := bob.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
				return err
			}
			run.Labels = map[string]string{"team": "b"}
			return bob.Update(ctx, run)
		}, timeout, interval).Should(Succeed())
	})
})
