package runs_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

// columns is what `kubectl get run` prints (`-o wide` for all of them):
// the API server's Table for the Run, column name to cell.
func columns(g Gomega, ns, name string) map[string]any {
	cs, err := kubernetes.NewForConfig(restCfg)
	g.Expect(err).NotTo(HaveOccurred())
	raw, err := cs.CoreV1().RESTClient().Get().
		AbsPath("/apis/runs.marmotdata.io/v1alpha1/namespaces", ns, "runs", name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	table := &metav1.Table{}
	g.Expect(json.Unmarshal(raw, table)).To(Succeed())
	g.Expect(table.Rows).To(HaveLen(1))
	out := map[string]any{}
	for i, c := range table.ColumnDefinitions {
		out[c.Name] = table.Rows[0].Cells[i]
	}
	return out
}

var _ = Describe("kubectl get runs", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("shows readiness and its reason, and a failing phase for an unknown source", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: unknown}
spec: {runs: [{kafka: {brokers: ["kafka:9092"]}}]}`))).To(Succeed())
		Eventually(func(g Gomega) {
			cols := columns(g, ns, "unknown")
			g.Expect(cols).To(HaveKeyWithValue("Phase", string(runsv1.PhaseBlocked)))
			g.Expect(cols).To(HaveKeyWithValue("Ready", "False"))
			g.Expect(cols).To(HaveKeyWithValue("Reason", runs.ReasonUnknownSource))
		}, timeout, interval).Should(Succeed())
	})

	It("shows a rejected CronJob as Blocked, not Scheduled", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: rejected}
spec: {schedule: "@hourly", podLabels: {"not a label": x}, runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(func(g Gomega) {
			cols := columns(g, ns, "rejected")
			g.Expect(cols).To(HaveKeyWithValue("Phase", string(runsv1.PhaseBlocked)))
			g.Expect(cols).To(HaveKeyWithValue("Ready", "False"))
			g.Expect(cols).To(HaveKeyWithValue("Reason", runs.ReasonInvalidConfig))
		}, timeout, interval).Should(Succeed())
	})

	It("shows the teardown's progress in the Teardown column", func() {
		run := runFromYAML(ns, `
metadata: {name: going}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			cols := columns(g, ns, "going")
			g.Expect(cols).To(HaveKeyWithValue("Ready", "True"))
			g.Expect(cols).To(HaveKeyWithValue("Teardown", BeNil()))
			g.Expect(cols).To(HaveKeyWithValue("Teardown On Delete", true))
		}, timeout, interval).Should(Succeed())

		Expect(k8s.Delete(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(columns(g, ns, "going")).To(HaveKeyWithValue("Teardown", runs.ReasonTeardownRunning))
		}, timeout, interval).Should(Succeed())
		finishJob(getJob(ns, runs.TeardownJobName(run)), false, time.Now().Add(-time.Minute), time.Now())
		Eventually(func(g Gomega) {
			cols := columns(g, ns, "going")
			g.Expect(cols).To(HaveKeyWithValue("Teardown", runs.ReasonTeardownFailed))
			g.Expect(cols).To(HaveKeyWithValue("Phase", string(runsv1.PhaseFailed)))
		}, timeout, interval).Should(Succeed())
	})
})
