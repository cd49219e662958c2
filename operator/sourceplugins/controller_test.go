package sourceplugins_test

import (
	"encoding/json"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gstruct"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

var _ = Describe("SourcePlugin", func() {
	It("publishes the description of a verified module, fetched once", func() {
		url, sum := modules.Put("/ready/good.wasm", goodModule())
		create("good", url, sum)
		sp := readyOf("good", pluginsv1.ReasonLoaded)
		Expect(sp.Usable()).To(BeTrue())
		Expect(condition(sp).Status).To(Equal(metav1.ConditionTrue))
		Expect(sp.Status.ID).To(Equal(fetchtest.GoodID))
		Expect(sp.Status.Version).To(Equal("1.0.0"))
		Expect(sp.Status.ABI).To(BeEquivalentTo(1))
		Expect(sp.Status.Capabilities).To(Equal([]string{"network"}))
		Expect(sp.Status.Digest).To(Equal("sha256:" + sum))
		Expect(sp.Status.ObservedGeneration).To(Equal(sp.Generation))
		var schema map[string]any
		Expect(json.Unmarshal(sp.Status.ConfigSchema.Raw, &schema)).To(Succeed())
		Expect(schema).To(HaveKeyWithValue("required", []any{"host"}))
		Expect(schema["properties"]).To(HaveKeyWithValue("host", map[string]any{"type": "string", "x-weir-endpoint": true}))
		Eventually(eventsOf("good")).WithTimeout(timeout).Should(ContainElement(gstruct.MatchFields(gstruct.IgnoreExtras,
			gstruct.Fields{"Type": Equal(corev1.EventTypeNormal), "Reason": Equal(pluginsv1.ReasonLoaded)})))

		By("writing status only when it changes")
		rv := sp.ResourceVersion
		Consistently(func(g Gomega) string { return get("good")(g).ResourceVersion }).
			WithTimeout(2 * time.Second).WithPolling(interval).Should(Equal(rv))
		Expect(modules.Hits("/ready/good.wasm")).To(Equal(1))
	})

	It("refuses bytes other than the ones spec.sha256 names", func() {
		url, got := modules.Put("/mismatch/good.wasm", goodModule())
		want := fetchtest.SHA256([]byte("the module the author published"))
		create("mismatch", url, want)
		sp := readyOf("mismatch", pluginsv1.ReasonDigestMismatch)
		Expect(condition(sp).Status).To(Equal(metav1.ConditionFalse))
		Expect(condition(sp).Message).To(And(ContainSubstring("has sha256 "+got), ContainSubstring("spec.sha256 is "+want), ContainSubstring("refusing")))
		Expect(sp.Status.ID).To(BeEmpty())
		Expect(sp.Usable()).To(BeFalse())
		Eventually(eventsOf("mismatch")).WithTimeout(timeout).Should(ContainElement(warning(pluginsv1.ReasonDigestMismatch)))
	})

	It("reports bytes that are not a plugin", func() {
		url, sum := modules.Put("/invalid/readme.wasm", []byte("# not WebAssembly\n"))
		create("invalid", url, sum)
		sp := readyOf("invalid", pluginsv1.ReasonInvalidModule)
		Expect(condition(sp).Message).To(ContainSubstring("not a valid WebAssembly module"))
		Expect(sp.Status.Digest).To(Equal("sha256:" + sum))
		Eventually(eventsOf("invalid")).WithTimeout(timeout).Should(ContainElement(warning(pluginsv1.ReasonInvalidModule)))
	})

	It("reports a module that cannot be fetched, and retries", func() {
		url := modules.URL + "/missing/good.wasm"
		create("missing", url, fetchtest.SHA256(goodModule()))
		sp := readyOf("missing", pluginsv1.ReasonFetchFailed)
		Expect(condition(sp).Message).To(ContainSubstring("404"))
		By("becoming Ready once the module is published")
		modules.Put("/missing/good.wasm", goodModule())
		readyOf("missing", pluginsv1.ReasonLoaded)
	})

	It("applies spec.limits when it loads the module", func() {
		url, sum := modules.Put("/limits/good.wasm", goodModule())
		sp := create("tight", url, sum)
		sp.Spec.Limits = &pluginsv1.Limits{Memory: ptr.To(resource.MustParse("1Mi"))}
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		Expect(condition(readyOf("tight", pluginsv1.ReasonInvalidModule)).Message).To(ContainSubstring("memory limit (1 MiB)"))

		sp = get("tight")(Default)
		sp.Spec.Limits = &pluginsv1.Limits{CallTimeout: &metav1.Duration{Duration: -time.Second}}
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		Expect(condition(readyOf("tight", pluginsv1.ReasonInvalidLimits)).Message).To(ContainSubstring("spec.limits.callTimeout"))
	})

	It("leaves an id with the oldest SourcePlugin that describes it", func() {
		url, sum := modules.Put("/dup/good.wasm", goodModule())
		first := create("dup-first", url, sum)
		readyOf("dup-first", pluginsv1.ReasonLoaded)
		create("dup-second", url, sum)
		sp := readyOf("dup-second", pluginsv1.ReasonIDConflict)
		Expect(condition(sp).Message).To(ContainSubstring(`source "good", which SourcePlugin dup-first (created earlier) already provides`))
		Expect(sp.Status.ID).To(Equal(fetchtest.GoodID), "the conflicting id stays visible")
		Expect(sp.Usable()).To(BeFalse())
		Consistently(func(g Gomega) string { return condition(get("dup-first")(g)).Reason }).
			WithTimeout(time.Second).Should(Equal(pluginsv1.ReasonLoaded))
		Expect(modules.Hits("/dup/good.wasm")).To(Equal(1), "one download for two plugins with one URL")

		By("handing the id over when the older one goes")
		Expect(k8s.Delete(ctx, first)).To(Succeed())
		readyOf("dup-second", pluginsv1.ReasonLoaded)
	})

	It("refuses the id of a built-in source", func() {
		pg, ok := builtin.Module("postgresql")
		Expect(ok).To(BeTrue(), "the built-in modules are not in this build: run `make plugins` (make test-unit does)")
		url, sum := modules.Put("/builtin/postgresql.wasm", pg)
		create("postgresql", url, sum)
		sp := readyOf("postgresql", pluginsv1.ReasonIDConflict)
		Expect(condition(sp).Message).To(ContainSubstring(`source "postgresql", which is a built-in source`))
	})

	DescribeTable("the API refuses a bad spec",
		func(url, sum, field string) {
			sp := &pluginsv1.SourcePlugin{ObjectMeta: metav1.ObjectMeta{Name: "bad-" + field},
				Spec: pluginsv1.SourcePluginSpec{URL: url, SHA256: sum}}
			err := k8s.Create(ctx, sp)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring("spec." + field))
		},
		Entry("plain http", "http://example.com/p.wasm", strings.Repeat("a", 64), "url"),
		Entry("upper-case digest", "https://example.com/p.wasm", strings.Repeat("A", 64), "sha256"),
		Entry("short digest", "https://example.com/p.wasm", "abc", "sha256"),
	)
})

// warning matches a Warning event with reason.
func warning(reason string) types.GomegaMatcher {
	return gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
		"Type": Equal(corev1.EventTypeWarning), "Reason": Equal(reason)})
}
