//go:build e2e

package certmanager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"

	"github.com/weir-dev/weir/test/kwok"
)

// cert-manager's webhook as its chart names it (release "cert-manager" in
// namespace cert-manager): webhook-service.yaml, webhook-*-webhook.yaml.
const (
	cmNS        = "cert-manager"
	cmWebhook   = "cert-manager-webhook"    // Service and both configurations
	cmWebhookCA = "cert-manager-webhook-ca" // the dynamic serving CA Secret
	cmHookName  = "webhook.cert-manager.io"
)

// startCertManagerWebhook runs cert-manager's webhook with the chart
// Deployment's TLS arguments (a CA it keeps in a Secret, leaf names of the
// Service), registers the chart's two webhook configurations with the CA
// left to the cainjector (inject-ca-from-secret), routes the Service to the
// local port as routeToLocalhost does for Weir's, and waits until the API
// server refuses an invalid Certificate through it: from then on every
// cert-manager.io write of the test (the chart's Issuer and Certificate, the
// controller's CertificateRequests) passes through the real webhook.
func startCertManagerWebhook(t *testing.T, ctx context.Context, cl client.Client, cm, kubeconfig string, cainjector *process) *process {
	t.Helper()
	port, healthz := kwok.FreePort(t), kwok.FreePort(t)
	svcNames := cmWebhook + "," + cmWebhook + "." + cmNS + "," + cmWebhook + "." + cmNS + ".svc"
	p := start(t, "cert-manager-webhook", filepath.Join(cm, "webhook"), []string{"KUBECONFIG=" + kubeconfig},
		"--kubeconfig="+kubeconfig, "--v=2", fmt.Sprintf("--secure-port=%d", port), fmt.Sprintf("--healthz-port=%d", healthz),
		"--dynamic-serving-ca-secret-namespace="+cmNS, "--dynamic-serving-ca-secret-name="+cmWebhookCA,
		"--dynamic-serving-dns-names="+svcNames)
	// /healthz is 200 once the webhook has its CA and a serving certificate.
	p.waitReady(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", healthz))

	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: cmNS, Name: cmWebhook},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}
	if err := cl.Create(ctx, svc); err != nil {
		t.Fatalf("ExternalName Service %s: %v", cmWebhook, err)
	}
	p32 := int32(port) //nolint:gosec // a free port fits
	ref := func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
			Namespace: cmNS, Name: cmWebhook, Path: ptr.To(path), Port: &p32,
		}}
	}
	meta := metav1.ObjectMeta{Name: cmWebhook, Annotations: map[string]string{
		"cert-manager.io/inject-ca-from-secret": cmNS + "/" + cmWebhookCA,
	}}
	none := admissionregistrationv1.SideEffectClassNone
	fail := admissionregistrationv1.Fail
	equivalent := admissionregistrationv1.Equivalent
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: meta, Webhooks: []admissionregistrationv1.ValidatingWebhook{{
		Name: cmHookName,
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{"cert-manager.io", "acme.cert-manager.io"}, APIVersions: []string{"v1"}, Resources: []string{"*/*"},
			},
		}},
		AdmissionReviewVersions: []string{"v1"}, MatchPolicy: &equivalent, TimeoutSeconds: ptr.To[int32](30),
		FailurePolicy: &fail, SideEffects: &none, ClientConfig: ref("/validate"),
	}}}
	m := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: *meta.DeepCopy(), Webhooks: []admissionregistrationv1.MutatingWebhook{{
		Name: cmHookName,
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{"cert-manager.io"}, APIVersions: []string{"v1"}, Resources: []string{"certificaterequests"},
			},
		}},
		AdmissionReviewVersions: []string{"v1"}, MatchPolicy: &equivalent, TimeoutSeconds: ptr.To[int32](30),
		FailurePolicy: &fail, SideEffects: &none, ClientConfig: ref("/mutate"),
	}}}
	for _, obj := range []client.Object{v, m} {
		if err := cl.Create(ctx, obj); err != nil {
			t.Fatalf("%T %s: %v", obj, obj.GetName(), err)
		}
	}

	// The cainjector copies the Secret's ca.crt into both configurations.
	kwok.WaitFor(t, 90*time.Second, "the webhook's CA injected into "+cmWebhook, func() error {
		cainjector.alive(t)
		p.alive(t)
		var s corev1.Secret
		if err := cl.Get(ctx, client.ObjectKey{Namespace: cmNS, Name: cmWebhookCA}, &s); err != nil {
			return err
		}
		ca := s.Data["ca.crt"]
		if len(ca) == 0 {
			return fmt.Errorf("Secret %s has no ca.crt yet (keys %v)", cmWebhookCA, keys(s.Data))
		}
		if err := cl.Get(ctx, client.ObjectKeyFromObject(v), v); err != nil {
			return err
		}
		if err := cl.Get(ctx, client.ObjectKeyFromObject(m), m); err != nil {
			return err
		}
		if !bytes.Equal(v.Webhooks[0].ClientConfig.CABundle, ca) || !bytes.Equal(m.Webhooks[0].ClientConfig.CABundle, ca) {
			return errors.New("caBundle is not (yet) the Secret's ca.crt")
		}
		return nil
	})

	// An invalid Certificate, refused by cert-manager's validation: the API
	// server reached the webhook over TLS verified with the injected CA. A
	// server-side dry run, so nothing is stored if the webhook let it pass.
	bad := &cmapi.Certificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: cmNS, Name: "too-short"},
		Spec: cmapi.CertificateSpec{
			SecretName: "too-short", DNSNames: []string{"example.com"},
			Duration:  &metav1.Duration{Duration: 30 * time.Minute},
			IssuerRef: cmmeta.IssuerReference{Name: "any", Kind: cmapi.IssuerKind},
		},
	}
	want := []string{`admission webhook "` + cmHookName + `" denied the request`, "spec.duration", "certificate duration must be greater than 1h0m0s"}
	kwok.WaitFor(t, 60*time.Second, "cert-manager's webhook refusing a Certificate of 30m", func() error {
		p.alive(t)
		err := cl.Create(ctx, bad.DeepCopy(), client.DryRunAll)
		if err == nil {
			// The API server may not have seen the configuration yet.
			return errors.New("accepted")
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				err = fmt.Errorf("refused without %q: %w", w, err)
				if strings.Contains(err.Error(), "denied the request") {
					// The webhook answered, with another reason: final.
					return kwok.Stop(err)
				}
				// Not reached yet (e.g. "failed calling webhook").
				return err
			}
		}
		t.Logf("refused as expected: %v", err)
		return nil
	})
	return p
}

// mutatedRequests checks that cert-manager's mutating webhook handled the
// CertificateRequests the controller created for the chart's Certificate:
// its identity plugin records the requester in spec.username, which nothing
// else sets.
func mutatedRequests(t *testing.T, ctx context.Context, cl client.Client, webhook *process) {
	t.Helper()
	webhook.alive(t)
	var crs cmapi.CertificateRequestList
	if err := cl.List(ctx, &crs, client.InNamespace(ns)); err != nil {
		t.Fatalf("CertificateRequests in %s: %v", ns, err)
	}
	if len(crs.Items) == 0 {
		t.Fatalf("no CertificateRequest in %s after the Certificate became Ready", ns)
	}
	for _, cr := range crs.Items {
		if cr.Spec.Username == "" {
			t.Errorf("CertificateRequest %s has no spec.username: cert-manager's mutating webhook did not handle it", cr.Name)
		}
	}
}
