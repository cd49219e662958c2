package runs_test

import (
	"os"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/builtin"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

// pipelineOf decodes a Run's rendered pipeline file.
func pipelineOf(ns, name string) func(Gomega) map[string]runs.PluginRef {
	return func(g Gomega) map[string]runs.PluginRef {
		var doc struct {
			Plugins map[string]runs.PluginRef `json:"plugins"`
		}
		g.Expect(yaml.Unmarshal([]byte(pipelineFile(ns, name)), &doc)).To(Succeed())
		return doc.Plugins
	}
}

var _ = Describe("Runs and SourcePlugins", Ordered, func() {
	var (
		ns       string
		sp       *pluginsv1.SourcePlugin
		url, sum string
	)

	BeforeAll(func() {
		good, err := fetchtest.GoodModule()
		Expect(err).NotTo(HaveOccurred())
		url, sum = modules.Put("/runs/good.wasm", good)
		sp = &pluginsv1.SourcePlugin{ObjectMeta: metav1.ObjectMeta{Name: "runs-good"},
			Spec: pluginsv1.SourcePluginSpec{URL: url, SHA256: sum}}
		Expect(k8s.Create(ctx, sp)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, sp))).To(Succeed()) })
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			g.Expect(sp.Usable()).To(BeTrue(), "status: %+v", sp.Status)
		}).WithTimeout(time.Minute).WithPolling(interval).Should(Succeed())
		ns = newNamespace()
	})

	It("renders the plugin of a Run that names its id into the pipeline file", func() {
		run := runFromYAML(ns, `
metadata: {name: uses-good}
spec:
  runs:
  - good: {host: db.example.com, batches: 2}
  - postgresql: {host: db.example.com, user: reader}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(pipelineOf(ns, "uses-good")).WithTimeout(timeout).WithPolling(interval).
			Should(Equal(map[string]runs.PluginRef{"good": {URL: url, SHA256: sum}}))
		getJob(ns, "uses-good")

		By("following the SourcePlugin when its spec changes, its CA bundle included")
		moved, _ := modules.Put("/runs/moved/good.wasm", mustGood())
		ca, err := os.ReadFile(modules.CAFile)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			sp.Spec.URL = moved
			sp.Spec.Limits = &pluginsv1.Limits{RunTimeout: &metav1.Duration{Duration: 10 * time.Minute}}
			sp.Spec.CABundle = string(ca)
			g.Expect(k8s.Update(ctx, sp)).To(Succeed())
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(pipelineOf(ns, "uses-good")).WithTimeout(timeout).WithPolling(interval).
			Should(Equal(map[string]runs.PluginRef{"good": {URL: moved, SHA256: sum, Limits: &runs.PluginLimits{RunTimeout: "10m0s"}, CABundle: string(ca)}}))
	})

	It("keeps the credentials of a SourcePlugin's URL out of the Run's pipeline file", func() {
		// Basic-auth user information and a pre-signed query: the
		// operator fetches with them, Job pods get neither.
		secretURL := strings.Replace(url, "https://", "https://robot:hunter22@", 1) + "?X-Amz-Signature=deadbeef&token=t0ps3cret"
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			sp.Spec.URL = secretURL
			g.Expect(k8s.Update(ctx, sp)).To(Succeed())
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(pipelineOf(ns, "uses-good")(g)["good"].URL).To(Equal(url))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		data := pipelineFile(ns, "uses-good")
		for _, secret := range []string{"hunter22", "deadbeef", "t0ps3cret"} {
			Expect(data).NotTo(ContainSubstring(secret))
		}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		Expect(sp.Usable()).To(BeTrue(), "the operator fetched with the credentials: %+v", sp.Status)
	})

	It("waits, Ready=False, for a source nothing provides, naming the known ones", func() {
		// kafka is a source of Marmot's CLI that Weir has no module for:
		// the policies only warn, and the Run controller holds the Run.
		run := runFromYAML(ns, `
metadata: {name: uses-kafka}
spec: {runs: [{kafka: {brokers: ["kafka:9092"]}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			c := readyOf(getRun(ns, "uses-kafka")(g))
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(runs.ReasonUnknownSource))
			g.Expect(c.Message).To(ContainSubstring(`source "kafka", which is neither built in nor the id of a Ready SourcePlugin; known sources: ` + strings.Join(slices.Sorted(slices.Values(append(builtin.IDs(), "good"))), ", ")))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Consistently(func() error {
			return k8s.Get(ctx, key(ns, "uses-kafka"), &batchv1.Job{})
		}).WithTimeout(time.Second).Should(MatchError(ContainSubstring("not found")))
	})
})

func mustGood() []byte {
	b, err := fetchtest.GoodModule()
	Expect(err).NotTo(HaveOccurred())
	return b
}
