package runs_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/internal/testenv"
	"github.com/weir-dev/weir/operator/runs"
)

// metric finds a series on the manager's /metrics registry; nil if absent.
func metric(name string, labels map[string]string) *dto.Metric {
	m, err := testenv.Metric(name, labels)
	Expect(err).NotTo(HaveOccurred())
	return m
}

func counter(name string, labels map[string]string) float64 {
	if m := metric(name, labels); m != nil {
		return m.GetCounter().GetValue()
	}
	return 0
}

func histogramCount(name string, labels map[string]string) uint64 {
	if m := metric(name, labels); m != nil {
		return m.GetHistogram().GetSampleCount()
	}
	return 0
}

var _ = Describe("Metrics", func() {
	It("count finished Jobs by outcome once each, their duration, and teardowns", func() {
		ns := newNamespace()
		ok := map[string]string{"namespace": ns, "kind": "run", "outcome": "succeeded"}
		failed := map[string]string{"namespace": ns, "kind": "run", "outcome": "failed"}
		durations := histogramCount("weir_run_job_duration_seconds", map[string]string{"kind": "run", "outcome": "succeeded"})
		teardownsOK := counter("weir_run_teardowns_total", map[string]string{"outcome": "succeeded"})
		teardownsSkipped := counter("weir_run_teardowns_total", map[string]string{"outcome": "skipped"})

		run := runFromYAML(ns, `
metadata: {name: measured}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		job := getJob(ns, "measured")
		start := time.Now().Add(-90 * time.Second)
		startJob(job, start)
		finishJob(job, true, start, start.Add(80*time.Second))
		Eventually(func() float64 { return counter("weir_run_jobs_finished_total", ok) }, timeout, interval).Should(Equal(1.0))
		Expect(histogramCount("weir_run_job_duration_seconds", map[string]string{"kind": "run", "outcome": "succeeded"})).
			To(BeNumerically(">", durations))
		// Later writes to the finished Job count nothing again.
		Eventually(func(g Gomega) {
			j := getJob(ns, "measured")
			j.Labels["touched"] = "yes"
			g.Expect(k8s.Update(ctx, j)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Consistently(func() float64 { return counter("weir_run_jobs_finished_total", ok) }, time.Second, interval).Should(Equal(1.0))
		Expect(counter("weir_run_jobs_finished_total", failed)).To(BeZero())

		Expect(k8s.Delete(ctx, run)).To(Succeed())
		teardown := getJob(ns, runs.TeardownJobName(run))
		finishJob(teardown, true, time.Now().Add(-time.Minute), time.Now())
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(run), &runsv1.Run{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		Expect(counter("weir_run_teardowns_total", map[string]string{"outcome": "succeeded"})).To(BeNumerically(">", teardownsOK))
		Expect(counter("weir_run_jobs_finished_total", map[string]string{"namespace": ns, "kind": "teardown", "outcome": "succeeded"})).To(Equal(1.0))

		skip := runFromYAML(ns, `
metadata: {name: kept, annotations: {runs.marmotdata.io/skip-teardown: "true"}}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, skip)).To(Succeed())
		Eventually(getRun(ns, "kept")).WithTimeout(timeout).Should(HaveField("Finalizers", ContainElement(runsv1.Finalizer)))
		Expect(k8s.Delete(ctx, skip)).To(Succeed())
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(skip), &runsv1.Run{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))
		Expect(counter("weir_run_teardowns_total", map[string]string{"outcome": "skipped"})).To(Equal(teardownsSkipped + 1))
	})
})
