//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// jsonpath reads one field with kubectl; "" when the object is missing.
func jsonpath(ns, obj, path string) string {
	out, err := kubectlErr("get", "-n", ns, obj, "-o", "jsonpath="+path)
	if err != nil {
		return ""
	}
	return out
}

func exists(ns, obj string) bool {
	_, err := kubectlErr("get", "-n", ns, obj)
	return err == nil
}

var _ = Describe("Runs on a kwok cluster", Ordered, func() {
	// Pod Security admission enforces "restricted" here: every pod Weir
	// makes must be admitted under it.
	const ns = "weir-e2e"
	BeforeAll(func() {
		kubectl("create", "namespace", ns)
		kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
		kubectl("config", "set-context", "--current", "--namespace="+ns)
	})

	It("applies the seed's scheduled Run verbatim and makes its CronJob", func() {
		out := kubectl("apply", "-f", filepath.Join(root, "config", "samples", "my-pipeline.yaml"))
		Expect(out).To(ContainSubstring("run.runs.marmotdata.io/my-pipeline created"))
		Eventually(func() string { return jsonpath(ns, "cronjob/my-pipeline", "{.spec.schedule}") },
			30*time.Second, time.Second).Should(Equal("0 */6 * * *"))
		Eventually(func() string { return jsonpath(ns, "run/my-pipeline", "{.status.phase}") },
			30*time.Second, time.Second).Should(Equal("Scheduled"))
		// The columns: schedule, phase, readiness and its reason; -o wide adds
		// teardownOnDelete.
		Expect(kubectl("get", "run", "my-pipeline")).To(MatchRegexp(`(?m)^my-pipeline\s+0 \*/6 \* \* \*\s+Scheduled\s+True\s+Scheduled\s`))
		Expect(kubectl("get", "run", "my-pipeline", "-o", "wide")).To(MatchRegexp(`(?m)^my-pipeline\s.*\strue\s`))
	})

	It("applies the seed's IRSA Run verbatim: no warning, a Job whose pod carries the IRSA annotation", func() {
		out := kubectl("apply", "-f", filepath.Join(root, "config", "samples", "s3-irsa.yaml"))
		Expect(out).NotTo(ContainSubstring("Warning"))
		Eventually(func() string {
			return jsonpath(ns, "job/s3-irsa", `{.spec.template.metadata.annotations.eks\.amazonaws\.com/role-arn}`)
		}, 30*time.Second, time.Second).Should(Equal("arn:aws:iam::123456789012:role/marmot-s3-reader"))
	})

	It("runs the seed's IRSA pod settings with a source Weir has: labels, annotations, restricted pods", func() {
		manifest, err := os.ReadFile(filepath.Join(root, "config", "samples", "s3-irsa.yaml"))
		Expect(err).NotTo(HaveOccurred())
		pg := strings.Replace(string(manifest), "name: s3-irsa", "name: pg-irsa", 1)
		head, _, found := strings.Cut(pg, "  runs:")
		Expect(found).To(BeTrue(), "config/samples/s3-irsa.yaml has no spec.runs")
		pg = head + "  runs:\n    - postgresql: {host: db.example.com, user: reader}\n"
		kubectlStdin(pg, "apply", "-f", "-")
		Eventually(func() string {
			return jsonpath(ns, "job/pg-irsa", `{.status.conditions[?(@.type=="Complete")].status}`)
		}, 60*time.Second, time.Second).Should(Equal("True"))
		pod := kubectl("get", "pods", "-n", ns, "-l", "batch.kubernetes.io/job-name=pg-irsa", "-o",
			`jsonpath={.items[0].metadata.annotations.eks\.amazonaws\.com/role-arn} {.items[0].metadata.labels.team}`)
		Expect(pod).To(Equal("arn:aws:iam::123456789012:role/marmot-s3-reader data-engineering"))
		Expect(kubectl("get", "events", "-n", ns, "--field-selector", "reason=FailedCreate")).NotTo(ContainSubstring("violates PodSecurity"))
		Eventually(func() string { return jsonpath(ns, "run/pg-irsa", "{.status.phase}") },
			30*time.Second, time.Second).Should(Equal("Succeeded"))
		Expect(jsonpath(ns, "run/pg-irsa", "{.status.lastSuccessfulTime}")).NotTo(BeEmpty())
	})

	It("starts a Job on `kubectl annotate ... trigger=true` that completes and is gone after its TTL", func() {
		kubectl("annotate", "run", "my-pipeline", "runs.marmotdata.io/trigger=true")
		var job string
		Eventually(func() string {
			job = jsonpath(ns, "run/my-pipeline", "{.status.lastTrigger.jobName}")
			return job
		}, 30*time.Second, time.Second).Should(HavePrefix("my-pipeline-trigger-"))
		Expect(jsonpath(ns, "run/my-pipeline", "{.metadata.annotations}")).NotTo(ContainSubstring("runs.marmotdata.io/trigger"))
		Eventually(func() string {
			return jsonpath(ns, "job/"+job, `{.status.conditions[?(@.type=="Complete")].status}`)
		}, 60*time.Second, time.Second).Should(Equal("True"))
		Expect(jsonpath(ns, "job/"+job, "{.spec.ttlSecondsAfterFinished}")).To(Equal("60"))
		// The TTL controller of the real controller-manager removes it.
		Eventually(func() bool { return exists(ns, "job/"+job) }, 150*time.Second, 2*time.Second).Should(BeFalse())
	})

	It("runs the teardown Job when the Run is deleted, then the Run and its children go", func() {
		out, err := kubectlErr("delete", "run", "my-pipeline", "--wait=false")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func() string {
			return jsonpath(ns, "job/my-pipeline-teardown", "{.spec.template.spec.containers[0].command}")
		}, 30*time.Second, 500*time.Millisecond).Should(ContainSubstring(`"--destroy"`))
		Eventually(func() bool { return exists(ns, "run/my-pipeline") }, 60*time.Second, time.Second).Should(BeFalse())
		// Garbage collection removes what the Run owned.
		Eventually(func() bool {
			return exists(ns, "cronjob/my-pipeline") || exists(ns, "configmap/my-pipeline-config") ||
				exists(ns, "job/my-pipeline-teardown")
		}, 60*time.Second, time.Second).Should(BeFalse())
		events := kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name=my-pipeline")
		Expect(events).To(ContainSubstring("TeardownStarted"))
		Expect(events).To(ContainSubstring("TeardownSucceeded"))
	})

	It("with teardownOnDelete: false deletes the Run without a teardown Job", func() {
		kubectlStdin(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: keep-assets
spec:
  teardownOnDelete: false
  schedule: "0 */6 * * *"
  runs:
  - postgresql:
      host: "db.example.com"
      user: reader
`, "apply", "-f", "-")
		Eventually(func() bool { return exists(ns, "cronjob/keep-assets") }, 30*time.Second, time.Second).Should(BeTrue())
		kubectl("delete", "run", "keep-assets", "--timeout=60s")
		Consistently(func() bool { return exists(ns, "job/keep-assets-teardown") }, 5*time.Second, time.Second).Should(BeFalse())
		Eventually(func() bool { return exists(ns, "cronjob/keep-assets") }, 60*time.Second, time.Second).Should(BeFalse())
	})

	It("tells the user at apply time what is wrong with a bad Run", func() {
		cmdOut := applyExpectError(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: bad}
spec:
  concurrencyPolicy: Sometimes
  runs: []
`)
		Expect(cmdOut).To(ContainSubstring(`spec.concurrencyPolicy: Unsupported value: "Sometimes"`))
		Expect(cmdOut).To(ContainSubstring("spec.runs"))
	})

	It("refuses a Run the policies deny, with one line per violation from the webhook", func() {
		cmdOut := applyExpectError(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: leaky}
spec:
  schedule: "0 25 * * *"
  timeZone: Mars/Olympus
  runs:
    - postgresql:
        host: db.example.com
        user: reader
        password: hunter2
`)
		Expect(cmdOut).To(ContainSubstring(`admission webhook "validate.runs.marmotdata.io" denied the request: 3 policy violations:`))
		Expect(cmdOut).To(ContainSubstring(`- spec.runs[0].postgresql.password: literal secret; put it in a Secret and reference it`))
		Expect(cmdOut).To(ContainSubstring(`(policy runs.literal-secret)`))
		Expect(cmdOut).To(ContainSubstring(`- spec.schedule: "0 25 * * *" is not a valid cron schedule: hour "25": use 0-23`))
		Expect(cmdOut).To(ContainSubstring(`- spec.timeZone: "Mars/Olympus" is not an IANA time zone`))
		Expect(cmdOut).NotTo(ContainSubstring("hunter2"))
		Expect(exists(ns, "run/leaky")).To(BeFalse())
	})

	It("refuses a typo in a source's config, checked against the schema the source's module publishes", func() {
		cmdOut := applyExpectError(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: typo}
spec:
  runs:
    - postgresql:
        hots: db.example.com
        user: reader
`)
		Expect(cmdOut).To(ContainSubstring(`- spec.runs[0].postgresql.hots: not a setting of the postgresql source`))
		Expect(cmdOut).To(ContainSubstring(`- spec.runs[0].postgresql.host: required by the postgresql source (policy runs.source-config)`))
		Expect(exists(ns, "run/typo")).To(BeFalse())
	})

	It("shows policy warnings as kubectl Warning lines and applies the policies' defaults", func() {
		out := kubectlStdin(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: no-deadline}
spec:
  schedule: "0 3 * * *"
  runs:
    - postgresql: {host: db.example.com, user: reader}
`, "apply", "-f", "-")
		Expect(out).To(ContainSubstring("Warning: spec.activeDeadlineSeconds: a scheduled Run without a deadline can hang"))
		Expect(kubectl("get", "run", "no-deadline", "-o", "jsonpath={.spec.resources.requests.cpu}")).To(Equal("100m"))
		kubectl("delete", "run", "no-deadline", "--wait=false")
	})
})

func applyExpectError(manifest string) string {
	out, err := kubectlErrStdin(manifest, "apply", "-f", "-")
	ExpectWithOffset(1, err).To(HaveOccurred(), out)
	return strings.TrimSpace(out)
}
