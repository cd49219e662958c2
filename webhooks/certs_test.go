package webhooks_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/policies/engine"
	"github.com/weir-dev/weir/webhooks"
)

var _ = Describe("Self-signed webhook certificates", func() {
	It("creates the CA and serving certificate, injects the CA, serves with it and rotates it", func() {
		const cfgName = "weir-rotation-test"
		port := freePort()
		url := fmt.Sprintf("https://localhost:%d%s", port, webhooks.PathValidateRuns)
		never := &metav1.LabelSelector{MatchLabels: map[string]string{"weir.test/never": "true"}}
		none, ignore := admissionregistrationv1.SideEffectClassNone, admissionregistrationv1.Ignore
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: cfgName},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{
				Name: "rotation.test.weir.dev", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url},
				ObjectSelector: never, SideEffects: &none, FailurePolicy: &ignore, AdmissionReviewVersions: []string{"v1"},
			}},
		}
		Expect(k8s.Create(ctx, vwc)).To(Succeed())
		DeferCleanup(func() { _ = k8s.Delete(context.Background(), vwc) })

		certDir := GinkgoT().TempDir()
		mctx, stop := context.WithCancel(ctx)
		// The rotator writes into certDir until the manager has stopped:
		// wait for that before the directory is removed.
		done := make(chan struct{})
		DeferCleanup(func() { stop(); <-done })
		mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
			Scheme:                 manager.Scheme(),
			Metrics:                metricsserver.Options{BindAddress: "0"},
			HealthProbeBindAddress: "0",
			WebhookServer:          webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, CertDir: certDir}),
		})
		Expect(err).NotTo(HaveOccurred())
		eng := engine.New()
		_, err = eng.Load(ctx, engine.DefaultBundle())
		Expect(err).NotTo(HaveOccurred())
		secret := types.NamespacedName{Namespace: weirNamespace, Name: "rotation-test-cert"}
		Expect(webhooks.Setup(mctx, mgr, webhooks.Options{
			Engine:      eng,
			CheckBundle: func(context.Context, *policiesv1.PolicyBundle) error { return nil },
			CertMode:    webhooks.CertsSelfSigned,
			CertDir:     certDir,
			Certs: webhooks.CertOptions{
				Secret: secret, DNSName: "localhost", ValidatingConfig: cfgName,
				// A serving certificate that is always inside the renewal
				// window is renewed at every check: a rotation every second.
				ServerDuration: time.Hour, Lookahead: 2 * time.Hour, CheckEvery: time.Second,
			},
		})).To(Succeed())
		go func() {
			defer GinkgoRecover()
			defer close(done)
			Expect(mgr.Start(mctx)).To(Succeed())
		}()

		By("creating the Secret and the certificates in it")
		s := &corev1.Secret{}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, secret, s)).To(Succeed())
			g.Expect(s.Data).To(HaveKey("ca.crt"))
			g.Expect(s.Data).To(HaveKey("tls.crt"))
			g.Expect(s.Data).To(HaveKey("tls.key"))
		}, timeout, interval).Should(Succeed())
		ca := s.Data["ca.crt"]

		By("injecting the CA into the webhook configuration")
		Eventually(func(g Gomega) []byte {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(vwc), vwc)).To(Succeed())
			return vwc.Webhooks[0].ClientConfig.CABundle
		}, timeout, interval).Should(Equal(ca))

		By("serving a certificate for localhost signed by that CA")
		pool := x509.NewCertPool()
		Expect(pool.AppendCertsFromPEM(ca)).To(BeTrue())
		var first *x509.Certificate
		Eventually(func() (err error) {
			first, err = servedCert(port, pool)
			return err
		}, timeout, interval).Should(Succeed())

		By("rotating the serving certificate, on disk and on the wire, under the same CA")
		Eventually(func(g Gomega) {
			got, err := servedCert(port, pool)
			g.Expect(err).NotTo(HaveOccurred())
			// cert-controller gives every certificate serial 1: compare the bytes.
			g.Expect(got.Raw).NotTo(Equal(first.Raw))
		}, "40s", interval).Should(Succeed())
		Expect(k8s.Get(ctx, secret, s)).To(Succeed())
		Expect(bytes.Equal(s.Data["ca.crt"], ca)).To(BeTrue(), "the CA outlives the serving certificate")
	})
})

// servedCert dials the webhook server and verifies its certificate for
// localhost against pool.
func servedCert(port int, pool *x509.CertPool) (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", port),
		&tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
