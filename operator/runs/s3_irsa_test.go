package runs_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

// The operator's documented IRSA example for the built-in s3 source,
// as written, plus the ServiceAccount EKS's webhook keys on: the Job
// runs under that ServiceAccount (whose token the webhook projects and
// whose role it names in AWS_ROLE_ARN) and keeps the pod annotation.
var _ = Describe("the s3 source's IRSA Run", func() {
	It("makes a Job under the Run's ServiceAccount, with the config as written", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metaNamed(ns, "s3-reader")})).To(Succeed())
		run := runFromYAML(ns, `
metadata: {name: lake}
spec:
  serviceAccountName: s3-reader
  podAnnotations:
    eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/marmot-s3-reader"
  podLabels:
    team: data-engineering
  runs:
  - s3:
      bucket: "my-data-lake"
      region: "eu-west-1"`)
		Expect(k8s.Create(ctx, run)).To(Succeed())

		Expect(pipelineFile(ns, "lake")).To(MatchYAML(`
name: lake
runs:
- s3: {bucket: my-data-lake, region: eu-west-1}`))
		pod := getJob(ns, "lake").Spec.Template
		Expect(pod.Spec.ServiceAccountName).To(Equal("s3-reader"))
		Expect(pod.Annotations).To(HaveKeyWithValue("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/marmot-s3-reader"))
		expectRestrictedPod(pod.Spec)
	})
})
