package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

func share(ns, name, workspace string, subjects ...rbacv1.Subject) *wsv1.WorkspaceShare {
	return &wsv1.WorkspaceShare{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: wsv1.WorkspaceShareSpec{WorkspaceName: workspace, Subjects: subjects}}
}

func userSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}
}

// Who may share a Workspace and run one as a profile is RBAC's answer
// (SubjectAccessReviews of the impersonated user, against the real
// authorizer), handed to the Rego as input.related.permissions.
var _ = Describe("WorkspaceShare admission", func() {
	var ns string
	var alice, bob client.Client
	BeforeEach(func() {
		ns = newNamespace()
		for _, user := range []string{"alice", "bob"} {
			grant(ns, "ws-"+user, user, rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
				Resources: []string{"workspaces", "workspaceshares"}, Verbs: []string{"create", "get", "update", "delete"}})
		}
		alice, bob = clientAs("alice"), clientAs("bob")
		ws := workspace(ns, "nb")
		ws.Spec.OwnershipType = wsv1.OwnershipOwnerOnly
		Eventually(func() error { return alice.Create(ctx, ws) }, timeout, interval).Should(Succeed())
	})

	It("lets the owner share, stamps the Workspace as owner, and lets the owner change whom", func() {
		stored := &wsv1.Workspace{}
		Expect(k8s.Get(ctx, key(ns, "nb"), stored)).To(Succeed())
		s := share(ns, "with-bob", "nb", userSubject("bob"))
		// The manager's cache sees the new Workspace a moment later.
		Eventually(func() error { return alice.Create(ctx, s) }, timeout, interval).Should(Succeed())
		f := false
		Expect(s.OwnerReferences).To(Equal([]metav1.OwnerReference{{APIVersion: "workspace.jupyter.org/v1alpha1", Kind: "Workspace",
			Name: "nb", UID: stored.UID, Controller: &f, BlockOwnerDeletion: &f}}),
			"the mutating webhook makes the share a dependent of its Workspace (envtest has no garbage collector to delete it)")

		s.Spec.Subjects = append(s.Spec.Subjects, userSubject("carol"))
		Expect(alice.Update(ctx, s)).To(Succeed())
		// The owner reference survives an update that drops it.
		s.OwnerReferences = nil
		Expect(alice.Update(ctx, s)).To(Succeed())
		Expect(s.OwnerReferences).To(HaveLen(1))
		Expect(alice.Delete(ctx, s)).To(Succeed())
	})

	It("refuses a share by someone who is neither the owner nor allowed to share, until a Role grants it", func() {
		s := share(ns, "by-bob", "nb", userSubject("bob"))
		var err error
		Eventually(func() error { err = bob.Create(ctx, s.DeepCopy()); return err }, timeout, interval).
			Should(MatchError(ContainSubstring(`user "bob" may not share Workspace nb`)))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`admission webhook "validate.workspaceshares.workspace.jupyter.org" denied the request: ` +
			`user "bob" may not share Workspace nb: only its owner (alice), cluster admins, and users RBAC allows the verb share on it may; ` +
			`ask the owner to share it, or an admin for a Role with verb share on workspaces (resourceNames: [nb]): ` +
			`kubectl create role share-nb --verb=share --resource=workspaces.workspace.jupyter.org --resource-name=nb -n ` + ns +
			` && kubectl create rolebinding share-nb --role=share-nb --user=bob -n ` + ns + ` (policy workspaces.share-permission)`))

		// A grant on another Workspace is not enough.
		grant(ns, "share-other", "bob", rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
			Resources: []string{"workspaces"}, ResourceNames: []string{"other"}, Verbs: []string{wsv1.VerbShare}})
		Consistently(func() error { return bob.Create(ctx, s.DeepCopy(), client.DryRunAll) }, "1s", interval).
			Should(MatchError(ContainSubstring(`user "bob" may not share Workspace nb`)))

		grant(ns, "share-nb", "bob", rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
			Resources: []string{"workspaces"}, ResourceNames: []string{"nb"}, Verbs: []string{wsv1.VerbShare}})
		Eventually(func() error { return bob.Create(ctx, s.DeepCopy()) }, timeout, interval).Should(Succeed())
	})

	It("refuses a share of a Workspace that does not exist", func() {
		err := alice.Create(ctx, share(ns, "s", "missing", userSubject("bob")))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`spec.workspaceName: WorkspaceShare s: spec.workspaceName names Workspace missing, ` +
			`which does not exist in namespace ` + ns + `; create the Workspace first or fix spec.workspaceName (policy workspaces.share-workspace)`))
	})

	It("refuses malformed subjects, naming the field", func() {
		s := share(ns, "bad", "nb", rbacv1.Subject{Kind: rbacv1.UserKind, Name: "bob"},
			rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "bot"}, userSubject("carol"), userSubject("carol"))
		var err error
		Eventually(func() error { err = alice.Create(ctx, s, client.DryRunAll); return err }, timeout, interval).
			Should(MatchError(ContainSubstring("spec.subjects[0].apiGroup: a User needs apiGroup: rbac.authorization.k8s.io (policy workspaces.share-subjects)")))
		Expect(err.Error()).To(ContainSubstring("spec.subjects[1].namespace: a ServiceAccount needs its namespace (e.g. namespace: " + ns + ")"))
		Expect(err.Error()).To(ContainSubstring("spec.subjects[3]: repeats spec.subjects[2] (User carol); remove one"))
	})
})

var _ = Describe("A Workspace's execution profile", func() {
	var ns string
	var alice client.Client
	BeforeEach(func() {
		ns = newNamespace()
		warns.take()
		grant(ns, "ws-alice", "alice", rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
			Resources: []string{"workspaces"}, Verbs: []string{"create", "get", "update"}})
		alice = clientAs("alice")
		Expect(k8s.Create(ctx, &wsv1.WorkspaceExecutionProfile{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns},
			Spec: wsv1.WorkspaceExecutionProfileSpec{ServiceAccountName: "reader"}})).To(Succeed())
	})

	It("is refused to a user who may not use it, until a Role grants use", func() {
		ws := workspace(ns, "nb")
		ws.Spec.ExecutionProfileRef = "reader"
		var err error
		Eventually(func() error { err = alice.Create(ctx, ws.DeepCopy(), client.DryRunAll); return err }, timeout, interval).
			Should(MatchError(ContainSubstring(`user "alice" may not use WorkspaceExecutionProfile reader`)))
		Expect(err.Error()).To(ContainSubstring(`admission webhook "validate.workspaces.workspace.jupyter.org" denied the request: ` +
			`spec.executionProfileRef: user "alice" may not use WorkspaceExecutionProfile reader in namespace ` + ns +
			`: name one you may use, or ask an admin for a Role with verb use on workspaceexecutionprofiles (resourceNames: [reader]): ` +
			`kubectl create role use-profile-reader --verb=use --resource=workspaceexecutionprofiles.workspace.jupyter.org --resource-name=reader -n ` + ns +
			` && kubectl create rolebinding use-profile-reader --role=use-profile-reader --user=alice -n ` + ns + ` (policy workspaces.execution-profile-use)`))

		grant(ns, "use-reader", "alice", rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
			Resources: []string{"workspaceexecutionprofiles"}, ResourceNames: []string{"reader"}, Verbs: []string{wsv1.VerbUse}})
		Eventually(func() error { return alice.Create(ctx, ws) }, timeout, interval).Should(Succeed())
		warns.take()

		// Changing it to one she may not use is refused; other edits pay no review.
		edit := func(change func(*wsv1.Workspace)) func() error {
			return func() error {
				if err := alice.Get(ctx, key(ns, "nb"), ws); err != nil {
					return err
				}
				change(ws)
				return alice.Update(ctx, ws)
			}
		}
		Eventually(edit(func(w *wsv1.Workspace) { w.Spec.ExecutionProfileRef = "admin" }), timeout, interval).
			Should(MatchError(ContainSubstring(`user "alice" may not use WorkspaceExecutionProfile admin`)))
		Eventually(edit(func(w *wsv1.Workspace) { w.Spec.DesiredStatus = "Stopped" }), timeout, interval).Should(Succeed())
	})

	It("warns of a profile that does not exist", func() {
		ws := workspace(ns, "nb")
		ws.Spec.ExecutionProfileRef = "missing"
		Expect(k8s.Create(ctx, ws, client.DryRunAll)).To(Succeed())
		Expect(warns.take()).To(ContainElement(`spec.executionProfileRef: WorkspaceExecutionProfile "missing" does not exist in namespace ` + ns +
			`; create it, or name one that does (kubectl get workspaceexecutionprofiles -n ` + ns + `); the Workspace starts once it exists ` +
			`(policy workspaces.execution-profile-not-found)`))
	})

	It("is refused when the template does not allow it", func() {
		image := "jupyter/minimal-notebook:latest"
		tmpl := &wsv1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{GenerateName: "profiles-"},
			Spec: wsv1.WorkspaceTemplateSpec{DefaultImage: image, AllowedExecutionProfiles: []string{"cpu-only"}}}
		Expect(k8s.Create(ctx, tmpl)).To(Succeed())
		ws := workspace(ns, "nb")
		ws.Spec.TemplateRef, ws.Spec.ExecutionProfileRef = tmpl.Name, "reader"
		Eventually(func() error { return k8s.Create(ctx, ws.DeepCopy(), client.DryRunAll) }, timeout, interval).
			Should(MatchError(ContainSubstring("spec.executionProfileRef: WorkspaceExecutionProfile reader is not allowed by template " + tmpl.Name +
				"; use one of cpu-only, or leave executionProfileRef out (policy workspaces.allowed-execution-profiles)")))
		ws.Spec.ExecutionProfileRef = ""
		Expect(k8s.Create(ctx, ws.DeepCopy(), client.DryRunAll)).To(Succeed())
	})
})
