package workspacemanagers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// IdPReachable reasons.
const (
	ReasonIdPReachable = "DiscoveryRead"
	// ReasonIssuerUnreachable: no answer from the issuer (connection
	// refused, DNS, TLS, timeout).
	ReasonIssuerUnreachable = "IssuerUnreachable"
	// ReasonDiscoveryFailed: the issuer answered, but not with a discovery
	// document for itself (an error status, bad JSON, another issuer).
	ReasonDiscoveryFailed = "DiscoveryFailed"
	// ReasonClientSecretNotFound: the Secret or key named by
	// clientSecretRef is not in Weir's namespace.
	ReasonClientSecretNotFound = "ClientSecretNotFound"
)

// checkIdP reads the issuer's discovery document, as the access server
// will at login, and looks for the client secret. The condition's message
// holds the issuer URL and the error, never a secret's content.
func (r *Reconciler) checkIdP(ctx context.Context, m *wsv1.WorkspaceManager) metav1.Condition {
	oc := m.Spec.Authentication.OIDC
	if c, bad := r.checkDiscovery(ctx, oc.IssuerURL); bad {
		return c
	}
	if ref := oc.ClientSecretRef; ref != nil {
		if msg := r.checkSecret(ctx, ref); msg != "" {
			return condition(wsv1.ConditionIdPReachable, false, ReasonClientSecretNotFound, msg)
		}
	}
	return condition(wsv1.ConditionIdPReachable, true, ReasonIdPReachable,
		fmt.Sprintf("read the discovery document of %s", oc.IssuerURL))
}

func (r *Reconciler) checkDiscovery(ctx context.Context, issuer string) (metav1.Condition, bool) {
	ctx, cancel := context.WithTimeout(ctx, r.Options.idpTimeout())
	defer cancel()
	hc := r.Options.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	ctx = oidc.ClientContext(ctx, hc)
	if _, err := oidc.NewProvider(ctx, issuer); err != nil {
		reason := ReasonDiscoveryFailed
		if unreachable(err) {
			reason = ReasonIssuerUnreachable
		}
		return condition(wsv1.ConditionIdPReachable, false, reason,
			fmt.Sprintf("issuer %s: %v; check spec.authentication.oidc.issuerURL and that Weir can reach it", issuer, err)), true
	}
	return metav1.Condition{}, false
}

// unreachable: the request got no HTTP answer at all.
func unreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// checkSecret is "" when the client secret's Secret and key exist, else
// what is missing. One GET of that Secret, not a cached watch of Secrets.
func (r *Reconciler) checkSecret(ctx context.Context, ref *wsv1.SecretKeySelector) string {
	ns := r.Options.SecretNamespace
	if ns == "" {
		return fmt.Sprintf("client secret %s/%s: Weir has no namespace for access Secrets (--access-secret)", ref.Name, ref.Key)
	}
	s := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("Secret %s/%s not found; create it with the client secret under key %q (spec.authentication.oidc.clientSecretRef)", ns, ref.Name, ref.Key)
		}
		return fmt.Sprintf("Secret %s/%s: %v", ns, ref.Name, err)
	}
	if len(s.Data[ref.Key]) == 0 {
		return fmt.Sprintf("Secret %s/%s has no key %q (or it is empty); add the client secret under it (spec.authentication.oidc.clientSecretRef)", ns, ref.Name, ref.Key)
	}
	return ""
}
