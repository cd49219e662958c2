package runs_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// The seed's first example, verbatim.
const seedScheduled = `
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: my-pipeline
spec:
  schedule: "0 */6 * * *"
  runs:
  - postgresql:
      host: "db.example.com"
      port: 5432
      database: "production"
      user: "readonly"
`

var _ = Describe("Run API", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("applies the documented defaults in the schema", func() {
		run := runFromYAML(ns, seedScheduled)
		Expect(k8s.Create(ctx, run)).To(Succeed())
		got := getRun(ns, "my-pipeline")(Default)
		Expect(got.Spec.Suspend).To(Equal(ptr.To(false)))
		Expect(got.Spec.ConcurrencyPolicy).To(Equal(runsv1.ForbidConcurrent))
		Expect(got.Spec.BackoffLimit).To(Equal(ptr.To[int32](3)))
		Expect(got.Spec.SuccessfulJobsHistoryLimit).To(Equal(ptr.To[int32](3)))
		Expect(got.Spec.FailedJobsHistoryLimit).To(Equal(ptr.To[int32](1)))
		Expect(got.Spec.TeardownOnDelete).To(Equal(ptr.To(true)))
		Expect(got.Spec.ActiveDeadlineSeconds).To(BeNil())
	})

	DescribeTable("rejects invalid specs with the field's name",
		func(manifest, field string) {
			err := k8s.Create(ctx, runFromYAML(ns, manifest))
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(field))
		},
		Entry("no runs", `
metadata: {name: empty}
spec: {runs: []}`, "spec.runs"),
		Entry("runs missing", `
metadata: {name: missing}
spec: {schedule: "@daily"}`, "spec.runs"),
		Entry("a source entry that is not an object", `
metadata: {name: scalar}
spec: {runs: ["postgresql"]}`, "spec.runs[0]"),
		Entry("an unknown concurrency policy", `
metadata: {name: policy}
spec: {concurrencyPolicy: Sometimes, runs: [{postgresql: {host: db, user: u}}]}`, "spec.concurrencyPolicy"),
		Entry("a negative backoff limit", `
metadata: {name: backoff}
spec: {backoffLimit: -1, runs: [{postgresql: {host: db, user: u}}]}`, "spec.backoffLimit"),
		Entry("a deadline beyond 7 days, with the limit", `
metadata: {name: deadline}
spec: {activeDeadlineSeconds: 99999999999999, runs: [{postgresql: {host: db, user: u}}]}`,
			"spec.activeDeadlineSeconds: Invalid value: 99999999999999: spec.activeDeadlineSeconds in body should be less than or equal to 604800"),
		Entry("a time zone without a schedule, with the fix", `
metadata: {name: tz}
spec: {timeZone: Europe/London, runs: [{postgresql: {host: db, user: u}}]}`,
			"spec.timeZone: Invalid value: spec.timeZone applies to a schedule only: set spec.schedule, or remove spec.timeZone"),
		Entry("suspend without a schedule, with the fix", `
metadata: {name: sus}
spec: {suspend: true, runs: [{postgresql: {host: db, user: u}}]}`,
			"spec.suspend: Invalid value: spec.suspend pauses a schedule only: set spec.schedule, or remove spec.suspend"),
	)

	It("accepts the largest deadline, and suspend: false without a schedule (the default)", func() {
		Expect(k8s.Create(ctx, runFromYAML(ns, `
metadata: {name: week}
spec: {activeDeadlineSeconds: 604800, suspend: false, runs: [{postgresql: {host: db, user: u}}]}`))).To(Succeed())
	})

	It("explains the defaults and the conditions (kubectl explain)", func() {
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
		Expect(k8s.Get(ctx, client.ObjectKey{Name: "runs.runs.marmotdata.io"}, crd)).To(Succeed())
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		Expect(versions).To(HaveLen(1))
		props := func(path ...string) map[string]any {
			p, ok, err := unstructured.NestedMap(versions[0].(map[string]any), append([]string{"schema", "openAPIV3Schema", "properties"}, path...)...)
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue(), "%v", path)
			return p
		}
		spec := props("spec", "properties")
		for field, def := range map[string]string{
			"suspend": "Defaults to false.", "concurrencyPolicy": "Defaults to Forbid.", "backoffLimit": "Defaults to 3.",
			"successfulJobsHistoryLimit": "Defaults to 3.", "failedJobsHistoryLimit": "Defaults to 1.",
			"teardownOnDelete": "Defaults to true.", "activeDeadlineSeconds": "at most 604800",
		} {
			Expect(spec[field]).To(HaveKeyWithValue("description", ContainSubstring(def)), field)
		}
		status := props("status", "properties")
		Expect(status["conditions"]).To(HaveKeyWithValue("description", ContainSubstring("Ready")))
		Expect(status["phase"]).To(HaveKeyWithValue("description", ContainSubstring("Blocked")))
	})
})
