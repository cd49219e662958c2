package runs_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
)

const oneOff = `
metadata:
  name: once
spec:
  podLabels: {team: data-engineering}
  podAnnotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/marmot-s3-reader"}
  resources:
    limits: {cpu: 500m, memory: 256Mi}
  runs:
  - postgresql:
      host: db.example.com
      port: 5432
      user: reader
`

func expectOwnedByRun(obj client.Object, run *runsv1.Run) {
	ExpectWithOffset(1, obj.GetLabels()).To(HaveKeyWithValue(runsv1.LabelRun, run.Name))
	ExpectWithOffset(1, obj.GetLabels()).To(HaveKeyWithValue(runsv1.LabelManagedBy, "weir"))
	refs := obj.GetOwnerReferences()
	ExpectWithOffset(1, refs).To(HaveLen(1))
	ExpectWithOffset(1, refs[0].UID).To(Equal(run.UID))
	ExpectWithOffset(1, refs[0].Controller).To(Equal(ptr.To(true)))
}

func expectRestrictedPod(spec corev1.PodSpec) {
	ExpectWithOffset(1, spec.RestartPolicy).To(Equal(corev1.RestartPolicyNever))
	ExpectWithOffset(1, spec.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
	ExpectWithOffset(1, spec.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
	c := spec.Containers[0]
	ExpectWithOffset(1, c.SecurityContext.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
	ExpectWithOffset(1, c.SecurityContext.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
	ExpectWithOffset(1, c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
	ExpectWithOffset(1, c.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
}

var _ = Describe("Run children", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("makes a Job carrying its pipeline for a Run without a schedule, and no ConfigMap", func() {
		run := runFromYAML(ns, oneOff)
		Expect(k8s.Create(ctx, run)).To(Succeed())

		Expect(pipelineFile(ns, "once")).To(MatchYAML(`
name: once
runs:
- postgresql: {host: db.example.com, port: 5432, user: reader}`))

		job := getJob(ns, "once")
		expectOwnedByRun(job, run)
		Expect(job.Spec.BackoffLimit).To(Equal(ptr.To[int32](3)))
		pod := job.Spec.Template
		Expect(pod.Labels).To(HaveKeyWithValue("team", "data-engineering"))
		Expect(pod.Labels).To(HaveKeyWithValue(runsv1.LabelRun, "once"))
		Expect(pod.Annotations).To(HaveKeyWithValue("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/marmot-s3-reader"))
		Expect(pod.Spec.ServiceAccountName).To(Equal("weir-ingest"))
		expectRestrictedPod(pod.Spec)
		c := pod.Spec.Containers[0]
		Expect(c.Name).To(Equal("ingest"))
		Expect(c.Image).To(Equal(runOptions.Image))
		Expect(c.Command).To(Equal([]string{"weir", "ingest", "-c", "/config/pipeline.yaml"}))
		Expect(c.Env).To(ContainElement(corev1.EnvVar{Name: "MARMOT_HOST", Value: runOptions.MarmotURL}))
		Expect(c.Resources.Limits.Memory().Equal(resource.MustParse("256Mi"))).To(BeTrue())
		Expect(c.VolumeMounts).To(ContainElement(corev1.VolumeMount{Name: "config", MountPath: "/config", ReadOnly: true}))
		// The pipeline annotation, projected where the ConfigMap was mounted.
		Expect(pod.Spec.Volumes).To(ContainElement(And(HaveField("Name", "config"), HaveField("VolumeSource.DownwardAPI.Items", ConsistOf(
			corev1.DownwardAPIVolumeFile{Path: "pipeline.yaml", FieldRef: &corev1.ObjectFieldSelector{
				APIVersion: "v1", FieldPath: "metadata.annotations['runs.marmotdata.io/pipeline']"}})))))
		Consistently(func() error {
			return k8s.Get(ctx, key(ns, "once-config"), &corev1.ConfigMap{})
		}, time.Second, interval).Should(Satisfy(apierrors.IsNotFound))

		Consistently(func() error {
			return k8s.Get(ctx, key(ns, "once"), &batchv1.CronJob{})
		}, time.Second, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("makes a CronJob with the spec's schedule, policy, limits and time zone", func() {
		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metaNamed(ns, "pg-reader")})).To(Succeed())
		run := runFromYAML(ns, `
metadata: {name: nightly}
spec:
  schedule: "0 */6 * * *"
  timeZone: Europe/London
  concurrencyPolicy: Replace
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 2
  activeDeadlineSeconds: 600
  serviceAccountName: pg-reader
  runs: [{postgresql: {host: db, user: u}}]`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		cj := getCronJob(ns, "nightly")
		expectOwnedByRun(cj, run)
		Expect(cj.Spec.Schedule).To(Equal("0 */6 * * *"))
		Expect(cj.Spec.TimeZone).To(Equal(ptr.To("Europe/London")))
		Expect(cj.Spec.Suspend).To(Equal(ptr.To(false)))
		Expect(cj.Spec.ConcurrencyPolicy).To(Equal(batchv1.ReplaceConcurrent))
		Expect(cj.Spec.SuccessfulJobsHistoryLimit).To(Equal(ptr.To[int32](5)))
		Expect(cj.Spec.FailedJobsHistoryLimit).To(Equal(ptr.To[int32](2)))
		jt := cj.Spec.JobTemplate
		Expect(jt.Labels).To(HaveKeyWithValue(runsv1.LabelRun, "nightly"))
		Expect(jt.Spec.ActiveDeadlineSeconds).To(Equal(ptr.To[int64](600)))
		Expect(jt.Spec.Template.Spec.ServiceAccountName).To(Equal("pg-reader"))
		expectRestrictedPod(jt.Spec.Template.Spec)

		Eventually(getRun(ns, "nightly")).WithTimeout(timeout).Should(HaveField("Status.Phase", runsv1.PhaseScheduled))
		Consistently(func() error { return k8s.Get(ctx, key(ns, "nightly"), &batchv1.Job{}) },
			time.Second, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("replaces the Job when the spec changes, without an AlreadyExists loop", func() {
		run := runFromYAML(ns, oneOff)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		first := getJob(ns, "once")

		Eventually(func(g Gomega) {
			r := getRun(ns, "once")(g)
			r.Spec.Runs[0].Raw = []byte(`{"postgresql":{"host":"db2.example.com","user":"u"}}`)
			g.Expect(k8s.Update(ctx, r)).To(Succeed())
		}, timeout, interval).Should(Succeed())

		Eventually(func(g Gomega) {
			j := &batchv1.Job{}
			g.Expect(k8s.Get(ctx, key(ns, "once"), j)).To(Succeed())
			g.Expect(j.UID).NotTo(Equal(first.UID))
		}, timeout, interval).Should(Succeed())
		Expect(pipelineFile(ns, "once")).To(ContainSubstring("db2.example.com"))
		Eventually(getRun(ns, "once")).WithTimeout(timeout).Should(And(
			HaveField("Status.ObservedGeneration", int64(2)),
			WithTransform(readyOf, HaveField("Status", BeEquivalentTo("True"))),
		))
		Expect(reasons(eventsFor(ns, run)())).To(ContainElement("Replaced"))
	})

	It("switches between Job and CronJob when the schedule is added or removed", func() {
		run := runFromYAML(ns, oneOff)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		getJob(ns, "once")

		setSchedule := func(s string) {
			Eventually(func(g Gomega) {
				r := getRun(ns, "once")(g)
				r.Spec.Schedule = s
				g.Expect(k8s.Update(ctx, r)).To(Succeed())
			}, timeout, interval).Should(Succeed())
		}
		setSchedule("@hourly")
		getCronJob(ns, "once")
		Eventually(func() error { return k8s.Get(ctx, key(ns, "once"), &batchv1.Job{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))

		setSchedule("")
		getJob(ns, "once")
		Eventually(func() error { return k8s.Get(ctx, key(ns, "once"), &batchv1.CronJob{}) },
			timeout, interval).Should(Satisfy(apierrors.IsNotFound))
	})

	It("reports a child the API server rejects as an invalid config, with an event", func() {
		// The policies do not judge label syntax; the API server does, on the Job.
		run := runFromYAML(ns, `
metadata: {name: badlabel}
spec: {podLabels: {"not a label": "x"}, runs: [{postgresql: {host: db, user: u}}]}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			c := readyOf(getRun(ns, "badlabel")(g))
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(BeEquivalentTo("False"))
			g.Expect(c.Reason).To(Equal("InvalidConfig"))
			g.Expect(c.Message).To(ContainSubstring("spec.template.labels"))
		}, timeout, interval).Should(Succeed())
		Eventually(eventsFor(ns, run)).WithTimeout(timeout).Should(ContainElement(HaveField("Reason", "CreateFailed")))
	})

	It("refuses to take over an object it does not own", func() {
		Expect(k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metaNamed(ns, "taken-config"), Data: map[string]string{"keep": "me"}})).To(Succeed())
		// A pipeline too large for the pod template goes into the ConfigMap.
		run := runFromYAML(ns, `
metadata: {name: taken}
spec: {runs: [{postgresql: {host: db, user: u}}]}`)
		run.Spec.Runs[0].Raw = []byte(`{"postgresql":{"host":"db","user":"u","ssl_root_cert":"` + strings.Repeat("x", runs.MaxInlinePipeline) + `"}}`)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		Eventually(func(g Gomega) {
			c := readyOf(getRun(ns, "taken")(g))
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Message).To(ContainSubstring("ConfigMap taken-config already exists and is not owned by Run taken"))
		}, timeout, interval).Should(Succeed())
		Expect(getConfigMap(ns, "taken-config").Data).To(Equal(map[string]string{"keep": "me"}))
	})
})

var _ = Describe("Ingest service account", func() {
	It("is made in the Run's namespace when the Run relies on the operator's default", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: sa-default}
spec: {runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, key(ns, runOptions.IngestServiceAccount), &corev1.ServiceAccount{})
		}, timeout, interval).Should(Succeed())
		// Its token authenticates to Marmot, so it is mounted.
		pod := getJob(ns, "sa-default").Spec.Template.Spec
		Expect(pod.ServiceAccountName).To(Equal(runOptions.IngestServiceAccount))
		Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(true)))
	})

	It("does not mount its token when the Run sends ingestion to another Marmot", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: sa-elsewhere}
spec:
  env: [{name: MARMOT_HOST, value: "http://marmot.example.com"}]
  runs: [{postgresql: {host: db, user: u}}]`))).To(Succeed())
		pod := getJob(ns, "sa-elsewhere").Spec.Template.Spec
		Expect(pod.ServiceAccountName).To(Equal(runOptions.IngestServiceAccount))
		Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
	})

	It("is not made when the Run names its own", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: sa-own}
spec: {serviceAccountName: mine, runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
		// A ServiceAccount the Run names may hold API permissions: no token.
		pod := getJob(ns, "sa-own").Spec.Template.Spec
		Expect(pod.ServiceAccountName).To(Equal("mine"))
		Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
		Consistently(func() error {
			return k8s.Get(ctx, key(ns, runOptions.IngestServiceAccount), &corev1.ServiceAccount{})
		}, time.Second, interval).Should(Satisfy(apierrors.IsNotFound))
	})
})
