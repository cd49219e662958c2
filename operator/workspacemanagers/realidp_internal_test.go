package workspacemanagers

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/test/realparts"
)

// IdPReachable against a real OpenID Connect provider (test/tools/oidc):
// its discovery document as go-oidc reads it at login, with the client
// secret in Weir's namespace; and False once the provider is gone.
func TestIdPReachableRealProvider(t *testing.T) {
	idp := realparts.StartIdP(t, realparts.IdPConfig{Clients: []realparts.IdPClient{{
		ID: "weir", Secret: "s3cret", RedirectURIs: []string{"https://ide.example.test/_weir/callback"},
	}}})
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "weir-system", Name: "oidc"},
		Data: map[string][]byte{"client-secret": []byte("s3cret")}}
	r := idpReconciler(t, secret)
	m := managerWithIssuer(idp.Issuer, &wsv1.SecretKeySelector{Name: "oidc", Key: "client-secret"})
	if c := r.checkIdP(context.Background(), m); c.Status != metav1.ConditionTrue || c.Reason != ReasonIdPReachable {
		t.Fatalf("got %s %s %q, want True %s", c.Status, c.Reason, c.Message, ReasonIdPReachable)
	}
	// The same issuer with a trailing slash is another issuer to OIDC: the
	// provider names itself without one.
	m.Spec.Authentication.OIDC.IssuerURL = idp.Issuer + "/"
	if c := r.checkIdP(context.Background(), m); c.Status != metav1.ConditionFalse || c.Reason != ReasonDiscoveryFailed {
		t.Errorf("trailing slash: got %s %s %q, want False %s", c.Status, c.Reason, c.Message, ReasonDiscoveryFailed)
	}
}
