package helm_test

import (
	"reflect"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
)

// The Issuer and Certificate the chart and config/certmanager render decode
// strictly into cert-manager's own API types (a field cert-manager does not
// know fails), and their specs are exactly what the webhooks need: the
// Secret the manager mounts, every name of the webhook Service, the issuer.
func TestCertManagerObjectsAreCertManagerTypes(t *testing.T) {
	selfSigned := cmmeta.IssuerReference{Name: "weir-selfsigned", Kind: cmapi.IssuerKind, Group: "cert-manager.io"}
	for _, tc := range []struct {
		name      string
		docs      func(t *testing.T) []doc
		namespace string
		issuerRef cmmeta.IssuerReference
		ownIssuer bool // the install renders its self-signed Issuer
		chart     bool
	}{
		{"chart", func(t *testing.T) []doc { return render(t, "--set", "certManager.enabled=true") },
			"weir", selfSigned, true, true},
		{"chart in another namespace", func(t *testing.T) []doc {
			return render(t, "--namespace", "platform", "--set", "certManager.enabled=true")
		}, "platform", selfSigned, true, true},
		{"chart with a ClusterIssuer", func(t *testing.T) []doc {
			return render(t, "--set", "certManager.enabled=true",
				"--set", "certManager.issuerRef.name=corp-ca", "--set", "certManager.issuerRef.kind=ClusterIssuer")
		}, "weir", cmmeta.IssuerReference{Name: "corp-ca", Kind: cmapi.ClusterIssuerKind, Group: "cert-manager.io"}, false, true},
		{"config/certmanager", func(t *testing.T) []doc {
			return readDocs(t, "config/certmanager/issuer.yaml", "config/certmanager/certificate.yaml")
		}, "weir-system", selfSigned, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := tc.docs(t)
			cert := named[cmapi.Certificate](t, docs, cmapi.CertificateKind, "weir-webhook")
			if cert.APIVersion != cmapi.SchemeGroupVersion.String() || cert.Namespace != tc.namespace {
				t.Errorf("Certificate is %s in %q, want %s in %s", cert.APIVersion, cert.Namespace, cmapi.SchemeGroupVersion, tc.namespace)
			}
			svc := webhookService + "." + tc.namespace
			want := cmapi.CertificateSpec{
				SecretName: webhookSecret,
				DNSNames:   []string{webhookService, svc, svc + ".svc", svc + ".svc.cluster.local"},
				IssuerRef:  tc.issuerRef,
			}
			if !reflect.DeepEqual(cert.Spec, want) {
				t.Errorf("Certificate spec = %+v\nwant %+v", cert.Spec, want)
			}

			if n := count(docs, cmapi.IssuerKind); !tc.ownIssuer && n != 0 {
				t.Errorf("rendered %d Issuers with issuerRef %s, want none", n, tc.issuerRef.Name)
			} else if tc.ownIssuer {
				issuer := named[cmapi.Issuer](t, docs, cmapi.IssuerKind, tc.issuerRef.Name)
				wantSpec := cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{SelfSigned: &cmapi.SelfSignedIssuer{}}}
				if issuer.APIVersion != cmapi.SchemeGroupVersion.String() || issuer.Namespace != cert.Namespace ||
					!reflect.DeepEqual(issuer.Spec, wantSpec) {
					t.Errorf("Issuer = %s in %q spec %+v, want %s in %s, selfSigned: {}",
						issuer.APIVersion, issuer.Namespace, issuer.Spec, cmapi.SchemeGroupVersion, cert.Namespace)
				}
			}
			if !tc.chart {
				return
			}
			// What ties the Certificate to the rest of the release: the
			// cainjector reads the annotation, the manager mounts the Secret.
			inject := cert.Namespace + "/" + cert.Name
			v := named[admissionregistrationv1.ValidatingWebhookConfiguration](t, docs, "ValidatingWebhookConfiguration", validatingConfig)
			m := named[admissionregistrationv1.MutatingWebhookConfiguration](t, docs, "MutatingWebhookConfiguration", mutatingConfig)
			for name, ann := range map[string]map[string]string{v.Name: v.Annotations, m.Name: m.Annotations} {
				if ann[injectCAFrom] != inject {
					t.Errorf("%s: %s = %q, want the Certificate %s", name, injectCAFrom, ann[injectCAFrom], inject)
				}
			}
			dep := only[appsv1.Deployment](t, docs, "Deployment")
			if vol := checkCertVolume(t, dep, true); vol.Secret == nil || vol.Secret.SecretName != cert.Spec.SecretName {
				t.Errorf("the manager mounts %+v, want the Certificate's Secret %s", vol.VolumeSource, cert.Spec.SecretName)
			}
		})
	}
}
