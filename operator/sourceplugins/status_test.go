package sourceplugins_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

var _ = Describe("SourcePlugin status", func() {
	It("never shows the credentials of spec.url (user information, a pre-signed query)", func() {
		url := strings.Replace(modules.URL, "https://", "https://robot:hunter22@", 1) +
			"/creds/good.wasm?X-Amz-Signature=deadbeef&token=t0ps3cret"
		create("creds", url, fetchtest.SHA256(goodModule()))
		sp := readyOf("creds", pluginsv1.ReasonFetchFailed)
		msg := condition(sp).Message
		Expect(msg).To(ContainSubstring("/creds/good.wasm"))
		for _, secret := range []string{"hunter22", "deadbeef", "t0ps3cret"} {
			Expect(msg).NotTo(ContainSubstring(secret))
		}
		By("and neither do its Events")
		Eventually(func(g Gomega) {
			events := &corev1.EventList{}
			g.Expect(k8s.List(ctx, events)).To(Succeed())
			var seen []string
			for _, e := range events.Items {
				if e.InvolvedObject.Name == "creds" && e.Reason == pluginsv1.ReasonFetchFailed {
					seen = append(seen, e.Message)
				}
			}
			g.Expect(seen).NotTo(BeEmpty())
			for _, text := range seen {
				g.Expect(text).To(ContainSubstring("/creds/good.wasm"))
				for _, secret := range []string{"hunter22", "deadbeef", "t0ps3cret"} {
					g.Expect(text).NotTo(ContainSubstring(secret))
				}
			}
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})
