package webhooks_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// negotiated is the protocol a client offering HTTP/2 and HTTP/1.1 gets.
func negotiated(addr string) string {
	GinkgoHelper()
	// The servers' certificates are self-signed; only ALPN is checked here.
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}) //nolint:gosec // the test server's certificate is self-signed
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	return conn.ConnectionState().NegotiatedProtocol
}

// scrape GETs /metrics with token (none when empty) and returns the status
// code and body.
func scrape(token string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+metricsAddr+"/metrics", nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test server's certificate is self-signed
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// tokenFor is a token of ServiceAccount name in weirNamespace.
func tokenFor(name string) string {
	GinkgoHelper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: weirNamespace}}
	Expect(client.IgnoreAlreadyExists(k8s.Create(ctx, sa))).To(Succeed())
	tr := &authenticationv1.TokenRequest{}
	Expect(k8s.SubResource("token").Create(ctx, sa, tr)).To(Succeed())
	Expect(tr.Status.Token).NotTo(BeEmpty())
	return tr.Status.Token
}

var _ = Describe("The manager's servers", func() {
	It("serve the webhooks and metrics over HTTP/1.1 only", func() {
		wh := testEnv.WebhookInstallOptions
		Expect(negotiated(net.JoinHostPort(wh.LocalServingHost, strconv.Itoa(wh.LocalServingPort)))).To(Equal("http/1.1"))
		Eventually(func() error { _, _, err := scrape(""); return err }, timeout, interval).Should(Succeed())
		Expect(negotiated(metricsAddr)).To(Equal("http/1.1"))
	})

	It("serve metrics only to a client whose token may get /metrics", func() {
		Eventually(func() (int, error) { code, _, err := scrape(""); return code, err }, timeout, interval).
			Should(Equal(http.StatusUnauthorized))

		code, _, err := scrape(tokenFor("stranger"))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusForbidden), "a token without get on /metrics")

		// Another account: the filter caches a denial for 30 s.
		token := tokenFor("scraper")
		reader := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "weir-test-metrics-reader"},
			Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
		Expect(k8s.Create(ctx, reader)).To(Succeed())
		binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "weir-test-metrics-reader"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "scraper", Namespace: weirNamespace}}}
		Expect(k8s.Create(ctx, binding)).To(Succeed())
		DeferCleanup(func() {
			_ = k8s.Delete(ctx, binding)
			_ = k8s.Delete(ctx, reader)
		})
		Eventually(func(g Gomega) {
			code, body, err := scrape(token)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(code).To(Equal(http.StatusOK), fmt.Sprintf("body: %.200s", body))
			g.Expect(body).To(ContainSubstring("weir_admission_request_duration_seconds"))
		}, timeout, interval).Should(Succeed())
	})
})
