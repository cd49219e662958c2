package webhooks

import (
	"fmt"
	"time"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Certificate modes of --webhook-certs.
const (
	// CertsSelfSigned: Weir keeps its own CA and serving certificate in a
	// Secret (cert-controller's rotator), renews them before they expire,
	// copies them to the cert directory (certfiles.go) and injects the CA
	// into its webhook configurations.
	CertsSelfSigned = "self-signed"
	// CertsExternal: something else (cert-manager and its cainjector)
	// mounts the certificate and fills caBundle; Weir only serves.
	CertsExternal = "external"
)

// CertOptions configure the self-signed rotator.
type CertOptions struct {
	Secret  types.NamespacedName
	DNSName string
	// ExtraDNSNames are added to the serving certificate (e.g. localhost
	// when the API server calls a webhook by URL).
	ExtraDNSNames []string
	// ValidatingConfig and MutatingConfig are the webhook configurations
	// whose caBundle Weir fills; empty names are skipped.
	ValidatingConfig, MutatingConfig string
	// Zero values take cert-controller's defaults (CA 10 years, serving
	// certificate 1 year, renewed 90 days ahead, checked every 12 hours);
	// tests shorten them to see a rotation.
	CADuration, ServerDuration, Lookahead, CheckEvery time.Duration
}

// addRotator registers cert-controller's rotator; ready is closed once the
// certificate is on disk and the CA injected.
func addRotator(mgr ctrl.Manager, certDir string, o CertOptions) (ready chan struct{}, err error) {
	if o.Secret.Namespace == "" || o.Secret.Name == "" {
		return nil, fmt.Errorf("--webhook-secret must be <namespace>/<name> in self-signed mode")
	}
	if o.DNSName == "" {
		return nil, fmt.Errorf("--webhook-dns-name is required in self-signed mode (e.g. weir-webhook.weir-system.svc)")
	}
	var hooks []rotator.WebhookInfo
	if o.ValidatingConfig != "" {
		hooks = append(hooks, rotator.WebhookInfo{Name: o.ValidatingConfig, Type: rotator.Validating})
	}
	if o.MutatingConfig != "" {
		hooks = append(hooks, rotator.WebhookInfo{Name: o.MutatingConfig, Type: rotator.Mutating})
	}
	ready = make(chan struct{})
	err = rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey:              o.Secret,
		CertDir:                certDir,
		CAName:                 "weir-webhook-ca",
		CAOrganization:         "weir",
		DNSName:                o.DNSName,
		ExtraDNSNames:          o.ExtraDNSNames,
		IsReady:                ready,
		Webhooks:               hooks,
		FieldOwner:             "weir",
		RequireLeaderElection:  false, // every replica serves, so every one needs the files
		CaCertDuration:         o.CADuration,
		ServerCertDuration:     o.ServerDuration,
		LookaheadInterval:      o.Lookahead,
		RotationCheckFrequency: o.CheckEvery,
		EnableReadinessCheck:   true,
	})
	return ready, err
}
