package runs_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

var _ = Describe("The pipeline file", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	bigRun := func(name string) *runsv1.Run {
		run := runFromYAML(ns, `
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		run.Name = name
		run.Spec.Runs[0].Raw = []byte(`{"postgresql":{"host":"db","user":"u","ssl_root_cert":"` +
			strings.Repeat("x", runs.MaxInlinePipeline) + `"}}`)
		return run
	}

	It("goes into a ConfigMap, mounted at the same path, when too large for the pod template", func() {
		run := bigRun("big")
		Expect(k8s.Create(ctx, run)).To(Succeed())
		cm := getConfigMap(ns, "big-config")
		expectOwnedByRun(cm, run)
		Expect(cm.Data[runs.PipelineKey]).To(ContainSubstring("xxxx"))
		pod := getJob(ns, "big").Spec.Template
		Expect(pod.Annotations).NotTo(HaveKey(runs.AnnotationPipeline))
		p, name := runs.PipelineOf(&pod)
		Expect(p).To(BeEmpty())
		Expect(name).To(Equal("big-config"))
		Expect(pod.Spec.Containers[0].VolumeMounts).To(ContainElement(corev1.VolumeMount{Name: "config", MountPath: "/config", ReadOnly: true}))
		Expect(pod.Spec.Containers[0].Command).To(Equal([]string{"weir", "ingest", "-c", "/config/pipeline.yaml"}))

		By("shrinking, it moves inline and the ConfigMap goes")
		first := getJob(ns, "big")
		Eventually(func(g Gomega) {
			r := getRun(ns, "big")(g)
			r.Spec.Runs[0].Raw = []byte(`{"postgresql":{"host":"db","user":"u"}}`)
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func(g Gomega) {
			j := &batchv1.Job{}
			g.Expect(k8s.Get(ctx, key(ns, "big"), j)).To(Succeed())
			g.Expect(j.UID).NotTo(Equal(first.UID))
		}, timeout, interval).Should(Succeed())
		Expect(pipelineFile(ns, "big")).To(MatchYAML(`{name: big, runs: [{postgresql: {host: db, user: u}}]}`))
		Eventually(func() error {
			return k8s.Get(ctx, key(ns, "big-config"), &corev1.ConfigMap{})
		}, timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("is not delivered beside a ConfigMap of an earlier version, which is deleted", func() {
		run := runFromYAML(ns, `
metadata: {name: upgraded}
spec: {schedule: "0 3 * * *", runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Expect(pipelineFile(ns, "upgraded")).To(ContainSubstring("host: db"))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(run), run)).To(Succeed())
		old := &corev1.ConfigMap{ObjectMeta: metaNamed(ns, "upgraded-config"), Data: map[string]string{runs.PipelineKey: "name: upgraded"}}
		old.Labels = map[string]string{runsv1.LabelManagedBy: runsv1.ManagedBy, runsv1.LabelRun: "upgraded"}
		old.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(run, runsv1.GroupVersion.WithKind("Run"))}
		Expect(k8s.Create(ctx, old)).To(Succeed())
		// Its deletion or edit brings the Run back; an edit is the surest.
		Eventually(func(g Gomega) {
			r := getRun(ns, "upgraded")(g)
			if r.Annotations == nil {
				r.Annotations = map[string]string{}
			}
			r.Annotations["test/poke"] = time.Now().String()
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, key(ns, "upgraded-config"), &corev1.ConfigMap{})
		}, timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("of a Run whose ConfigMap is someone else's leaves that ConfigMap alone", func() {
		Expect(k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metaNamed(ns, "mine-config"), Data: map[string]string{"keep": "me"}})).To(Succeed())
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: mine}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(getRun(ns, "mine")).WithTimeout(timeout).Should(WithTransform(readyOf, HaveField("Status", BeEquivalentTo("True"))))
		Consistently(func(g Gomega) {
			g.Expect(getConfigMap(ns, "mine-config").Data).To(Equal(map[string]string{"keep": "me"}))
		}, time.Second, interval).Should(Succeed())
	})
})
