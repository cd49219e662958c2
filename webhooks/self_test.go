package webhooks_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// Idle shutdown: the manager stops an idle OwnerOnly Workspace by setting
// desiredStatus Stopped. The policies know the manager's identity
// (input.related.weir.username, from a SelfSubjectReview) and let it make
// that one change, and no other, to a Workspace it does not own.
var _ = Describe("Weir's own writes to an OwnerOnly Workspace", func() {
	It("may stop it, and may not change anything else", func() {
		ns := newNamespace()
		review := &authenticationv1.SelfSubjectReview{}
		Expect(k8s.Create(ctx, review)).To(Succeed())
		self := review.Status.UserInfo.Username
		Expect(self).NotTo(BeEmpty())
		for _, user := range []string{"alice", self} {
			grant(ns, "ws-"+rbacName(user), user, rbacv1.PolicyRule{APIGroups: []string{wsv1.GroupVersion.Group},
				Resources: []string{"workspaces"}, Verbs: []string{"create", "get", "update", "patch"}})
		}
		// The manager's name without its groups (no system:masters): only
		// the idle-stop rule can let it through.
		alice, weir := clientAs("alice"), clientAs(self)
		ws := workspace(ns, "idle")
		ws.Spec.OwnershipType = wsv1.OwnershipOwnerOnly
		Eventually(func() error { return alice.Create(ctx, ws) }, timeout, interval).Should(Succeed())

		changed := ws.DeepCopy()
		changed.Spec.Image = "evil:latest"
		err := weir.Patch(ctx, changed, client.MergeFrom(ws))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("policy workspaces.owner-only"))

		stopped := ws.DeepCopy()
		stopped.Spec.DesiredStatus = wsv1.DesiredStopped
		Expect(weir.Patch(ctx, stopped, client.MergeFrom(ws))).To(Succeed())

		restarted := stopped.DeepCopy()
		restarted.Spec.DesiredStatus = wsv1.DesiredRunning
		err = weir.Patch(ctx, restarted, client.MergeFrom(stopped))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "Weir may stop, never start, an OwnerOnly Workspace: got %v", err)
	})
})

// rbacName makes a user name usable in an object name.
func rbacName(user string) string {
	out := []rune{}
	for _, r := range user {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			out = append(out, r)
		} else {
			out = append(out, '-')
		}
	}
	return string(out)
}
